/**
 * The engine-facing Connector for any SQL table, over a dialect (`dialect.ts`). Change detection
 * is in `read.ts`, writes in `write.ts`; this file owns the schema cache, table lookup, reads by id,
 * clearFlags and the mapping of database errors to actionable ConnectorErrors.
 *
 * Every method takes an optional last `{ signal }`: an abort cancels the statement in flight (the
 * dialect asks the server to stop it) and the call rejects with the signal's reason.
 */
import type { ChangeDetection, CollectionInfo } from '../../api/model';
import { createHash } from 'node:crypto';
import type { AppRecord, CapturePlan, ChangeBatch, ChangesOptions, Connector, Cursor, WriteOp, WriteResult } from '../types';
import { ConnectorError } from '../errors';
import type { DiscoverOptions, SqlCapture, SqlDialect, SqlRow, SqlTable } from './dialect';
import { keyOf, keyTuple, params, selectSql, toRecord } from './rows';
import { checkAbort, readChanges } from './read';
import { writeBatch } from './write';

export type CallOptions = { signal?: AbortSignal };

/** Ids per statement in `read` (the engine asks for a few hundred at a time). */
const READ_CHUNK = 500;
/** Flags cleared per statement. */
const CLEAR_CHUNK = 1000;

/** A connector whose every call reports a config problem found when it was made (a CA file gone since it was saved). */
export function brokenConnector(error: ConnectorError): Connector {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return {
    describe: fail,
    test: fail,
    changes: async function* () {
      throw error;
    },
    read: fail,
    write: fail,
    clearFlags: fail,
    close: async () => {},
  };
}

/** A table's modes; `capture` wherever the dialect can capture (installed or not: a read before the install says how to install it). */
export function modesOf(t: SqlTable, d?: SqlDialect): ChangeDetection[] {
  return [...(t.updatedAt ? (['cursor'] as const) : []), ...(t.flag ? (['flag'] as const) : []), 'hash', ...(d?.capture ? (['capture'] as const) : [])];
}

export function collectionInfo(t: SqlTable, d?: SqlDialect): CollectionInfo {
  return {
    name: t.name,
    fields: t.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: !c.notNull && !t.primaryKey.includes(c.name),
      ...(t.primaryKey.includes(c.name) ? { key: true } : {}),
      ...(c.name === t.updatedAt ? { managed: 'updated-at' as const } : c.name === t.flag ? { managed: 'sync-flag' as const } : {}),
    })),
    primaryKey: t.primaryKey,
    changeDetection: modesOf(t, d),
    ...(t.stableIds ? { stableIds: true } : {}),
    ...(t.access.insert && t.access.update && t.access.delete ? {} : { writable: { create: t.access.insert, update: t.access.update, delete: t.access.delete } }),
  };
}

