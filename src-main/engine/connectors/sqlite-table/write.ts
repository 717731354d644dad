/**
 * Writes a batch in one transaction, one statement per op where the table allows it: a create is
 * `INSERT … RETURNING`, an update `UPDATE … WHERE <key> [AND <version matches>] RETURNING`, a
 * delete `DELETE … WHERE <key> [AND <version matches>]`, each prepared once per batch and reused.
 * The row a write returns is the row as stored, so its version and updated_at are what the next
 * read reports (a cheap way for the engine to recognise its own writes).
 *
 * A failing op never fails the batch (PITFALLS 14): one SQLite statement is atomic by itself, so
 * an op that fails has changed nothing and the others go on in the same transaction. A SAVEPOINT
 * is taken only around an op that is more than one statement and may have to be undone after it
 * ran (a create whose key comes from a column DEFAULT that may evaluate to NULL).
 *
 * Concord's own writes stamp updated_at with the app's clock in the column's own format and zone
 * (`app-clock.ts`) and leave the sync flag clear, so they do not come back as changes.
 */
import type Database from 'better-sqlite3';
import type { WriteOp, WriteResult } from '../types';
import { errorMessage } from '../errors';
import { cursorStamp, keyOf, pkWhere, toRecord, toSqlValue, TS_ALIAS, versionSql, type SqlValue } from './rows';
import { assignKey, isBlankKey, isRowidAlias } from './keys';
import { affinityOf, quoteIdent, type TableInfo } from './schema';
import { tsExpression } from './timestamps';
import type { AppClock } from './app-clock';

type Stamps = Pick<AppClock, 'create' | 'update'>;

const BUSY = (error: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown } | null)?.code ?? ''));

class OpError extends Error {
  constructor(
    readonly reason: Extract<WriteResult, { ok: false }>['reason'],
    message: string,
  ) {
    super(message);
  }
}

type Row = Record<string, unknown>;

