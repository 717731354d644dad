import { describe, expect, it } from 'vitest';
import { APP_USER, useMy } from './mysql.fixture';

const { available, my } = useMy();

describe.runIf(available)('mysql connector: discovery', () => {
  it('lists the database’s tables with columns, types, compound keys and change modes; leaves out views and keyless tables with the reason', async () => {
    const db = await my.database([
      `CREATE TABLE people (id BIGINT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(200) NOT NULL, score DECIMAL(10,2), born DATE, active BOOLEAN, doc JSON,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, needs_sync TINYINT(1) DEFAULT 1)`,
      'CREATE TABLE `lines` (org VARCHAR(20), code INT, qty INT, PRIMARY KEY (code, org))',
      'CREATE TABLE log (msg TEXT)',
      'CREATE VIEW people_view AS SELECT * FROM people',
    ]);
    const c = my.connector(db);
    const { collections, leftOut } = await c.describe();
    expect(collections.map((x) => x.name).sort()).toEqual(['lines', 'people']);
    const people = collections.find((x) => x.name === 'people');
    expect(people).toMatchObject({ primaryKey: ['id'], changeDetection: ['cursor', 'flag', 'hash', 'capture'], stableIds: true });
    expect(people?.fields.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['id', 'number', false],
      ['email', 'string', false],
      ['score', 'number', true],
      ['born', 'date', true],
      ['active', 'boolean', true],
      ['doc', 'json', true],
      ['updated_at', 'datetime', false],
      ['needs_sync', 'boolean', true],
    ]);
    expect(people?.fields.find((f) => f.name === 'updated_at')?.managed).toBe('updated-at');
    expect(people?.fields.find((f) => f.name === 'needs_sync')?.managed).toBe('sync-flag');
    // A compound key in the key's own order, not the columns' order.
    expect(collections.find((x) => x.name === 'lines')).toMatchObject({ primaryKey: ['code', 'org'], changeDetection: ['hash', 'capture'] });
    expect(leftOut).toEqual(
      expect.arrayContaining([
        { name: 'log', reason: expect.stringContaining('no primary key') },
        { name: 'people_view', reason: expect.stringContaining('view') },
      ]),
    );
    await expect(c.test()).resolves.toBeUndefined();
  });

  it('an ON UPDATE CURRENT_TIMESTAMP column under any name is the last-modified column', async () => {
    const db = await my.database(['CREATE TABLE t (id INT PRIMARY KEY, v TEXT, changed TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))']);
    const { collections } = await my.connector(db).describe();
    expect(collections[0]?.fields.find((f) => f.name === 'changed')?.managed).toBe('updated-at');
    expect(collections[0]?.changeDetection).toEqual(['cursor', 'hash', 'capture']);
  });

  it('says what the user may not do: a table it may only read is described read-only, and its writes are refused per record with the GRANT to ask for', async () => {
    const db = await my.database(['CREATE TABLE mine (id INT PRIMARY KEY, v TEXT)', 'CREATE TABLE readonly (id INT PRIMARY KEY, v TEXT)', "INSERT INTO readonly VALUES (1, 'a')"], { grant: false });
    await my.sql(db, `GRANT ALL PRIVILEGES ON ${db}.mine TO ?@?`, [APP_USER, '127.0.0.1']);
    await my.sql(db, `GRANT SELECT ON ${db}.readonly TO ?@?`, [APP_USER, '127.0.0.1']);
    const c = my.connector(db);
    const { collections } = await c.describe();
    expect(collections.find((x) => x.name === 'mine')?.writable).toBeUndefined();
    expect(collections.find((x) => x.name === 'readonly')?.writable).toEqual({ create: false, update: false, delete: false });
    const res = await c.write('readonly', [
      { op: 'create', key: 'x', fields: { id: 2, v: 'b' } },
      { op: 'update', id: '1', fields: { v: 'z' } },
      { op: 'delete', id: '1' },
    ]);
    expect(res).toMatchObject([
      { ok: false, reason: 'invalid', error: expect.stringContaining('grant it INSERT') },
      { ok: false, reason: 'invalid', error: expect.stringContaining('grant it UPDATE') },
      { ok: false, reason: 'invalid', error: expect.stringContaining('grant it DELETE') },
    ]);
    expect(await my.sql(db, 'SELECT id, v FROM readonly')).toEqual([{ id: 1, v: 'a' }]);
  });

  it('quotes every identifier with backticks: a table with a backtick and spaces, a column named like a keyword', async () => {
    const db = await my.database(['CREATE TABLE `Odd ``Table`` name` (`select` VARCHAR(64) PRIMARY KEY, `From` TEXT, `updated at` DATETIME(6))']);
    const c = my.connector(db, { updatedAtColumn: 'updated at' });
    const name = 'Odd `Table` name';
    const { collections } = await c.describe();
    expect(collections.map((x) => x.name)).toEqual([name]);
    const w = await c.write(name, [{ op: 'create', key: 'k', fields: { select: "a`; DROP TABLE x; -- '\\", From: 'x' } }]);
    expect(w[0]).toMatchObject({ ok: true, id: "a`; DROP TABLE x; -- '\\" });
    const read = await c.read(name, ["a`; DROP TABLE x; -- '\\"]);
    expect(read[0]?.fields).toMatchObject({ From: 'x' });
    expect(read[0]?.updatedAt).toMatch(/Z$/);
  });

  it('a configured last-modified column that a table lacks is a config error naming it', async () => {
    const db = await my.database(['CREATE TABLE t (id INT PRIMARY KEY)']);
    await expect(my.connector(db, { updatedAtColumn: 'changed_on' }).read('t', ['1'])).rejects.toThrow(/no column "changed_on"/);
  });
});
