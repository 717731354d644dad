/**
 * The PostgreSQL dialect of the SQL-table base. One `pg.Pool`, opened on first use and kept for
 * the connector's life (runs, previews and resolutions reuse its connections), ended in `close()`.
 * The password is read from the keychain each time the pool opens a connection, never kept in
 * config: a rotated password is picked up without restarting anything.
 *
 * Versions are `xmin` (the id of the transaction that last wrote the row): every write changes it,
 * including a write that leaves the values as they were, and a conditional write compares it in
 * its WHERE. Timestamps are compared as timestamptz (a `timestamp without time zone` column is
 * read in the session's zone — the server's default, or the role's — as the app's own sessions
 * write it). Cancelling: an aborted signal asks the server to cancel the statement
 * (`pg_cancel_backend` on the statement's connection, from a connection of its own) and that
 * connection is discarded.
 *
 * Every write batch marks its transaction as Concord's: `SET LOCAL concord.writer = 'on'` right
 * after its BEGIN (a custom setting; `writeTransactionSql`). Capture's trigger records nothing for
 * such a transaction (capture-sql.ts), so Concord's own writes are never read back nor signalled;
 * the app's sessions never carry the setting. Transaction-scoped rather than a startup option or
 * a session SET: a connection pooler such as PgBouncer refuses an unknown startup option (Concord
 * could not connect through it at all), and in transaction mode a session SET could be handed on
 * to an app's connection and stop the app's changes being recorded.
 */
import type pg from 'pg';
import { loadPg, pgDriver } from './driver';
import type { DiscoverOptions, SqlColumn, SqlDialect, SqlLease, SqlResult, SqlTable } from '../sql-table/dialect';
import { createPgCapture } from './capture';
import { WRITER_SETTING } from './capture-sql';
import { discoverPg, quoteIdent } from './discover';
import { pgConnectorError, pgOpFailure, type PgTarget } from './errors';
import { fromPg, keyToPg, kindOf, toPg, typeParsers } from './values';

