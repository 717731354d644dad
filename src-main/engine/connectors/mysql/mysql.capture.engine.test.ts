import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, appUpdate, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

const { available, my } = useMy();

const TABLE = 'CREATE TABLE contacts (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) UNIQUE, name VARCHAR(100), score DECIMAL(12,2))';
const ROWS = "INSERT INTO contacts (email, name, score) VALUES ('ann@x', 'Ann', 5), ('bob@x', 'Bob', NULL)";

/** The database's own objects, so a removal can be compared with the state before the install. */
const CATALOG = `SELECT CONCAT('table ', TABLE_NAME) AS o FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
  UNION ALL SELECT CONCAT('trigger ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
  UNION ALL SELECT CONCAT('routine ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1`;

describe.runIf(available)('mysql capture mode in a pair with a SQLite table', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('installs through the API after the SQL is shown; an insert, an update and a delete in MariaDB each propagate; Concord’s own writes do not come back; removing capture leaves the table as before', async () => {
    dir = tempDir('concord-mysql-capture-');
    const left = join(dir, 'left.sqlite');
    createApp(left);
    const db = await my.database([TABLE, ROWS]);
    const server = my.server();
    const sql = <T = Record<string, unknown>>(text: string) => my.sql<T>(db, text);
    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Shop', connector: 'mysql', config: { host: server.host, port: server.port, database: db, user: APP_USER }, secret: APP_PASSWORD });
    const catalogBefore = await sql(CATALOG);

    const plan = await kit.call('connections/capture-plan', { connectionId: r.id, collection: 'contacts' });
    expect(plan.installed).toBe(false);
    expect(plan.installSql).toContain('CREATE TRIGGER');
    // Only the SQL that was shown runs: another hash is refused and nothing is installed.
    await expect(kit.call('connections/capture-install', { connectionId: r.id, collection: 'contacts', installHash: '0'.repeat(64) })).rejects.toThrow(/connector-error: .*no longer the SQL you were shown/);
    expect(await sql(CATALOG)).toEqual(catalogBefore);
    const done = await kit.call('connections/capture-install', { connectionId: r.id, collection: 'contacts', installHash: plan.installHash });
    expect(done.installed).toBe(true);

    const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'contacts', changeDetection: 'capture' } });
    const { id: pairId } = await kit.call('pairs/create', { config });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 2 } });
    const names = () => appRows(left).map((x) => [x.email, x.name, x.score]);
    expect(names()).toEqual([['ann@x', 'Ann', 5], ['bob@x', 'Bob', null]]);

    await sql(`INSERT INTO contacts (email, name, score) VALUES ('cy@x', 'Cy', 1)`);
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1, updated: 0, deleted: 0 } });
    expect(names()).toContainEqual(['cy@x', 'Cy', 1]);

    await sql(`UPDATE contacts SET name = 'Ann B.' WHERE email = 'ann@x'`);
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 1, deleted: 0 } });
    expect(names()).toContainEqual(['ann@x', 'Ann B.', 5]);

    // A delete the trigger recorded: reported by the read, no full scan needed.
    await sql(`DELETE FROM contacts WHERE email = 'bob@x'`);
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 0, deleted: 1 } });
    expect(names()).toEqual([['ann@x', 'Ann B.', 5], ['cy@x', 'Cy', 1]]);

    // Concord's own writes into MariaDB fire the triggers too: the next read sees each as it wrote it, and skips it.
    appInsert(left, { email: 'di@x', name: 'Di', score: 2 });
    const ann = appRows(left).find((x) => x.email === 'ann@x');
    appUpdate(left, ann?.id ?? 0, { score: 6 });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1, updated: 1 } });
    expect(await sql(`SELECT name, CAST(score AS CHAR) AS score FROM contacts WHERE email IN ('di@x', 'ann@x') ORDER BY email`)).toEqual([{ name: 'Ann B.', score: '6.00' }, { name: 'Di', score: '2.00' }]);
    // They were recorded, and read back without a change or a conflict: no loop.
    const quiet = await syncAndWait(kit, pairId);
    expect(quiet.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    expect((await syncAndWait(kit, pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    // Each read prunes what the stored cursor covers (but the last row, where a prune's scan stops).
    expect(await sql(`SELECT COUNT(*) AS n FROM concord_changes_contacts`)).toEqual([{ n: '1' }]);

    const rowsBefore = await sql(`SELECT * FROM contacts ORDER BY id`);
    const gone = await kit.call('connections/capture-remove', { connectionId: r.id, collection: 'contacts', removeHash: done.removeHash });
    expect(gone.installed).toBe(false);
    expect(await sql(CATALOG)).toEqual(catalogBefore);
    expect(await sql(`SELECT * FROM contacts ORDER BY id`)).toEqual(rowsBefore);
    // A run in capture mode now says what to do instead of reading nothing.
    const after = await syncAndWait(kit, pairId);
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/Capture is not installed on table "contacts".*install it from the pair's settings/);
  });
});
