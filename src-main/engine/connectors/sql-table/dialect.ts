/**
 * The shared SQL-table base: what a SQL database must supply so the base (`connector.ts`) can be
 * its Concord connector. The base owns every behaviour the engine sees — describe, test, the three
 * change-detection modes with keyset paging and the compound (timestamp, key) cursor, reads by id,
 * batched writes with a result per op, clearFlags, cancellation — and a dialect owns what differs
 * between databases: connecting (a pool), quoting, placeholders, discovery, type mapping to and
 * from JS values, the version a conditional write compares, the timestamp expression and the
 * database's own "now", and what an error means for a user.
 *
 * Identifiers reaching SQL come from the database's own catalog (`discover`) and are always quoted
 * with `quoteIdent`; names a user typed are only compared against those lists.
 *
 * How the other databases map (the SQLite connector is not on this base yet):
 * - SQLite: `query`/`lease` wrap better-sqlite3's synchronous calls (one connection; a lease is
 *   that connection, BEGIN IMMEDIATE for writes); `param` is `?`; `versionSql` is its registered
 *   `concord_row_version(…)` content hash; `tsSql` is its `tsExpression` (text or epoch, zones)
 *   and `nowSql` its app clock (`app-clock.ts`); `stampSql` the app clock's stamp; `insertSql`
 *   uses `INSERT … RETURNING` (3.35+) and `ON CONFLICT DO NOTHING`; its cursor snapshot into a
 *   TEMP table stays a SQLite-only optimisation behind `tsSql`.
 * - MySQL / MariaDB: a mysql2 pool; `quoteIdent` uses backticks; `param` is `?`; `versionSql` is
 *   a hash of the columns (`MD5(CONCAT_WS(…))`, or a version column); `tsSql` converts a DATETIME
 *   from the session zone (`CONVERT_TZ`), `tsText` is `DATE_FORMAT(…, '%Y-%m-%dT%H:%i:%s.%fZ')`,
 *   `nowSql` `UTC_TIMESTAMP(6)`; `insertSql` is `INSERT IGNORE`/`ON DUPLICATE KEY UPDATE id=id`,
 *   and MySQL has no RETURNING (MariaDB 10.5+ has it for INSERT only): `writeBack: 'reread'` makes
 *   the base follow each create and update with a SELECT of the row by key on the same connection,
 *   in the same transaction (`LAST_INSERT_ID()` for an AUTO_INCREMENT key the database numbered);
 *   cancelling is `KILL QUERY <connection id>`; capture is three triggers and a change table, read
 *   by a cursor that keeps its holes (AUTO_INCREMENT numbers commit out of order), and a polled
 *   feed. Built in `connectors/mysql/`.
 */
import type { LeftOutCollection, ValueType } from '../../api/model';
import type { ConnectorError } from '../errors';
import type { ChangeBatch, ChangeEvent, ChangesOptions, Cursor, ListenOptions, WriteResult } from '../types';

export type SqlRow = Record<string, unknown>;

export type SqlColumn = {
  name: string;
  /** The database's own type name (`numeric(12,2)`, `timestamp with time zone`, `text[]`). */
  dbType: string;
  type: ValueType;
  notNull: boolean;
  /** A DEFAULT (or identity / serial / generated key): an INSERT that leaves the column out gets the database's value. */
  hasDefault: boolean;
  /** A column the database computes (GENERATED ALWAYS …): never written. */
  generated?: boolean;
  /** A key the database numbers itself on insert (AUTO_INCREMENT), read back through `lastInsertIdSql`. */
  autoIncrement?: boolean;
};

