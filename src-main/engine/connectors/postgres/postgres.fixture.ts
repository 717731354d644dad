/**
 * TEST FIXTURE (not shipped code): a real PostgreSQL for one test file (`usePg`) — the run's shared
 * server (`testing/shared-servers.ts`), or with `tls` / `own` a cluster of the file's own (a test
 * that halts the server or changes it for everyone) — a fresh database per test owned by the
 * file's own login role with a password, and a connector on it that reads the password through its
 * secret, as from the keychain. The role and database names are random, so files sharing the
 * server stay apart; the file drops them when it ends.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { connectPgServer, pgTestGate, startPgServer, type PgServer } from '../../testing/pg-server';
import { randomName, sharedServer } from '../../testing/shared-server-client';
import type { Connector } from '../types';
import { postgresDefinition } from './index';
import { memorySecretHandle } from '../../credentials/secret-handle';

/** This test file's own login role (a random name: files share the run's server). */
export const APP_USER = randomName('app_user');
export const APP_PASSWORD = 'app-pw-Ünïcode';

export type PgFixture = {
  server(): PgServer;
  /** A fresh database owned by APP_USER, with `setupSql` run in it as the superuser. */
  database(setupSql?: string): Promise<string>;
  /** A connector on `database` as APP_USER (config overrides merge in). */
  connector(database: string, config?: Record<string, string | number | boolean>, secret?: string | null): Connector;
};

/**
 * Registers the cluster's start and stop for the calling test file, and returns whether the file's
 * tests can run (`describe.runIf(gate)`): without PostgreSQL they are skipped locally and fail
 * under CI=true.
 */
export function usePg(options: { tls?: boolean; own?: boolean } = {}): { available: boolean; pg: PgFixture } {
  const gate = pgTestGate();
  let server: PgServer | null = null;
  let count = 0;
  const prefix = randomName('t');
  const made: string[] = [];
  const open: Connector[] = [];
  if (gate.failInCi) {
    describe('PostgreSQL', () => {
      it('is installed (CI=true needs it)', () => {
        throw new Error(gate.missingMessage);
      });
    });
  }
  if (gate.available) {
    let shared = false;
    beforeAll(async () => {
      const info = options.tls || options.own ? null : await sharedServer('pg');
      shared = info !== null;
      server = info ? connectPgServer(info) : await startPgServer(options);
      await server.sql(`CREATE ROLE ${APP_USER} LOGIN PASSWORD '${APP_PASSWORD}'`);
    }, 120_000);
    afterAll(async () => {
      await Promise.all(open.map((c) => c.close().catch(() => {})));
      // On the shared server, what this file made goes with it (a cluster of its own goes whole).
      if (shared && server) {
        for (const name of made) await server.sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        await server.sql(`DROP ROLE IF EXISTS ${APP_USER}`).catch(() => {});
      }
      await server?.stop();
    }, 120_000);
  }
  const pg: PgFixture = {
    server() {
      if (!server) throw new Error('the PostgreSQL test server did not start');
      return server;
    },
    async database(setupSql) {
      const s = pg.server();
      const name = `${prefix}_${++count}`;
      await s.sql(`CREATE DATABASE ${name} OWNER ${APP_USER}`);
      made.push(name);
      if (setupSql) await s.sql(setupSql, [], name);
      return name;
    },
    connector(database, config = {}, secret = APP_PASSWORD) {
      const s = pg.server();
      const c = postgresDefinition.create({ config: { host: s.host, port: s.port, database, user: APP_USER, ...config }, secret: memorySecretHandle(secret), dataDir: s.dir });
      open.push(c);
      return c;
    },
  };
  return { available: gate.available, pg };
}

/** SQL that gives every table of `schema` to the app's role, as if the app had created them. */
export const ownedByApp = (tables: string[]): string => tables.map((t) => `ALTER TABLE ${t} OWNER TO ${APP_USER};`).join('\n');
