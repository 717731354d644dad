/**
 * TEST FIXTURE (not shipped code): a throwaway MariaDB server: the run's shared one
 * (`shared-servers.ts`, reached with `connectMariaDbServer`), or one of a test file's own.
 *
 * Each `startMariaDbServer` makes its own temp folder (data directory, socket, log, config file),
 * runs `mariadb-install-db` there and starts `mariadbd` on 127.0.0.1 on a free port, so two copies
 * of the suite running at once never share a port, a socket or a data directory. As root the
 * server runs as the `mysql` user (mariadbd refuses root), which owns the folder. `stop()` stops
 * it by its pid and removes the folder; a process exit kills it too, so an interrupted run leaves
 * no server behind. Nothing here touches a system MariaDB (its service, /etc/mysql, port 3306).
 *
 * Authentication: root has no password and is reached over the server's own socket (set-up only);
 * an app user made by `createUserAndDb` logs in over TCP with its password, so the connector's
 * keychain path is exercised for real.
 *
 * Where MariaDB is missing: under CI=true the tests fail with a message saying what to install;
 * locally they are skipped with a loud reason (`mariaDbTestGate`).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, isRoot, logTail, serverTestGate, whenReady, type ServerTestGate } from './test-servers';

export type MariaDbServer = {
  host: '127.0.0.1';
  port: number;
  dir: string;
  /** Runs SQL as root (set-up, and the "app" editing its own rows); `database` optional. */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<R[]>;
  /** Where the CA (and server) certificate lives when started with `tls: true`. */
  certFile?: string;
  /** Creates a user who logs in from 127.0.0.1 with a password, and a utf8mb4 database it may use (idempotent). */
  createUserAndDb(user: string, password: string, database: string): Promise<void>;
  /** Stops the server and keeps its data (the network goes away mid-run); `resume` starts it again on the same port. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
};

const MISSING = 'MariaDB is not installed (no mariadbd / mariadb-install-db on the PATH) — run: sudo bash scripts/install-system-deps.sh';

const onPath = (tool: string): string | null => {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  return null;
};

/** The server and installer binaries, or null when MariaDB is not installed. */
export function findMariaDb(): { mariadbd: string; installDb: string } | null {
  const mariadbd = onPath('mariadbd');
  const installDb = onPath('mariadb-install-db');
  return mariadbd && installDb ? { mariadbd, installDb } : null;
}

/** Whether this test file can run against a real server (`serverTestGate`: under CI=true a missing one fails). */
export function mariaDbTestGate(): ServerTestGate {
  return serverTestGate('MariaDB', findMariaDb() !== null, MISSING);
}

function mysqlOwner(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'mysql'], { encoding: 'utf8' }).stdout.trim());
  const owner = { uid: id('-u'), gid: id('-g') };
  if (!Number.isInteger(owner.uid) || owner.uid <= 0) throw new Error('Running as root, MariaDB needs the "mysql" user (the mariadb-server package creates it).');
  return owner;
}

/** A self-signed certificate for localhost and 127.0.0.1 (its own CA). */
function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
  return { cert, key };
}

function configFile(dir: string, port: number, tls: { cert: string; key: string } | null, maxConnections: number): string {
  const lines = [
    '[mysqld]',
    `datadir=${join(dir, 'data')}`,
    // Its internal temporary tables in its own folder, not the machine's /tmp (where another
    // process may clean up a file under a running server: "Error on delete of '/tmp/#sql-temptable-…'").
    `tmpdir=${join(dir, 'tmp')}`,
    `socket=${join(dir, 'mysqld.sock')}`,
    `pid-file=${join(dir, 'mysqld.pid')}`,
    // Its temporary tables in its own folder: in the shared /tmp, another process's clean-up can
    // delete one mid-query ("Error on delete of '/tmp/#sql-temptable-…'").
    `tmpdir=${dir}`,
    `log-error=${join(dir, 'error.log')}`,
    `port=${port}`,
    'bind-address=127.0.0.1',
    ...(isRoot() ? ['user=mysql'] : []),
    'skip-name-resolve',
    'character-set-server=utf8mb4',
    'collation-server=utf8mb4_unicode_ci',
    // A throwaway server never needs to survive a power cut; a busy shared disk is slow.
    'innodb_flush_log_at_trx_commit=0',
    'innodb_doublewrite=0',
    'sync_binlog=0',
    'skip-log-bin',
    'innodb_buffer_pool_size=32M',
    'performance_schema=OFF',
    `max_connections=${maxConnections}`,
    ...(tls ? [`ssl-cert=${tls.cert}`, `ssl-key=${tls.key}`] : []),
    '',
  ];
  return lines.join('\n');
}

/** The server's error log, for a failure message (its last lines say why it would not start). */
const errorLog = (dir: string): string => logTail(join(dir, 'error.log'), '(no error log)');

/** Waits until the server answers on its socket, or it exits; resolves false when it exited. */
const ready = (child: ChildProcess, socketPath: string, timeoutMs: number): Promise<boolean> =>
  whenReady(
    child,
    async () => {
      const c = await mysql.createConnection({ socketPath, user: 'root' });
      await c.end();
    },
    timeoutMs,
  );

