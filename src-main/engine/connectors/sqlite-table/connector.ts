/**
 * SQLite table connector: any table with a primary key in a SQLite file. Reads use keyset paging
 * (never OFFSET over a changing set, PITFALLS 6 and 10); writes are in `write.ts`.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { throwIfAborted, type AppRecord, type CallOptions, type ChangeBatch, type ChangesOptions, type Connector, type Cursor, type WriteOp, type WriteResult } from '../types';
import { ConnectorError, errorMessage } from '../errors';
import { assertWritable } from '../file-access';
import { collectionInfo, findTable, modesOf, quoteIdent, readTables, tablesWithoutKey, type SqliteSchemaOptions, type TableInfo } from './schema';
import { cursorPages, resumePosition } from './cursor';
import { idOf, keyOf, pkList, pkParams, pkValues, pkWhere, registerVersionFunction, toRecord, TS_ALIAS, versionSql } from './rows';
import { tsExpression } from './timestamps';
import { appClock } from './app-clock';
import { isTimeZone, unknownZoneMessage } from './zones';
import { writeOps } from './write';
import { watchFiles, type Verdict } from '../file-watch';
import { sqliteWatch } from './watch';

/**
 * `timeZone`: the IANA zone the app writes its local (zoneless) times in. Concord reads them in
 * that zone, and stamps its own writes in the app's format in that zone. Without it, a time that
 * carries its own offset keeps it and a zoneless one is taken as UTC for "now".
 */
export type SqliteTableConfig = SqliteSchemaOptions & { path: string; busyTimeoutMs?: number };

const DEFAULT_BATCH = 500;
/** Flags cleared per transaction: a few milliseconds each. */
const CLEAR_CHUNK = 2000;

export const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
};

/** Test seam: the verdict on each burst of file events the feed judged. */
export type SqliteFeedHooks = { judged?: (verdict: Verdict) => void };

