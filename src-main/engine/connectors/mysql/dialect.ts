/**
 * The MySQL / MariaDB dialect of the SQL-table base. One mysql2 pool (promise API), opened on
 * first use with the password read from the keychain then, kept for the connector's life and
 * ended in `close()`; a refused password ends it, so the next call reads the password again.
 *
 * Every connection is prepared once before its first statement: time_zone '+00:00' (TIMESTAMP
 * values and the server's now read in UTC), strict mode for all tables (a value that does not fit
 * is refused, never truncated), and backslash escapes on (the driver quotes values with them).
 * The session is also marked as Concord's (`@concord_writer = 1`, a user variable: the session's
 * own, never an app's): capture's triggers record nothing for it (capture-sql.ts), so Concord's
 * own writes are never read back nor signalled by the polled feed.
 * Values come as the server's text where a JS number or Date would lose something (`values.ts`).
 *
 * Versions: MySQL has no xmin, so a row's version is a hash computed in SQL — MD5 over each
 * column's text with its length and a NULL marker (`versionSql`). Chosen over a version column or
 * updated-at in the WHERE: a version column is only as good as every app's discipline in bumping
 * it, and updated-at at 1-second resolution misses a second edit in the same second; the hash
 * covers both columns (and every other), so it is never weaker than either. The sync flag is left
 * out of it: clearing the flag is Concord's bookkeeping, not an edit.
 *
 * No RETURNING: the base reads each written row back by key in the same transaction
 * (`writeBack: 'reread'`, `LAST_INSERT_ID()` for an AUTO_INCREMENT key).
 *
 * Capture mode (triggers and a change table, polled): capture.ts.
 *
 * Cancelling: an aborted signal sends `KILL QUERY <connection id>` from a connection of its own,
 * and the statement's connection is destroyed, not returned to the pool.
 */
import type mysql from 'mysql2/promise';
import type { DiscoverOptions, SqlColumn, SqlDialect, SqlLease, SqlResult, SqlTable } from '../sql-table/dialect';
import { createMyCapture } from './capture';
import { WRITER_VARIABLE } from './capture-sql';
import { discoverMy, quoteIdent } from './discover';
import { isLostConnection, myConnectorError, myOpFailure, type MyTarget } from './errors';
import { fromMy, fractionDigits, keyToMy, kindOf, toMy } from './values';

export type MyConnection = { host: string; port: number; database: string; user: string; ssl?: { rejectUnauthorized: boolean; ca?: string }; target: MyTarget };

const ISO = `'%Y-%m-%dT%H:%i:%s.%fZ'`;

/** The driver, loaded on first connect: a command that never talks to MySQL does not pay its load time (~50 ms). */
let driver: Promise<typeof mysql> | null = null;
const mysqlDriver = (): Promise<typeof mysql> => (driver ??= import('mysql2/promise').then((m) => m.default));
/** Makes a connection's session what the dialect's SQL assumes (see the file's comment). */
const SESSION_SQL = `SET SESSION time_zone = '+00:00',
  SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ',STRICT_ALL_TABLES,'), ',NO_BACKSLASH_ESCAPES,', ',')),
  ${WRITER_VARIABLE} = 1`;
/** Whether the server's own zone (the zone apps' sessions write DATETIME in) is UTC. */
const ZONE_SQL = `SELECT @@GLOBAL.time_zone IN ('+00:00', 'UTC', 'GMT', 'Etc/UTC', 'Z')
  OR (@@GLOBAL.time_zone = 'SYSTEM' AND @@system_time_zone IN ('UTC', 'GMT', 'Etc/UTC', 'Coordinated Universal Time')) AS utc`;

const aborted = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new Error('Cancelled.'));

function toResult(rows: unknown): SqlResult {
  if (Array.isArray(rows)) return { rows: rows as Record<string, unknown>[], rowCount: rows.length };
  const affected = (rows as { affectedRows?: unknown } | null)?.affectedRows;
  return { rows: [], rowCount: typeof affected === 'number' ? affected : 0 };
}

