/**
 * TEST FIXTURE (not shipped code): Vitest's globalSetup (vitest.config.mts). One PostgreSQL and
 * one MariaDB for the whole test run (issue 10 §4), instead of a cluster per test file.
 *
 * The servers are owned by Vitest's main process, which outlives every worker, and started on
 * first use: this module serves a small broker on 127.0.0.1 (its address handed to the workers
 * with `provide`, read with `inject` in `shared-server-client.ts`), and the first test file that
 * asks for a server starts it; every later file gets the same one. A run of test files that need
 * neither (a helper running one file) starts neither. A server that cannot start answers every
 * file with the reason, so those files fail and the others run.
 *
 * Isolation between files is by name, not by server: each file makes its own database(s) and its
 * own login user with a random name, and drops them when it ends (the fixtures, postgres.fixture.ts
 * and mysql.fixture.ts), so files run concurrently. Tests that change the server itself (TLS,
 * halt/resume, a server-wide setting, a server stopped mid-run) start their own, as before.
 *
 * Where a server is not installed nothing is started: the fixtures' gate (`serverTestGate`)
 * skips those files locally and fails them under CI=true, as it always has.
 *
 * The servers stop when the run ends, whether it passed or failed (the teardown returned here),
 * and on SIGINT / SIGTERM: the handler exits the process, and each server's `exit` hook
 * (pg-server.ts, mariadb-server.ts) stops it and removes its folder.
 */
import { createServer, type Server } from 'node:http';
import { findMariaDb, startMariaDbServer, type MariaDbServer } from './mariadb-server';
import { findPgBin, startPgServer, type PgServer } from './pg-server';

export type SharedServerKind = 'pg' | 'mariadb';
/** What a worker needs to reach a shared server as its administrator (the superuser / root). */
export type SharedServerInfo = { host: '127.0.0.1'; port: number; dir: string };
export type BrokerAnswer = { ok: true; server: SharedServerInfo } | { ok: false; error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared servers' broker (`http://127.0.0.1:<port>`), or '' when there is none. */
    testServerBroker: string;
  }
}

type Started = PgServer | MariaDbServer;

/** A broker that starts each kind of server once, on first request, and stops what it started. */
export function serverBroker(start: Record<SharedServerKind, (() => Promise<Started>) | null>) {
  const running = new Map<SharedServerKind, Promise<Started>>();
  let closing = false;
  const get = (kind: SharedServerKind): Promise<Started> => {
    const starter = start[kind];
    if (!starter) return Promise.reject(new Error(`${kind === 'pg' ? 'PostgreSQL' : 'MariaDB'} is not installed`));
    if (closing) return Promise.reject(new Error('the test run is ending'));
    let p = running.get(kind);
    if (!p) {
      p = starter();
      running.set(kind, p);
    }
    return p;
  };
  const http: Server = createServer((req, res) => {
    const kind = req.url?.slice(1);
    if (kind !== 'pg' && kind !== 'mariadb') {
      res.writeHead(404).end();
      return;
    }
    get(kind).then(
      (s) => answer({ ok: true, server: { host: s.host, port: s.port, dir: s.dir } }),
      (error: unknown) => answer({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
    function answer(a: BrokerAnswer): void {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(a));
    }
  });
  return {
    listen: (): Promise<string> =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(0, '127.0.0.1', () => {
          const a = http.address();
          resolve(typeof a === 'object' && a ? `http://127.0.0.1:${a.port}` : '');
        });
      }),
    /** Stops every server started (waiting for one still starting), whatever the run's outcome. */
    async close(): Promise<void> {
      closing = true;
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await Promise.all([...running.values()].map((p) => p.then((s) => s.stop()).catch(() => {})));
      running.clear();
    },
  };
}

/** Vitest's globalSetup: the broker for this run, and its teardown. */
export default async function setup(project: { provide(key: 'testServerBroker', value: string): void }): Promise<() => Promise<void>> {
  const broker = serverBroker({
    pg: findPgBin() ? () => startPgServer({ maxConnections: 200 }) : null,
    mariadb: findMariaDb() ? () => startMariaDbServer({ maxConnections: 200 }) : null,
  });
  project.provide('testServerBroker', await broker.listen());
  // Ctrl-C or a kill: exiting runs each started server's `exit` hook, which stops it and removes its folder.
  const onSignal = (signal: NodeJS.Signals): void => {
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return async () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await broker.close();
  };
}
