/**
 * Issue 9 §3 on PostgreSQL — Concord's own writes cost nothing on the next cursor read. A write
 * returns the row's stamp (its updated-at as stored, in microseconds), and the next read leaves out
 * the rows still at exactly that stamp while its cursor moves over them. An edit the app makes
 * moves the stamp and is read (PITFALLS 6). A column of whole seconds (`timestamp(0)`) gives no
 * stamp: an app could edit within the second Concord wrote in.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appRows, appSql, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import type { Cursor } from '../types';
import { APP_PASSWORD, APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

const N = 300;
const table = (stamp: string) => `CREATE TABLE public.contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text UNIQUE, name text, score numeric(12,2),
  updated_at ${stamp} NOT NULL DEFAULT now()
); ${ownedByApp(['public.contacts'])}`;

/** A CRM in SQLite (N contacts stamped a second apart in 2024, outside any look-back) and a PostgreSQL table of 5 others, both sides in cursor mode. */
async function pgPair(stamp: string) {
  const dir = tempDir('concord-pg-own-');
  const left = join(dir, 'left.sqlite');
  createApp(left);
  appSql(
    left,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
     INSERT INTO contacts (email, name, score, updated_at) SELECT 'p' || i || '@x', 'Person ' || i, i, strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || i || ' seconds') FROM n`,
  );
  // The app's own few rows, stamped in 2024 too: a read of an empty table leaves no cursor to resume from.
  const db = await pg.database(`${table(stamp)}
    INSERT INTO public.contacts (email, name, updated_at) SELECT 'app' || i || '@x', 'App ' || i, timestamptz '2024-02-01 00:00:00+00' + i * interval '1 second' FROM generate_series(1, 5) i;`);
  const server = pg.server();
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Warehouse', connector: 'postgres', config: { host: server.host, port: server.port, database: db, user: APP_USER }, secret: APP_PASSWORD });
  const config = basePairConfig(l.id, r.id, {
    left: { connectionId: l.id, collection: 'contacts', changeDetection: 'cursor' },
    right: { connectionId: r.id, collection: 'public.contacts', changeDetection: 'cursor' },
  });
  const { id: pairId } = await kit.call('pairs/create', { config });
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => server.sql<T>(text, params, db);
  return { dir, left, kit, pairId, sql, db };
}

describe.runIf(available)("postgres connector: Concord's own writes on the next cursor read", () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('are not read back: the run after a first sync reads only what the apps changed since, and an app edit after Concord wrote is read (PITFALLS 6)', async () => {
    const s = await pgPair('timestamptz');
    kit = s.kit;
    dir = s.dir;
    const first = await syncAndWait(kit, s.pairId);
    expect(first).toMatchObject({ status: 'succeeded', counts: { created: N + 5 } });

    const second = await syncAndWait(kit, s.pairId);
    expect(second.status).toBe('succeeded');
    // Before: the N rows Concord created in PostgreSQL came back (read: N + 2). Now only each
    // side's row at its cursor's own stamp, which a cursor read always takes again.
    expect(second.counts.read).toBeLessThanOrEqual(2);

    // The app edits two rows Concord created, after Concord wrote them: both are read and synced.
    await s.sql(`UPDATE public.contacts SET name = 'Edited', updated_at = now() WHERE email IN ('p1@x', 'p200@x')`);
    const third = await syncAndWait(kit, s.pairId);
    expect(third).toMatchObject({ status: 'succeeded', counts: { updated: 2 } });
    expect(appRows(s.left).filter((r) => r.name === 'Edited').map((r) => r.email)).toEqual(['p1@x', 'p200@x']);

    // An edit that keeps every field but moves the stamp is read too (and changes nothing).
    await s.sql(`UPDATE public.contacts SET updated_at = now() WHERE email = 'p3@x'`);
    const fourth = await syncAndWait(kit, s.pairId);
    expect(fourth.counts.read).toBeGreaterThanOrEqual(1);
    expect(fourth.counts.updated + fourth.counts.created).toBe(0);
  });

  it('are read back where the column keeps whole seconds (timestamp(0)): an edit within that second would keep the stamp', async () => {
    const s = await pgPair('timestamptz(0)');
    kit = s.kit;
    dir = s.dir;
    expect((await syncAndWait(kit, s.pairId)).counts.created).toBe(N + 5);
    const second = await syncAndWait(kit, s.pairId);
    expect(second.status).toBe('succeeded');
    expect(second.counts.read).toBeGreaterThanOrEqual(N);
    expect(second.counts.updated + second.counts.created).toBe(0);
  });

  it('a write returns its stamp only where the column is finer than a millisecond; a read leaves out rows at their own stamp, in pages, and moves its cursor past them', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL, day_stamp date); ${ownedByApp(['public.c'])}`);
    const c = pg.connector(db);
    // A cursor from before Concord's writes (a read from no cursor reads everything: nothing to compare with).
    const [{ now: before } = { now: '' }] = await pg.server().sql<{ now: string }>(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now`, [], db);
    const start = { mode: 'cursor' as const, value: { ts: before, key: [0], readAt: before } };
    const ops = Array.from({ length: 250 }, (_, i) => ({ op: 'create' as const, key: `k${i}`, fields: { id: i + 1, v: `row ${i + 1}` } }));
    const results = await c.write('public.c', ops);
    const stamps = results.map((r) => (r.ok ? r.stamp : undefined));
    // One transaction: one now(), the same microsecond stamp on every row, as the next read reports it.
    expect(stamps[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(new Set(stamps).size).toBe(1);
    await pg.server().sql(`INSERT INTO public.c VALUES (1000, 'the app''s', now())`, [], db);
    const own = results.flatMap((r) => (r.ok && r.stamp ? [{ id: r.id, stamp: r.stamp }] : [])).sort((a, b) => (a.id < b.id ? -1 : 1));
    let asked = 0;
    const ownWrites = (since: string, after: { id: string; stamp: string } | null, limit: number) => {
      asked++;
      return own.filter((w) => w.stamp >= since && (!after || w.stamp > after.stamp || (w.stamp === after.stamp && w.id > after.id))).slice(0, limit);
    };
    const read = async (cursor: Cursor | null) => {
      const batches = [];
      for await (const b of c.changes('public.c', cursor, { mode: 'cursor', signal: new AbortController().signal, batchSize: 40, lookBackSeconds: 5, ownWrites })) batches.push(b);
      return { ids: batches.flatMap((b) => b.upserts.map((r) => r.id)), cursor: batches.at(-1)?.cursor ?? null };
    };
    const first = await read(start);
    expect(first.ids).toEqual(['1000']);
    expect(asked).toBeGreaterThan(1);
    // The app edits one of Concord's rows after the read: the next read takes it, and only it.
    await pg.server().sql(`UPDATE public.c SET v = 'edited', updated_at = now() WHERE id = 7`, [], db);
    const second = await read(first.cursor);
    expect(second.ids).toContain('7');
    expect(second.ids.filter((id) => Number(id) <= 250)).toEqual(['7']);

    // A date column keeps days: no stamp.
    const d = pg.connector(db, { updatedAtColumn: 'day_stamp' });
    const [w] = await d.write('public.c', [{ op: 'update', id: '2', fields: { v: 'again' } }]);
    expect(w).toMatchObject({ ok: true });
    expect(w?.ok && w.stamp).toBeFalsy();
  });
});