export type PgConnection = Omit<pg.PoolConfig, 'password' | 'types'> & { target: PgTarget };

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export function createPgDialect(connection: PgConnection, password: () => Promise<string | null>): SqlDialect {
  const { target, ...poolConfig } = connection;
  let pool: pg.Pool | null = null;
  const clientConfig = (): pg.PoolConfig => ({
    ...poolConfig,
    types: typeParsers,
    // Read on every new connection: the keychain holds the one copy.
    password: async () => (await password()) ?? '',
    application_name: 'Concord',
  });
  const open = (): pg.Pool => {
    if (pool) return pool;
    pool = new (pgDriver().Pool)({ max: 4, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 20_000, pipeline: true, ...clientConfig() });
    // An idle connection the server dropped (a restart, a network cut) must not crash the engine;
    // the pool replaces it, and the next statement reports the outage if it lasts.
    pool.on('error', () => {});
    // A connection that ends while checked out but between statements emits 'error' on its
    // client with nobody listening, which would crash the process: the next statement on it
    // fails anyway, with the error the user sees.
    pool.on('connect', (client) => client.on('error', () => {}));
    return pool;
  };

  /** Asks the server to stop the statement running on `client` (from a connection of its own). */
  const cancel = async (client: pg.PoolClient): Promise<void> => {
    const pid: unknown = Reflect.get(client, 'processID');
    if (typeof pid !== 'number') return;
    const canceller = new (await loadPg()).Client(clientConfig());
    canceller.on('error', () => {});
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // The connection is discarded anyway; the server ends the statement when it finds it gone.
    } finally {
      await canceller.end().catch(() => {});
    }
  };

  const connect = async (signal?: AbortSignal): Promise<pg.PoolClient> => {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('Cancelled.');
    await loadPg();
    return open().connect();
  };

  /** Cancels what runs on `client` once `signal` aborts, and marks the client broken; returns the un-watch. */
  const watch = (client: pg.PoolClient, state: { broken: boolean }, signal?: AbortSignal): (() => void) => {
    if (!signal) return () => {};
    const onAbort = (): void => {
      state.broken = true;
      void cancel(client);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  };

  /**
   * Runs one statement on `client`; an abort cancels it on the server and marks the client broken.
   * `watched`: a lease watches its signal once for all its statements — a write batch pipelines
   * hundreds at once, and a listener each would pile up on the run's one signal.
   */
  const run = async (client: pg.PoolClient, state: { broken: boolean }, sql: string, params: unknown[], signal?: AbortSignal, watched = false): Promise<SqlResult> => {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('Cancelled.');
    const unwatch = watched ? () => {} : watch(client, state, signal);
    try {
      const r = await client.query(sql, params);
      return { rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? 0 };
    } catch (error) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('Cancelled.');
      throw error;
    } finally {
      unwatch();
    }
  };

  const tzSql = (t: SqlTable, column: string): string => {
    const c = t.columns.find((x) => x.name === column);
    const q = `t.${quoteIdent(column)}`;
    const kind = c ? kindOf(c.dbType) : 'timestamptz';
    return kind === 'timestamptz' ? q : `${q}::timestamptz`;
  };

  const dialect: Omit<SqlDialect, 'capture'> = {
    label: 'PostgreSQL',
    writeTransactionSql: `SET LOCAL ${WRITER_SETTING} = 'on'`,
    where: `${target.host}:${target.port}/${target.database}`,
    async query(sql, params, signal) {
      const client = await connect(signal);
      const state = { broken: false };
      try {
        return await run(client, state, sql, params, signal);
      } catch (error) {
        state.broken ||= isBroken(error);
        throw error;
      } finally {
        client.release(state.broken);
      }
    },
    async lease(signal): Promise<SqlLease> {
      const client = await connect(signal);
      const state = { broken: false };
      // One watch for the lease's life: its statements all run under the same signal.
      const unwatch = watch(client, state, signal);
      return {
        query: async (sql, params = []) => {
          try {
            return await run(client, state, sql, params, signal, true);
          } catch (error) {
            state.broken ||= isBroken(error);
            throw error;
          }
        },
        release: (discard = false) => {
          unwatch();
          client.release(discard || state.broken);
        },
      };
    },
    async close() {
      const p = pool;
      pool = null;
      await p?.end();
    },
    connectorError: (error) => pgConnectorError(error, target),
    quoteIdent,
    param: (n) => `$${n}`,
    discover: (options: DiscoverOptions, signal?: AbortSignal, only?: string) =>
      discoverPg(async (sql, params) => {
        const client = await connect(signal);
        const state = { broken: false };
        try {
          return await run(client, state, sql, params, signal);
        } finally {
          client.release(state.broken);
        }
      }, options, only),
    fromDb: fromPg,
    toDb: toPg,
    keyParam: keyToPg,
    versionSql: () => 't.xmin::text',
    tsSql: (t) => tzSql(t, t.updatedAt ?? ''),
    tsText: (expression) => `to_char((${expression}) AT TIME ZONE 'UTC', ${ISO})`,
    tsParam: (n) => `$${n}::timestamptz`,
    nowSql: `SELECT to_char(now() AT TIME ZONE 'UTC', ${ISO}) AS now`,
    flagRaised: (c: SqlColumn) => (kindOf(c.dbType) === 'bool' ? `t.${quoteIdent(c.name)} IS TRUE` : `coalesce(t.${quoteIdent(c.name)}, 0) <> 0`),
    flagCleared: (c: SqlColumn) => (kindOf(c.dbType) === 'bool' ? 'false' : '0'),
    stampSql(c) {
      // The database's now in the column's own type (a zoneless column gets the session's wall clock).
      const kind = kindOf(c.dbType);
      return kind === 'timestamptz' ? 'now()' : kind === 'timestamp' ? 'localtimestamp' : kind === 'date' ? 'current_date' : null;
    },
    insertSql(t, columns, values, ignoreKeyConflict) {
      const cols = columns.map(quoteIdent).join(', ');
      const head = columns.length > 0 ? `INSERT INTO ${t.ref} AS t (${cols}) VALUES (${values.join(', ')})` : `INSERT INTO ${t.ref} AS t DEFAULT VALUES`;
      return ignoreKeyConflict ? `${head} ON CONFLICT (${t.primaryKey.map(quoteIdent).join(', ')}) DO NOTHING` : head;
    },
    opFailure: pgOpFailure,
  };
  // Capture's LISTEN feed holds a connection of its own, outside the pool (it never returns it).
  return { ...dialect, capture: createPgCapture(dialect, async () => {
    const client = new (await loadPg()).Client(clientConfig());
    client.on('error', () => {});
    return client;
  }) };
}

/** A connection that failed below SQL (network, cancel) is not given back to the pool. */
function isBroken(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return code === '' || code.startsWith('E') || code.startsWith('08') || code.startsWith('57');
}
