import { describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { APP_PASSWORD, APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

describe.runIf(available)('postgres connector: change detection', () => {
  it('cursor: the cursor keeps the database’s microseconds, so rows stamped within one millisecond are neither skipped nor re-read forever (PITFALLS 6)', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL); ${ownedByApp(['public.c'])}
      INSERT INTO public.c VALUES (5, 'a', '2024-05-01 10:00:00.123456+00'), (9, 'b', '2024-05-01 10:00:00.123456+00');`);
    const c = pg.connector(db);
    const first = await collect(c, 'public.c', null, 'cursor', 1);
    expect(first.ids).toEqual(['5', '9']);
    expect(first.cursor?.value).toMatchObject({ ts: '2024-05-01T10:00:00.123456Z', key: [9] });
    // Same microsecond, lower id; and one microsecond later, lowest id: both after the cursor's (ts, id).
    await pg.server().sql(`INSERT INTO public.c VALUES (7, 'c', '2024-05-01 10:00:00.123456+00'), (1, 'd', '2024-05-01 10:00:00.123457+00')`, [], db);
    const next = await collect(c, 'public.c', first.cursor, 'cursor', 1);
    expect(next.ids).toEqual(expect.arrayContaining(['1']));
    expect(next.ids).toContain('9'); // inclusive: the cursor's own row is read again, harmlessly
    const quiet = await collect(c, 'public.c', next.cursor, 'cursor', 1);
    expect(quiet.ids).toEqual(['1']);
  });

  it('cursor: the look-back window reads a row committed late with a stamp older than the cursor (a long transaction)', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL DEFAULT now()); ${ownedByApp(['public.c'])}
      INSERT INTO public.c (id, v) VALUES (1, 'a');`);
    const c = pg.connector(db);
    const first = await collect(c, 'public.c', null, 'cursor');
    // Stamped before the cursor's row (its transaction began earlier), committed after the read.
    await pg.server().sql(`INSERT INTO public.c SELECT 2, 'late', updated_at - interval '1 second' FROM public.c WHERE id = 1`, [], db);
    const without = await collect(c, 'public.c', first.cursor, 'cursor', 100, 0);
    expect(without.ids).not.toContain('2');
    const withLookBack = await collect(c, 'public.c', first.cursor, 'cursor', 100, 30);
    expect(withLookBack.ids).toContain('2');
  });

  it('cursor: rows without a last-modified time are read on every pass; a zoneless timestamp column is read in the session’s zone', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text, modified_at timestamp); ${ownedByApp(['public.c'])}
      INSERT INTO public.c VALUES (1, 'null stamp', NULL), (2, 'local', '2024-05-01 12:00:00');`);
    await pg.server().sql(`ALTER ROLE ${APP_USER} IN DATABASE ${db} SET TimeZone = 'Europe/Berlin'`);
    const c = pg.connector(db);
    const first = await collect(c, 'public.c', null, 'cursor');
    expect(first.ids).toEqual(['1', '2']);
    // 12:00 in Berlin (summer time) is 10:00 UTC.
    expect(first.upserts[1]?.updatedAt).toBe('2024-05-01T10:00:00.000000Z');
    expect(first.upserts[1]?.fields.modified_at).toBe('2024-05-01T12:00:00');
    const again = await collect(c, 'public.c', first.cursor, 'cursor');
    expect(again.ids).toEqual(['1', '2']);
  });

  it('cursor: Concord’s own writes stamp the database’s now and clear the flag, so the app’s "recently changed" views see them and flag mode does not read them back', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL DEFAULT '2000-01-01', dirty smallint NOT NULL DEFAULT 1); ${ownedByApp(['public.c'])}
      INSERT INTO public.c (id, v) VALUES (1, 'a');`);
    const c = pg.connector(db);
    const [w] = await c.write('public.c', [{ op: 'update', id: '1', fields: { v: 'b' } }, { op: 'create', key: 'x', fields: { id: 2, v: 'new' } }]);
    const [row] = await pg.server().sql<{ fresh: boolean; dirty: number }>(`SELECT updated_at > now() - interval '1 minute' AS fresh, dirty FROM public.c WHERE id = 1`, [], db);
    expect(row).toEqual({ fresh: true, dirty: 0 });
    expect(w).toMatchObject({ ok: true, updatedAt: expect.stringMatching(/Z$/) });
    const first = await collect(c, 'public.c', null, 'flag');
    expect(first.ids).toEqual(['1', '2']);
    const next = await collect(c, 'public.c', first.cursor, 'flag');
    expect(next.ids).toEqual([]);
  });

  it('an aborted read stops at the next page, and an aborted statement is cancelled on the server', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text); ${ownedByApp(['public.c'])}
      INSERT INTO public.c SELECT g, 'v' FROM generate_series(1, 50) g;`);
    const c = pg.connector(db);
    const ac = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const b of c.changes('public.c', null, { mode: 'hash', signal: ac.signal, batchSize: 10 })) {
          seen.push(...b.upserts.map((u) => u.id));
          ac.abort(new Error('cancelled by the user'));
        }
      })(),
    ).rejects.toThrow('cancelled by the user');
    expect(seen).toHaveLength(10);

    // A statement that would run for minutes: the abort ends it on the server too.
    const { createPgDialect } = await import('./dialect');
    const s = pg.server();
    const d = createPgDialect({ host: s.host, port: s.port, database: db, user: APP_USER, ssl: false, target: { host: s.host, port: s.port, database: db, user: APP_USER, tls: 'disable' } }, async () => APP_PASSWORD);
    const slow = new AbortController();
    const running = d.query('SELECT pg_sleep(600)', [], slow.signal);
    for (;;) {
      const active = await s.sql(`SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)' AND state = 'active'`);
      if (active.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    slow.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    for (;;) {
      const active = await s.sql(`SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)' AND state = 'active'`);
      if (active.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await d.close();
  });
});
