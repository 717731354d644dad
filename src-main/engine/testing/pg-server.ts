/**
 * TEST FIXTURE (not shipped code): a throwaway PostgreSQL cluster: the run's shared one
 * (`shared-servers.ts`, reached with `connectPgServer`), or one of a test file's own.
 *
 * Each call to `startPgServer` makes its own temp folder (data directory, socket directory, log),
 * `initdb`s a cluster there and starts it on 127.0.0.1 on a free port, so two copies of the suite
 * running at once never share a port, a socket or a data directory. `stop()` stops it by its data
 * directory (`pg_ctl stop -m immediate`) and removes the folder; a process exit stops it too, so a
 * crashed or interrupted test run leaves no server behind.
 *
 * Authentication: the superuser `postgres` is trusted (test set-up only); every other role must
 * give its password (scram-sha-256), so the connector's keychain path is exercised for real.
 *
 * Where PostgreSQL is missing: under CI=true the tests fail with a message saying what to install;
 * locally they are skipped with a loud reason (`pgTestGate`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, isRoot, serverTestGate, type ServerTestGate } from './test-servers';

export type PgServer = {
  host: '127.0.0.1';
  port: number;
  dir: string;
  /** Runs SQL as the superuser in `database` (default `postgres`): set-up and the "app" editing its own rows. */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<R[]>;
  /** Creates a login role with a password and a database it owns (idempotent per name). */
  createUserAndDb(user: string, password: string, database: string): Promise<void>;
  /** Where the CA (and server) certificate lives when started with `tls: true`. */
  certFile?: string;
  /** Stops the server and keeps its data (the network goes away mid-run); `resume` starts it again on the same port. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * The newest PostgreSQL's bin folder under /usr/lib/postgresql (or CONCORD_PG_ROOT, which lets a
 * run check how the tests behave without a server), or null when none is installed.
 */
export function findPgBin(): string | null {
  const root = process.env.CONCORD_PG_ROOT ?? '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

const MISSING = 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) — run: sudo bash scripts/install-system-deps.sh';

/** Whether this test file can run against a real server (`serverTestGate`: under CI=true a missing one fails). */
export function pgTestGate(): ServerTestGate {
  return serverTestGate('PostgreSQL', findPgBin() !== null, MISSING);
}

/** Runs a PostgreSQL tool as the `postgres` OS user when we are root (PostgreSQL refuses to run as root). */
function runPg(bin: string, tool: string, args: string[]): { status: number | null; output: string } {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
  return { cert, key };
}

/** `maxConnections`: the run's shared server serves several test files at once. */
export async function startPgServer(options: { tls?: boolean; maxConnections?: number } = {}): Promise<PgServer> {
  const bin = findPgBin();
  if (!bin) throw new Error(MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'concord-pg-'));
  const data = join(dir, 'data');
  const owner = isRoot() ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : userInfo().uid;
  const group = isRoot() ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()) : userInfo().gid;
  chmodSync(dir, 0o700);
  if (isRoot()) chownSync(dir, owner, group);
  const init = runPg(bin, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.output}`);
  }
  // The superuser is trusted for set-up; every other role logs in with its password.
  writeFileSync(
    join(data, 'pg_hba.conf'),
    ['local all postgres trust', 'host all postgres 127.0.0.1/32 trust', 'local all all scram-sha-256', 'host all all 127.0.0.1/32 scram-sha-256', 'hostssl all all 127.0.0.1/32 scram-sha-256', ''].join('\n'),
  );
  let certFile: string | undefined;
  if (options.tls) {
    const { cert, key } = selfSignedCert(dir);
    if (isRoot()) {
      chownSync(cert, owner, group);
      chownSync(key, owner, group);
    }
    chmodSync(key, 0o600);
    appendFileSync(join(data, 'postgresql.conf'), `\nssl = on\nssl_cert_file = '${cert}'\nssl_key_file = '${key}'\n`);
    certFile = cert;
  }
  // fsync off: a throwaway cluster never needs to survive a power cut, and a busy shared disk is slow.
  // authentication_timeout 10s: a client that leaves a login half-done (the connector without a
  // saved password) holds a backend that blocks DROP DATABASE (a ProcSignalBarrier) until it times
  // out — 60 s by default, which a test file dropping its databases on the shared server would wait.
  appendFileSync(join(data, 'postgresql.conf'), `\nauthentication_timeout = 10s\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = ${options.maxConnections ?? 60}\nshared_buffers = 16MB\npassword_encryption = 'scram-sha-256'\n`);
  let port = 0;
  let started = false;
  let lastOutput = '';
  for (let attempt = 0; attempt < 5 && !started; attempt++) {
    port = await freePort();
    const r = runPg(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`, '-w', '-t', '60', 'start']);
    started = r.status === 0;
    lastOutput = r.output;
  }
  if (!started) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${lastOutput}`);
  }
  let stopped = false;
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    runPg(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  // An interrupted run (a failed hook, Ctrl-C, a crashed worker) still stops its server.
  process.once('exit', stopNow);

  const admin = pgAdmin(port);
  return {
    host: '127.0.0.1',
    port,
    dir,
    sql: admin.sql,
    ...(certFile ? { certFile } : {}),
    createUserAndDb: admin.createUserAndDb,
    async halt() {
      await admin.end();
      const r = runPg(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      if (r.status !== 0) throw new Error(`PostgreSQL did not stop: ${r.output}`);
    },
    async resume() {
      const r = runPg(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`, '-w', '-t', '60', 'start']);
      if (r.status !== 0) throw new Error(`PostgreSQL did not start again: ${r.output}`);
    },
    async stop() {
      await admin.end();
      process.removeListener('exit', stopNow);
      stopNow();
    },
  };
}

/** The superuser's way into a server on 127.0.0.1: `sql` per database (a small pool each), and a user with its database. */
function pgAdmin(port: number): Pick<PgServer, 'sql' | 'createUserAndDb'> & { end(): Promise<void> } {
  const pools = new Map<string, pg.Pool>();
  const poolFor = (database: string): pg.Pool => {
    let p = pools.get(database);
    if (!p) {
      p = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database, max: 2 });
      // A pool's idle client loses its server when a test drops the database; nothing to report.
      p.on('error', () => {});
      p.on('connect', (client) => client.on('error', () => {}));
      pools.set(database, p);
    }
    return p;
  };
  const sql = async <R extends Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> => {
    const r = await poolFor(database).query<R>(text, params);
    return r.rows;
  };
  return {
    sql,
    async createUserAndDb(user, password, database) {
      const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
      const exists = await sql('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
      if (exists.length === 0) await sql(`CREATE ROLE ${ident(user)} LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
      const db = await sql('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (db.length === 0) await sql(`CREATE DATABASE ${ident(database)} OWNER ${ident(user)}`);
    },
    async end() {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => {})));
      pools.clear();
    },
  };
}

/**
 * The run's shared server (`shared-servers.ts`), reached as its superuser. It is not this file's
 * to halt or stop: `stop()` only closes this file's connections, and `halt`/`resume` refuse (a
 * test that takes the server away starts its own).
 */
export function connectPgServer(info: { port: number; dir: string }): PgServer {
  const admin = pgAdmin(info.port);
  const own = (): Promise<never> => Promise.reject(new Error('the shared PostgreSQL server cannot be halted: start a server of your own (usePg({ own: true }))'));
  return { host: '127.0.0.1', port: info.port, dir: info.dir, sql: admin.sql, createUserAndDb: admin.createUserAndDb, halt: own, resume: own, stop: () => admin.end() };
}
