import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { createSqliteTableConnector } from './connector';

describe('sqlite-table connector', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-sqlite-'));
    path = join(dir, 'app.sqlite');
    db = new Database(path);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects SQL injection through collection and field names', async () => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    const c = createSqliteTableConnector({ path });
    await expect(c.read('t"; DROP TABLE t; --', ['1'])).rejects.toThrow('has no table "t"; DROP TABLE t; --"');
    const r = await c.write('t', [{ op: 'create', key: 'k', fields: { 'name") VALUES (1); DROP TABLE t; --': 'x' } }]);
    expect(r[0]).toMatchObject({ ok: false, reason: 'invalid' });
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 't'").pluck().get()).toBe(1);
    await c.close();
  });

  it('quotes odd but real identifiers', async () => {
    db.exec('CREATE TABLE "my ""odd"" table" ("the id" TEXT PRIMARY KEY, "sel""ect" TEXT)');
    const c = createSqliteTableConnector({ path });
    const r = await c.write('my "odd" table', [{ op: 'create', key: 'k', fields: { 'the id': 'a', 'sel"ect': 'v' } }]);
    expect(r[0]).toMatchObject({ ok: true, id: 'a' });
    expect((await collect(c, 'my "odd" table', null, 'hash')).ids).toEqual(['a']);
    await c.close();
  });

  it('flag mode: reads flagged rows, clearFlags clears them, Concord writes leave the flag clear', async () => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, dirty INTEGER DEFAULT 1)');
    db.exec("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')");
    db.exec('UPDATE t SET dirty = 0 WHERE id = 2');
    const c = createSqliteTableConnector({ path });
    // The first read (no cursor) lists every row; reads from its cursor list flagged rows only.
    const first = await collect(c, 't', null, 'flag', 1);
    expect(first.ids).toEqual(['1', '2', '3']);
    expect((await collect(c, 't', first.cursor, 'flag', 1)).ids).toEqual(['1', '3']);
    await c.clearFlags?.('t', [{ id: '1' }]);
    expect((await collect(c, 't', first.cursor, 'flag')).ids).toEqual(['3']);
    await c.write('t', [{ op: 'update', id: '3', fields: { name: 'C' } }, { op: 'create', key: 'k', fields: { name: 'd' } }]);
    expect((await collect(c, 't', first.cursor, 'flag')).ids).toEqual([]);
    // A flag cursor stored by an older Concord never had the first full read: it gets it once.
    expect((await collect(c, 't', { mode: 'flag', value: null }, 'flag')).ids).toEqual(['1', '2', '3', '4']);
    await c.close();
  });

  it('cursor mode with epoch seconds and zoned text: UTC order, writes stamp the database clock', async () => {
    db.exec('CREATE TABLE e (id INTEGER PRIMARY KEY, v TEXT, modified_at INTEGER)');
    db.exec("INSERT INTO e (v, modified_at) VALUES ('old', 1700000000), ('new', 1700000100)");
    db.exec('CREATE TABLE z (id TEXT PRIMARY KEY, ts TEXT)');
    db.exec("INSERT INTO z VALUES ('a', '2024-01-01T12:00:00+02:00'), ('b', '2024-01-01T11:00:00Z')");
    const c = createSqliteTableConnector({ path });
    const e = await collect(c, 'e', null, 'cursor');
    expect(e.upserts.map((r) => r.updatedAt)).toEqual(['2023-11-14T22:13:20.000Z', '2023-11-14T22:15:00.000Z']);
    const cz = createSqliteTableConnector({ path, updatedAtColumn: 'ts' });
    expect((await collect(cz, 'z', null, 'cursor')).upserts.map((r) => [r.id, r.updatedAt])).toEqual([['a', '2024-01-01T10:00:00.000Z'], ['b', '2024-01-01T11:00:00.000Z']]);
    const before = Math.floor(Date.now() / 1000) - 1;
    const [w] = await c.write('e', [{ op: 'update', id: '1', fields: { v: 'x' } }]);
    expect(db.prepare('SELECT modified_at FROM e WHERE id = 1').pluck().get()).toBeGreaterThanOrEqual(before);
    const next = await collect(c, 'e', e.cursor, 'cursor');
    expect(next.ids).toContain('1');
    expect(w?.ok && w.version).toBe(next.upserts.find((r) => r.id === '1')?.version);
    await c.close();
    await cz.close();
  });

  it('a locked database answers unavailable for every op', async () => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    const c = createSqliteTableConnector({ path, busyTimeoutMs: 50 });
    await c.describe();
    db.exec('BEGIN EXCLUSIVE');
    const r = await c.write('t', [{ op: 'create', key: 'a', fields: { name: 'x' } }, { op: 'delete', id: '1' }]);
    db.exec('ROLLBACK');
    expect(r).toMatchObject([{ ok: false, reason: 'unavailable' }, { ok: false, reason: 'unavailable' }]);
    await c.close();
  });

  it('a missing file is an actionable error', async () => {
    const c = createSqliteTableConnector({ path: join(dir, 'nope.sqlite') });
    await expect(c.test()).rejects.toThrow(`The file ${join(dir, 'nope.sqlite')} does not exist — check the path`);
  });
});
