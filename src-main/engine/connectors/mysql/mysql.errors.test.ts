import { describe, expect, it } from 'vitest';
import { freePort } from '../../testing/test-servers';
import { ConnectorError } from '../errors';
import { checkConfig } from '../config-check';
import { secretKey } from '../config-schema';
import { mysqlDefinition } from './index';
import { myConnection } from './config';
import { APP_PASSWORD, APP_USER, useMy } from './mysql.fixture';

const { available, my } = useMy();

/** The ConnectorError a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw new Error(`not a ConnectorError: ${String(error)}`, { cause: error });
  }
  throw new Error('did not fail');
}

describe('mysql connector: config', () => {
  it('validates the config with problems a user can act on; a password in a connection string is refused (it belongs in the keychain)', () => {
    const problems = (config: Record<string, unknown>) => {
      const r = checkConfig(mysqlDefinition.configSchema, config, { stored: true });
      return r.ok ? [] : r.issues.map((i) => i.message);
    };
    expect(problems({})).toEqual(['Enter the server’s host name (or a connection string).', 'Enter the database name.', 'Enter the user name.']);
    expect(problems({ host: 'db', database: 'shop', user: 'u', port: 70000 })).toEqual([expect.stringMatching(/port/i)]);
    expect(problems({ connectionString: 'mysql://u:secret@db/shop' })).toEqual([expect.stringContaining('Password field')]);
    expect(problems({ connectionString: 'postgres://u@db/shop' })).toEqual([expect.stringContaining('mysql://')]);
    expect(problems({ connectionString: 'mysql://u@db:3307/shop?ssl-mode=REQUIRED' })).toEqual([]);
    expect(problems({ host: 'db', database: 'shop', user: 'u', tls: 'maybe' })).toEqual([expect.stringMatching(/TLS/)]);
    expect(problems({ host: 'db', database: 'shop', user: 'u', tls: 'verify-full', caFile: '/no/such/ca.pem' })).toEqual([expect.stringContaining('/no/such/ca.pem does not exist')]);
    expect(secretKey(mysqlDefinition.configSchema)).toBe('password');
  });

  it('a connection string gives host, port 3306 by default, database, user and the TLS mode', () => {
    expect(myConnection({ connectionString: 'mysql://ann@db.example.com/shop' })).toMatchObject({ host: 'db.example.com', port: 3306, database: 'shop', user: 'ann' });
    expect(myConnection({ connectionString: 'mysql://ann@db:3307/shop?ssl-mode=REQUIRED' })).toMatchObject({ port: 3307, ssl: { rejectUnauthorized: false }, target: { tls: 'require' } });
    expect(myConnection({ host: 'db', database: 'shop', user: 'ann', tls: 'verify-full' })).toMatchObject({ ssl: { rejectUnauthorized: true } });
    expect(myConnection({ host: 'db', database: 'shop', user: 'ann' })).not.toHaveProperty('ssl');
  });
});

describe.runIf(available)('mysql connector: errors a user can act on', () => {
  it('wrong password, and no password saved', async () => {
    const db = await my.database();
    const wrong = await failure(my.connector(db, {}, 'not-the-password').test());
    expect(wrong.reason).toBe('auth');
    expect(wrong.message).toMatch(new RegExp(String.raw`refused the password for user "${APP_USER}" — check the user name and the password`));
    const none = await failure(my.connector(db, {}, null).test());
    expect(none.reason).toBe('auth');
    expect(none.message).toMatch(/none is saved for this connection — enter it/);
  });

  it('host unreachable (nothing listens on the port)', async () => {
    const port = await freePort();
    const e = await failure(my.connector('mysql', { port }).test());
    expect(e.reason).toBe('unavailable');
    expect(e.message).toMatch(new RegExp(`Could not reach MySQL at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) — check the host and port`));
  });

  it('TLS refused by a server without TLS', async () => {
    const db = await my.database();
    const e = await failure(my.connector(db, { tls: 'require' }).test());
    expect(e.reason).toBe('config');
    expect(e.message).toMatch(/does not accept TLS connections — set TLS to "disable"/);
  });

  it('database missing', async () => {
    const e = await failure(my.connector('no_such_db').test());
    expect(e.reason).toBe('config');
    expect(e.message).toMatch(new RegExp(String.raw`has no database "no_such_db" that user "${APP_USER}" may use — check the database name`));
  });

  it('table missing: one never there, and one dropped while the pair still names it', async () => {
    const db = await my.database(['CREATE TABLE t (id INT PRIMARY KEY)']);
    const c = my.connector(db);
    const e = await failure(c.read('nope', ['1']));
    expect(e.reason).toBe('not-found');
    expect(e.message).toMatch(/has no table "nope" that this user can read — check the name .* Tables: t/);
    await my.sql(db, 'DROP TABLE t');
    await expect(c.write('t', [{ op: 'delete', id: '1' }])).rejects.toThrow(/has no table "t"/);
  });

  it('permission denied: a table it may not read is not offered; a flag it may not clear says which privilege is missing', async () => {
    const db = await my.database(['CREATE TABLE hidden (id INT PRIMARY KEY)', 'CREATE TABLE flags (id INT PRIMARY KEY, needs_sync BOOLEAN DEFAULT TRUE)', 'INSERT INTO flags (id) VALUES (1)'], { grant: false });
    await my.sql(db, `GRANT SELECT ON ${db}.flags TO ?@?`, [APP_USER, '127.0.0.1']);
    const c = my.connector(db);
    const hidden = await failure(c.read('hidden', ['1']));
    expect(hidden.message).toMatch(/has no table "hidden" that this user can read — .*grant SELECT on it/);
    const denied = await failure(c.clearFlags?.('flags', [{ id: '1' }]) ?? Promise.resolve());
    expect(denied.reason).toBe('auth');
    expect(denied.message).toMatch(new RegExp(String.raw`user "${APP_USER}" lacks a privilege this needs \(.*UPDATE command denied.*\) — ask the database owner to GRANT it`));
  });
});

describe.runIf(available)('mysql connector: the keychain', () => {
  it('a password the keychain could not give once (locked) is asked for again on the next call, not remembered as a failure', async () => {
    const db = await my.database();
    const { createMyDialect } = await import('./dialect');
    const s = my.server();
    let asked = 0;
    const password = async (): Promise<string> => {
      if (++asked === 1) throw new Error('The keychain is locked.');
      return APP_PASSWORD;
    };
    const d = createMyDialect(myConnection({ host: s.host, port: s.port, database: db, user: APP_USER }), password);
    try {
      await expect(d.query('SELECT 1 AS one', [])).rejects.toThrow('The keychain is locked.');
      expect((await d.query('SELECT 1 AS one', [])).rows).toEqual([{ one: 1 }]);
    } finally {
      await d.close();
    }
  });
});
