import { describe, expect, it } from 'vitest';
import { freePort } from '../../testing/test-servers';
import { ConnectorError } from '../errors';
import { checkConfig } from '../config-check';
import { secretKey } from '../config-schema';
import { postgresDefinition } from './index';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { APP_USER, ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

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

describe('postgres connector: config', () => {
  it('validates the config with problems a user can act on; a password in a connection string is refused (it belongs in the keychain)', () => {
    const problems = (config: Record<string, unknown>) => {
      const r = checkConfig(postgresDefinition.configSchema, config, { stored: true });
      return r.ok ? [] : r.issues.map((i) => i.message);
    };
    expect(problems({})).toEqual(['Enter the server’s host name (or a connection string).', 'Enter the database name.', 'Enter the user name.']);
    expect(problems({ host: 'db', database: 'crm', user: 'u', port: 70000 })).toEqual([expect.stringMatching(/port/i)]);
    expect(problems({ connectionString: 'postgres://u:secret@db/crm' })).toEqual([expect.stringContaining('Password field')]);
    expect(problems({ connectionString: 'postgres://u@db:6543/crm?sslmode=require' })).toEqual([]);
    expect(problems({ host: 'db', database: 'crm', user: 'u', tls: 'maybe' })).toEqual([expect.stringMatching(/TLS/)]);
    expect(problems({ host: 'db', database: 'crm', user: 'u', tls: 'verify-full', caFile: '/no/such/ca.pem' })).toEqual([expect.stringContaining('/no/such/ca.pem does not exist')]);
    expect(secretKey(postgresDefinition.configSchema)).toBe('password');
  });
});

describe.runIf(available)('postgres connector: errors a user can act on', () => {
  it('wrong password, and no password saved', async () => {
    const db = await pg.database();
    const wrong = await failure(pg.connector(db, {}, 'not-the-password').test());
    expect(wrong.reason).toBe('auth');
    expect(wrong.message).toMatch(new RegExp(String.raw`refused the password for user "${APP_USER}" — check the user name and the password`));
    const none = await failure(pg.connector(db, {}, null).test());
    expect(none.reason).toBe('auth');
    expect(none.message).toMatch(/none is saved for this connection — enter it/);
  });

  it('host unreachable (nothing listens on the port)', async () => {
    const port = await freePort();
    const e = await failure(pg.connector('postgres', { port }).test());
    expect(e.reason).toBe('unavailable');
    expect(e.message).toMatch(new RegExp(`Could not reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) — check the host and port`));
  });

  it('TLS refused by a server without TLS', async () => {
    const db = await pg.database();
    const e = await failure(pg.connector(db, { tls: 'require' }).test());
    expect(e.reason).toBe('config');
    expect(e.message).toMatch(/does not accept TLS connections — set TLS to "disable"/);
  });

  it('database missing', async () => {
    const e = await failure(pg.connector('no_such_db').test());
    expect(e.reason).toBe('config');
    expect(e.message).toMatch(/has no database "no_such_db" — check the database name/);
  });

  it('table missing: one never there, and one dropped while the pair still names it', async () => {
    const db = await pg.database(`CREATE TABLE public.t (id int PRIMARY KEY); ${ownedByApp(['public.t'])}`);
    const c = pg.connector(db);
    const e = await failure(c.read('public.nope', ['1']));
    expect(e.reason).toBe('not-found');
    expect(e.message).toMatch(/has no table "public.nope" that this user can read — check the name .* Tables: public.t/);
    await pg.server().sql('DROP TABLE public.t', [], db);
    await expect(c.write('public.t', [{ op: 'delete', id: '1' }])).rejects.toThrow(/has no table "public.t"/);
  });

  it('permission denied: a table it may not read is named with the GRANT; a flag it may not clear says which privilege is missing', async () => {
    const db = await pg.database(`CREATE TABLE public.hidden (id int PRIMARY KEY);
      CREATE TABLE public.flags (id int PRIMARY KEY, needs_sync boolean DEFAULT true); INSERT INTO public.flags VALUES (1);
      GRANT SELECT ON public.flags TO ${APP_USER};`);
    const c = pg.connector(db);
    const hidden = await failure(c.read('public.hidden', ['1']));
    expect(hidden.message).toMatch(/cannot be synced: this user may not read it — ask the database owner to GRANT SELECT ON "public"."hidden"/);
    const denied = await failure(c.clearFlags?.('public.flags', [{ id: '1' }]) ?? Promise.resolve());
    expect(denied.reason).toBe('auth');
    expect(denied.message).toMatch(new RegExp(String.raw`user "${APP_USER}" lacks a privilege this needs \(permission denied for table flags\) — ask the database owner to GRANT it`));
  });

  it('a server that stops mid-use: reads fail as unavailable (retry later), writes answer each op as unavailable', async () => {
    const { startPgServer } = await import('../../testing/pg-server');
    const other = await startPgServer();
    try {
      await other.sql(`CREATE ROLE app_user LOGIN PASSWORD 'pw'; CREATE TABLE public.t (id int PRIMARY KEY, v text); ALTER TABLE public.t OWNER TO app_user;`);
      const c = postgresDefinition.create({ config: { host: other.host, port: other.port, database: 'postgres', user: 'app_user' }, secret: memorySecretHandle('pw'), dataDir: other.dir });
      await c.test();
      await other.stop();
      const e = await failure(c.read('public.t', ['1']));
      expect(e.reason).toBe('unavailable');
      const res = await c.write('public.t', [{ op: 'create', key: 'k', fields: { id: 1 } }, { op: 'delete', id: '2' }]);
      expect(res).toMatchObject([{ ok: false, reason: 'unavailable' }, { ok: false, reason: 'unavailable' }]);
      await c.close();
    } finally {
      await other.stop();
    }
  });
});