export function createMyDialect(connection: MyConnection, password: () => Promise<string | null>): SqlDialect {
  const { target, ...settings } = connection;
  const base = { ...settings, charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, decimalNumbers: false, connectTimeout: 20_000 } satisfies mysql.ConnectionOptions;
  let pool: Promise<mysql.Pool> | null = null;
  const prepared = new WeakSet<object>();
  /** DATETIME columns hold the server zone's wall clock; UTC servers need no conversion (and keep their indexes usable). */
  let serverZoneIsUtc = false;

  const open = (): Promise<mysql.Pool> => {
    pool ??= (async () => {
      const p = (await mysqlDriver()).createPool({ ...base, password: (await password()) ?? '', connectionLimit: 4, maxIdle: 4, idleTimeout: 30_000, enableKeepAlive: true });
      // An idle connection the server dropped must not crash the engine; the next statement reports it.
      p.on('connection', (c) => c.on('error', () => {}));
      return p;
    })();
    // A keychain that could not give the password (locked) is asked again on the next call.
    pool.catch(() => {
      pool = null;
    });
    return pool;
  };
  const reset = async (): Promise<void> => {
    const p = pool;
    pool = null;
    await (await p?.catch(() => null))?.end().catch(() => {});
  };

  const connect = async (signal?: AbortSignal): Promise<mysql.PoolConnection> => {
    if (signal?.aborted) throw aborted(signal);
    let conn: mysql.PoolConnection;
    try {
      conn = await (await open()).getConnection();
    } catch (error) {
      // A refused password is read again on the next call (it may have been changed meanwhile).
      if (/^(ER_ACCESS_DENIED_ERROR|ER_DBACCESS_DENIED_ERROR)$/.test(String((error as { code?: unknown }).code))) await reset();
      throw error;
    }
    if (!prepared.has(conn.connection)) {
      try {
        await conn.query(SESSION_SQL);
        const [zone] = await conn.query(ZONE_SQL);
        serverZoneIsUtc = Number((zone as { utc?: unknown }[])[0]?.utc) === 1;
      } catch (error) {
        conn.destroy();
        throw error;
      }
      prepared.add(conn.connection);
    }
    return conn;
  };

  /** Asks the server to stop what connection `threadId` is running, from a connection of its own. */
  const kill = async (threadId: number): Promise<void> => {
    let killer: mysql.Connection | null = null;
    try {
      killer = await (await mysqlDriver()).createConnection({ ...base, password: (await password()) ?? '' });
      await killer.query(`KILL QUERY ${threadId}`);
    } catch {
      // The connection is destroyed anyway; the server ends the statement when it finds it gone.
    } finally {
      await killer?.end().catch(() => {});
    }
  };

  /** Kills `conn`'s statement on the server when `signal` aborts, and marks the connection broken; returns the unwatch. */
  const watch = (conn: mysql.PoolConnection, state: { broken: boolean }, signal?: AbortSignal): (() => void) => {
    const onAbort = (): void => {
      state.broken = true;
      void kill(conn.threadId).finally(() => conn.destroy());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    return () => signal?.removeEventListener('abort', onAbort);
  };

  /**
   * Runs one statement on `conn`; an abort kills it. `watched`: the caller (a lease) already
   * watches `signal` for the connection's whole life — a batch pipelines hundreds of statements on
   * one lease, and one listener each would pile up on the signal.
   */
  const run = async (conn: mysql.PoolConnection, state: { broken: boolean }, sql: string, params: unknown[], signal?: AbortSignal, watched = false): Promise<SqlResult> => {
    if (signal?.aborted) throw aborted(signal);
    const unwatch = watched ? () => {} : watch(conn, state, signal);
    try {
      const [rows] = await conn.query(sql, params);
      return toResult(rows);
    } catch (error) {
      if (signal?.aborted) throw aborted(signal);
      state.broken ||= isLostConnection(error);
      throw error;
    } finally {
      unwatch();
    }
  };
  const once = async (sql: string, params: unknown[], signal?: AbortSignal): Promise<SqlResult> => {
    const conn = await connect(signal);
    const state = { broken: false };
    try {
      return await run(conn, state, sql, params, signal);
    } finally {
      if (state.broken) conn.destroy();
      else conn.release();
    }
  };

  /** A DATETIME (zoneless, the server zone's wall clock) as UTC; a TIMESTAMP already reads in UTC. */
  const utc = (c: SqlColumn, sql: string): string => (kindOf(c.dbType) === 'timestamp' || serverZoneIsUtc ? sql : `CONVERT_TZ(${sql}, @@GLOBAL.time_zone, '+00:00')`);
  const fromUtc = (c: SqlColumn, sql: string): string => (kindOf(c.dbType) === 'timestamp' || serverZoneIsUtc ? sql : `CONVERT_TZ(${sql}, '+00:00', @@GLOBAL.time_zone)`);

  const dialect: Omit<SqlDialect, 'capture'> = {
    label: 'MySQL',
    where: `${target.host}:${target.port}/${target.database}`,
    query: once,
    async lease(signal): Promise<SqlLease> {
      const conn = await connect(signal);
      const state = { broken: false };
      // A deadlock rolls back InnoDB's whole transaction, and the batch's statements queued behind
      // it would then each commit on their own. With autocommit off they open a new transaction
      // instead, which the base's ROLLBACK discards before it writes the batch again.
      try {
        await conn.query('SET autocommit = 0');
      } catch (error) {
        conn.destroy();
        throw error;
      }
      const unwatch = watch(conn, state, signal);
      return {
        query: (sql, params = []) => run(conn, state, sql, params, signal, true),
        release: (discard = false) => {
          unwatch();
          if (discard || state.broken) conn.destroy();
          else void conn.query('SET autocommit = 1').then(() => conn.release(), () => conn.destroy());
        },
      };
    },
    close: reset,
    connectorError: (error) => myConnectorError(error, target),
    quoteIdent,
    param: () => '?',
    discover: (options: DiscoverOptions, signal?: AbortSignal, only?: string) => discoverMy((sql, params) => once(sql, params, signal), target.database, options, only),
    fromDb: fromMy,
    toDb: toMy,
    keyParam: keyToMy,
    versionSql(t: SqlTable) {
      const parts = t.columns
        .filter((c) => c.name !== t.flag)
        .map((c) => {
          const col = `t.${quoteIdent(c.name)}`;
          const kind = kindOf(c.dbType);
          // One character set for every text (no "illegal mix of collations"); bytes as hex.
          const text = kind === 'text' || kind === 'json' ? `CONVERT(${col} USING utf8mb4)` : kind === 'binary' || kind === 'bit' || kind === 'other' ? `HEX(${col})` : col;
          return `IFNULL(CONCAT(CHAR_LENGTH(${text}), ':', ${text}), '~')`;
        });
      return `MD5(CONCAT_WS(',', ${parts.join(', ')}))`;
    },
    tsSql(t) {
      const c = t.columns.find((x) => x.name === t.updatedAt);
      const col = `t.${quoteIdent(t.updatedAt ?? '')}`;
      return c ? utc(c, col) : col;
    },
    tsText: (expression) => `DATE_FORMAT(${expression}, ${ISO})`,
    tsParam: () => `STR_TO_DATE(?, ${ISO})`,
    nowSql: `SELECT DATE_FORMAT(UTC_TIMESTAMP(6), ${ISO}) AS now`,
    flagRaised: (c) => `COALESCE(t.${quoteIdent(c.name)}, 0) <> 0`,
    flagCleared: () => '0',
    stampSql(c) {
      // The server's now at the column's own precision (never rounded up into the next second).
      const kind = kindOf(c.dbType);
      const digits = fractionDigits(c.dbType);
      if (kind === 'timestamp') return `CURRENT_TIMESTAMP(${digits})`;
      if (kind === 'datetime') return fromUtc(c, `UTC_TIMESTAMP(${digits})`);
      if (kind === 'date') return `DATE(${fromUtc(c, 'UTC_TIMESTAMP()')})`;
      return null;
    },
    writeBack: 'reread',
    lastInsertIdSql: 'LAST_INSERT_ID()',
    insertSql(t, columns, values, ignoreKeyConflict) {
      const head = `INSERT INTO ${t.ref} (${columns.map(quoteIdent).join(', ')}) VALUES (${values.join(', ')})`;
      // A row already holding the key is left as it is (and read back as this create's row).
      const key = quoteIdent(t.primaryKey[0] ?? '');
      return ignoreKeyConflict ? `${head} ON DUPLICATE KEY UPDATE ${key} = ${key}` : head;
    },
    deleteHead: (t) => `DELETE t FROM ${t.ref} t`,
    opFailure: (t, op, error, s) => myOpFailure(t, op, error, target.database, s),
    isConnectionLoss: isLostConnection,
  };
  return { ...dialect, capture: createMyCapture(dialect, target.database) };
}