export function createSqlTableConnector(d: SqlDialect, options: DiscoverOptions): Connector & {
  describe(o?: CallOptions): ReturnType<Connector['describe']>;
  test(o?: CallOptions): Promise<void>;
  read(collection: string, ids: string[], o?: CallOptions): Promise<AppRecord[]>;
  write(collection: string, ops: WriteOp[], o?: CallOptions): Promise<WriteResult[]>;
  clearFlags(collection: string, records: { id: string; version?: string }[], o?: CallOptions): Promise<void>;
} {
  /** Any database error becomes a ConnectorError that says what to do; an abort stays an abort. */
  const guarded = async <T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      checkAbort(signal);
      if (error instanceof ConnectorError) throw error;
      throw d.connectorError(error);
    }
  };
  const q = (signal?: AbortSignal) => async (sql: string, args: unknown[]): Promise<SqlRow[]> => (await d.query(sql, args, signal)).rows;

  // The catalog is read per call that needs a table (that table's rows only): a column added or a
  // grant changed shows up at once, and two catalog queries per read or batch are cheap next to it.
  const discover = (signal?: AbortSignal, only?: string) => guarded(signal, () => d.discover(options, signal, only));
  const table = async (name: string, signal?: AbortSignal): Promise<SqlTable> => {
    const one = await discover(signal, name);
    const { tables, leftOut } = one.tables.length > 0 || one.leftOut.length > 0 ? one : await discover(signal);
    const t = tables.find((x) => x.name === name);
    if (t) {
      if (options.updatedAtColumn && !t.updatedAt) throw new ConnectorError('config', `Table "${name}" has no column "${options.updatedAtColumn}" for the last-modified time — check the connection's settings.`);
      if (options.flagColumn && !t.flag) throw new ConnectorError('config', `Table "${name}" has no column "${options.flagColumn}" for the sync flag — check the connection's settings.`);
      return t;
    }
    const why = leftOut.find((x) => x.name === name);
    if (why) throw new ConnectorError('invalid', `${d.label} table "${name}" cannot be synced: ${why.reason}.`);
    const list = tables.map((x) => x.name).join(', ') || 'none';
    throw new ConnectorError('not-found', `${d.label} database ${d.where} has no table "${name}" that this user can read — check the name (or that it was not dropped or renamed), or grant SELECT on it. Tables: ${list}.`);
  };

  async function* changes(collection: string, cursor: Cursor | null, opts: ChangesOptions): AsyncGenerator<ChangeBatch> {
    const t = await table(collection, opts.signal);
    if (!modesOf(t, d).includes(opts.mode)) {
      throw new ConnectorError('config', `Table "${t.name}" does not support ${opts.mode} change detection (it supports: ${modesOf(t, d).join(', ')}).`);
    }
    const it = opts.mode === 'capture' && d.capture ? d.capture.changes(t, cursor, opts) : readChanges(d, t, q(opts.signal), cursor, opts);
    for (;;) {
      const next = await guarded(opts.signal, () => it.next());
      if (next.done) return;
      yield next.value;
    }
  }

  return {
    async describe(o?: CallOptions) {
      const { tables, leftOut } = await discover(o?.signal);
      return { collections: tables.map((t) => collectionInfo(t, d)), ...(leftOut.length > 0 ? { leftOut } : {}) };
    },
    async test(o?: CallOptions) {
      const { tables } = await discover(o?.signal);
      if (tables.length === 0) {
        throw new ConnectorError('config', `${d.label} database ${d.where} has no table with a primary key that this user can read — add a PRIMARY KEY to the table you want to sync, or grant SELECT on it.`);
      }
    },
    changes,
    async read(collection: string, ids: string[], o?: CallOptions): Promise<AppRecord[]> {
      const t = await table(collection, o?.signal);
      const wanted = ids.map((id) => ({ id, key: keyOf(d, t, id) })).filter((x): x is { id: string; key: unknown[] } => x.key !== null);
      const found = new Map<string, AppRecord>();
      for (let i = 0; i < wanted.length; i += READ_CHUNK) {
        const chunk = wanted.slice(i, i + READ_CHUNK);
        const n = t.primaryKey.length;
        const tuples = chunk.map((_, j) => `(${params(d, j * n + 1, n).join(', ')})`).join(', ');
        const rows = await guarded(o?.signal, () => q(o?.signal)(`${selectSql(d, t)} WHERE ${keyTuple(d, t)} IN (${tuples})`, chunk.flatMap((x) => x.key)));
        for (const r of rows) {
          const rec = toRecord(d, t, r);
          found.set(rec.id, rec);
        }
      }
      // In the order asked, each once; ids that do not exist are left out.
      return ids.flatMap((id) => {
        const rec = found.get(id);
        return rec ? [rec] : [];
      });
    },
    async write(collection: string, ops: WriteOp[], o?: CallOptions): Promise<WriteResult[]> {
      let t: SqlTable;
      try {
        t = await table(collection, o?.signal);
      } catch (error) {
        // A passing outage answers per op (the engine retries them later); a config problem throws.
        if (error instanceof ConnectorError && error.reason === 'unavailable') return ops.map(() => ({ ok: false, reason: 'unavailable', error: error.message }));
        throw error;
      }
      return writeBatch(d, t, ops, o?.signal);
    },
    async clearFlags(collection: string, records: { id: string; version?: string }[], o?: CallOptions) {
      const t = await table(collection, o?.signal);
      const flag = t.flag ? t.columns.find((c) => c.name === t.flag) : undefined;
      if (!flag) throw new ConnectorError('config', `Table "${t.name}" has no sync flag column.`);
      // The version check and the clear are one statement: an edit the app commits after the read
      // changed the version, so its flag stays raised and the next run reads the edit.
      const set = `UPDATE ${t.ref} t SET ${d.quoteIdent(flag.name)} = ${d.flagCleared(flag)} WHERE ${d.flagRaised(flag)}`;
      const n = t.primaryKey.length;
      const keys = keyTuple(d, t);
      const withVersion = `(${keys.slice(1, -1)}, ${d.versionSql(t)})`;
      const targets = records.map((r) => ({ key: keyOf(d, t, r.id), version: r.version })).filter((r): r is { key: unknown[]; version: string | undefined } => r.key !== null);
      for (let i = 0; i < targets.length; i += CLEAR_CHUNK) {
        checkAbort(o?.signal);
        const chunk = targets.slice(i, i + CLEAR_CHUNK);
        const checked = chunk.filter((r) => r.version !== undefined);
        const always = chunk.filter((r) => r.version === undefined);
        if (checked.length > 0) {
          // `keys IN (…)` lets the database find the rows by its key index; the pairs then compare the versions.
          const keyList = checked.map((_, j) => `(${params(d, j * n + 1, n).join(', ')})`).join(', ');
          const from = checked.length * n;
          const pairs = checked.map((_, j) => `(${params(d, from + j * (n + 1) + 1, n + 1).join(', ')})`).join(', ');
          const args = [...checked.flatMap((r) => r.key), ...checked.flatMap((r) => [...r.key, r.version])];
          await guarded(o?.signal, () => d.query(`${set} AND ${keys} IN (${keyList}) AND ${withVersion} IN (${pairs})`, args, o?.signal));
        }
        if (always.length > 0) {
          const keyList = always.map((_, j) => `(${params(d, j * n + 1, n).join(', ')})`).join(', ');
          await guarded(o?.signal, () => d.query(`${set} AND ${keys} IN (${keyList})`, always.flatMap((r) => r.key), o?.signal));
        }
      }
    },
    ...(d.capture ? captureMembers(d.capture, table, guarded) : {}),
    async close() {
      await d.close();
    },
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Capture mode's controls and feed. Install and remove run only the SQL whose hash the caller
 * sends back, which is the hash of the SQL the plan showed: what runs is exactly what was shown.
 */
function captureMembers(
  capture: SqlCapture,
  table: (name: string, signal?: AbortSignal) => Promise<SqlTable>,
  guarded: <T>(signal: AbortSignal | undefined, fn: () => Promise<T>) => Promise<T>,
): Pick<Connector, 'capture' | 'listen'> {
  const plan = async (collection: string, signal?: AbortSignal): Promise<{ t: SqlTable; plan: CapturePlan }> => {
    const t = await table(collection, signal);
    const p = await guarded(signal, () => capture.plan(t, signal));
    return { t, plan: { collection: t.name, installed: p.installed, installSql: p.installSql, installHash: sha256(p.installSql), removeSql: p.removeSql, removeHash: sha256(p.removeSql) } };
  };
  const changed = (what: string) =>
    new ConnectorError('invalid', `The SQL to ${what} capture is no longer the SQL you were shown (the table or its privileges changed) — nothing ran; review the new SQL and confirm again.`);
  const members: Pick<Connector, 'capture' | 'listen'> = {
    capture: {
      plan: async (collection, o) => (await plan(collection, o?.signal)).plan,
      async install(collection, installHash, o) {
        const { t, plan: p } = await plan(collection, o?.signal);
        if (p.installHash !== installHash) throw changed('install');
        if (!p.installed) await guarded(o?.signal, () => capture.install(t, p.installSql, o?.signal));
        return (await plan(collection, o?.signal)).plan;
      },
      async remove(collection, removeHash, o) {
        const { t, plan: p } = await plan(collection, o?.signal);
        if (p.removeHash !== removeHash) throw changed('remove');
        if (p.installed) await guarded(o?.signal, () => capture.remove(t, p.removeSql, o?.signal));
        return (await plan(collection, o?.signal)).plan;
      },
    },
  };
  const listen = capture.listen?.bind(capture);
  if (listen) members.listen = (onChange, signal, options) => listen(onChange, signal, options);
  return members;
}
