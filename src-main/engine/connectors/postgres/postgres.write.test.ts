import { describe, expect, it } from 'vitest';
import { APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

describe.runIf(available)('postgres connector: writes', () => {
  it('pitfall 3: an update or delete over a row the app wrote since the read is refused as stale (xmin), even when the app wrote the same values back', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text); ${ownedByApp(['public.c'])}
      INSERT INTO public.c VALUES (1, 'a'), (2, 'b'), (3, 'c');`);
    const c = pg.connector(db);
    const [r1, r2, r3] = await c.read('public.c', ['1', '2', '3']);
    expect(r1?.version).toMatch(/^\d+$/);
    await pg.server().sql(`UPDATE public.c SET v = 'app' WHERE id = 1; UPDATE public.c SET v = v WHERE id = 2`, [], db);
    const res = await c.write('public.c', [
      { op: 'update', id: '1', fields: { v: 'concord' }, ifVersion: r1?.version ?? '' },
      { op: 'delete', id: '2', ifVersion: r2?.version ?? '' },
      { op: 'update', id: '3', fields: { v: 'concord' }, ifVersion: r3?.version ?? '' },
    ]);
    expect(res).toMatchObject([{ ok: false, reason: 'stale' }, { ok: false, reason: 'stale' }, { ok: true, id: '3' }]);
    const rows = await pg.server().sql<{ id: number; v: string }>('SELECT id, v FROM public.c ORDER BY id', [], db);
    expect(rows).toEqual([{ id: 1, v: 'app' }, { id: 2, v: 'b' }, { id: 3, v: 'concord' }]);
    // The version a write returns is the one the next read reports.
    expect((await c.read('public.c', ['3']))[0]?.version).toBe(res[2]?.ok ? res[2].version : 'no');
  });

  it('pitfall 14: a unique-constraint violation fails only that record, with a message naming the value; the rest of the batch is written once', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id serial PRIMARY KEY, email text UNIQUE NOT NULL, n int CHECK (n >= 0)); ${ownedByApp(['public.c'])}
      INSERT INTO public.c (email) VALUES ('taken@x');`);
    const c = pg.connector(db);
    const res = await c.write('public.c', [
      { op: 'create', key: 'a', fields: { email: 'ann@x' } },
      { op: 'create', key: 'b', fields: { email: 'taken@x' } },
      { op: 'update', id: '1', fields: { n: 5 } },
      { op: 'create', key: 'c', fields: { email: 'neg@x', n: -1 } },
      { op: 'create', key: 'd', fields: { email: 'cy@x', n: 'not a number' } },
      { op: 'create', key: 'e', fields: { email: 'dan@x' } },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, false, true, false, false, true]);
    expect(res[1]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('(email)=(taken@x) already exists') });
    expect(res[3]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('rule of the table') });
    expect(res[4]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('does not fit its column') });
    const emails = (await pg.server().sql<{ email: string }>('SELECT email FROM public.c ORDER BY email', [], db)).map((r) => r.email);
    expect(emails).toEqual(['ann@x', 'dan@x', 'taken@x']);
  });

  it('pitfall 15: a create repeated with the same create key (a rerun after a crash) finds its row instead of adding a second one (uuid and text keys)', async () => {
    const db = await pg.database(`
      CREATE TABLE public.u (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text);
      CREATE TABLE public.t (code varchar(64) PRIMARY KEY, name text);
      ${ownedByApp(['public.u', 'public.t'])}`);
    const c = pg.connector(db);
    for (const table of ['public.u', 'public.t']) {
      const [first] = await c.write(table, [{ op: 'create', key: 'run1:rec7', fields: { name: 'Ann' } }]);
      const [again] = await c.write(table, [{ op: 'create', key: 'run1:rec7', fields: { name: 'Ann' } }]);
      const [other] = await c.write(table, [{ op: 'create', key: 'run1:rec8', fields: { name: 'Ann' } }]);
      expect(first?.ok && again?.ok && other?.ok, table).toBe(true);
      expect(again).toEqual(first);
      expect(other?.ok ? other.id : '').not.toBe(first?.ok ? first.id : '');
      expect(await pg.server().sql(`SELECT count(*)::int AS n FROM ${table}`, [], db)).toEqual([{ n: 2 }]);
    }
  });

  it('a serial key is numbered by the database; a compound key Concord cannot make up is refused with the columns to map', async () => {
    const db = await pg.database(`
      CREATE TABLE public.s (id bigserial PRIMARY KEY, name text);
      CREATE TABLE public.g (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text, upper_name text GENERATED ALWAYS AS (upper(name)) STORED);
      CREATE TABLE public.k (org text, code int, name text, PRIMARY KEY (org, code));
      ${ownedByApp(['public.s', 'public.k', 'public.g'])}`);
    const c = pg.connector(db);
    const [made] = await c.write('public.s', [{ op: 'create', key: 'x', fields: { name: 'A' } }]);
    expect(made).toMatchObject({ ok: true, id: '1' });
    // Columns the database computes are left to it, even when a pair maps a field onto them.
    const [generated] = await c.write('public.g', [{ op: 'create', key: 'x', fields: { id: 99, name: 'b', upper_name: 'x' } }]);
    expect(generated).toMatchObject({ ok: true, id: '1' });
    expect((await c.read('public.g', ['1']))[0]?.fields).toEqual({ id: 1, name: 'b', upper_name: 'B' });
    const [refused] = await c.write('public.k', [{ op: 'create', key: 'x', fields: { org: 'acme', name: 'A' } }]);
    expect(refused).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('"code"') });
  });

  it('a table the user may only read answers each write with the GRANT to ask for; nothing is written', async () => {
    const db = await pg.database(`CREATE TABLE public.r (id int PRIMARY KEY, v text); INSERT INTO public.r VALUES (1, 'a'); GRANT SELECT ON public.r TO ${APP_USER};`);
    const c = pg.connector(db);
    const res = await c.write('public.r', [
      { op: 'create', key: 'x', fields: { id: 2, v: 'b' } },
      { op: 'update', id: '1', fields: { v: 'z' } },
      { op: 'delete', id: '1' },
    ]);
    expect(res).toMatchObject([
      { ok: false, reason: 'invalid', error: expect.stringContaining('grant it INSERT') },
      { ok: false, reason: 'invalid', error: expect.stringContaining('grant it UPDATE') },
      { ok: false, reason: 'invalid', error: expect.stringContaining('grant it DELETE') },
    ]);
    expect(await pg.server().sql('SELECT id, v FROM public.r', [], db)).toEqual([{ id: 1, v: 'a' }]);
  });
});
