// The inbox's listing in SQL (issue 9 §4, §5): paging, filters, sorting, search over values (never
// the stored JSON's keys), the columns backfilled for conflicts saved before migration 5, and the
// per-write lookups of conflicts and failed records going through an index.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConflictField } from '../api/model';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DATABASE_FILE, openDatabase, type Db } from '../store/db';
import { migrations } from '../store/migrations';
import { createConflictList } from './conflict-list';
import { createRecordsStore, type ConflictData } from './records-store';
import { removeDir, tempDir } from './test-kit.fixture';

let dir = '';
let db: Db | null = null;
afterEach(() => {
  db?.close();
  db = null;
  removeDir(dir);
});

function open(): Db {
  dir = tempDir('concord-inbox-');
  db = openDatabase(dir);
  const at = '2026-01-01T00:00:00.000Z';
  for (const [id, name] of [['p1', 'CRM ⇄ Billing'], ['p2', 'Shop ⇄ Sheet']]) {
    db.prepare('INSERT INTO pairs (id, name, config_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, name, '{}', at, at);
  }
  return db;
}

const field = (name: string, left: string, right: string): ConflictField => ({ name, type: 'string', base: 'old value', left, right, inConflict: true });

/** `n` field conflicts on pair p1 (person i: city Lyon-i vs Paris-i), detected one second apart (person 0 first). */
function seed(d: Db, n: number): void {
  const records = createRecordsStore(d);
  d.transaction(() => {
    for (let i = 0; i < n; i++) {
      const data: ConflictData = { fields: [field('city', `Lyon-${i}`, `Paris-${i}`)] };
      const { id } = records.saveConflict({ pairId: 'p1', linkId: i + 1, kind: 'field', leftId: `l${i}`, rightId: `r${i}`, record: `person${String(i).padStart(4, '0')}@example.com`, fields: ['city'], data });
      d.prepare('UPDATE conflicts SET detected_at = ? WHERE id = ?').run(new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), id);
    }
  })();
}

