/**
 * The write path: one statement per op, statements prepared once per batch, one transaction
 * without a SAVEPOINT per op, and results that carry the version and updated_at the app stored
 * (what the next read reports), with triggers and failing ops (PITFALLS 14).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WriteOp } from '../types';
import { collect } from '../conformance';
import { removeDir, tempDir } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';

describe('sqlite-table writes', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = tempDir('concord-sqlite-write-');
    path = join(dir, 'app.sqlite');
    db = new Database(path);
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`);
    db.exec("INSERT INTO t (name, updated_at) VALUES ('seed', '2024-05-01T10:00:00.000Z')");
  });
  afterEach(() => {
    vi.restoreAllMocks();
    db.close();
    removeDir(dir);
  });

  const creates = (n: number, from = 0): WriteOp[] => Array.from({ length: n }, (_, i) => ({ op: 'create', key: `k${from + i}`, fields: { name: `n${from + i}` } }));

  it('prepares its statements once per batch, whatever the number of ops, and takes no SAVEPOINT per op', async () => {
    const c = createSqliteTableConnector({ path });
    await c.describe(); // opens the connection: its own statements are not the write's
    const prepare = vi.spyOn(Database.prototype, 'prepare');
    const exec = vi.spyOn(Database.prototype, 'exec');
    const one = await c.write('t', creates(1));
    const forOne = prepare.mock.calls.length;
    prepare.mockClear();
    exec.mockClear();
    const many = await c.write('t', [...creates(40, 1), ...Array.from({ length: 40 }, (_, i): WriteOp => ({ op: 'update', id: String(i + 2), fields: { name: `u${i}` } }))]);
    expect([one, many].flat().every((r) => r.ok)).toBe(true);
    // One more statement for the updates, not one per op.
    expect(prepare.mock.calls.length).toBeLessThanOrEqual(forOne + 1);
    expect(exec.mock.calls.filter(([sql]) => /SAVEPOINT/i.test(String(sql)))).toEqual([]);
    await c.close();
  });

  it("returns the stored version and updated_at of every create and update, equal to the next read's, also when a trigger stamps the row", async () => {
    db.exec(`CREATE TABLE s (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT);
      CREATE TRIGGER s_stamp AFTER UPDATE OF name ON s BEGIN UPDATE s SET updated_at = '2030-01-01T00:00:00.000Z' WHERE id = NEW.id; END;
      INSERT INTO s VALUES (1, 'a', '2024-05-01T10:00:00.000Z')`);
    const c = createSqliteTableConnector({ path });
    for (const table of ['t', 's']) {
      const results = await c.write(table, [{ op: 'update', id: '1', fields: { name: 'b' } }, { op: 'create', key: 'k', fields: { name: 'c' } }]);
      const read = await c.read(table, results.map((r) => (r.ok ? r.id : '')));
      expect(results.map((r) => (r.ok ? [r.id, r.version, r.updatedAt] : r.error)), table).toEqual(read.map((r) => [r.id, r.version, r.updatedAt]));
      expect(read.every((r) => r.updatedAt), table).toBe(true);
    }
    expect(db.prepare('SELECT updated_at FROM s WHERE id = 1').pluck().get()).toBe('2030-01-01T00:00:00.000Z');
    await c.close();
  });

  it('pitfall 14: a stale or missing update or delete fails alone, in one conditional statement, and the rest of the batch commits', async () => {
    const c = createSqliteTableConnector({ path });
    const [seed] = await c.read('t', ['1']);
    const results = await c.write('t', [
      { op: 'update', id: '1', fields: { name: 'x' }, ifVersion: 'not-the-version' },
      { op: 'delete', id: '1', ifVersion: 'not-the-version' },
      { op: 'update', id: '99', fields: { name: 'ghost' } },
      { op: 'delete', id: '98' },
      ...creates(1),
      { op: 'update', id: '1', fields: { name: 'kept' }, ifVersion: seed?.version ?? '' },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['stale', 'stale', 'not-found', 'not-found', 'ok', 'ok']);
    expect(db.prepare('SELECT name FROM t ORDER BY id').pluck().all()).toEqual(['kept', 'n0']);
    await c.close();
  });

  it('pitfall 14: when the app rolls the whole transaction back (a trigger RAISE(ROLLBACK)), earlier ops are reported not written, and later ones commit', async () => {
    db.exec(`CREATE TRIGGER t_refuse BEFORE INSERT ON t WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'the app refuses boom'); END`);
    const c = createSqliteTableConnector({ path });
    const results = await c.write('t', [{ op: 'create', key: 'a', fields: { name: 'a' } }, { op: 'create', key: 'b', fields: { name: 'boom' } }, { op: 'create', key: 'c', fields: { name: 'c' } }]);
    expect(results.map((r) => r.ok)).toEqual([false, false, true]);
    expect(results[0]).toMatchObject({ ok: false, reason: 'unavailable', error: expect.stringMatching(/undid this write/) });
    expect(results[1]).toMatchObject({ ok: false, error: expect.stringMatching(/the app refuses boom/) });
    expect(db.prepare('SELECT name FROM t ORDER BY id').pluck().all()).toEqual(['seed', 'c']);
    expect((await collect(c, 't', null, 'hash')).ids).toHaveLength(2);
    await c.close();
  });

  it('a column the app adds or drops between two batches is seen by the next one on the same connection', async () => {
    const c = createSqliteTableConnector({ path });
    expect((await c.write('t', creates(1)))[0]?.ok).toBe(true);
    db.exec('ALTER TABLE t ADD COLUMN phone TEXT');
    const [added] = await c.write('t', [{ op: 'create', key: 'p', fields: { name: 'p', phone: '+1 555' } }]);
    expect(added).toMatchObject({ ok: true });
    expect((await c.read('t', [added?.ok ? added.id : '']))[0]?.fields.phone).toBe('+1 555');
    db.exec('ALTER TABLE t DROP COLUMN phone');
    expect((await c.write('t', [{ op: 'create', key: 'q', fields: { name: 'q', phone: 'x' } }]))[0]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringMatching(/no column "phone"/) });
    await c.close();
  });

  it('a key DEFAULT that yields NULL fails that create alone and leaves no row behind', async () => {
    db.exec(`CREATE TABLE k (code TEXT PRIMARY KEY DEFAULT (NULL || NULL), name TEXT)`);
    const c = createSqliteTableConnector({ path });
    const results = await c.write('k', [{ op: 'create', key: 'a', fields: { code: 'x', name: 'mapped' } }, { op: 'create', key: 'b', fields: { name: 'no key' } }]);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(results[1]).toMatchObject({ ok: false, reason: 'invalid' });
    expect(db.prepare('SELECT code FROM k').pluck().all()).toEqual(['x']);
    await c.close();
  });
});