export type SqlTable = {
  /** The collection's name as the engine sees it (`schema.table` in PostgreSQL; the table's name in SQLite). */
  name: string;
  /** The quoted, qualified reference SQL uses (`"public"."contacts"`). */
  ref: string;
  columns: SqlColumn[];
  primaryKey: string[];
  /** The last-modified column for cursor mode, or null. */
  updatedAt: string | null;
  /**
   * How finely updated-at is stamped, in milliseconds, when coarser than a microsecond (1000 for a
   * MySQL DATETIME/TIMESTAMP without fractional seconds or a PostgreSQL timestamp(0); a day for a
   * date). Above a millisecond, Concord's own writes are not recognised by their stamp (`own-writes.ts`). A row the app writes after a read can
   * then carry the same stamp as the cursor with a smaller key, so a resumed read takes every row
   * of the cursor's stamp again (no key tie-break) and its look-back starts on a whole step.
   */
  tsResolutionMs?: number;
  /** The sync flag column for flag mode, or null. */
  flag: string | null;
  /** What the connecting user may do (from the database's privileges). */
  access: { insert: boolean; update: boolean; delete: boolean };
  /** The database never gives a deleted row's id to a new row (identity / serial keys, AUTOINCREMENT). */
  stableIds: boolean;
  /**
   * A create may carry an id derived from Concord's create key: a single text or uuid key column
   * the pair does not map. A repeated create (a rerun after a crash) then finds its own row
   * instead of inserting a second one.
   */
  keyFromCreateKey: 'uuid' | 'text' | null;
};

export type SqlResult = { rows: SqlRow[]; rowCount: number };

/** One connection (a transaction runs on one), or the pool for single statements. */
export interface SqlSession {
  query(sql: string, params?: unknown[]): Promise<SqlResult>;
}

/** A pooled connection held for a transaction. `release(true)` discards it (after an error that may have broken it). */
export interface SqlLease extends SqlSession {
  release(discard?: boolean): void;
}

export type DiscoverOptions = { updatedAtColumn?: string; flagColumn?: string };

/** Why one op of a write failed, for its `WriteResult`. */
export type OpFailure = { reason: Extract<WriteResult, { ok: false }>['reason']; message: string };

export interface SqlDialect {
  /** The database's name in messages ("PostgreSQL"). */
  readonly label: string;
  /** Where the connection points, in messages ("db.example.com:5432/crm"). */
  readonly where: string;

  // ---- connections ------------------------------------------------------------------------
  /** A statement on any pooled connection; cancelled (the server stops working on it) when `signal` aborts. */
  query(sql: string, params: unknown[], signal?: AbortSignal): Promise<SqlResult>;
  /** A connection of its own, for a transaction. */
  lease(signal?: AbortSignal): Promise<SqlLease>;
  close(): Promise<void>;
  /** The actionable error for a failure to connect or to run a statement (wrong password, host down, TLS, …). */
  connectorError(error: unknown): ConnectorError;

  // ---- SQL text --------------------------------------------------------------------------
  quoteIdent(name: string): string;
  /** The placeholder for the n-th parameter (1-based): `$1` in PostgreSQL, `?` in SQLite and MySQL. */
  param(n: number): string;

  // ---- discovery -------------------------------------------------------------------------
  /**
   * Every table the user may read that has a primary key, and what was left out and why; with
   * `only`, just the collection of that name (one table's catalog rows, whatever the database holds).
   */
  discover(options: DiscoverOptions, signal?: AbortSignal, only?: string): Promise<{ tables: SqlTable[]; leftOut: LeftOutCollection[] }>;

  // ---- values ----------------------------------------------------------------------------
  /** A value as read from the driver → JSON-safe and exact (big integers and decimals as text, times as ISO UTC). */
  fromDb(column: SqlColumn, value: unknown): unknown;
  /** A field value from the engine → what the driver binds for this column. */
  toDb(column: SqlColumn, value: unknown): unknown;
  /** A key part from an id (text or number) → a bound parameter; undefined when no row of that column can hold it. */
  keyParam(column: SqlColumn, value: string | number): unknown;

