import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { countingSignal } from '../sql-table/abort-listeners.fixture';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

const { available, my } = useMy();

describe.runIf(available)('mysql connector: writes', () => {
  it('pitfall 3: an update or delete over a row the app changed since the read is refused as stale (a hash of the row, computed in SQL), also within the same second', async () => {
    const db = await my.database([
      'CREATE TABLE c (id INT PRIMARY KEY, v TEXT, n INT, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)',
      "INSERT INTO c (id, v, n) VALUES (1, 'a', NULL), (2, 'b', 1), (3, 'c', 1), (4, 'd', NULL)",
    ]);
    const c = my.connector(db);
    const [r1, r2, r3, r4] = await c.read('c', ['1', '2', '3', '4']);
    expect(r1?.version).toMatch(/^[0-9a-f]{32}$/);
    // Same second as the read, so updated_at alone would not tell; NULL becoming '' must tell too.
    await my.sql(db, "UPDATE c SET v = 'app', updated_at = updated_at WHERE id = 1");
    await my.sql(db, 'UPDATE c SET n = 2, updated_at = updated_at WHERE id = 2');
    await my.sql(db, "UPDATE c SET n = NULL, v = 'c1', updated_at = updated_at WHERE id = 3");
    const res = await c.write('c', [
      { op: 'update', id: '1', fields: { v: 'concord' }, ifVersion: r1?.version ?? '' },
      { op: 'delete', id: '2', ifVersion: r2?.version ?? '' },
      { op: 'update', id: '3', fields: { v: 'concord' }, ifVersion: r3?.version ?? '' },
      { op: 'update', id: '4', fields: { v: 'concord' }, ifVersion: r4?.version ?? '' },
      { op: 'update', id: '99', fields: { v: 'ghost' } },
    ]);
    expect(res).toMatchObject([{ ok: false, reason: 'stale' }, { ok: false, reason: 'stale' }, { ok: false, reason: 'stale' }, { ok: true, id: '4' }, { ok: false, reason: 'not-found' }]);
    expect(await my.sql(db, 'SELECT id, v FROM c ORDER BY id')).toEqual([
      { id: 1, v: 'app' },
      { id: 2, v: 'b' },
      { id: 3, v: 'c1' },
      { id: 4, v: 'concord' },
    ]);
    // The version a write returns is the one the next read reports.
    expect((await c.read('c', ['4']))[0]?.version).toBe(res[3]?.ok ? res[3].version : 'no');
  });

  it('pitfall 14: a duplicate key fails only that record, with a message naming the value; the rest of the batch is written once', async () => {
    const db = await my.database(['CREATE TABLE c (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE, n INT CHECK (n >= 0))', "INSERT INTO c (email) VALUES ('taken@x')"]);
    const c = my.connector(db);
    const res = await c.write('c', [
      { op: 'create', key: 'a', fields: { email: 'ann@x' } },
      { op: 'create', key: 'b', fields: { email: 'taken@x' } },
      { op: 'update', id: '1', fields: { n: 5 } },
      { op: 'create', key: 'c', fields: { email: 'neg@x', n: -1 } },
      { op: 'create', key: 'd', fields: { email: 'cy@x', n: 'not a number' } },
      { op: 'create', key: 'e', fields: { email: 'dan@x' } },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, false, true, false, false, true]);
    expect(res[1]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining("'taken@x'") });
    expect(res[3]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('rule of the table') });
    expect(res[4]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('does not fit its column') });
    // AUTO_INCREMENT keys come back from the database (LAST_INSERT_ID), each its own.
    const ids = res.flatMap((r) => (r.ok ? [r.id] : []));
    expect(new Set(ids).size).toBe(3);
    const emails = (await my.sql<{ email: string }>(db, 'SELECT email FROM c ORDER BY email')).map((r) => r.email);
    expect(emails).toEqual(['ann@x', 'dan@x', 'taken@x']);
    const [ann] = await c.read('c', [res[0]?.ok ? res[0].id : '']);
    expect(ann?.fields.email).toBe('ann@x');
  });

  it('case-insensitive collation: a match value that collides only by case is reported naming both values, never merged into the other record', async () => {
    const db = await my.database(['CREATE TABLE p (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) COLLATE utf8mb4_unicode_ci NOT NULL, UNIQUE KEY by_email (email))', "INSERT INTO p (email) VALUES ('ann@example.com'), ('bob@example.com')"]);
    const c = my.connector(db);
    const res = await c.write('p', [
      { op: 'create', key: 'a', fields: { email: 'Ann@Example.com' } },
      { op: 'update', id: '2', fields: { email: 'ANN@example.com' } },
      { op: 'create', key: 'c', fields: { email: 'cy@example.com' } },
    ]);
    expect(res.map((r) => r.ok)).toEqual([false, false, true]);
    for (const [r, value] of [[res[0], 'Ann@Example.com'], [res[1], 'ANN@example.com']] as const) {
      expect(r).toMatchObject({ ok: false, reason: 'invalid' });
      const message = r?.ok === false ? r.error : '';
      expect(message).toContain(`"${value}"`);
      expect(message).toContain('"ann@example.com"');
      expect(message).toMatch(/ignores case/);
    }
    expect((await my.sql<{ email: string }>(db, 'SELECT email FROM p ORDER BY id')).map((r) => r.email)).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);
  });

  it('pitfall 15: a create repeated with the same create key (a rerun after a crash) finds its row instead of adding a second one', async () => {
    const db = await my.database(['CREATE TABLE t (code VARCHAR(64) PRIMARY KEY, name TEXT, email VARCHAR(50) UNIQUE)']);
    const c = my.connector(db);
    const [first] = await c.write('t', [{ op: 'create', key: 'run1:rec7', fields: { name: 'Ann' } }]);
    const [again] = await c.write('t', [{ op: 'create', key: 'run1:rec7', fields: { name: 'Ann' } }]);
    const [other] = await c.write('t', [{ op: 'create', key: 'run1:rec8', fields: { name: 'Ann', email: 'a@x' } }]);
    expect(first?.ok && again?.ok && other?.ok).toBe(true);
    expect(again).toEqual(first);
    expect(await my.sql(db, 'SELECT CAST(COUNT(*) AS SIGNED) AS n FROM t')).toEqual([{ n: '2' }]);
    // Another unique value taken is that create's failure, not a silent no-op.
    const [clash] = await c.write('t', [{ op: 'create', key: 'run1:rec9', fields: { name: 'Cy', email: 'a@x' } }]);
    expect(clash).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await my.sql(db, 'SELECT CAST(COUNT(*) AS SIGNED) AS n FROM t')).toEqual([{ n: '2' }]);
  });

  it('a compound key Concord cannot make up is refused with the columns to map; generated columns are left to the database', async () => {
    const db = await my.database(['CREATE TABLE k (org VARCHAR(10), code INT, name TEXT, upper_name TEXT AS (UPPER(name)) STORED, PRIMARY KEY (org, code))']);
    const c = my.connector(db);
    const [refused] = await c.write('k', [{ op: 'create', key: 'x', fields: { org: 'acme', name: 'A' } }]);
    expect(refused).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('"code"') });
    const [made] = await c.write('k', [{ op: 'create', key: 'y', fields: { org: 'acme', code: 7, name: 'b', upper_name: 'x' } }]);
    expect(made).toMatchObject({ ok: true, id: '["acme",7]' });
    expect((await c.read('k', ['["acme",7]']))[0]?.fields).toEqual({ org: 'acme', code: 7, name: 'b', upper_name: 'B' });
  });
});

