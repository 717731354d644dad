/**
 * Issue 9 §3 on MySQL / MariaDB — Concord's own writes cost nothing on the next cursor read where
 * the last-modified column keeps fractional seconds (`TIMESTAMP(6)`, `DATETIME(3)`): a write
 * returns the row's stamp as read back, and the next read leaves out rows still at exactly that
 * stamp while its cursor moves over them. An edit the app makes moves the stamp and is read
 * (PITFALLS 6). The common whole-second `TIMESTAMP … ON UPDATE CURRENT_TIMESTAMP` gives no stamp:
 * an app could edit within the second Concord wrote in and keep it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appRows, appSql, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

const { available, my } = useMy();

const N = 300;
const table = (stamp: string) => `CREATE TABLE contacts (
  id INT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) UNIQUE, name VARCHAR(100), score DECIMAL(12,2),
  updated_at ${stamp}
)`;

/** A CRM in SQLite (N contacts stamped a second apart in 2024, outside any look-back) and a MariaDB table of 5 others, both sides in cursor mode. */
async function myPair(stamp: string) {
  const dir = tempDir('concord-mysql-own-');
  const left = join(dir, 'left.sqlite');
  createApp(left);
  appSql(
    left,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
     INSERT INTO contacts (email, name, score, updated_at) SELECT 'p' || i || '@x', 'Person ' || i, i, strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || i || ' seconds') FROM n`,
  );
  // The app's own few rows, stamped in 2024 too: a read of an empty table leaves no cursor to resume from.
  const db = await my.database([table(stamp), ...[1, 2, 3, 4, 5].map((i) => `INSERT INTO contacts (email, name, updated_at) VALUES ('app${i}@x', 'App ${i}', '2024-02-01 00:00:0${i}')`)]);
  const server = my.server();
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Shop', connector: 'mysql', config: { host: server.host, port: server.port, database: db, user: APP_USER }, secret: APP_PASSWORD });
  const config = basePairConfig(l.id, r.id, {
    left: { connectionId: l.id, collection: 'contacts', changeDetection: 'cursor' },
    right: { connectionId: r.id, collection: 'contacts', changeDetection: 'cursor' },
  });
  const { id: pairId } = await kit.call('pairs/create', { config });
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => my.sql<T>(db, text, params);
  return { dir, left, kit, pairId, sql };
}

describe.runIf(available)("mysql connector: Concord's own writes on the next cursor read", () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('are not read back where the column keeps microseconds (TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)), and an app edit after Concord wrote is read (PITFALLS 6)', async () => {
    const s = await myPair('TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)');
    kit = s.kit;
    dir = s.dir;
    const first = await syncAndWait(kit, s.pairId);
    expect(first).toMatchObject({ status: 'succeeded', counts: { created: N + 5 } });

    const second = await syncAndWait(kit, s.pairId);
    expect(second.status).toBe('succeeded');
    // Before: the N rows Concord created in MariaDB came back (read: N + 2). Now only each side's
    // row at its cursor's own stamp, which a cursor read always takes again.
    expect(second.counts.read).toBeLessThanOrEqual(2);

    // The app edits two rows Concord created (ON UPDATE stamps them): both are read and synced.
    await s.sql(`UPDATE contacts SET name = 'Edited' WHERE email IN ('p1@x', 'p200@x')`);
    const third = await syncAndWait(kit, s.pairId);
    expect(third).toMatchObject({ status: 'succeeded', counts: { updated: 2 } });
    expect(appRows(s.left).filter((r) => r.name === 'Edited').map((r) => r.email)).toEqual(['p1@x', 'p200@x']);
    const quiet = await syncAndWait(kit, s.pairId);
    expect(quiet.counts.updated + quiet.counts.created).toBe(0);
  });

  it('are read back where the column keeps whole seconds (TIMESTAMP ON UPDATE CURRENT_TIMESTAMP): an edit within that second would keep the stamp', async () => {
    const s = await myPair('TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP');
    kit = s.kit;
    dir = s.dir;
    expect((await syncAndWait(kit, s.pairId)).counts.created).toBe(N + 5);
    const second = await syncAndWait(kit, s.pairId);
    expect(second.status).toBe('succeeded');
    expect(second.counts.read).toBeGreaterThanOrEqual(N);
    expect(second.counts.updated + second.counts.created).toBe(0);
  });

  it('a write returns the stamp it read back for DATETIME(3), none for DATETIME, and none for a create by a key derived from its create key (it may have found an earlier attempt’s row)', async () => {
    const db = await my.database(['CREATE TABLE c (id INT PRIMARY KEY, v TEXT, updated_at DATETIME(3) NULL)', 'CREATE TABLE w (id INT PRIMARY KEY, v TEXT, updated_at DATETIME NULL)', 'CREATE TABLE k (id VARCHAR(64) PRIMARY KEY, v TEXT, updated_at DATETIME(6) NULL)']);
    const c = my.connector(db);
    const [fine] = await c.write('c', [{ op: 'create', key: 'a', fields: { id: 1, v: 'x' } }]);
    expect(fine).toMatchObject({ ok: true, stamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/) });
    const [read] = await c.read('c', ['1']);
    expect(fine?.ok && fine.stamp).toBe(read?.updatedAt);
    const [coarse] = await c.write('w', [{ op: 'create', key: 'a', fields: { id: 1, v: 'x' } }]);
    expect(coarse).toMatchObject({ ok: true });
    expect(coarse?.ok && coarse.stamp).toBeFalsy();
    // A key derived from the create key: a repeated create (a rerun after a crash) finds the row an
    // earlier attempt wrote, which the app may have edited since, and MySQL cannot say which it
    // was — so no such create gives a stamp, and its row is read once more.
    const [made] = await c.write('k', [{ op: 'create', key: 'same', fields: { v: 'x' } }]);
    expect(made).toMatchObject({ ok: true });
    expect(made?.ok && made.stamp).toBeFalsy();
    const [again] = await c.write('k', [{ op: 'create', key: 'same', fields: { v: 'x' } }]);
    expect(again).toMatchObject({ ok: true, id: made?.ok ? made.id : '' });
    expect(again?.ok && again.stamp).toBeFalsy();
  });
});
