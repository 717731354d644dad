import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import type { Connector } from '../types';
import { APP_PASSWORD, APP_USER, ownedByApp, usePg } from './postgres.fixture';

// A server of its own: one test halts it mid-run.
const { available, pg: fx } = usePg({ own: true });

const TABLE = `CREATE TABLE public.contacts (id int PRIMARY KEY, name text, updated_at timestamptz DEFAULT now()); ${ownedByApp(['public.contacts'])}
  INSERT INTO public.contacts (id, name) VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');`;

/** Every object a user could have made in the database's own schemas: relations, functions, triggers, comments. */
async function catalog(db: string): Promise<string[]> {
  const rows = await fx.server().sql<{ o: string }>(
    `SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     UNION ALL SELECT 'fn ' || n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
     UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal
     UNION ALL SELECT 'comment ' || objoid::text || '/' || objsubid FROM pg_description d WHERE d.objoid >= 16384
     ORDER BY 1`,
    [],
    db,
  );
  return rows.map((r) => r.o);
}

/** A client of the app's own (APP_USER), for transactions the test holds open. */
async function appClient(db: string): Promise<pg.Client> {
  const s = fx.server();
  const c = new pg.Client({ host: s.host, port: s.port, database: db, user: APP_USER, password: APP_PASSWORD });
  await c.connect();
  return c;
}

