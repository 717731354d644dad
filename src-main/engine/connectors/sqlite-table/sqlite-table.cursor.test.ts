/**
 * Cursor mode: rows without a readable updated_at, stored cursors that cannot be resumed from,
 * and keyset paging across runs of equal timestamps (PITFALLS 6 and 10).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cursor } from '../types';
import { collect } from '../conformance';
import { appQuery, appSql, removeDir, sqlAppsPair, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';

const T = '2024-05-01T10:00:00.000Z';
const tsOf = (c: Cursor | null): unknown => (c?.value as { ts?: unknown } | null)?.ts;

describe('sqlite-table cursor mode', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = tempDir('concord-sqlite-cursor-');
    path = join(dir, 'app.sqlite');
    db = new Database(path);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT)');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    db.close();
    removeDir(dir);
  });

  it('the look-back window counts back from when the last read began, so a burst of rows (Concord\'s own writes) is not read again on every run', async () => {
    const ins = db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)');
    // A burst stamped over three seconds, then one row at T: the last read began 10 s after T.
    for (let i = 1; i <= 300; i++) ins.run(i, `burst ${i}`, new Date(Date.parse(T) - 3000 + i).toISOString());
    ins.run(301, 'last', T);
    const c = createSqliteTableConnector({ path });
    const readAt = new Date(Date.parse(T) + 10_000).toISOString();
    const next = await collect(c, 't', { mode: 'cursor', value: { ts: T, key: [301], readAt } }, 'cursor', 100, 5);
    // Only the rows sharing the cursor's own stamp; from the cursor's stamp back 5 s, all 301 came again.
    expect(next.ids).toEqual(['301']);
    // A cursor from an older Concord (no readAt) still looks back from its own stamp.
    const old = await collect(c, 't', { mode: 'cursor', value: { ts: T, key: [301] } }, 'cursor', 100, 5);
    expect(old.ids).toHaveLength(301);
    // The cursor a read leaves says when that read began, by the app's clock.
    expect(next.cursor?.value).toMatchObject({ ts: T, key: [301], readAt: expect.any(String) });
  });

  it("leaves out Concord's own writes still at their stamps, over several pages of them, and moves the cursor past them", async () => {
    const ins = db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)');
    const stampOf = (i: number) => new Date(Date.parse(T) + 1000 + i * 7).toISOString();
    // 4,500 rows Concord wrote (stamps with milliseconds), then the app edits two of them and adds one.
    db.transaction(() => {
      for (let i = 1; i <= 4500; i++) ins.run(i, `own ${i}`, stampOf(i));
    })();
    const own = Array.from({ length: 4500 }, (_, i) => ({ id: String(i + 1), stamp: stampOf(i + 1) })).sort((a, b) => (a.stamp === b.stamp ? (a.id < b.id ? -1 : 1) : a.stamp < b.stamp ? -1 : 1));
    db.prepare('UPDATE t SET v = ?, updated_at = ? WHERE id IN (17, 4400)').run('edited by the app', new Date(Date.parse(T) + 40_000).toISOString());
    ins.run(9001, 'new in the app', new Date(Date.parse(T) + 500).toISOString());
    let asked = 0;
    const ownWrites = (since: string, after: { id: string; stamp: string } | null, limit: number) => {
      asked++;
      return own.filter((w) => w.stamp >= since && (!after || w.stamp > after.stamp || (w.stamp === after.stamp && w.id > after.id))).slice(0, limit);
    };
    const c = createSqliteTableConnector({ path });
    const cursor = { mode: 'cursor' as const, value: { ts: T, key: [1], readAt: T } };
    const read = async () => {
      const batches = [];
      for await (const b of c.changes('t', cursor, { mode: 'cursor', signal: new AbortController().signal, batchSize: 100, lookBackSeconds: 5, ownWrites })) batches.push(b);
      return { ids: batches.flatMap((b) => b.upserts.map((r) => r.id)).sort(), cursor: batches.at(-1)?.cursor ?? null };
    };
    const first = await read();
    expect(first.ids).toEqual(['17', '4400', '9001']);
    expect(asked).toBeGreaterThan(2);
    // The cursor ends on the newest row at or before the app's now: the app's edit, after every own write.
    expect(tsOf(first.cursor)).toBe(new Date(Date.parse(T) + 40_000).toISOString());
    // With nothing but own writes left to read, the cursor still moves past them: the next read starts after them.
    db.prepare('DELETE FROM t WHERE id IN (17, 4400, 9001)').run();
    const second = await read();
    expect(second.ids).toEqual([]);
    expect(tsOf(second.cursor)).toBe(stampOf(4500));
    await c.close();
  });

  it('rows with a NULL, unreadable or out-of-range updated_at are read on every run, and the cursor never holds an empty time', async () => {
    const ins = db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)');
    ins.run(1, 'null', null);
    ins.run(2, 'garbage', 'not a time');
    ins.run(3, 'stamped', T);
    ins.run(4, 'huge', 1e20);
    ins.run(5, 'null too', null);
    const c = createSqliteTableConnector({ path });
    const first = await collect(c, 't', null, 'cursor', 2, 5);
    expect([...first.ids].sort()).toEqual(['1', '2', '3', '4', '5']);
    for (const b of first.batches) expect(b.cursor.value === null || tsOf(b.cursor) !== '').toBe(true);
    expect(tsOf(first.cursor)).toBe(T);

    const second = await collect(c, 't', first.cursor, 'cursor', 2, 5);
    expect([...second.ids].sort()).toEqual(['1', '2', '3', '4', '5']);
    ins.run(6, 'new, no time', null);
    const third = await collect(c, 't', second.cursor, 'cursor', 2, 5);
    expect(third.ids).toContain('6');
    await c.close();
  });

  it('a table where no row has a timestamp keeps a null cursor and the next run still reads', async () => {
    db.exec("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')");
    const c = createSqliteTableConnector({ path });
    const first = await collect(c, 't', null, 'cursor', 2, 5);
    expect(first.ids).toEqual(['1', '2', '3']);
    expect(first.cursor?.value).toBeNull();
    expect((await collect(c, 't', first.cursor, 'cursor', 2, 5)).ids).toEqual(['1', '2', '3']);
    await c.close();
  });

  it('a stored cursor with an empty or unreadable time is read as no cursor instead of failing every run', async () => {
    db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)').run(1, 'a', T);
    db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)').run(2, 'b', null);
    const c = createSqliteTableConnector({ path });
    for (const value of [{ ts: '', key: [2] }, { ts: 'yesterday-ish', key: [1] }, { ts: T, key: [] }, 'junk']) {
      const r = await collect(c, 't', { mode: 'cursor', value }, 'cursor', 10, 5);
      expect([...r.ids].sort(), JSON.stringify(value)).toEqual(['1', '2']);
      expect(r.cursor?.value).toMatchObject({ ts: T, key: [1] });
    }
    await c.close();
  });

  it('many rows sharing one timestamp across several pages are each read once, in bounded queries', async () => {
    const ins = db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 50; i++) ins.run(i, `v${i}`, T);
    })();
    const c = createSqliteTableConnector({ path });
    // Every query the connector runs returns at most a page (plus one row to see that another
    // follows), or the fixed sample of the newest 25 values that tells the column's format.
    const statement = Object.getPrototypeOf(db.prepare('SELECT 1')) as { all: (...args: unknown[]) => unknown[] };
    const sizes: number[] = [];
    const all = statement.all;
    vi.spyOn(statement, 'all').mockImplementation(function (this: unknown, ...args: unknown[]) {
      const out = all.apply(this, args);
      sizes.push(out.length);
      return out;
    });
    const r = await collect(c, 't', null, 'cursor', 7, 5);
    expect(r.ids).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    expect(r.batches.length).toBe(8);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
    // The samples: one for the app's now before the snapshot, one after it.
    expect(sizes.filter((n) => n > 8)).toEqual([25, 25]);

    // Resuming from a cursor inside the run of equal timestamps, with no look-back: that row and the rest.
    const mid = r.batches[2]?.cursor ?? null;
    expect(mid?.value).toMatchObject({ ts: T, key: [21] });
    const rest = await collect(c, 't', mid, 'cursor', 7, 0);
    expect(rest.ids).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 21)));
    await c.close();
  });
});

describe('sqlite-table cursor mode through the engine', () => {
  let kit: Kit | null = null;
  let dir: string;
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('a pair whose rows have no updated_at keeps running, and a new such row still syncs', async () => {
    dir = tempDir('concord-sqlite-cursor-');
    const table = 'CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER, updated_at TEXT);';
    const apps = await sqlAppsPair(dir, { left: `${table} INSERT INTO contacts (email, name) VALUES ('a@x', 'A'), ('b@x', 'B')`, right: table }, (c) => ({
      ...c,
      left: { ...c.left, changeDetection: 'cursor' },
      right: { ...c.right, changeDetection: 'cursor' },
    }));
    const { left, right, pairId } = apps;
    kit = apps.kit;
    const first = await syncAndWait(kit, pairId);
    expect([first.status, first.counts.created]).toEqual(['succeeded', 2]);
    const second = await syncAndWait(kit, pairId);
    expect([second.status, second.error]).toEqual(['succeeded', null]);
    appSql(left, "INSERT INTO contacts (email, name) VALUES ('c@x', 'C')");
    const third = await syncAndWait(kit, pairId);
    expect([third.status, third.counts.created]).toEqual(['succeeded', 1]);
    expect(appQuery(right, 'SELECT email FROM contacts ORDER BY email').map((r) => r.email)).toEqual(['a@x', 'b@x', 'c@x']);
  });
});
