import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, appUpdate, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { APP_PASSWORD, APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

const TABLE = `CREATE TABLE public.contacts (id serial PRIMARY KEY, email text UNIQUE, name text, score numeric(12,2)); ${ownedByApp(['public.contacts'])}
  INSERT INTO public.contacts (email, name, score) VALUES ('ann@x', 'Ann', 5), ('bob@x', 'Bob', NULL);`;

/** The database's own objects, so a removal can be compared with the state before the install. */
const CATALOG = `SELECT 'rel ' || c.relname || ' ' || c.relkind::text AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`;

describe.runIf(available)('postgres capture mode in a pair with a SQLite table', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('installs through the API after the SQL is shown; an insert, an update and a delete in PostgreSQL each propagate; a quiet run writes nothing; removing capture leaves the table as before', async () => {
    dir = tempDir('concord-pg-capture-');
    const left = join(dir, 'left.sqlite');
    createApp(left);
    const db = await pg.database(TABLE);
    const server = pg.server();
    const sql = <T extends Record<string, unknown>>(text: string) => server.sql<T>(text, [], db);
    // Each step counts what its own Sync now did: no change feed starting runs of its own in between (postgres.feeds.engine.test.ts covers those).
    kit = startEngine(dir, join(dir, 'data'), undefined, undefined, undefined, { feeds: false });
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Warehouse', connector: 'postgres', config: { host: server.host, port: server.port, database: db, user: APP_USER }, secret: APP_PASSWORD });
    const catalogBefore = await sql<{ o: string }>(CATALOG);

    const plan = await kit.call('connections/capture-plan', { connectionId: r.id, collection: 'public.contacts' });
    expect(plan.installed).toBe(false);
    // Only the SQL that was shown runs: another hash is refused and nothing is installed.
    await expect(kit.call('connections/capture-install', { connectionId: r.id, collection: 'public.contacts', installHash: '0'.repeat(64) })).rejects.toThrow(/connector-error: .*no longer the SQL you were shown/);
    expect(await sql(CATALOG)).toEqual(catalogBefore);
    const done = await kit.call('connections/capture-install', { connectionId: r.id, collection: 'public.contacts', installHash: plan.installHash });
    expect(done.installed).toBe(true);

    const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'public.contacts', changeDetection: 'capture' } });
    const { id: pairId } = await kit.call('pairs/create', { config });
    const first = await syncAndWait(kit, pairId);
    expect(first).toMatchObject({ status: 'succeeded', counts: { created: 2 } });
    const names = () => appRows(left).map((x) => [x.email, x.name, x.score]);
    expect(names()).toEqual([['ann@x', 'Ann', 5], ['bob@x', 'Bob', null]]);

    await sql(`INSERT INTO public.contacts (email, name, score) VALUES ('cy@x', 'Cy', 1)`);
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1, updated: 0, deleted: 0 } });
    expect(names()).toContainEqual(['cy@x', 'Cy', 1]);

    await sql(`UPDATE public.contacts SET name = 'Ann B.' WHERE email = 'ann@x'`);
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 1, deleted: 0 } });
    expect(names()).toContainEqual(['ann@x', 'Ann B.', 5]);

    // A delete the trigger recorded: reported by the read, no full scan needed.
    await sql(`DELETE FROM public.contacts WHERE email = 'bob@x'`);
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 0, deleted: 1 } });
    expect(names()).toEqual([['ann@x', 'Ann B.', 5], ['cy@x', 'Cy', 1]]);

    // Concord's own writes into PostgreSQL are not recorded (its sessions are marked concord.writer):
    // no change row, no NOTIFY, so nothing to read back and no echo run.
    const [{ top } = { top: '' }] = await sql<{ top: string }>(`SELECT coalesce(max(seq), 0)::text AS top FROM public.concord_changes_contacts`);
    appInsert(left, { email: 'di@x', name: 'Di', score: 2 });
    const ann = appRows(left).find((x) => x.email === 'ann@x');
    appUpdate(left, ann?.id ?? 0, { score: 6 });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1, updated: 1 } });
    expect(await sql(`SELECT name, score::text FROM public.contacts WHERE email IN ('di@x', 'ann@x') ORDER BY email`)).toEqual([{ name: 'Ann B.', score: '6.00' }, { name: 'Di', score: '2.00' }]);
    expect(await sql(`SELECT op, key FROM public.concord_changes_contacts WHERE seq > ${top}`)).toEqual([]);

    const quiet = await syncAndWait(kit, pairId);
    expect(quiet.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    // The SQLite side is in hash mode (it reads all its rows every run): all that was read. PostgreSQL's read 0.
    expect(quiet.counts.read).toBe(appRows(left).length);
    // Each read prunes what the stored cursor covers: after one more quiet run the change table is empty.
    expect((await syncAndWait(kit, pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    expect(await sql(`SELECT count(*)::int AS n FROM public.concord_changes_contacts`)).toEqual([{ n: 0 }]);

    const rowsBefore = await sql(`SELECT * FROM public.contacts ORDER BY id`);
    const gone = await kit.call('connections/capture-remove', { connectionId: r.id, collection: 'public.contacts', removeHash: done.removeHash });
    expect(gone.installed).toBe(false);
    expect(await sql(CATALOG)).toEqual(catalogBefore);
    expect(await sql(`SELECT * FROM public.contacts ORDER BY id`)).toEqual(rowsBefore);
    // A run in capture mode now says what to do instead of reading nothing.
    const after = await syncAndWait(kit, pairId);
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/Capture is not installed on table "public.contacts".*install it from the pair's settings/);
  });

  it('pitfall 4: a row deleted while capture was removed is recorded nowhere, yet the read after the new install (a listing of every row, `rescan`) finds its delete', async () => {
    dir = tempDir('concord-pg-capture-');
    const left = join(dir, 'left.sqlite');
    createApp(left);
    const db = await pg.database(TABLE);
    const server = pg.server();
    const sql = <T extends Record<string, unknown>>(text: string) => server.sql<T>(text, [], db);
    kit = startEngine(dir, join(dir, 'data'), undefined, undefined, undefined, { feeds: false });
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Warehouse', connector: 'postgres', config: { host: server.host, port: server.port, database: db, user: APP_USER }, secret: APP_PASSWORD });
    const install = async () => {
      const plan = await kit?.call('connections/capture-plan', { connectionId: r.id, collection: 'public.contacts' });
      return kit?.call('connections/capture-install', { connectionId: r.id, collection: 'public.contacts', installHash: plan?.installHash ?? '' });
    };
    const done = await install();
    await sql(`INSERT INTO public.contacts (email, name, score) VALUES ('cy@x', 'Cy', 1)`);
    const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'public.contacts', changeDetection: 'capture' }, deletes: { propagate: true, massDeleteThreshold: 0.5 } });
    const { id: pairId } = await kit.call('pairs/create', { config });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 3 } });
    await kit.call('connections/capture-remove', { connectionId: r.id, collection: 'public.contacts', removeHash: done?.removeHash ?? '' });
    await sql(`DELETE FROM public.contacts WHERE email = 'bob@x'`);
    await sql(`UPDATE public.contacts SET name = 'Cy, unrecorded' WHERE email = 'cy@x'`);
    await install();
    const run = await syncAndWait(kit, pairId);
    expect(run).toMatchObject({ status: 'succeeded', counts: { deleted: 1, updated: 1, created: 0 } });
    expect(appRows(left).map((x) => [x.email, x.name])).toEqual([['ann@x', 'Ann'], ['cy@x', 'Cy, unrecorded']]);
    expect((await syncAndWait(kit, pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });

  it('a capture side sees its deletes, so the scheduler gives it no periodic full reconciliation', async () => {
    dir = tempDir('concord-pg-capture-');
    const left = join(dir, 'left.sqlite');
    createApp(left);
    const db = await pg.database(TABLE);
    const server = pg.server();
    kit = startEngine(dir, join(dir, 'data'), undefined, 20);
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Warehouse', connector: 'postgres', config: { host: server.host, port: server.port, database: db, user: APP_USER }, secret: APP_PASSWORD });
    const plan = await kit.call('connections/capture-plan', { connectionId: r.id, collection: 'public.contacts' });
    await kit.call('connections/capture-install', { connectionId: r.id, collection: 'public.contacts', installHash: plan.installHash });
    const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'public.contacts', changeDetection: 'capture' }, schedule: { intervalSeconds: 10 } });
    const { id: pairId } = await kit.call('pairs/create', { config });
    let runs = await kit.call('runs/list', { pairId });
    // No deadline of its own (the test's timeout is one): a busy machine may take seconds to tick.
    while (runs.length === 0) {
      await new Promise((res) => setTimeout(res, 10));
      runs = await kit.call('runs/list', { pairId });
    }
    expect(runs[0]?.trigger).toBe('schedule');
  });
});
