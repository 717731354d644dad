import { describe, expect, it } from 'vitest';
import { APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

describe.runIf(available)('postgres connector: discovery', () => {
  it('lists tables of every schema as schema.table with columns, types, compound keys and change modes; leaves out views and keyless tables with the reason', async () => {
    const db = await pg.database(`
      CREATE SCHEMA crm;
      CREATE TABLE crm.people (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, score numeric(10,2), born date, active boolean, updated_at timestamptz NOT NULL DEFAULT now(), needs_sync boolean DEFAULT true);
      CREATE TABLE public.lines (org text, code int, qty int, PRIMARY KEY (code, org));
      CREATE TABLE public.log (msg text);
      CREATE VIEW public.people_view AS SELECT * FROM crm.people;
      ${ownedByApp(['crm.people', 'public.lines', 'public.log', 'public.people_view'])}
      ALTER SCHEMA crm OWNER TO ${APP_USER};
    `);
    const c = pg.connector(db);
    const { collections, leftOut } = await c.describe();
    expect(collections.map((x) => x.name).sort()).toEqual(['crm.people', 'public.lines']);
    const people = collections.find((x) => x.name === 'crm.people');
    expect(people).toMatchObject({ primaryKey: ['id'], changeDetection: ['cursor', 'flag', 'hash', 'capture'], stableIds: true });
    expect(people?.fields.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['id', 'number', false],
      ['email', 'string', false],
      ['score', 'number', true],
      ['born', 'date', true],
      ['active', 'boolean', true],
      ['updated_at', 'datetime', false],
      ['needs_sync', 'boolean', true],
    ]);
    expect(people?.fields.find((f) => f.name === 'updated_at')?.managed).toBe('updated-at');
    expect(people?.fields.find((f) => f.name === 'needs_sync')?.managed).toBe('sync-flag');
    // A compound key in the key's own order, not the columns' order.
    expect(collections.find((x) => x.name === 'public.lines')).toMatchObject({ primaryKey: ['code', 'org'], changeDetection: ['hash', 'capture'] });
    expect(leftOut).toEqual(
      expect.arrayContaining([
        { name: 'public.log', reason: expect.stringContaining('no primary key') },
        { name: 'public.people_view', reason: expect.stringContaining('view') },
      ]),
    );
    await expect(c.test()).resolves.toBeUndefined();
  });

  it('says what the user may not do: a table it may only read is described read-only, one it may not read is left out with the GRANT to ask for', async () => {
    const db = await pg.database(`
      CREATE TABLE public.mine (id int PRIMARY KEY, v text);
      CREATE TABLE public.readonly (id int PRIMARY KEY, v text);
      CREATE TABLE public.secret (id int PRIMARY KEY, v text);
      ALTER TABLE public.mine OWNER TO ${APP_USER};
      GRANT SELECT ON public.readonly TO ${APP_USER};
    `);
    const { collections, leftOut } = await pg.connector(db).describe();
    expect(collections.find((x) => x.name === 'public.mine')?.writable).toBeUndefined();
    expect(collections.find((x) => x.name === 'public.readonly')?.writable).toEqual({ create: false, update: false, delete: false });
    expect(leftOut).toContainEqual({ name: 'public.secret', reason: expect.stringContaining('GRANT SELECT ON "public"."secret"') });
  });

  it('quotes every identifier: a schema with a dot, a table with quotes and spaces, a column named like a keyword', async () => {
    const db = await pg.database(`
      CREATE SCHEMA "my.schema";
      CREATE TABLE "my.schema"."Odd ""Table"" name" ("select" text PRIMARY KEY, "From" text, "updated at" timestamptz);
      ${ownedByApp(['"my.schema"."Odd ""Table"" name"'])}
      ALTER SCHEMA "my.schema" OWNER TO ${APP_USER};
    `);
    const c = pg.connector(db, { updatedAtColumn: 'updated at' });
    const name = 'my.schema.Odd "Table" name';
    const { collections } = await c.describe();
    expect(collections.map((x) => x.name)).toEqual([name]);
    const w = await c.write(name, [{ op: 'create', key: 'k', fields: { select: 'a"; DROP TABLE x; --', From: 'x' } }]);
    expect(w[0]).toMatchObject({ ok: true, id: 'a"; DROP TABLE x; --' });
    const read = await c.read(name, ['a"; DROP TABLE x; --']);
    expect(read[0]?.fields).toMatchObject({ From: 'x' });
    expect(read[0]?.updatedAt).toMatch(/Z$/);
  });

  it('a configured last-modified column that a table lacks is a config error naming it', async () => {
    const db = await pg.database(`CREATE TABLE public.t (id int PRIMARY KEY); ${ownedByApp(['public.t'])}`);
    const c = pg.connector(db, { updatedAtColumn: 'changed_on' });
    await expect(c.read('public.t', ['1'])).rejects.toThrow(/no column "changed_on"/);
  });
});