export function writeOps(db: Database.Database, t: TableInfo, ops: WriteOp[], selectSql: string, stampsOf: () => Stamps): WriteResult[] {
  const affinities = new Map(t.columns.map((c) => [c.name, affinityOf(c.declaredType)]));
  const keyColumns = new Set(t.primaryKey);
  const name = quoteIdent(t.name);
  const where = pkWhere(t);
  const returning = `RETURNING *${t.updatedAt ? `, ${tsExpression(t.updatedAt)} AS ${TS_ALIAS}` : ''}`;
  // A trigger may change the row after the statement (an AFTER UPDATE that stamps updated_at), and
  // RETURNING reports the row before that: such a table's written rows are read back instead.
  const triggers = Number(db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?").pluck().safeIntegers(false).get(t.name)) > 0;
  // A key DEFAULT may evaluate to NULL, which only shows once the row is in: such a create runs in a SAVEPOINT.
  const keyByDefault = !isRowidAlias(t) && t.primaryKey.some((k) => t.columns.find((c) => c.name === k)?.hasDefault);

  const cache = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const select = (key: SqlValue[]): Row | undefined => prepared(`${selectSql} WHERE ${where}`).get(...key) as Row | undefined;

  const checkFields = (fields: Record<string, unknown>): [string, SqlValue][] => {
    const entries = Object.entries(fields);
    for (const [k] of entries) {
      // Field names are matched against the table's real columns, never spliced in unchecked.
      if (!affinities.has(k)) throw new OpError('invalid', `Table "${t.name}" has no column "${k}" — re-map the field or add the column.`);
    }
    // The updated-at and flag columns are Concord's to stamp; a blank key field counts as not mapped.
    return entries.map(([k, v]): [string, SqlValue] => [k, toSqlValue(v, affinities.get(k))]).filter(([k, v]) => k !== t.updatedAt && k !== t.flag && !(keyColumns.has(k) && isBlankKey(v)));
  };

  /** Why a conditional update or delete matched no row: the row is gone, or it holds another version. */
  const missed = (id: string, key: SqlValue[] | null): OpError =>
    key && select(key)
      ? new OpError('stale', `Record ${id} in table "${t.name}" changed since Concord read it; it will be re-read and compared.`)
      : new OpError('not-found', `Record ${id} no longer exists in table "${t.name}".`);

  /** The written row as the next read reports it. */
  const done = (row: Row): WriteResult => {
    const stored = triggers ? (select(t.primaryKey.map((k) => row[k] as SqlValue)) ?? row) : row;
    const rec = toRecord(t, stored);
    const stamp = cursorStamp(stored);
    return { ok: true, id: rec.id, ...(rec.version ? { version: rec.version } : {}), ...(rec.updatedAt ? { updatedAt: rec.updatedAt } : {}), ...(stamp ? { stamp } : {}) };
  };

  const create = (op: Extract<WriteOp, { op: 'create' }>, stamps: Stamps): WriteResult => {
    const entries = checkFields(op.fields);
    const key = assignKey(db, t, new Set(entries.map(([k]) => k)));
    if (!key.ok) {
      const cols = key.missing.map((k) => `"${k}"`).join(', ');
      throw new OpError('invalid', `Table "${t.name}" needs a value for its key column${key.missing.length > 1 ? 's' : ''} ${cols} to create a record, and Concord does not make up part of a compound key — map a field onto ${cols} in the pair's fields.`);
    }
    entries.push(...key.generated);
    if (t.updatedAt && stamps.create !== undefined) entries.push([t.updatedAt, stamps.create]);
    if (t.flag) entries.push([t.flag, 0n]);
    const cols = entries.map(([k]) => quoteIdent(k));
    const sql = cols.length ? `INSERT INTO ${name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ${returning}` : `INSERT INTO ${name} DEFAULT VALUES ${returning}`;
    const insert = (): Row => prepared(sql).get(...entries.map(([, v]) => v)) as Row;
    if (!keyByDefault || key.generated.length > 0 || t.primaryKey.every((k) => entries.some(([e]) => e === k))) return done(insert());
    db.exec('SAVEPOINT concord_op');
    try {
      const row = insert();
      const blank = t.primaryKey.filter((k) => row[k] === null || row[k] === undefined);
      if (blank.length > 0) throw new OpError('invalid', `Table "${t.name}" stored no value for its key column ${blank.map((k) => `"${k}"`).join(', ')} — map a field onto it or give the column a DEFAULT.`);
      db.exec('RELEASE concord_op');
      return done(row);
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK TO concord_op; RELEASE concord_op');
      throw error;
    }
  };

  const update = (op: Extract<WriteOp, { op: 'update' }>, stamps: Stamps): WriteResult => {
    const key = keyOf(t, op.id);
    if (!key) throw missed(op.id, null);
    // A key is never cleared (the row would lose its id); the next read reports the key it kept.
    const entries = checkFields(op.fields);
    if (t.updatedAt && stamps.update !== undefined) entries.push([t.updatedAt, stamps.update]);
    if (t.flag) entries.push([t.flag, 0n]);
    const check = op.ifVersion !== undefined ? ` AND ${versionSql(t)} = ?` : '';
    const params = op.ifVersion !== undefined ? [...key, op.ifVersion] : key;
    if (entries.length === 0) {
      const row = prepared(`${selectSql} WHERE ${where}${check}`).get(...params) as Row | undefined;
      if (!row) throw missed(op.id, key);
      return done(row);
    }
    const sets = entries.map(([k]) => `${quoteIdent(k)} = ?`).join(', ');
    const row = prepared(`UPDATE ${name} SET ${sets} WHERE ${where}${check} ${returning}`).get(...entries.map(([, v]) => v), ...params) as Row | undefined;
    if (!row) throw missed(op.id, key);
    return done(row);
  };

  const remove = (op: Extract<WriteOp, { op: 'delete' }>): WriteResult => {
    const key = keyOf(t, op.id);
    if (!key) throw missed(op.id, null);
    const check = op.ifVersion !== undefined ? ` AND ${versionSql(t)} = ?` : '';
    const { changes } = prepared(`DELETE FROM ${name} WHERE ${where}${check}`).run(...key, ...(op.ifVersion !== undefined ? [op.ifVersion] : []));
    if (changes === 0) throw missed(op.id, key);
    return { ok: true, id: op.id };
  };

  const failure = (op: WriteOp, error: unknown): WriteResult => {
    if (error instanceof OpError) return { ok: false, reason: error.reason, error: error.message };
    if (BUSY(error)) return { ok: false, reason: 'unavailable', error: errorMessage(error) };
    const constraint = String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT');
    return { ok: false, ...(constraint ? { reason: 'invalid' as const } : {}), error: `Table "${t.name}" refused the ${op.op}: ${errorMessage(error)}` };
  };

  const unavailable = (error: unknown): WriteResult[] =>
    ops.map(() => ({ ok: false, reason: 'unavailable', error: `The database is busy or locked by another program (${errorMessage(error)}) — Concord will retry.` }));

  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    if (BUSY(error)) return unavailable(error);
    throw error;
  }
  const results: WriteResult[] = [];
  try {
    const stamps = stampsOf();
    for (const op of ops) {
      try {
        results.push(op.op === 'create' ? create(op, stamps) : op.op === 'update' ? update(op, stamps) : remove(op));
      } catch (error) {
        results.push(failure(op, error));
        if (!db.inTransaction) {
          // The app's schema rolled the whole transaction back (ON CONFLICT ROLLBACK, a trigger's
          // RAISE(ROLLBACK)): the ops before this one are undone too, so they are not written.
          for (let i = 0; i < results.length - 1; i++) {
            if (results[i]?.ok) results[i] = { ok: false, reason: 'unavailable', error: `Table "${t.name}" undid this write when another write of the same batch failed (${errorMessage(error)}); Concord will retry it.` };
          }
          db.exec('BEGIN IMMEDIATE');
        }
      }
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    if (BUSY(error)) return unavailable(error);
    throw error;
  }
  return results;
}
