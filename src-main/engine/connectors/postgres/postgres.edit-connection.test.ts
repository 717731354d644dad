/**
 * pairs/edit-connection with a connection that has a secret (real PostgreSQL): settings that reach
 * another database — its own login and password, a table of the same name, other rows — pass the
 * connection checks but not the linked-records check, and are put back with the password that was
 * stored before. Had the new password stayed beside the old login, the next sync would fail to log in.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { randomName } from '../../testing/shared-server-client';
import { APP_PASSWORD, APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();
const OTHER_USER = randomName('other_user');
const OTHER_PASSWORD = 'other-pw-0123456789';

const TABLE = `CREATE TABLE public.contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text UNIQUE, name text, score numeric(12,2),
  updated_at timestamptz NOT NULL DEFAULT now()
); ${ownedByApp(['public.contacts'])}`;

describe.runIf(available)('editing a PostgreSQL connection of a pair', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });
  afterAll(async () => {
    await pg.server().sql(`DROP OWNED BY ${OTHER_USER}`).catch(() => {});
    await pg.server().sql(`DROP ROLE IF EXISTS ${OTHER_USER}`).catch(() => {});
  });

  it('another database’s rows are refused, and the old login and password are put back: the next sync logs in and writes nothing', async () => {
    dir = tempDir('concord-pg-edit-');
    const left = join(dir, 'left.sqlite');
    createApp(left);
    const server = pg.server();
    const mine = await pg.database(TABLE);
    await server.sql(`INSERT INTO public.contacts (email, name, score) SELECT 'p' || i || '@example.com', 'P' || i, i FROM generate_series(1, 6) AS i`, [], mine);
    const other = await pg.database(TABLE);
    await server.sql(`INSERT INTO public.contacts (email, name, score) VALUES ('someone@else.com', 'Someone else', 1)`, [], other);
    await server.sql(`CREATE ROLE ${OTHER_USER} LOGIN PASSWORD '${OTHER_PASSWORD}'`);
    await server.sql(`GRANT CONNECT ON DATABASE ${other} TO ${OTHER_USER}`);
    await server.sql(`GRANT ALL ON public.contacts TO ${OTHER_USER}`, [], other);

    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const config = { host: server.host, port: server.port, database: mine, user: APP_USER };
    const r = await kit.call('connections/create', { name: 'Warehouse', connector: 'postgres', config, secret: APP_PASSWORD });
    const { id: pairId } = await kit.call('pairs/create', { config: basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'public.contacts', changeDetection: 'hash' } }) });
    expect((await syncAndWait(kit, pairId)).counts).toMatchObject({ created: 6 });

    const edit = await kit.dispatch('pairs/edit-connection', { pairId, side: 'right', name: 'Warehouse', config: { ...config, database: other, user: OTHER_USER }, secret: OTHER_PASSWORD });
    expect(edit.ok ? null : edit.error).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('Only 0 of the 6 records Concord linked in “Warehouse” are there') });
    expect((await kit.call('connections/list', {})).find((c) => c.id === r.id)).toMatchObject({ config, hasCredential: true });
    const next = await syncAndWait(kit, pairId);
    expect(next.status, next.error ?? '').toBe('succeeded');
    expect(next.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(appRows(left)).toHaveLength(6);
  });
});
