/**
 * Writes a batch in one transaction, each op inside its own SAVEPOINT: a failing op rolls back
 * only itself, the others commit together (PITFALLS 14). Concord's own writes stamp updated_at
 * with the database's clock in the column's own format (`timestamps.ts` says why, and when they
 * do not) and leave the sync flag clear, so they do not come back as changes.
 */
import type Database from 'better-sqlite3';
import type { WriteOp, WriteResult } from '../types';
import { errorMessage } from '../errors';
import { keyOf, pkWhere, toRecord, toSqlValue, type SqlValue } from './rows';
import { assignKey, isBlankKey } from './keys';
import { affinityOf, quoteIdent, type TableInfo } from './schema';
import { stampsFor, type Stamps } from './timestamps';

const BUSY = (error: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown } | null)?.code ?? ''));

class OpError extends Error {
  constructor(
    readonly reason: Extract<WriteResult, { ok: false }>['reason'],
    message: string,
  ) {
    super(message);
  }
}

export function writeOps(db: Database.Database, t: TableInfo, ops: WriteOp[], selectSql: string): WriteResult[] {
  const affinities = new Map(t.columns.map((c) => [c.name, affinityOf(c.declaredType)]));
  const keyColumns = new Set(t.primaryKey);
  const name = quoteIdent(t.name);
  const select = db.prepare(`${selectSql} WHERE ${pkWhere(t)}`);

  const checkFields = (fields: Record<string, unknown>): [string, SqlValue][] => {
    const entries = Object.entries(fields);
    for (const [k] of entries) {
      // Field names are matched against the table's real columns, never spliced in unchecked.
      if (!affinities.has(k)) throw new OpError('invalid', `Table "${t.name}" has no column "${k}" — re-map the field or add the column.`);
    }
    return entries.map(([k, v]) => [k, toSqlValue(v, affinities.get(k))]);
  };

  const current = (id: string): { key: SqlValue[]; row: Record<string, unknown> } => {
    const key = keyOf(t, id);
    const row = key ? (select.get(...key) as Record<string, unknown> | undefined) : undefined;
    if (!key || !row) throw new OpError('not-found', `Record ${id} no longer exists in table "${t.name}".`);
    return { key, row };
  };

  const checkVersion = (id: string, row: Record<string, unknown>, ifVersion: string | undefined): void => {
    if (ifVersion !== undefined && toRecord(t, row).version !== ifVersion) {
      throw new OpError('stale', `Record ${id} in table "${t.name}" changed since Concord read it; it will be re-read and compared.`);
    }
  };

  const apply = (op: WriteOp, stamps: Stamps): WriteResult => {
    const stamp: string[] = [];
    if (t.updatedAt && stamps.update) stamp.push(`${quoteIdent(t.updatedAt)} = ${stamps.update}`);
    if (t.flag) stamp.push(`${quoteIdent(t.flag)} = 0`);
    if (op.op === 'create') {
      // A blank key field counts as not mapped: it is assigned like a missing one, never stored as NULL or ''.
      const entries = checkFields(op.fields).filter(([k, v]) => k !== t.updatedAt && k !== t.flag && !(keyColumns.has(k) && isBlankKey(v)));
      const key = assignKey(db, t, new Set(entries.map(([k]) => k)));
      if (!key.ok) {
        const cols = key.missing.map((k) => `"${k}"`).join(', ');
        throw new OpError('invalid', `Table "${t.name}" needs a value for its key column${key.missing.length > 1 ? 's' : ''} ${cols} to create a record, and Concord does not make up part of a compound key — map a field onto ${cols} in the pair's fields.`);
      }
      entries.push(...key.generated);
      const cols = entries.map(([k]) => quoteIdent(k));
      const vals = entries.map(() => '?');
      if (t.updatedAt && stamps.create) {
        cols.push(quoteIdent(t.updatedAt));
        vals.push(stamps.create);
      }
      if (t.flag) {
        cols.push(quoteIdent(t.flag));
        vals.push('0');
      }
      const sql = cols.length ? `INSERT INTO ${name} (${cols.join(', ')}) VALUES (${vals.join(', ')}) RETURNING *` : `INSERT INTO ${name} DEFAULT VALUES RETURNING *`;
      const row = db.prepare(sql).get(...entries.map(([, v]) => v)) as Record<string, unknown>;
      const blank = t.primaryKey.filter((k) => row[k] === null || row[k] === undefined);
      // Belt and braces (e.g. a key DEFAULT that evaluates to NULL): this op's savepoint rolls the row back.
      if (blank.length > 0) throw new OpError('invalid', `Table "${t.name}" stored no value for its key column ${blank.map((k) => `"${k}"`).join(', ')} — map a field onto it or give the column a DEFAULT.`);
      return done(row);
    }
    const { key, row } = current(op.id);
    checkVersion(op.id, row, op.ifVersion);
    if (op.op === 'delete') {
      db.prepare(`DELETE FROM ${name} WHERE ${pkWhere(t)}`).run(...key);
      return { ok: true, id: op.id };
    }
    // A key is never cleared (the row would lose its id); the next read reports the key it kept.
    const entries = checkFields(op.fields).filter(([k, v]) => k !== t.updatedAt && k !== t.flag && !(keyColumns.has(k) && isBlankKey(v)));
    const sets = [...entries.map(([k]) => `${quoteIdent(k)} = ?`), ...stamp];
    if (sets.length === 0) return done(row);
    db.prepare(`UPDATE ${name} SET ${sets.join(', ')} WHERE ${pkWhere(t)}`).run(...entries.map(([, v]) => v), ...key);
    // Re-read through the same select so the version matches what changes() will report.
    const newKey = t.primaryKey.map((k) => (entries.find(([e]) => e === k)?.[1] ?? row[k])) as SqlValue[];
    return done(select.get(...newKey) as Record<string, unknown>);
  };

  const done = (raw: Record<string, unknown>): WriteResult => {
    const key = t.primaryKey.map((k) => raw[k] as SqlValue);
    const row = (select.get(...key) as Record<string, unknown> | undefined) ?? raw;
    const rec = toRecord(t, row);
    return { ok: true, id: rec.id, ...(rec.version ? { version: rec.version } : {}), ...(rec.updatedAt ? { updatedAt: rec.updatedAt } : {}) };
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
    const stamps = stampsFor(db, t);
    for (const op of ops) {
      db.exec('SAVEPOINT concord_op');
      try {
        results.push(apply(op, stamps));
        db.exec('RELEASE concord_op');
      } catch (error) {
        db.exec('ROLLBACK TO concord_op');
        db.exec('RELEASE concord_op');
        if (error instanceof OpError) results.push({ ok: false, reason: error.reason, error: error.message });
        else if (BUSY(error)) results.push({ ok: false, reason: 'unavailable', error: errorMessage(error) });
        else {
          const constraint = String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT');
          results.push({ ok: false, ...(constraint ? { reason: 'invalid' as const } : {}), error: `Table "${t.name}" refused the ${op.op}: ${errorMessage(error)}` });
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
