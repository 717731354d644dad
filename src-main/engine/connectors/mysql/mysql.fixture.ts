/**
 * TEST FIXTURE (not shipped code): a real MariaDB for one test file (`useMy`) — the run's shared
 * server (`testing/shared-servers.ts`), or with `tls` / `own` a server of the file's own (a test
 * that halts the server or changes a global setting) — a fresh database per test that the file's
 * own login user with a password may use, and a connector on it that reads the password through
 * its secret, as from the keychain. The user and database names are random, so files sharing the
 * server stay apart; the file drops them when it ends.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { connectMariaDbServer, mariaDbTestGate, startMariaDbServer, type MariaDbServer } from '../../testing/mariadb-server';
import { randomName, sharedServer } from '../../testing/shared-server-client';
import type { Connector } from '../types';
import { mysqlDefinition } from './index';
import { memorySecretHandle } from '../../credentials/secret-handle';

/** This test file's own login user (a random name: files share the run's server). */
export const APP_USER = randomName('app_user');
export const APP_PASSWORD = 'app-pw-Ünïcode';

export type MyFixture = {
  server(): MariaDbServer;
  /**
   * A fresh utf8mb4 database with `statements` run in it as root. APP_USER may do anything in it
   * unless `grant: false` (then the statements grant what it may do).
   */
  database(statements?: string[], options?: { grant?: boolean }): Promise<string>;
  /** A connector on `database` as APP_USER (config overrides merge in). */
  connector(database: string, config?: Record<string, string | number | boolean>, secret?: string | null): Connector;
  /** Runs SQL as root in `database` (the "app" editing its own rows). */
  sql<R = Record<string, unknown>>(database: string, text: string, params?: unknown[]): Promise<R[]>;
};

/**
 * Registers the server's start and stop for the calling test file, and returns whether the file's
 * tests can run (`describe.runIf(available)`): without MariaDB they are skipped locally and fail
 * under CI=true.
 */
export function useMy(options: { tls?: boolean; own?: boolean } = {}): { available: boolean; my: MyFixture } {
  const gate = mariaDbTestGate();
  let server: MariaDbServer | null = null;
  let count = 0;
  const prefix = randomName('t');
  const made: string[] = [];
  const open: Connector[] = [];
  if (gate.failInCi) {
    describe('MariaDB', () => {
      it('is installed (CI=true needs it)', () => {
        throw new Error(gate.missingMessage);
      });
    });
  }
  if (gate.available) {
    let shared = false;
    beforeAll(async () => {
      const info = options.tls || options.own ? null : await sharedServer('mariadb');
      shared = info !== null;
      server = info ? connectMariaDbServer(info) : await startMariaDbServer(options);
      await server.sql('CREATE USER ?@? IDENTIFIED BY ?', [APP_USER, '127.0.0.1', APP_PASSWORD]);
    }, 180_000);
    afterAll(async () => {
      await Promise.all(open.map((c) => c.close().catch(() => {})));
      // On the shared server, what this file made goes with it (a server of its own goes whole).
      if (shared && server) {
        for (const name of made) await server.sql(`DROP DATABASE IF EXISTS ${name}`).catch(() => {});
        await server.sql('DROP USER IF EXISTS ?@?', [APP_USER, '127.0.0.1']).catch(() => {});
      }
      await server?.stop();
    }, 120_000);
  }
  const my: MyFixture = {
    server() {
      if (!server) throw new Error('the MariaDB test server did not start');
      return server;
    },
    async database(statements = [], options = {}) {
      const s = my.server();
      const name = `${prefix}_${++count}`;
      await s.sql(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      made.push(name);
      if (options.grant !== false) await s.sql(`GRANT ALL PRIVILEGES ON ${name}.* TO ?@?`, [APP_USER, '127.0.0.1']);
      for (const statement of statements) await s.sql(statement, [], name);
      return name;
    },
    connector(database, config = {}, secret = APP_PASSWORD) {
      const s = my.server();
      const c = mysqlDefinition.create({ config: { host: s.host, port: s.port, database, user: APP_USER, ...config }, secret: memorySecretHandle(secret), dataDir: s.dir });
      open.push(c);
      return c;
    },
    sql: (database, text, params = []) => my.server().sql(text, params, database),
  };
  return { available: gate.available, my };
}