describe.runIf(available)('mysql connector: a deadlock mid-batch', () => {
  it('pitfall 14: the op InnoDB picks as the deadlock victim fails alone ("unavailable", retried); nothing queued behind it commits on its own, so nothing is written twice', async () => {
    const db = await my.database([
      'CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)',
      'CREATE TABLE bulk (n INT PRIMARY KEY)',
      "INSERT INTO t (id, v) VALUES (1, 'one'), (2, 'two')",
    ]);
    const c = my.connector(db);
    await c.read('t', ['1']);
    const s = my.server();
    const app = await mysql.createConnection({ host: s.host, port: s.port, user: APP_USER, password: APP_PASSWORD, database: db });
    try {
      // The app holds row 2 in a heavy transaction (InnoDB picks the lighter one as the victim).
      await app.query('BEGIN');
      await app.query("UPDATE t SET v = 'app' WHERE id = 2");
      await app.query('INSERT INTO bulk SELECT seq FROM seq_1_to_2000');
      const writing = c.write('t', [
        { op: 'update', id: '1', fields: { v: 'concord 1' } },
        { op: 'update', id: '2', fields: { v: 'concord 2' } },
        { op: 'create', key: 'x', fields: { v: 'created once' } },
      ]);
      // Concord holds row 1 (its first statement is done) and waits for row 2; the app now asks for row 1: a deadlock.
      const waiting = "SELECT 1 FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE %concord 2%'";
      while ((await s.sql(waiting)).length === 0) await new Promise((r) => setTimeout(r, 20));
      await app.query("UPDATE t SET v = 'app' WHERE id = 1");
      await app.query('COMMIT');
      const res = await writing;
      expect(res.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'unavailable', 'ok']);
      expect(await my.sql(db, "SELECT CAST(COUNT(*) AS SIGNED) AS n FROM t WHERE v = 'created once'")).toEqual([{ n: '1' }]);
      expect(await my.sql(db, 'SELECT id, v FROM t WHERE id <= 2 ORDER BY id')).toEqual([
        { id: 1, v: 'concord 1' },
        { id: 2, v: 'app' },
      ]);
    } finally {
      await app.end();
    }
  });

  it('a batch of 300 creates watches the call\'s signal once per connection, not once per pipelined statement (no MaxListenersExceededWarning), and lets go of it after', async () => {
    const db = await my.database(['CREATE TABLE c (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100))']);
    const c = my.connector(db);
    const s = countingSignal();
    const res = await c.write('c', Array.from({ length: 300 }, (_, i) => ({ op: 'create' as const, key: `k${i}`, fields: { email: `p${i}@x` } })), { signal: s.signal });
    expect(res.every((r) => r.ok)).toBe(true);
    expect(s.peak()).toBeLessThanOrEqual(3);
    expect(s.now()).toBe(0);
  });
});
