/**
 * Transforms through the engine: two SQLite (or CSV) apps with their own column names and formats,
 * a pair created and run through the public API. Each test checks both apps' contents after a run,
 * and that the next run writes nothing (the canonical forms agree: no update loop, PITFALLS 2, 13).
 */
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldMapping, PairConfig, RunSummary } from '../api/model';
import { removeDir, startEngine, syncAndWait, tempDir, type Kit } from './test-kit.fixture';

type Row = Record<string, string | number | null>;
const sql = <T>(path: string, fn: (db: Database.Database) => T): T => {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
};
const rows = (path: string, table = 't'): Row[] => sql(path, (db) => db.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Row[]);
const insert = (path: string, row: Row, table = 't') =>
  sql(path, (db) => void db.prepare(`INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map(() => '?').join(', ')})`).run(...Object.values(row)));
const update = (path: string, id: number, row: Row, table = 't') =>
  sql(path, (db) => void db.prepare(`UPDATE ${table} SET ${Object.keys(row).map((k) => `${k} = ?`).join(', ')} WHERE id = ?`).run(...Object.values(row), id));
const strip = (rs: Row[]) => rs.map(({ id: _id, ...rest }) => rest);

describe('transforms through the engine', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  /** Two SQLite apps with the given table schemas and a pair over table `t` on both sides. */
  async function pair(leftSchema: string, rightSchema: string, fields: FieldMapping[], over: Partial<PairConfig> = {}) {
    dir = tempDir();
    const left = join(dir, 'left.sqlite');
    const right = join(dir, 'right.sqlite');
    sql(left, (db) => db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, ${leftSchema})`));
    sql(right, (db) => db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, ${rightSchema})`));
    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: right } });
    const config: PairConfig = {
      name: 'Transforms',
      left: { connectionId: l.id, collection: 't', changeDetection: 'hash' },
      right: { connectionId: r.id, collection: 't', changeDetection: 'hash' },
      fields,
      matchKeys: ['email'],
      masterSide: 'left',
      conflictPolicy: 'master',
      deletes: { propagate: true, massDeleteThreshold: 1 },
      schedule: { intervalSeconds: null },
      ...over,
    };
    const created = await kit.call('pairs/create', { config });
    const k = kit;
    return { left, right, run: () => syncAndWait(k, created.id) };
  }
  const quiet = (run: RunSummary) => expect({ status: run.status, created: run.counts.created, updated: run.counts.updated, deleted: run.counts.deleted }).toEqual({ status: 'succeeded', created: 0, updated: 0, deleted: 0 });

  it('rename and split/join: first + last name in one app is one full name in the other, both ways', async () => {
    const p = await pair('mail TEXT, first_name TEXT, last_name TEXT', 'email TEXT, full_name TEXT', [
      { name: 'email', type: 'string', left: { fields: ['mail'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'fullName', type: 'string', left: { fields: ['first_name', 'last_name'], separator: ' ' }, right: { fields: ['full_name'] }, direction: 'both' },
    ]);
    insert(p.left, { mail: 'ann@x.com', first_name: 'Ann', last_name: 'Lee' });
    insert(p.right, { email: 'bo@x.com', full_name: 'Bo van Dijk' });
    expect((await p.run()).counts.created).toBe(2);
    expect(strip(rows(p.left))).toEqual([{ mail: 'ann@x.com', first_name: 'Ann', last_name: 'Lee' }, { mail: 'bo@x.com', first_name: 'Bo', last_name: 'van Dijk' }]);
    expect(strip(rows(p.right))).toEqual([{ email: 'bo@x.com', full_name: 'Bo van Dijk' }, { email: 'ann@x.com', full_name: 'Ann Lee' }]);
    quiet(await p.run());
    update(p.right, 2, { full_name: 'Ann Marie Lee' });
    await p.run();
    expect(rows(p.left)[0]).toMatchObject({ first_name: 'Ann', last_name: 'Marie Lee' });
    quiet(await p.run());
  });

  it('trim and case: "  ANN@X.COM " in one app matches and equals "ann@x.com" in the other; new records arrive normalized', async () => {
    const norm = [{ kind: 'trim' }, { kind: 'case', to: 'lower' }] as const;
    const p = await pair('email TEXT, name TEXT', 'email TEXT, name TEXT', [
      { name: 'email', type: 'string', left: { fields: ['email'], transforms: [...norm] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'name', type: 'string', left: { fields: ['name'], transforms: [{ kind: 'case', to: 'title' }] }, right: { fields: ['name'] }, direction: 'both' },
    ]);
    insert(p.left, { email: '  ANN@X.COM ', name: 'ann lee' });
    insert(p.right, { email: 'ann@x.com', name: 'Ann Lee' });
    insert(p.left, { email: 'Bo@X.com', name: 'BO CHEN' });
    const first = await p.run();
    expect(first.counts).toMatchObject({ created: 1, updated: 0 });
    expect(strip(rows(p.right))).toEqual([{ email: 'ann@x.com', name: 'Ann Lee' }, { email: 'bo@x.com', name: 'Bo Chen' }]);
    expect(strip(rows(p.left))).toEqual([{ email: '  ANN@X.COM ', name: 'ann lee' }, { email: 'Bo@X.com', name: 'BO CHEN' }]); // equal once normalized: not rewritten
    quiet(await p.run());
  });

  it('value map: "prod" in one app is "production" in the other, in both directions', async () => {
    const p = await pair('email TEXT, env TEXT', 'email TEXT, stage TEXT', [
      { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'stage', type: 'string', left: { fields: ['env'], transforms: [{ kind: 'value-map', values: { prod: 'production', dev: 'development' } }] }, right: { fields: ['stage'] }, direction: 'both' },
    ]);
    insert(p.left, { email: 'a@x.com', env: 'prod' });
    insert(p.right, { email: 'b@x.com', stage: 'development' });
    await p.run();
    expect(strip(rows(p.right))).toEqual([{ email: 'b@x.com', stage: 'development' }, { email: 'a@x.com', stage: 'production' }]);
    expect(strip(rows(p.left))).toEqual([{ email: 'a@x.com', env: 'prod' }, { email: 'b@x.com', env: 'dev' }]);
    quiet(await p.run());
    update(p.right, 2, { stage: 'development' });
    update(p.right, 1, { stage: 'production' });
    await p.run();
    expect(strip(rows(p.left))).toEqual([{ email: 'a@x.com', env: 'dev' }, { email: 'b@x.com', env: 'prod' }]);
    quiet(await p.run());
  });

  it('coercion: numbers, dates and booleans stored as text equal the typed values of the other app, in any time zone', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      const p = await pair('email TEXT, amount TEXT, due TEXT, active TEXT', 'email TEXT, amount REAL, due TEXT, active INTEGER', [
        { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
        { name: 'amount', type: 'number', left: { fields: ['amount'], transforms: [{ kind: 'coerce', to: 'number' }] }, right: { fields: ['amount'] }, direction: 'both' },
        { name: 'due', type: 'date', left: { fields: ['due'] }, right: { fields: ['due'] }, direction: 'both' },
        { name: 'active', type: 'boolean', left: { fields: ['active'], transforms: [{ kind: 'coerce', to: 'boolean' }] }, right: { fields: ['active'] }, direction: 'both' },
      ]);
      // The same customer in both apps: "5.0" is 5, "1.0" is true, a UTC midnight is that date.
      insert(p.left, { email: 'a@x.com', amount: '5.0', due: '2024-02-01', active: '1.0' });
      insert(p.right, { email: 'a@x.com', amount: 5, due: '2024-02-01T00:00:00Z', active: 1 });
      // A date in an unknown day/month order and a thousands-or-decimal "1,234" are copied as text, never guessed.
      insert(p.left, { email: 'b@x.com', amount: '1,234', due: '02/01/2024', active: '0' });
      const first = await p.run();
      expect(first.counts).toMatchObject({ created: 1, updated: 0, conflicts: 0 });
      expect(strip(rows(p.right))).toEqual([
        { email: 'a@x.com', amount: 5, due: '2024-02-01T00:00:00Z', active: 1 },
        { email: 'b@x.com', amount: '1,234', due: '02/01/2024', active: 0 },
      ]);
      quiet(await p.run());
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it.each([
    ['a value map', [{ kind: 'value-map' as const, values: { yes: 'true', no: 'false' } }]],
    ['no transform (the record\'s own form is kept)', []],
    ['a coercion with the format yes/no', [{ kind: 'coerce' as const, to: 'boolean' as const, format: 'yes/no' }]],
  ])('a boolean held as "yes"/"no" in a CSV file gets "no" back (not "false") when the other app switches it off — %s', async (_how, transforms) => {
    dir = tempDir();
    const csv = join(dir, 'people.csv');
    const db = join(dir, 'right.sqlite');
    writeFileSync(csv, 'id,email,active\n1,a@x.com,yes\n');
    sql(db, (d) => d.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT, active INTEGER)'));
    insert(db, { email: 'a@x.com', active: 1 });
    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path: csv, idColumn: 'id' } });
    const r = await kit.call('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: db } });
    const collection = (await kit.call('connections/describe', { connectionId: l.id }))[0]?.name ?? '';
    const created = await kit.call('pairs/create', {
      config: {
        name: 'Flags',
        left: { connectionId: l.id, collection, changeDetection: 'hash' },
        right: { connectionId: r.id, collection: 't', changeDetection: 'hash' },
        fields: [
          { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
          { name: 'active', type: 'boolean', left: { fields: ['active'], transforms }, right: { fields: ['active'] }, direction: 'both' },
        ],
        matchKeys: ['email'],
        masterSide: 'left',
        conflictPolicy: 'master',
        deletes: { propagate: true, massDeleteThreshold: 1 },
        schedule: { intervalSeconds: null },
      },
    });
    const k = kit;
    const run = () => syncAndWait(k, created.id);
    quiet(await run()); // "yes" and 1 are the same value
    update(db, 1, { active: 0 });
    expect((await run()).counts.updated).toBe(1);
    expect(readFileSync(csv, 'utf8')).toBe('id,email,active\n1,a@x.com,no\n');
    quiet(await run());
    // Restoring the overwritten value writes it back in the file's own form too.
    const overwritten = (await k.call('activity/list', { pairId: created.id })).find((a) => a.field === 'active' && a.restorable);
    await k.call('activity/restore', { activityId: overwritten?.id ?? '' });
    expect(readFileSync(csv, 'utf8')).toBe('id,email,active\n1,a@x.com,yes\n');
  });

  it('one-way fields are never written against their direction, also when a record is created', async () => {
    const p = await pair('email TEXT, owner TEXT, paid TEXT', 'email TEXT, owner TEXT, paid TEXT', [
      { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'owner', type: 'string', left: { fields: ['owner'] }, right: { fields: ['owner'] }, direction: 'left-to-right' },
      { name: 'paid', type: 'string', left: { fields: ['paid'] }, right: { fields: ['paid'] }, direction: 'right-to-left' },
    ]);
    insert(p.left, { email: 'a@x.com', owner: 'ann', paid: 'left-paid' });
    insert(p.right, { email: 'b@x.com', owner: 'bob', paid: 'right-paid' });
    expect((await p.run()).counts.created).toBe(2);
    // owner flows only left → right, paid only right → left.
    expect(strip(rows(p.left))).toEqual([{ email: 'a@x.com', owner: 'ann', paid: 'left-paid' }, { email: 'b@x.com', owner: null, paid: 'right-paid' }]);
    expect(strip(rows(p.right))).toEqual([{ email: 'b@x.com', owner: 'bob', paid: 'right-paid' }, { email: 'a@x.com', owner: 'ann', paid: null }]);
    quiet(await p.run());
    // A change in the source still flows; an edit in the target is not copied back.
    update(p.left, 2, { owner: 'cy' });
    update(p.left, 1, { paid: 'edited-left' });
    await p.run();
    expect(rows(p.right)[0]).toMatchObject({ email: 'b@x.com', owner: 'cy' });
    expect(rows(p.right)[1]).toMatchObject({ email: 'a@x.com', paid: null });
    quiet(await p.run());
  });

  it('merge-set: a tag removed in one app and another added in the other — both changes are kept', async () => {
    const p = await pair('email TEXT, tags TEXT', 'email TEXT, tags TEXT', [
      { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'tags', type: 'set', left: { fields: ['tags'] }, right: { fields: ['tags'] }, direction: 'both', policy: 'merge-set' },
    ]);
    insert(p.left, { email: 'a@x.com', tags: 'a, b' });
    insert(p.right, { email: 'a@x.com', tags: 'a, b' });
    quiet(await p.run());
    update(p.left, 1, { tags: 'a' });
    update(p.right, 1, { tags: 'a, b, c' });
    await p.run();
    expect(rows(p.left)[0]?.tags).toBe('a, c');
    expect(rows(p.right)[0]?.tags).toBe('a, c');
    quiet(await p.run());
  });
});
