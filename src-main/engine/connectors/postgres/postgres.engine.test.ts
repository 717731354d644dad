import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeDetection } from '../../api/model';
import { appDelete, appInsert, appRows, appUpdate, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { APP_PASSWORD, APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

const TABLE = `CREATE TABLE public.contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text UNIQUE, name text, score numeric(12,2),
  updated_at timestamptz NOT NULL DEFAULT now(),
  needs_sync boolean NOT NULL DEFAULT true
); ${ownedByApp(['public.contacts'])}`;

type PgContact = { id: string; email: string; name: string | null; score: string | null };

/** A CRM in SQLite on the left, a PostgreSQL table on the right (its password in the engine's credential store). */
async function pgPair(mode: ChangeDetection) {
  const dir = tempDir('concord-pg-engine-');
  const left = join(dir, 'left.sqlite');
  createApp(left);
  const db = await pg.database(TABLE);
  const server = pg.server();
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', {
    name: 'Warehouse',
    connector: 'postgres',
    config: { host: server.host, port: server.port, database: db, user: APP_USER },
    secret: APP_PASSWORD,
  });
  expect(r.config).not.toHaveProperty('password');
  const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'public.contacts', changeDetection: mode } });
  const { id: pairId } = await kit.call('pairs/create', { config });
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => server.sql<T>(text, params, db);
  const pgRows = () => sql<PgContact>('SELECT id::text, email, name, score::text FROM public.contacts ORDER BY email');
  return { dir, left, kit, pairId, sql, pgRows };
}

describe.runIf(available)('postgres connector in a pair with a SQLite table', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  for (const mode of ['cursor', 'flag', 'hash'] as const) {
    it(`syncs both ways (PostgreSQL side in ${mode} mode): creates, edits on each side, a delete, and a quiet run after (PITFALLS 2)`, async () => {
      const s = await pgPair(mode);
      kit = s.kit;
      dir = s.dir;
      const ann = appInsert(s.left, { email: 'ann@x', name: 'Ann', score: 5 });
      appInsert(s.left, { email: 'bob@x', name: 'Bob', score: null });
      await s.sql(`INSERT INTO public.contacts (email, name, score) VALUES ('cy@x', 'Cy 🎉', 7.5)`);

      const first = await syncAndWait(kit, s.pairId);
      expect(first).toMatchObject({ status: 'succeeded', counts: { created: 3 } });
      expect(appRows(s.left).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', 5], ['bob@x', 'Bob', null], ['cy@x', 'Cy 🎉', 7.5]]);
      expect((await s.pgRows()).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', '5.00'], ['bob@x', 'Bob', null], ['cy@x', 'Cy 🎉', '7.50']]);

      // The app edits a row in PostgreSQL, the CRM edits another and deletes a third.
      await s.sql(`UPDATE public.contacts SET name = 'Cyrus', updated_at = now(), needs_sync = true WHERE email = 'cy@x'`);
      appUpdate(s.left, ann, { score: 6 });
      const bob = appRows(s.left).find((r) => r.email === 'bob@x');
      appDelete(s.left, bob?.id ?? 0);
      const second = await syncAndWait(kit, s.pairId);
      expect(second).toMatchObject({ status: 'succeeded', counts: { updated: 2, deleted: 1, conflicts: 0 } });
      expect(appRows(s.left).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', 6], ['cy@x', 'Cyrus', 7.5]]);
      expect((await s.pgRows()).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', '6.00'], ['cy@x', 'Cyrus', '7.50']]);

      // Nothing changed since: no writes either way (Concord's own writes are not read back as changes).
      const quiet = await syncAndWait(kit, s.pairId);
      expect(quiet.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    });
  }
});
