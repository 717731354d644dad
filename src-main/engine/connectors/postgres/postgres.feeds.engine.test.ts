/**
 * Capture mode's real-time path against a real PostgreSQL (sync/feeds.ts over the connector's
 * LISTEN): no schedule, so every run here is started by the feed. Waits poll for the outcome.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../api/model';
import { appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, until, type Kit } from '../../sync/test-kit.fixture';
import { APP_PASSWORD, APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg({ own: true }); // its own server: a test stops and starts it

const TABLE = `CREATE TABLE public.contacts (id serial PRIMARY KEY, email text UNIQUE, name text, score numeric(12,2)); ${ownedByApp(['public.contacts'])}
  INSERT INTO public.contacts (email, name, score) VALUES ('ann@x', 'Ann', 5);`;


/** A capture pair (SQLite left, PostgreSQL right) with no schedule, after its first sync. */
async function capturePair(dir: string) {
  const left = join(dir, 'left.sqlite');
  createApp(left);
  const db = await pg.database(TABLE);
  const server = pg.server();
  const sql = <T extends Record<string, unknown>>(text: string) => server.sql<T>(text, [], db);
  const kit = startEngine(dir, join(dir, 'data'), undefined, undefined, undefined, { feeds: { debounceMs: 5, retryMs: 200 } });
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Warehouse', connector: 'postgres', config: { host: server.host, port: server.port, database: db, user: APP_USER }, secret: APP_PASSWORD });
  const plan = await kit.call('connections/capture-plan', { connectionId: r.id, collection: 'public.contacts' });
  await kit.call('connections/capture-install', { connectionId: r.id, collection: 'public.contacts', installHash: plan.installHash });
  const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'public.contacts', changeDetection: 'capture' }, schedule: { intervalSeconds: null } });
  const { id: pairId } = await kit.call('pairs/create', { config });
  expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1 } });
  await until(async () => (await kit.call('pairs/get', { pairId })).feed?.state === 'listening');
  /** Concord's LISTEN connections to the database now. */
  const listening = async () => Number((await server.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'`, [db]))[0]?.n);
  const connections = async () => Number((await server.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = $2`, [db, APP_USER]))[0]?.n);
  return { kit, left, pairId, sql, server, listening, connections };
}

const name = (left: string, email: string) => appRows(left).find((x) => x.email === email)?.name;
const runsSince = async (kit: Kit, pairId: string, count: number): Promise<RunSummary[]> => (await kit.call('runs/list', { pairId })).slice().reverse().slice(count);
const idle = async (kit: Kit, pairId: string) => (await kit.call('pairs/get', { pairId })).running === null;

describe.runIf(available)('postgres capture feed: commits reach the other app without a schedule', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('a commit in PostgreSQL reaches the SQLite app by a feed run; a burst of 200 commits converges in a few runs; pausing stops the LISTEN connection; closing the engine leaves no connection', async () => {
    dir = tempDir('concord-pg-feed-');
    const p = await capturePair(dir);
    kit = p.kit;
    expect(await p.listening()).toBe(1);

    await p.sql(`UPDATE public.contacts SET name = 'Ann B.' WHERE email = 'ann@x'`);
    await until(() => name(p.left, 'ann@x') === 'Ann B.');
    await until(() => idle(p.kit, p.pairId));
    expect((await p.kit.call('runs/list', { pairId: p.pairId }))[0]).toMatchObject({ trigger: 'feed', status: 'succeeded' });

    // 200 transactions, each committed (and signalled) on its own, as fast as the server goes.
    const before = (await p.kit.call('runs/list', { pairId: p.pairId })).length;
    await p.sql(`DO $$ BEGIN FOR i IN 1..200 LOOP INSERT INTO public.contacts (email, name) VALUES ('b' || i || '@x', 'B' || i); COMMIT; END LOOP; END $$`);
    await until(() => appRows(p.left).length === 201);
    await until(() => idle(p.kit, p.pairId));
    const burst = await runsSince(p.kit, p.pairId, before);
    expect(burst.every((r) => r.trigger === 'feed' && r.status === 'succeeded')).toBe(true);
    // One run per signal would be 200; signals during a run queue one more run, not one each.
    expect(burst.length).toBeLessThanOrEqual(10);
    expect(burst.reduce((n, r) => n + r.counts.created, 0)).toBe(200);

    await p.kit.call('pairs/pause', { pairId: p.pairId });
    await until(async () => (await p.listening()) === 0);
    await p.sql(`UPDATE public.contacts SET name = 'Paused' WHERE email = 'ann@x'`);
    await p.kit.call('pairs/resume', { pairId: p.pairId });
    await until(async () => (await p.listening()) === 1);
    // Listening again after the pause: the pair runs once, so the edit made meanwhile arrives.
    await until(() => name(p.left, 'ann@x') === 'Paused');

    await p.kit.close();
    kit = null;
    await until(async () => (await p.connections()) === 0);
  });

  it('the server stopped and started again: the feed says it is reconnecting, listens again, and an edit made meanwhile arrives', async () => {
    dir = tempDir('concord-pg-feed-');
    const p = await capturePair(dir);
    kit = p.kit;
    await p.server.halt();
    const down = await until(async () => {
      const f = (await p.kit.call('pairs/get', { pairId: p.pairId })).feed;
      return f?.state === 'reconnecting' ? f : undefined;
    });
    expect(down.error).toBeTruthy();
    await p.server.resume();
    // Made before the feed has (necessarily) listened again: its notification may be lost, the catch-up run is not.
    await p.sql(`UPDATE public.contacts SET name = 'While away' WHERE email = 'ann@x'`);
    await until(async () => (await p.kit.call('pairs/get', { pairId: p.pairId })).feed?.state === 'listening');
    await until(() => name(p.left, 'ann@x') === 'While away');
  });
});