export function createSqliteTableConnector(config: SqliteTableConfig, hooks: SqliteFeedHooks = {}): Connector {
  let db: Database.Database | null = null;
  /** The file the handle was opened on (device, inode). */
  let opened: string | null = null;
  const identity = (): string | null => {
    try {
      const st = statSync(config.path);
      return `${st.dev}:${st.ino}`;
    } catch {
      return null;
    }
  };

  const open = (): Database.Database => {
    // The engine keeps a connector open between runs (connections/pool.ts): a database file the
    // user replaced meanwhile (a restored backup, a copy saved over it) is opened again, not read
    // through a handle on the old, unlinked file.
    if (db && identity() === opened) return db;
    if (db) {
      db.close();
      db = null;
      schema = null;
    }
    if (config.timeZone !== undefined && !isTimeZone(config.timeZone)) throw new ConnectorError('config', unknownZoneMessage(config.timeZone));
    if (!existsSync(config.path)) {
      throw new ConnectorError('config', `The file ${config.path} does not exist — check the path, or create the database first.`);
    }
    try {
      db = new Database(config.path, { fileMustExist: true, timeout: config.busyTimeoutMs ?? 5000 });
      // Integers read as exact BigInts: a JS number rounds ids beyond 2^53 into each other (rows.ts).
      db.defaultSafeIntegers(true);
      registerVersionFunction(db);
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
      opened = identity();
    } catch (error) {
      db?.close();
      db = null;
      if (isBusy(error)) throw new ConnectorError('unavailable', `The database ${config.path} is locked by another program — try again in a moment.`, { cause: error });
      throw new ConnectorError('config', `${config.path} could not be opened as a SQLite database (${errorMessage(error)}) — check that the path points at a SQLite file you can read and write.`, { cause: error });
    }
    return db;
  };

  // The schema as of each call: a column added or dropped in the app shows up at once. SQLite
  // bumps `schema_version` on every schema change, so the tables are read again only then (a
  // write batch or a page no longer re-reads every table's columns).
  let schema: { version: number; tables: TableInfo[] } | null = null;
  const tables = (): TableInfo[] =>
    guard(() => {
      const d = open();
      const version = Number(d.pragma('schema_version', { simple: true }));
      if (schema?.version !== version) schema = { version, tables: readTables(d, config) };
      return schema.tables;
    });
  const table = (name: string): TableInfo => {
    const t = findTable(tables(), name, config.path);
    if (config.updatedAtColumn && !t.updatedAt) throw new ConnectorError('config', `Table "${name}" has no column "${config.updatedAtColumn}" for the last-modified time — check the connection's settings.`);
    if (config.flagColumn && !t.flag) throw new ConnectorError('config', `Table "${name}" has no column "${config.flagColumn}" for the sync flag — check the connection's settings.`);
    return t;
  };

  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      if (isBusy(error)) throw new ConnectorError('unavailable', `The database ${config.path} is busy or locked by another program — Concord will retry.`, { cause: error });
      throw error;
    }
  };

  function selectFrom(t: TableInfo): string {
    const ts = t.updatedAt ? `, ${tsExpression(t.updatedAt)} AS ${TS_ALIAS}` : '';
    return `SELECT * FROM (SELECT *${ts} FROM ${quoteIdent(t.name)})`;
  }

  async function* changes(collection: string, cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch> {
    const t = table(collection);
    const mode = options.mode;
    if (!modesOf(t).includes(mode)) {
      throw new ConnectorError('config', `Table "${t.name}" does not support ${mode} change detection (it supports: ${modesOf(t).join(', ')}).`);
    }
    const limit = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
    const d = open();
    const keys = pkList(t);
    if (mode === 'cursor') {
      // A read from no cursor, or from one this table cannot resume from (see `resumePosition`), reads every row.
      const horizon = () => appClock(d, t).horizon;
      const stored = cursor?.mode === 'cursor' ? resumePosition(t, cursor.value, guard(horizon)) : null;
      // The first page is inclusive (`>=`) and starts a look-back window early, so rows that
      // committed late with an older timestamp, or share the cursor's timestamp, are re-read;
      // re-reads are harmless because records equal to the base are skipped.
      for await (const page of cursorPages(d, t, selectFrom(t), stored, options.lookBackSeconds ?? 0, limit, guard, horizon, options.ownWrites)) {
        throwIfAborted(options.signal);
        const batch: ChangeBatch = { upserts: page.rows.map((r) => toRecord(t, r)), deletes: [], cursor: { mode: 'cursor', value: page.position } };
        if (page.future.length > 0) batch.futureStamped = page.future.map((r) => idOf(t, r));
        yield batch;
      }
      return;
    }
    // flag and hash: keyset paging on the primary key, which never changes under a row. A flag
    // read from no cursor is a first sync: it lists every row, flagged or not (rows that exist
    // unflagged must be matched and copied too), and says so with `complete`. Later flag reads
    // list flagged rows only. A flag cursor stored by an older Concord (without `listed`) never
    // had that first full read, so it gets it once now.
    const listAll = mode === 'hash' || !isFlagCursor(cursor);
    const where = mode === 'flag' && t.flag && !listAll ? `CAST(COALESCE(${quoteIdent(t.flag)}, 0) AS INTEGER) <> 0` : '1';
    const first = d.prepare(`${selectFrom(t)} WHERE ${where} ORDER BY ${keys} LIMIT ?`);
    const next = d.prepare(`${selectFrom(t)} WHERE ${where} AND (${keys}) > (${pkParams(t)}) ORDER BY ${keys} LIMIT ?`);
    const total = mode === 'hash' ? guard(() => Number(d.prepare(`SELECT count(*) FROM ${quoteIdent(t.name)}`).pluck().get())) : undefined;
    let rows = guard(() => first.all(limit + 1) as Record<string, unknown>[]);
    for (;;) {
      throwIfAborted(options.signal);
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const batch: ChangeBatch = { upserts: page.map((r) => toRecord(t, r)), deletes: [], cursor: { mode, value: mode === 'flag' ? FLAG_LISTED : null } };
      if (total !== undefined) batch.total = total;
      // Only a read of every row is complete: a read of flagged rows that said so would let the
      // engine take every unflagged linked record for deleted.
      if (!more && listAll) batch.complete = true;
      yield batch;
      const last = page.at(-1);
      if (!more || !last) return;
      rows = guard(() => next.all(...pkValues(t, last), limit + 1) as Record<string, unknown>[]);
    }
  }

  return {
    async describe(options?: CallOptions) {
      throwIfAborted(options?.signal);
      const leftOut = guard(() => tablesWithoutKey(open())).map((name) => ({
        name,
        reason: 'it has no primary key, so its rows have no stable id to link by — add a PRIMARY KEY column to sync it',
      }));
      return { collections: tables().map(collectionInfo), ...(leftOut.length > 0 ? { leftOut } : {}) };
    },
    async test(options?: CallOptions) {
      throwIfAborted(options?.signal);
      const list = tables();
      if (list.length === 0) {
        throw new ConnectorError('config', `The database ${config.path} has no table with a primary key — add a PRIMARY KEY to the table you want to sync.`);
      }
      assertWritable(config.path);
    },
    async checkWritable(collection: string, options?: CallOptions) {
      throwIfAborted(options?.signal);
      table(collection);
      assertWritable(config.path);
    },
    changes,
    async read(collection: string, ids: string[], options?: CallOptions): Promise<AppRecord[]> {
      throwIfAborted(options?.signal);
      const t = table(collection);
      const stmt = open().prepare(`${selectFrom(t)} WHERE ${pkWhere(t)}`);
      const out: AppRecord[] = [];
      for (const id of ids) {
        const key = keyOf(t, id);
        const row = key ? guard(() => stmt.get(...key) as Record<string, unknown> | undefined) : undefined;
        if (row) out.push(toRecord(t, row));
      }
      return out;
    },
    async write(collection: string, ops: WriteOp[], options?: CallOptions): Promise<WriteResult[]> {
      // An aborted batch throws before it writes: the batch is one transaction, never half-written.
      throwIfAborted(options?.signal);
      let t: TableInfo;
      try {
        t = table(collection);
      } catch (error) {
        // A write answers per op, never throws for a passing lock: the engine retries these later.
        if (error instanceof ConnectorError && error.reason === 'unavailable') return ops.map(() => ({ ok: false, reason: 'unavailable', error: error.message }));
        throw error;
      }
      // A read-only database is one error for the whole batch (and the run), never one per row.
      assertWritable(config.path);
      const d = open();
      return writeOps(d, t, ops, selectFrom(t), () => appClock(d, t));
    },
    async clearFlags(collection: string, records: { id: string; version?: string }[], options?: CallOptions) {
      throwIfAborted(options?.signal);
      const t = table(collection);
      if (!t.flag) throw new ConnectorError('config', `Table "${t.name}" has no sync flag column.`);
      const d = open();
      const flag = quoteIdent(t.flag);
      const update = `UPDATE ${quoteIdent(t.name)} SET ${flag} = 0 WHERE ${pkWhere(t)} AND CAST(COALESCE(${flag}, 0) AS INTEGER) <> 0`;
      const always = d.prepare(update);
      // The version check and the clear are one statement: an edit the app commits between them is impossible.
      const ifUnchanged = d.prepare(`${update} AND ${versionSql(t)} = ?`);
      // Each clear stands alone, so a first sync's million rows go in chunks, with a turn of the
      // event loop between them (the server answers meanwhile) and the app's lock released.
      for (let i = 0; i < records.length; i += CLEAR_CHUNK) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        // Between transactions: a cleared chunk stays cleared (its records were synced), the rest keep their flags.
        throwIfAborted(options?.signal);
        guard(() =>
          d.transaction(() => {
            for (const r of records.slice(i, i + CLEAR_CHUNK)) {
              const key = keyOf(t, r.id);
              if (!key) continue;
              if (r.version === undefined) always.run(...key);
              else ifUnchanged.run(...key, r.version);
            }
          }).immediate(),
        );
      }
    },
    /** Signals every table of the database: data_version says that something was committed, not where. */
    listen(onChange, signal, options) {
      let names: string[] = [];
      const signalAll = (seq: string) => {
        try {
          names = tables().map((t) => t.name);
        } catch {
          // Locked or mid-replace: the tables known from the last signal stand in.
        }
        for (const collection of names) onChange({ collection, seq });
      };
      return watchFiles(sqliteWatch(config.path, open, hooks.judged), signalAll, signal, options);
    },
    async close() {
      db?.close();
      db = null;
      schema = null;
    },
  };
}

/** A flag cursor after the first full read: later flag reads list flagged rows only. */
const FLAG_LISTED = { listed: true };

const isFlagCursor = (cursor: Cursor | null): boolean =>
  cursor?.mode === 'flag' && typeof cursor.value === 'object' && cursor.value !== null && (cursor.value as { listed?: unknown }).listed === true;