  // ---- versions and change detection -------------------------------------------------------
  /**
   * SQL (over the table's own columns) giving a row's version as text, compared in the WHERE
   * of conditional writes and flag clears: `xmin::text` in PostgreSQL; a content hash function in
   * SQLite; a hash of the columns (`MD5(CONCAT_WS(…))`) or a version column in MySQL.
   */
  versionSql(t: SqlTable): string;
  /** SQL for the row's last-modified time as a comparable timestamp (zoneless times read in the right zone). */
  tsSql(t: SqlTable): string;
  /** SQL turning a `tsSql` value into exact ISO 8601 UTC text (full precision: microseconds in PostgreSQL). */
  tsText(expression: string): string;
  /** SQL for a parameter holding such ISO text, as a comparable timestamp. */
  tsParam(n: number): string;
  /** SQL for the database's own now as ISO UTC text in column `now` (the cursor never passes it, PITFALLS 5). */
  readonly nowSql: string;
  /** SQL for "the flag says: not synced" and the literal that clears it. */
  flagRaised(column: SqlColumn): string;
  flagCleared(column: SqlColumn): string;
  /** The SQL Concord writes into updated-at on its own writes (the database's now, in the column's type); null leaves it alone. */
  stampSql(column: SqlColumn): string | null;

  // ---- writes ----------------------------------------------------------------------------
  /**
   * How a create or update learns the row as stored. 'returning' (the default): its statement
   * ends in `RETURNING`. 'reread': the database has none (MySQL), so the statement is followed on
   * the same connection, in the same transaction and before any other statement of the batch, by
   * a SELECT of the row by its key — for a key the database numbered, by `lastInsertIdSql`.
   */
  readonly writeBack?: 'returning' | 'reread';
  /**
   * A statement run right after every BEGIN of a write batch, in the same transaction (PostgreSQL:
   * `SET LOCAL concord.writer = 'on'`, which capture's trigger reads to leave Concord's own writes
   * unrecorded). Transaction-scoped, so it cannot outlive the batch nor reach another client
   * through a connection pooler.
   */
  readonly writeTransactionSql?: string;
  /** SQL for the key the connection's last INSERT numbered (`LAST_INSERT_ID()`), for 'reread'. */
  readonly lastInsertIdSql?: string;
  /** An INSERT (without RETURNING; the base adds it). With `ignoreKeyConflict`, a row already holding the key is left as it is and no error raised. */
  insertSql(t: SqlTable, columns: string[], valuesSql: string[], ignoreKeyConflict: boolean): string;
  /** `DELETE FROM <ref> t` — the head of a DELETE whose WHERE names the table `t` (MySQL: `DELETE t FROM <ref> t`). */
  deleteHead?(t: SqlTable): string;
  /**
   * Why one op failed (a unique violation, a bad value, a denied privilege), in words a user can
   * act on. `s` is the op's connection, usable after the failure (its savepoint rolled back), for
   * a dialect that names what the op collided with.
   */
  opFailure(t: SqlTable, op: 'create' | 'update' | 'delete', error: unknown, s?: SqlSession): OpFailure | Promise<OpFailure>;
  /** The driver's own signs of a lost connection, beyond the network codes the base knows. */
  isConnectionLoss?(error: unknown): boolean;

  // ---- capture mode (optional) ------------------------------------------------------------
  /** A database whose tables can be captured by a trigger and a change table ('capture' mode). */
  readonly capture?: SqlCapture;
}

/**
 * Capture mode for a dialect: the SQL of a table's trigger and change table, installing and
 * removing it, reading from it, and (where the database can signal) a change feed. The base
 * (`connector.ts`) checks that the SQL a user confirmed is the SQL that runs.
 */
export interface SqlCapture {
  /** The exact SQL that installs and removes capture on `t`, and whether it is installed now. */
  plan(t: SqlTable, signal?: AbortSignal): Promise<{ installed: boolean; installSql: string; removeSql: string }>;
  /**
   * Runs `sql` (the plan's, as confirmed) in one transaction where the database can; a missing
   * privilege is an actionable ConnectorError. (MySQL commits each CREATE itself: its install is
   * made safe to fail midway instead, and `installed` is true while any of its objects exists.)
   */
  install(t: SqlTable, sql: string, signal?: AbortSignal): Promise<void>;
  remove(t: SqlTable, sql: string, signal?: AbortSignal): Promise<void>;
  /** What changed since `cursor` (a first read from null lists every row); deletes are reported. */
  changes(t: SqlTable, cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch>;
  listen?(onChange: (event: ChangeEvent) => void, signal: AbortSignal, options?: ListenOptions): Promise<void>;
}