/** `maxConnections`: the run's shared server serves several test files at once. */
export async function startMariaDbServer(options: { tls?: boolean; maxConnections?: number } = {}): Promise<MariaDbServer> {
  const maxConnections = options.maxConnections ?? 80;
  const bins = findMariaDb();
  if (!bins) throw new Error(MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'concord-mariadb-'));
  const cnf = join(dir, 'my.cnf');
  const socketPath = join(dir, 'mysqld.sock');
  const owner = isRoot() ? mysqlOwner() : null;
  const chownAll = () => {
    if (!owner) return;
    // The folder and all in it belong to mysql: the server writes its data, socket and log there.
    spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
    chownSync(dir, owner.uid, owner.gid);
  };
  mkdirSync(join(dir, 'tmp'));
  const tls = options.tls ? selfSignedCert(dir) : null;
  writeFileSync(cnf, configFile(dir, 0, tls, maxConnections));
  chownAll();
  // --defaults-file must come first; root gets no password (normal auth, reached over the socket only).
  const init = spawnSync(bins.installDb, [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8', timeout: 180_000 });
  if (init.status !== 0) {
    const why = `${init.stdout ?? ''}${init.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (exit ${String(init.status)}): ${why}`);
  }

  let child: ChildProcess | null = null;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    writeFileSync(cnf, configFile(dir, port, tls, maxConnections));
    chownAll();
    const c = spawn(bins.mariadbd, [`--defaults-file=${cnf}`], { stdio: 'ignore' });
    if (await ready(c, socketPath, 90_000)) child = c;
    else {
      c.kill('SIGKILL');
      // Another process took the port between freePort and the bind: try another; otherwise say why.
      if (!/Address already in use|bind on TCP\/IP port/i.test(errorLog(dir))) break;
    }
  }
  if (!child) {
    const why = errorLog(dir);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadbd did not start: ${why}`);
  }
  let server = child;

  let stopped = false;
  const killNow = (): void => {
    if (stopped) return;
    stopped = true;
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // An interrupted run (a failed hook, Ctrl-C, a crashed worker) still stops its server.
  process.once('exit', killNow);

  const admin = mariaDbAdmin(socketPath);
  /** A clean shutdown (SIGTERM), then SIGKILL if it does not go within a minute. */
  const shutdown = async (): Promise<void> => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 60_000);
    await gone;
    clearTimeout(timer);
  };

  return {
    host: '127.0.0.1',
    port,
    dir,
    sql: admin.sql,
    ...(tls ? { certFile: tls.cert } : {}),
    createUserAndDb: admin.createUserAndDb,
    async halt() {
      await admin.end();
      await shutdown();
    },
    async resume() {
      const c = spawn(bins.mariadbd, [`--defaults-file=${cnf}`], { stdio: 'ignore' });
      if (!(await ready(c, socketPath, 90_000))) {
        c.kill('SIGKILL');
        throw new Error(`mariadbd did not start again: ${errorLog(dir)}`);
      }
      server = c;
    },
    async stop() {
      await admin.end();
      process.removeListener('exit', killNow);
      if (stopped) return;
      await shutdown();
      stopped = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Root's way into a server over its socket: `sql` per database (a small pool each), and a user with its database. */
function mariaDbAdmin(socketPath: string): Pick<MariaDbServer, 'sql' | 'createUserAndDb'> & { end(): Promise<void> } {
  const pools = new Map<string, mysql.Pool>();
  const poolFor = (database: string): mysql.Pool => {
    let p = pools.get(database);
    if (!p) {
      p = mysql.createPool({ socketPath, user: 'root', ...(database ? { database } : {}), connectionLimit: 2, charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: true });
      pools.set(database, p);
    }
    return p;
  };
  const sql = async <R>(text: string, params: unknown[] = [], database = ''): Promise<R[]> => {
    const [rows] = await poolFor(database).query(text, params);
    return Array.isArray(rows) ? (rows as R[]) : [];
  };
  const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``;
  return {
    sql,
    async createUserAndDb(user, password, database) {
      await sql(`CREATE DATABASE IF NOT EXISTS ${quote(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await sql('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
      await sql(`GRANT ALL PRIVILEGES ON ${quote(database)}.* TO ?@?`, [user, '127.0.0.1']);
    },
    end: () => Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined))).then(() => pools.clear()),
  };
}

/**
 * The run's shared server (`shared-servers.ts`), reached as root over its socket in `dir`. It is
 * not this file's to halt or stop: `stop()` only closes this file's connections, and
 * `halt`/`resume` refuse (a test that takes the server away starts its own).
 */
export function connectMariaDbServer(info: { port: number; dir: string }): MariaDbServer {
  const admin = mariaDbAdmin(join(info.dir, 'mysqld.sock'));
  const own = (): Promise<never> => Promise.reject(new Error('the shared MariaDB server cannot be halted: start a server of your own (useMy({ own: true }))'));
  return { host: '127.0.0.1', port: info.port, dir: info.dir, sql: admin.sql, createUserAndDb: admin.createUserAndDb, halt: own, resume: own, stop: () => admin.end() };
}
