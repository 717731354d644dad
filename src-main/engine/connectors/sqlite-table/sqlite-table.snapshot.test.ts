/**
 * Cursor mode's snapshot (`snapshot.ts`): a column of date-first text is prefiltered by its raw
 * value with exactly the rows of the general path, and a large table is copied in chunks with the
 * event loop turning between them.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collect } from '../conformance';
import { removeDir, tempDir } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';
import { tsExpression } from './timestamps';

const T = Date.parse('2024-05-01T10:00:00.000Z');
const since = new Date(T).toISOString();

describe('sqlite-table cursor snapshot', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = tempDir('concord-sqlite-snapshot-');
    path = join(dir, 'app.sqlite');
    db = new Database(path);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    db.close();
    removeDir(dir);
  });

  /** The SQL of every statement the connector prepares while `fn` runs. */
  async function statements(fn: () => Promise<unknown>): Promise<string[]> {
    const proto = Object.getPrototypeOf(db) as { prepare: (sql: string) => unknown };
    const prepare = proto.prepare;
    const seen: string[] = [];
    vi.spyOn(proto, 'prepare').mockImplementation(function (this: unknown, sql: string) {
      seen.push(sql);
      return prepare.call(this, sql);
    });
    await fn();
    vi.restoreAllMocks();
    return seen;
  }

  /** The ids the general path's condition selects, evaluated by SQLite itself. */
  const expected = (): string[] =>
    (db.prepare(`SELECT id FROM (SELECT id, ${tsExpression('updated_at')} AS ts FROM t) WHERE ts = '' OR ts >= ? ORDER BY id`).pluck().all(since) as number[]).map(String);

  it.each([false, true])('a column of canonical ISO text (index on it: %s) reads through its raw values exactly the rows the general path reads', async (indexed) => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT)');
    if (indexed) db.exec('CREATE INDEX t_updated ON t (updated_at)');
    const ins = db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)');
    let id = 0;
    // Canonical times around the cursor, a millisecond apart at the boundary.
    for (const offset of [-86_400_000 * 3, -5000, -1, 0, 1, 5000, 86_400_000]) ins.run(++id, 'canonical', new Date(T + offset).toISOString());
    // Other forms a canonical column may hold a few of: each judged by its time, as the general path does.
    for (const raw of ['2024-05-01T10:00:00Z', '2024-05-01 10:00:01', '2024-04-30T23:30:00-11:00', '2024-05-01T09:59:59.999Z', '2024-05-01T11:00:00+02:00', null, 'not a time'])
      ins.run(++id, 'other', raw);
    // The newest values (the format sample) are canonical, so the raw path applies.
    for (let i = 0; i < 30; i++) ins.run(++id, 'newest', new Date(T + 60_000 + i).toISOString());
    const c = createSqliteTableConnector({ path });
    let ids: string[] = [];
    const sql = await statements(async () => {
      ids = (await collect(c, 't', { mode: 'cursor', value: { ts: since, key: [0], readAt: since } }, 'cursor', 4, 1e-9)).ids;
    });
    expect(sql.some((s) => s.includes('NOT GLOB'))).toBe(true);
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(expected());
    await c.close();
  });

  it('a column of epoch numbers keeps the general path', async () => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at INTEGER)');
    const ins = db.prepare('INSERT INTO t (id, v, updated_at) VALUES (?, ?, ?)');
    for (let i = 1; i <= 40; i++) ins.run(i, 'v', Math.floor(T / 1000) - 20 + i);
    const c = createSqliteTableConnector({ path });
    let ids: string[] = [];
    const sql = await statements(async () => {
      ids = (await collect(c, 't', { mode: 'cursor', value: { ts: since, key: [0], readAt: since } }, 'cursor', 100, 1e-9)).ids;
    });
    expect(sql.some((s) => s.includes('GLOB'))).toBe(false);
    expect(ids).toEqual(expected());
    await c.close();
  });

  it('a read of a large table lets the event loop turn while the snapshot is taken', async () => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, updated_at TEXT)');
    const ins = db.prepare('INSERT INTO t (v, updated_at) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 60_000; i++) ins.run('v', new Date(T + i).toISOString());
    })();
    const c = createSqliteTableConnector({ path });
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const ac = new AbortController();
    let atFirstBatch: number | null = null;
    let rows = 0;
    for await (const b of c.changes('t', null, { mode: 'cursor', signal: ac.signal, batchSize: 100_000 })) {
      atFirstBatch ??= turns;
      rows += b.upserts.length;
    }
    ticking = false;
    expect(rows).toBe(60_000);
    // Three chunks of 20,000 rows: the loop turned between them, before the first batch was ready.
    expect(atFirstBatch).toBeGreaterThanOrEqual(2);
    await c.close();
  });
});