describe('conflicts/list in SQL', () => {
  it('pages: a page holds what was asked, total counts every match, newest first by default', () => {
    const d = open();
    seed(d, 250);
    const list = createConflictList(d);
    const first = list.page({ limit: 100 });
    expect(first.total).toBe(250);
    expect(first.items).toHaveLength(100);
    expect(first.items[0]?.record).toBe('person0249@example.com');
    expect(first.items[0]).toMatchObject({ pairId: 'p1', pairName: 'CRM ⇄ Billing', kind: 'field', fields: ['city'], status: 'open' });
    const last = list.page({ offset: 200, limit: 100 });
    expect(last).toMatchObject({ total: 250, offset: 200 });
    expect(last.items.map((c) => c.record).at(-1)).toBe('person0000@example.com');
    expect(last.items).toHaveLength(50);
    const byRecord = list.page({ sort: { by: 'record', desc: false }, limit: 3 });
    expect(byRecord.items.map((c) => c.record)).toEqual(['person0000@example.com', 'person0001@example.com', 'person0002@example.com']);
  });

  it('filters by pair, kind and field, and sorts by kind as the table shows it', () => {
    const d = open();
    const records = createRecordsStore(d);
    records.saveConflict({ pairId: 'p1', linkId: 1, kind: 'field', leftId: 'a', rightId: 'a', record: 'ann', fields: ['phone', 'plan'], data: { fields: [field('phone', '1', '2'), field('plan', 'pro', 'team')] } });
    records.saveConflict({ pairId: 'p1', linkId: 2, kind: 'update-delete', leftId: null, rightId: 'b', record: 'bob', fields: ['city'], data: { fields: [field('city', 'Oslo', 'Bergen')], deletedSide: 'left' } });
    records.saveConflict({ pairId: 'p2', linkId: null, kind: 'duplicate', leftId: null, rightId: 'c', record: 'carol', fields: [], data: { fields: [], duplicate: { side: 'right', record: { email: 'carol@example.com' }, candidates: [{ id: 'crm-7', fields: { email: 'carol@example.com' } }] } } });
    const list = createConflictList(d);
    const records_ = (q: Parameters<typeof list.page>[0]) => list.page(q).items.map((c) => c.record).sort();
    expect(records_({ pairId: 'p1' })).toEqual(['ann', 'bob']);
    expect(records_({ kind: 'duplicate' })).toEqual(['carol']);
    expect(records_({ field: 'plan' })).toEqual(['ann']);
    expect(records_({ pairId: 'p1', field: 'city' })).toEqual(['bob']);
    expect(list.page({ sort: { by: 'kind', desc: false } }).items.map((c) => c.kind)).toEqual(['duplicate', 'update-delete', 'field']);
    expect(list.page({ sort: { by: 'fields', desc: false } }).items.map((c) => c.record)).toEqual(['bob', 'ann', 'carol']);
    expect(list.facets()).toEqual({ total: 3, pairs: [{ id: 'p1', name: 'CRM ⇄ Billing' }, { id: 'p2', name: 'Shop ⇄ Sheet' }], fields: ['city', 'phone', 'plan'] });
  });

  it('search matches values, labels, field and pair names in any case, never the JSON keys of the stored conflict', () => {
    const d = open();
    seed(d, 30);
    const list = createConflictList(d);
    const total = (search: string) => list.page({ search }).total;
    // Keys of the stored conflict (ConflictField, ConflictData): none of them is a value here.
    for (const key of ['left', 'right', 'base', 'name', 'type', 'inconflict', 'fields', 'versions', '"', '{']) expect(total(key), key).toBe(0);
    expect(total('PARIS-7')).toBe(1);
    expect(total('lyon-1')).toBe(11); // 1, 10..19
    expect(total('old value')).toBe(30);
    expect(total('person0003@')).toBe(1);
    expect(total('CITY')).toBe(30);
    expect(total('billing')).toBe(30);
    expect(total('Sheet')).toBe(0);
    // LIKE's wildcards are plain characters here.
    expect(total('%')).toBe(0);
    expect(total('_')).toBe(0);
  });

  it('conflicts saved before migration 5 get their search column when the store backfills them', () => {
    const d = open();
    seed(d, 5);
    d.prepare('UPDATE conflicts SET search_text = NULL, fields_label = NULL').run();
    const list = createConflictList(d);
    // Meanwhile the label is searchable, the values not yet.
    expect(list.page({ search: 'person0002' }).total).toBe(1);
    expect(list.page({ search: 'paris-2' }).total).toBe(0);
    expect(createRecordsStore(d).backfillConflictColumns(2)).toBe(5);
    expect(list.page({ search: 'paris-2' }).total).toBe(1);
    expect(createRecordsStore(d).backfillConflictColumns()).toBe(0);
  });

  it('a data folder written before migration 5 opens with its conflicts listed, searchable by value once backfilled', () => {
    dir = tempDir('concord-inbox-');
    const old = new Database(join(dir, DATABASE_FILE));
    old.exec('CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of migrations.filter((x) => x.id < 5)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, 'then');
    }
    old.prepare("INSERT INTO pairs (id, name, config_json, created_at, updated_at) VALUES ('p1', 'CRM ⇄ Billing', '{}', 'then', 'then')").run();
    const data: ConflictData = { fields: [field('city', 'Lyon', 'Paris')] };
    old.prepare("INSERT INTO conflicts (id, pair_id, link_id, kind, left_id, right_id, record, fields_json, data_json, status, detected_at) VALUES ('c1', 'p1', 1, 'field', 'l1', 'r1', 'ann@example.com', '[\"city\"]', ?, 'open', '2026-01-01T00:00:00.000Z')").run(JSON.stringify(data));
    old.close();
    db = openDatabase(dir);
    const list = createConflictList(db);
    expect(list.page({}).items.map((c) => c.record)).toEqual(['ann@example.com']);
    expect(createRecordsStore(db).backfillConflictColumns()).toBe(1);
    expect(list.page({ search: 'paris' }).total).toBe(1);
    expect(list.page({ search: 'left' }).total).toBe(0);
    expect(createRecordsStore(db).openConflictFor('p1', 'left', 'l1')?.id).toBe('c1');
  });

  it('updating a conflict\'s values (a side changed) updates what search finds', () => {
    const d = open();
    seed(d, 1);
    const records = createRecordsStore(d);
    const [c] = records.conflicts({ status: 'open' });
    records.updateConflictData(c?.id ?? '', { fields: [field('city', 'Lyon-0', 'Marseille')] });
    const list = createConflictList(d);
    expect(list.page({ search: 'paris-0' }).total).toBe(0);
    expect(list.page({ search: 'marseille' }).total).toBe(1);
  });
});

