import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeDetection } from '../../api/model';
import { appDelete, appInsert, appRows, appUpdate, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

const { available, my } = useMy();

// A typical MySQL app table: an AUTO_INCREMENT key, a 1-second TIMESTAMP kept by ON UPDATE CURRENT_TIMESTAMP.
const TABLE = `CREATE TABLE contacts (
  id INT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) UNIQUE, name VARCHAR(100), score DECIMAL(12,2),
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  needs_sync TINYINT(1) NOT NULL DEFAULT 1
)`;

type MyContact = { id: number; email: string; name: string | null; score: string | null };

/** A CRM in SQLite on the left, a MariaDB table on the right (its password in the engine's credential store). */
async function myPair(mode: ChangeDetection) {
  const dir = tempDir('concord-mysql-engine-');
  const left = join(dir, 'left.sqlite');
  createApp(left);
  const db = await my.database([TABLE]);
  const server = my.server();
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', {
    name: 'Shop',
    connector: 'mysql',
    config: { host: server.host, port: server.port, database: db, user: APP_USER },
    secret: APP_PASSWORD,
  });
  expect(r.config).not.toHaveProperty('password');
  const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'contacts', changeDetection: mode } });
  const { id: pairId } = await kit.call('pairs/create', { config });
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => my.sql<T>(db, text, params);
  const myRows = () => sql<MyContact>('SELECT id, email, name, CAST(score AS CHAR) AS score FROM contacts ORDER BY email');
  return { dir, left, kit, pairId, sql, myRows };
}

describe.runIf(available)('mysql connector in a pair with a SQLite table', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  for (const mode of ['cursor', 'flag', 'hash'] as const) {
    it(`syncs both ways (MariaDB side in ${mode} mode): creates, edits on each side, a delete, and a quiet run after (PITFALLS 2)`, async () => {
      const s = await myPair(mode);
      kit = s.kit;
      dir = s.dir;
      const ann = appInsert(s.left, { email: 'ann@x', name: 'Ann', score: 5 });
      appInsert(s.left, { email: 'bob@x', name: 'Bob', score: null });
      await s.sql("INSERT INTO contacts (email, name, score) VALUES ('cy@x', 'Cy 🎉', 7.5)");

      const first = await syncAndWait(kit, s.pairId);
      expect(first).toMatchObject({ status: 'succeeded', counts: { created: 3 } });
      expect(appRows(s.left).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', 5], ['bob@x', 'Bob', null], ['cy@x', 'Cy 🎉', 7.5]]);
      expect((await s.myRows()).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', '5.00'], ['bob@x', 'Bob', null], ['cy@x', 'Cy 🎉', '7.50']]);

      // The app edits a row in MariaDB (ON UPDATE CURRENT_TIMESTAMP stamps it), the CRM edits another and deletes a third.
      await s.sql("UPDATE contacts SET name = 'Cyrus', needs_sync = 1 WHERE email = 'cy@x'");
      appUpdate(s.left, ann, { score: 6 });
      const bob = appRows(s.left).find((r) => r.email === 'bob@x');
      appDelete(s.left, bob?.id ?? 0);
      const second = await syncAndWait(kit, s.pairId);
      expect(second).toMatchObject({ status: 'succeeded', counts: { updated: 2, deleted: 1, conflicts: 0 } });
      expect(appRows(s.left).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', 6], ['cy@x', 'Cyrus', 7.5]]);
      expect((await s.myRows()).map((r) => [r.email, r.name, r.score])).toEqual([['ann@x', 'Ann', '6.00'], ['cy@x', 'Cyrus', '7.50']]);

      // Nothing changed since: no writes either way (rows re-read from the cursor's second are equal to what was synced).
      const quiet = await syncAndWait(kit, s.pairId);
      expect(quiet.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    });
  }
});
