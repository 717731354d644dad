/**
 * Creates into tables whose primary key SQLite does not assign itself (a TEXT, INT or compound
 * key): a create must never store a NULL key, and the id it reports is the row's real id.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { appQuery, removeDir, sqlAppsPair, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';

describe('sqlite-table creates and primary keys', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = tempDir('concord-sqlite-keys-');
    path = join(dir, 'app.sqlite');
    db = new Database(path);
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  it('a create into a TEXT-keyed table without the key mapped gets a generated key, reported as its id', async () => {
    db.exec('CREATE TABLE people (code TEXT PRIMARY KEY, email TEXT, name TEXT)');
    const c = createSqliteTableConnector({ path });
    const r = await c.write('people', [
      { op: 'create', key: 'run1:0', fields: { email: 'a@x', name: 'A' } },
      { op: 'create', key: 'run1:1', fields: { email: 'b@x', name: 'B' } },
    ]);
    const rows = db.prepare('SELECT code, email FROM people ORDER BY email').all() as { code: string | null; email: string }[];
    expect(rows.map((x) => x.code)).not.toContain(null);
    expect(new Set(rows.map((x) => x.code)).size).toBe(2);
    expect(r).toEqual([expect.objectContaining({ ok: true, id: rows[0]?.code }), expect.objectContaining({ ok: true, id: rows[1]?.code })]);
    // The reported id reads the row back.
    const back = await c.read('people', [rows[1]?.code ?? '']);
    expect(back.map((x) => x.fields.email)).toEqual(['b@x']);
    await c.close();
  });

  it('a create that maps the key column uses the mapped value', async () => {
    db.exec('CREATE TABLE people (code TEXT PRIMARY KEY, email TEXT)');
    const c = createSqliteTableConnector({ path });
    const r = await c.write('people', [{ op: 'create', key: 'k', fields: { code: 'P-7', email: 'a@x' } }]);
    expect(r[0]).toMatchObject({ ok: true, id: 'P-7' });
    expect(db.prepare('SELECT code FROM people').pluck().all()).toEqual(['P-7']);
    await c.close();
  });

  it('an INT (not rowid) key is numbered after the highest existing key; INTEGER PRIMARY KEY is left to SQLite', async () => {
    db.exec('CREATE TABLE n (id INT PRIMARY KEY, v TEXT); INSERT INTO n VALUES (41, \'old\')');
    db.exec('CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO r VALUES (9, \'old\')');
    const c = createSqliteTableConnector({ path });
    const n = await c.write('n', [{ op: 'create', key: 'k1', fields: { v: 'a' } }, { op: 'create', key: 'k2', fields: { v: 'b' } }]);
    expect(n).toEqual([expect.objectContaining({ ok: true, id: '42' }), expect.objectContaining({ ok: true, id: '43' })]);
    expect(db.prepare('SELECT count(*) FROM n WHERE id IS NULL').pluck().get()).toBe(0);
    const r = await c.write('r', [{ op: 'create', key: 'k1', fields: { v: 'a' } }]);
    expect(r[0]).toMatchObject({ ok: true, id: '10' });
    await c.close();
  });

  it("a key column with its own DEFAULT gets the app's value; a blank mapped key is assigned, and an update never clears a key", async () => {
    db.exec("CREATE TABLE d (id TEXT PRIMARY KEY DEFAULT ('app-' || lower(hex(randomblob(4)))), v TEXT)");
    db.exec('CREATE TABLE u (code TEXT PRIMARY KEY, v TEXT)');
    const c = createSqliteTableConnector({ path });
    const [d] = await c.write('d', [{ op: 'create', key: 'k', fields: { v: 'a' } }]);
    expect(d?.ok && d.id).toMatch(/^app-[0-9a-f]{8}$/);
    const [u] = await c.write('u', [{ op: 'create', key: 'k', fields: { code: '', v: 'a' } }]);
    const code = db.prepare('SELECT code FROM u').pluck().get();
    expect(typeof code === 'string' && code.length).toBeGreaterThan(10);
    expect(u).toMatchObject({ ok: true, id: code });
    const [up] = await c.write('u', [{ op: 'update', id: String(code), fields: { code: null, v: 'b' } }]);
    expect(up).toMatchObject({ ok: true, id: code });
    expect(db.prepare('SELECT code, v FROM u').all()).toEqual([{ code, v: 'b' }]);
    await c.close();
  });

  it('a compound key must be mapped: a create without it is refused naming the columns, one with it reports the JSON id reads use', async () => {
    db.exec('CREATE TABLE m (org TEXT, code TEXT, name TEXT, PRIMARY KEY (org, code))');
    const c = createSqliteTableConnector({ path });
    const r = await c.write('m', [
      { op: 'create', key: 'k1', fields: { org: 'acme', name: 'no code' } },
      { op: 'create', key: 'k2', fields: { org: 'acme', code: 'c1', name: 'ok' } },
    ]);
    expect(r[0]).toMatchObject({ ok: false, reason: 'invalid' });
    expect(r[0]?.ok === false && r[0].error).toContain('"code"');
    expect(r[1]).toMatchObject({ ok: true, id: JSON.stringify(['acme', 'c1']) });
    expect((await collect(c, 'm', null, 'hash')).ids).toEqual([JSON.stringify(['acme', 'c1'])]);
    expect(db.prepare('SELECT count(*) FROM m').pluck().get()).toBe(1);
    await c.close();
  });
});

describe('sqlite-table TEXT primary key through the engine', () => {
  let kit: Kit | null = null;
  let dir: string;
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('two runs into a TEXT-keyed table create two rows with their own keys and overwrite nothing', async () => {
    dir = tempDir('concord-sqlite-keys-');
    const apps = await sqlAppsPair(
      dir,
      {
        left: "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT); INSERT INTO contacts (email, name) VALUES ('a@x', 'A'), ('b@x', 'B')",
        right: 'CREATE TABLE people (code TEXT PRIMARY KEY, email TEXT, name TEXT)',
      },
      (c) => ({ ...c, right: { ...c.right, collection: 'people' }, fields: c.fields.filter((f) => f.name !== 'score') }),
    );
    const { left, right, pairId } = apps;
    kit = apps.kit;
    const first = await syncAndWait(kit, pairId);
    expect(first.counts.created).toBe(2);
    await syncAndWait(kit, pairId);
    expect(appQuery(left, 'SELECT email, name FROM contacts ORDER BY id')).toEqual([{ email: 'a@x', name: 'A' }, { email: 'b@x', name: 'B' }]);
    const people = appQuery<{ code: string | null; email: string; name: string }>(right, 'SELECT code, email, name FROM people ORDER BY email');
    expect(people.map((p) => [p.email, p.name])).toEqual([['a@x', 'A'], ['b@x', 'B']]);
    expect(people.every((p) => typeof p.code === 'string' && p.code !== '')).toBe(true);
    expect(people[0]?.code).not.toBe(people[1]?.code);
  });
});
