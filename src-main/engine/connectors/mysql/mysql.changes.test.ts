import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

// A server of its own: one test changes its global time zone.
const { available, my } = useMy({ own: true });

/** The app's own connection, whose clock a test can pin (`SET TIMESTAMP`), as ON UPDATE CURRENT_TIMESTAMP reads it. */
async function appSession(database: string): Promise<mysql.Connection> {
  const s = my.server();
  return mysql.createConnection({ host: s.host, port: s.port, user: APP_USER, password: APP_PASSWORD, database, charset: 'utf8mb4' });
}

describe.runIf(available)('mysql connector: change detection', () => {
  it('cursor: ON UPDATE CURRENT_TIMESTAMP at 1-second resolution — a row the app changes after the read within the cursor’s second, with a lower id, is read on the next pass', async () => {
    const db = await my.database(['CREATE TABLE c (id INT PRIMARY KEY, v TEXT, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)']);
    const app = await appSession(db);
    try {
      // The app's clock stands at 10:00:00.200, then 10:00:00.700: one second for MySQL.
      await app.query("SET time_zone = '+00:00', TIMESTAMP = UNIX_TIMESTAMP('2024-05-01 09:59:59')");
      await app.query("INSERT INTO c (id, v) VALUES (3, 'a'), (5, 'b'), (9, 'c')");
      await app.query("SET TIMESTAMP = UNIX_TIMESTAMP('2024-05-01 10:00:00.200000')");
      await app.query("UPDATE c SET v = CONCAT(v, '1') WHERE id IN (5, 9)");
      const c = my.connector(db);
      const first = await collect(c, 'c', null, 'cursor', 1);
      expect(first.ids).toEqual(['3', '5', '9']);
      expect(first.cursor?.value).toMatchObject({ ts: '2024-05-01T10:00:00.000000Z', key: [9] });
      await app.query("SET TIMESTAMP = UNIX_TIMESTAMP('2024-05-01 10:00:00.700000')");
      await app.query("UPDATE c SET v = 'changed in the same second' WHERE id = 3");
      // No look-back asked: the whole second is read again all the same.
      const next = await collect(c, 'c', first.cursor, 'cursor', 1, 0);
      expect(next.ids).toContain('3');
      expect(next.upserts.find((u) => u.id === '3')?.fields.v).toBe('changed in the same second');
      // With a look-back of less than a second, the window still starts on a whole second.
      await app.query("SET TIMESTAMP = UNIX_TIMESTAMP('2024-05-01 10:00:00.900000')");
      await app.query("UPDATE c SET v = 'again' WHERE id = 5");
      const withLookBack = await collect(c, 'c', next.cursor, 'cursor', 1, 0.3);
      expect(withLookBack.ids).toContain('5');
    } finally {
      await app.end();
    }
  });

  it('cursor: a DATETIME(6) column keeps microseconds, so the (stamp, key) cursor is exact and a quiet pass re-reads only the cursor’s own row', async () => {
    const db = await my.database([
      'CREATE TABLE c (id INT PRIMARY KEY, v TEXT, updated_at DATETIME(6) NOT NULL)',
      "INSERT INTO c VALUES (5, 'a', '2024-05-01 10:00:00.123456'), (9, 'b', '2024-05-01 10:00:00.123456')",
    ]);
    const c = my.connector(db);
    const first = await collect(c, 'c', null, 'cursor', 1);
    expect(first.ids).toEqual(['5', '9']);
    expect(first.cursor?.value).toMatchObject({ ts: '2024-05-01T10:00:00.123456Z', key: [9] });
    await my.sql(db, "INSERT INTO c VALUES (1, 'd', '2024-05-01 10:00:00.123457')");
    const next = await collect(c, 'c', first.cursor, 'cursor', 1);
    expect(next.ids).toEqual(['9', '1']);
    const quiet = await collect(c, 'c', next.cursor, 'cursor', 1);
    expect(quiet.ids).toEqual(['1']);
  });

  it('cursor: a DATETIME column is read in the server’s own zone (what the app’s sessions write), and Concord’s writes stamp that zone’s wall clock', async () => {
    const db = await my.database(['CREATE TABLE c (id INT PRIMARY KEY, v TEXT, modified_at DATETIME)', "INSERT INTO c VALUES (1, 'null stamp', NULL), (2, 'local', '2024-05-01 12:00:00')"]);
    await my.sql(db, "SET GLOBAL time_zone = '+02:00'");
    try {
      const c = my.connector(db);
      const first = await collect(c, 'c', null, 'cursor');
      expect(first.ids).toEqual(['1', '2']);
      expect(first.upserts[1]?.updatedAt).toBe('2024-05-01T10:00:00.000000Z');
      expect(first.upserts[1]?.fields.modified_at).toBe('2024-05-01T12:00:00');
      const [w] = await c.write('c', [{ op: 'update', id: '1', fields: { v: 'stamped' } }]);
      const [row] = await my.sql<{ skew: number }>(db, "SELECT ABS(TIMESTAMPDIFF(SECOND, modified_at, CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', '+02:00'))) AS skew FROM c WHERE id = 1");
      expect(Number(row?.skew)).toBeLessThan(120);
      expect(w).toMatchObject({ ok: true, updatedAt: expect.stringMatching(/Z$/) });
      // Rows without a stamp come on every pass.
      expect((await collect(c, 'c', first.cursor, 'cursor')).ids).toContain('2');
    } finally {
      await my.sql(db, "SET GLOBAL time_zone = 'SYSTEM'");
    }
  });

  it('flag: Concord’s own writes clear the flag and stamp the server’s now, so flag mode does not read them back', async () => {
    const db = await my.database(['CREATE TABLE c (id INT PRIMARY KEY, v TEXT, updated_at DATETIME NOT NULL DEFAULT \'2000-01-01\', dirty TINYINT NOT NULL DEFAULT 1)', "INSERT INTO c (id, v) VALUES (1, 'a')"]);
    const c = my.connector(db);
    const res = await c.write('c', [
      { op: 'update', id: '1', fields: { v: 'b' } },
      { op: 'create', key: 'x', fields: { id: 2, v: 'new' } },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, true]);
    const [row] = await my.sql<{ fresh: number; dirty: number }>(db, 'SELECT updated_at > UTC_TIMESTAMP() - INTERVAL 1 MINUTE AS fresh, dirty FROM c WHERE id = 1');
    expect(row).toEqual({ fresh: 1, dirty: 0 });
    const first = await collect(c, 'c', null, 'flag');
    expect(first.ids).toEqual(['1', '2']);
    expect((await collect(c, 'c', first.cursor, 'flag')).ids).toEqual([]);
    // The app raises the flag on an edit; clearing it at a version read before that edit leaves it raised.
    const [before] = await c.read('c', ['1']);
    await my.sql(db, "UPDATE c SET v = 'app', dirty = 1 WHERE id = 1");
    await c.clearFlags?.('c', [{ id: '1', version: before?.version ?? '' }]);
    expect((await collect(c, 'c', first.cursor, 'flag')).ids).toEqual(['1']);
  });

  it('hash: a full scan pages by key over a compound key and says it is complete, with the row count', async () => {
    const db = await my.database(['CREATE TABLE k (org VARCHAR(10), n BIGINT UNSIGNED, v TEXT, PRIMARY KEY (org, n))', "INSERT INTO k VALUES ('acme', 18446744073709551615, 'x'), ('acme', 1, 'y'), ('beta', 2, 'z')"]);
    const c = my.connector(db);
    const scan = await collect(c, 'k', null, 'hash', 1);
    expect(scan.ids).toEqual(['["acme",1]', '["acme","18446744073709551615"]', '["beta",2]']);
    expect(scan.batches.at(-1)).toMatchObject({ complete: true, total: 3 });
  });

  it('an aborted read stops at the next page, and an aborted statement is killed on the server (KILL QUERY)', async () => {
    const db = await my.database(['CREATE TABLE c (id INT PRIMARY KEY, v TEXT)', "INSERT INTO c SELECT seq, 'v' FROM seq_1_to_50"]);
    const c = my.connector(db);
    const ac = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const b of c.changes('c', null, { mode: 'hash', signal: ac.signal, batchSize: 10 })) {
          seen.push(...b.upserts.map((u) => u.id));
          ac.abort(new Error('cancelled by the user'));
        }
      })(),
    ).rejects.toThrow('cancelled by the user');
    expect(seen).toHaveLength(10);

    const { createMyDialect } = await import('./dialect');
    const s = my.server();
    const target = { host: s.host, port: s.port, database: db, user: APP_USER, tls: 'disable' };
    const d = createMyDialect({ host: s.host, port: s.port, database: db, user: APP_USER, target }, async () => APP_PASSWORD);
    const slow = new AbortController();
    const running = d.query('SELECT SLEEP(600) AS concord_slow', [], slow.signal);
    const active = async () => (await s.sql("SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(600)%'")).length > 0;
    while (!(await active())) await new Promise((r) => setTimeout(r, 20));
    slow.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    while (await active()) await new Promise((r) => setTimeout(r, 20));
    await d.close();
  });
});