async function installed(c: Connector, collection = 'public.contacts') {
  const plan = await c.capture?.plan(collection);
  if (!plan) throw new Error('no capture');
  return c.capture?.install(collection, plan.installHash);
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.runIf(available)('postgres connector: capture mode', () => {
  it('shows the exact SQL, installs it only against the hash of that SQL, and removal drops exactly what it added', async () => {
    const db = await fx.database(TABLE);
    const c = fx.connector(db);
    const { collections, leftOut } = await c.describe();
    expect(collections.find((x) => x.name === 'public.contacts')?.changeDetection).toContain('capture');
    expect(leftOut ?? []).toEqual([]);
    const before = await catalog(db);

    const plan = await c.capture?.plan('public.contacts');
    expect(plan).toMatchObject({ installed: false, collection: 'public.contacts' });
    expect(plan?.installSql).toContain('CREATE TABLE "public"."concord_changes_contacts" (');
    expect(plan?.installSql).toContain('seq bigserial PRIMARY KEY');
    expect(plan?.installSql).toMatch(/AFTER INSERT OR UPDATE OR DELETE ON "public"\."contacts" FOR EACH ROW/);
    expect(plan?.installSql).toContain(`pg_notify('concord_changes'`);
    // Concord's own sessions are left out, before anything is recorded or signalled.
    expect(plan?.installSql).toContain(`BEGIN\n  IF current_setting('concord.writer', true) = 'on' THEN\n    RETURN NULL;\n  END IF;`);
    expect(plan?.removeSql).toBe(
      'DROP TRIGGER IF EXISTS concord_capture ON "public"."contacts";\nDROP FUNCTION IF EXISTS "public"."concord_capture_contacts"();\nDROP TABLE IF EXISTS "public"."concord_changes_contacts";',
    );

    // A hash of other SQL (what another screen showed, or the table changed since): nothing runs.
    await expect(c.capture?.install('public.contacts', 'f'.repeat(64))).rejects.toThrow(/no longer the SQL you were shown.*nothing ran/);
    expect(await catalog(db)).toEqual(before);

    const done = await c.capture?.install('public.contacts', plan?.installHash ?? '');
    expect(done?.installed).toBe(true);
    const during = await catalog(db);
    expect(during.filter((o) => !before.includes(o))).toEqual(
      expect.arrayContaining(['fn public.concord_capture_contacts', 'rel public.concord_changes_contacts r', 'rel public.concord_changes_contacts_seq_seq S', 'trigger concord_capture on contacts']),
    );
    // The change table is Concord's, not an app's collection.
    const after = await c.describe();
    expect(after.collections.map((x) => x.name)).toEqual(['public.contacts']);
    expect(after.leftOut?.[0]).toMatchObject({ name: 'public.concord_changes_contacts', reason: expect.stringContaining('capture') });

    const removed = await c.capture?.remove('public.contacts', done?.removeHash ?? '');
    expect(removed?.installed).toBe(false);
    expect(await catalog(db)).toEqual(before);
    // The table holds its rows, and the app writes it as before.
    await fx.server().sql(`INSERT INTO public.contacts (id, name) VALUES (4, 'Di')`, [], db);
    expect((await fx.server().sql(`SELECT count(*)::int AS n FROM public.contacts`, [], db))[0]).toEqual({ n: 4 });
  });

  it('a role that does not own the table, or may not create in its schema, is told the GRANT it needs; nothing is changed', async () => {
    const db = await fx.database(`CREATE TABLE public.owned (id int PRIMARY KEY, v text); GRANT SELECT, INSERT, UPDATE, DELETE ON public.owned TO ${APP_USER};
      CREATE SCHEMA locked; GRANT USAGE ON SCHEMA locked TO ${APP_USER}; CREATE TABLE locked.t (id int PRIMARY KEY); ALTER TABLE locked.t OWNER TO ${APP_USER};`);
    const c = fx.connector(db);
    const before = await catalog(db);
    const owned = await c.capture?.plan('public.owned');
    await expect(c.capture?.install('public.owned', owned?.installHash ?? '')).rejects.toThrow(new RegExp(String.raw`owner, role "postgres": connect as that role, or have it \(or a superuser\) run GRANT "postgres" TO "${APP_USER}";`));
    const locked = await c.capture?.plan('locked.t');
    await expect(c.capture?.install('locked.t', locked?.installHash ?? '')).rejects.toThrow(`GRANT CREATE ON SCHEMA "locked" TO "${APP_USER}";`);
    expect(await catalog(db)).toEqual(before);
    // Reading in capture mode before the install says how to install it.
    await expect(collect(c, 'locked.t', null, 'capture')).rejects.toThrow(/Capture is not installed on table "locked.t".*install it from the pair's settings/);
  });

  it('reads: a first read lists every row; then changed keys collapsed to their latest state, deletes reported, a quiet read empty, and the change table pruned', async () => {
    const db = await fx.database(TABLE);
    const c = fx.connector(db);
    await installed(c);
    const sql = (text: string) => fx.server().sql(text, [], db);
    const first = await collect(c, 'public.contacts', null, 'capture', 2);
    expect(first.ids).toEqual(['1', '2', '3']);
    expect(first.batches.at(-1)?.complete).toBe(true);
    expect(first.batches.slice(0, -1).every((b) => b.cursor.value === null)).toBe(true);

    await sql(`UPDATE public.contacts SET name = 'Ann 2' WHERE id = 1`);
    await sql(`UPDATE public.contacts SET name = 'Ann 3' WHERE id = 1`);
    await sql(`DELETE FROM public.contacts WHERE id = 2`);
    await sql(`INSERT INTO public.contacts (id, name) VALUES (4, 'Di'), (5, 'Ed')`);
    await sql(`DELETE FROM public.contacts WHERE id = 5`);
    await sql(`UPDATE public.contacts SET id = 30 WHERE id = 3`);
    const next = await collect(c, 'public.contacts', first.cursor, 'capture', 2);
    expect(next.upserts.map((u) => [u.id, u.fields.name]).sort()).toEqual([['1', 'Ann 3'], ['30', 'Cy'], ['4', 'Di']]);
    expect(next.upserts).toHaveLength(3);
    expect(next.deletes.sort()).toEqual(['2', '3', '5']);
    expect(next.batches.every((b) => b.complete !== true)).toBe(true);

    const quiet = await collect(c, 'public.contacts', next.cursor, 'capture');
    expect([quiet.ids, quiet.deletes]).toEqual([[], []]);
    // Everything the stored cursor covers is pruned: a bounded table.
    expect(await sql(`SELECT count(*)::int AS n FROM public.concord_changes_contacts`)).toEqual([{ n: 0 }]);
  });

  it('Concord’s own writes are not recorded (no change row, no NOTIFY, nothing read back), while the app’s writes to the same table are', async () => {
    const db = await fx.database(TABLE);
    const c = fx.connector(db);
    await installed(c);
    const changes = () => fx.server().sql<{ op: string; key: unknown }>(`SELECT op, key FROM public.concord_changes_contacts ORDER BY seq`, [], db);
    const first = await collect(c, 'public.contacts', null, 'capture');
    const events: { collection: string; seq: string }[] = [];
    const states: string[] = [];
    const ac = new AbortController();
    const feed = c.listen?.((e) => events.push(e), ac.signal, { onState: (s) => states.push(s) });
    try {
      await until('listening', () => (states.includes('listening') ? true : undefined));
      const [bob] = await c.read('public.contacts', ['2']);
      const res = await c.write('public.contacts', [
        { op: 'create', key: 'k1', fields: { id: 10, name: 'Concord' } },
        { op: 'update', id: '1', fields: { name: 'Ann (Concord)' } },
        { op: 'delete', id: '2', ifVersion: bob?.version ?? '' },
      ]);
      expect(res.map((r) => r.ok)).toEqual([true, true, true]);
      expect(await changes()).toEqual([]);
      // The app's session (another role, another connection) is recorded as before, and signalled.
      await fx.server().sql(`UPDATE public.contacts SET name = 'Cy (app)' WHERE id = 3`, [], db);
      expect(await changes()).toEqual([{ op: 'U', key: [3] }]);
      const e = await until('the notification of the app’s write', () => events[0]);
      expect(e.collection).toBe('public.contacts');
      // Only that one: Concord's writes, made before it, sent none.
      expect(events).toHaveLength(1);
      const next = await collect(c, 'public.contacts', first.cursor, 'capture');
      expect([next.ids, next.deletes]).toEqual([['3'], []]);
    } finally {
      ac.abort();
      await feed;
    }
  });

  it('capture removed and installed again: the next read lists every row, so changes made while it was away are not lost', async () => {
    const db = await fx.database(TABLE);
    const c = fx.connector(db);
    const done = await installed(c);
    const first = await collect(c, 'public.contacts', null, 'capture');
    await c.capture?.remove('public.contacts', done?.removeHash ?? '');
    await fx.server().sql(`UPDATE public.contacts SET name = 'Bob, unrecorded' WHERE id = 2`, [], db);
    await installed(c);
    const next = await collect(c, 'public.contacts', first.cursor, 'capture');
    expect(next.ids).toEqual(['1', '2', '3']);
    expect(next.upserts.find((u) => u.id === '2')?.fields.name).toBe('Bob, unrecorded');
    expect(next.batches.at(-1)?.complete).toBe(true);
    // A listing from a cursor it could not resume: every batch says so, for the engine to find deletes by absence.
    expect(next.batches.every((b) => b.rescan === true)).toBe(true);
    expect(first.batches.some((b) => b.rescan)).toBe(false);
  });

  it('sequence numbers that commit out of order: a change committed after a later one was read is still read, and not pruned before', async () => {
    const db = await fx.database(TABLE);
    const c = fx.connector(db);
    await installed(c);
    const a = await appClient(db);
    const b = await appClient(db);
    try {
      // A transaction running across the first read: its change must come in the read after it commits.
      await a.query('BEGIN');
      await a.query(`UPDATE public.contacts SET name = 'Ann (A)' WHERE id = 1`);
      const first = await collect(c, 'public.contacts', null, 'capture');
      expect(first.upserts.find((u) => u.id === '1')?.fields.name).toBe('Ann');
      // A takes a lower sequence number than B, and B commits first.
      await a.query(`UPDATE public.contacts SET name = 'Bob (A)' WHERE id = 2`);
      await b.query(`UPDATE public.contacts SET name = 'Cy (B)' WHERE id = 3`);
      const seqs = await fx.server().sql<{ seq: string }>(`SELECT seq::text FROM public.concord_changes_contacts ORDER BY seq`, [], db);
      expect(seqs).toHaveLength(1); // only B's is committed, and it has the highest number (A holds 1 and 2)
      const mid = await collect(c, 'public.contacts', first.cursor, 'capture');
      expect(mid.ids).toEqual(['3']);
      await a.query('COMMIT');
      const late = await collect(c, 'public.contacts', mid.cursor, 'capture');
      // A's changes, with numbers below the one already read; B's is read again (it was in the
      // window of transactions running at the last read), which is harmless: the row as it is.
      expect(late.upserts.map((u) => [u.id, u.fields.name])).toEqual(expect.arrayContaining([['1', 'Ann (A)'], ['2', 'Bob (A)']]));
      const quiet = await collect(c, 'public.contacts', late.cursor, 'capture');
      expect(quiet.ids).toEqual([]);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('LISTEN: a commit in the app is signalled with the table and sequence number, and again after the server comes back', async () => {
    const db = await fx.database(TABLE);
    const c = fx.connector(db);
    await installed(c);
    const events: { collection: string; seq: string }[] = [];
    const states: string[] = [];
    const ac = new AbortController();
    const feed = c.listen?.((e) => events.push(e), ac.signal, { onState: (s) => states.push(s), retryMs: 100 });
    try {
      await until('listening', () => (states.includes('listening') ? true : undefined));
      await fx.server().sql(`INSERT INTO public.contacts (id, name) VALUES (7, 'Gus')`, [], db);
      const e = await until('the notification', () => events[0]);
      const [row] = await fx.server().sql<{ seq: string }>(`SELECT max(seq)::text AS seq FROM public.concord_changes_contacts`, [], db);
      expect(e).toEqual({ collection: 'public.contacts', seq: row?.seq });

      await fx.server().halt();
      await until('the feed to notice', () => (states.includes('reconnecting') ? true : undefined));
      await fx.server().resume();
      await until('listening again', () => (states.filter((s) => s === 'listening').length >= 2 ? true : undefined));
      await fx.server().sql(`DELETE FROM public.contacts WHERE id = 7`, [], db);
      await until('the second notification', () => events[1]);
      expect(events[1]?.collection).toBe('public.contacts');
    } finally {
      ac.abort();
      await feed;
    }
  });
});