describe('per-write lookups go through an index (issue 9 §5)', () => {
  /** The SQL texts a store runs, captured at prepare, and how SQLite plans each. */
  function plansOf(d: Db, run: (records: ReturnType<typeof createRecordsStore>) => void): { sql: string; plan: string }[] {
    const seen = new Set<string>();
    const spy = new Proxy(d, {
      get(target, prop, receiver) {
        if (prop === 'prepare') {
          return (sql: string) => {
            seen.add(sql);
            return target.prepare(sql);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    run(createRecordsStore(spy));
    return [...seen].map((sql) => {
      const names = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1] ?? ''))];
      const positional = (sql.match(/\?/g) ?? []).length;
      const stmt = d.prepare(`EXPLAIN QUERY PLAN ${sql}`);
      const rows = (names.length > 0 ? stmt.all(Object.fromEntries(names.map((n) => [n, 'x']))) : stmt.all(...Array<string>(positional).fill('x'))) as { detail: string }[];
      return { sql, plan: rows.map((r) => r.detail).join(' | ') };
    });
  }

  it('saving a conflict finds the record\'s open conflict by its id, not by scanning the pair\'s open conflicts', () => {
    const d = open();
    seed(d, 50);
    const plans = plansOf(d, (records) => {
      records.saveConflict({ pairId: 'p1', linkId: 3, kind: 'field', leftId: 'l3', rightId: 'r3', record: 'again', fields: ['city'], data: { fields: [field('city', 'a', 'b')] } });
      records.saveConflict({ pairId: 'p1', linkId: null, kind: 'update-delete', leftId: null, rightId: 'r9', record: 'right only', fields: ['city'], data: { fields: [field('city', 'a', 'b')] } });
      expect(records.openConflictFor('p1', 'right', 'r4')?.record).toBe('person0004@example.com');
      expect(records.openFieldConflictIdForLink('p1', 5)).toBe(records.openConflictFor('p1', 'left', 'l4')?.id);
      expect(records.openFieldConflictIdForLink('p1', 999)).toBeNull();
    });
    const lookups = plans.filter((p) => /^SELECT/.test(p.sql) && / FROM conflicts/.test(p.sql));
    expect(lookups.length).toBeGreaterThanOrEqual(3);
    for (const p of lookups) expect(p.plan, p.sql).toMatch(/SEARCH conflicts USING (COVERING )?INDEX conflicts_open_(left|right|link) \(pair_id=\? AND (left|right|link)_id=\?\)/);
  });

  it('the failed list is looked up by pair and record id through its indexes', () => {
    const d = open();
    const plans = plansOf(d, (records) => {
      records.saveFailed({ pairId: 'p1', side: 'left', op: 'update', leftId: 'l1', rightId: 'r1', record: 'ann', error: 'boom' });
      records.saveFailed({ pairId: 'p1', side: 'left', op: 'update', leftId: 'l1', rightId: 'r1', record: 'ann', error: 'boom again' });
      expect(records.failedList('p1')[0]?.attempts).toBe(2);
      records.clearFailed('p1', 'l1', 'r1');
      expect(records.failedCount('p1')).toBe(0);
    });
    const touching = plans.filter((p) => /FROM failed/.test(p.sql));
    expect(touching.length).toBeGreaterThanOrEqual(4);
    for (const p of touching) expect(p.plan, p.sql).not.toMatch(/SCAN failed|USE TEMP B-TREE/);
  });

  it('records held by open duplicates come from SQL, candidates included', () => {
    const d = open();
    const records = createRecordsStore(d);
    records.saveConflict({ pairId: 'p2', linkId: null, kind: 'duplicate', leftId: null, rightId: 'c', record: 'carol', fields: [], data: { fields: [], duplicate: { side: 'right', record: { email: 'carol@example.com' }, candidates: [{ id: 'crm-7', fields: {} }, { id: 'crm-9', fields: {} }] } } });
    const held = records.heldIds('p2');
    expect([...held.left].sort()).toEqual(['crm-7', 'crm-9']);
    expect([...held.right]).toEqual(['c']);
  });
});
