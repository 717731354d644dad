/**
 * Batched writes for the SQL-table base: one transaction per batch, one statement per op (a
 * create is `INSERT … RETURNING`, an update `UPDATE … WHERE <key> [AND <version>] RETURNING`, a
 * delete `DELETE … WHERE <key> [AND <version>]`), one result per op, never all-or-nothing
 * (PITFALLS 14).
 *
 * In PostgreSQL (and MySQL's strict mode) a failing statement aborts the whole transaction, and a
 * SAVEPOINT around every op costs two more round trips each. So a batch first runs without
 * savepoints; when an op fails, the transaction is rolled back (nothing of it was written), that op
 * gets its failure, and the batch runs again with a savepoint around each op, so every other op is
 * written whatever else fails. A clean batch — the usual case — costs one round trip per op plus
 * BEGIN and COMMIT.
 *
 * A stale version or a vanished row is not an error in SQL (the statement matches no row), so it
 * never triggers the second pass. The row a write returns is the row as stored: its version and
 * updated-at are what the next read reports.
 */
import { createHash } from 'node:crypto';
import type { WriteOp, WriteResult } from '../types';
import { ConnectorError, errorMessage } from '../errors';
import type { OpFailure, SqlDialect, SqlLease, SqlRow, SqlTable } from './dialect';
import { keyOf, keyWhere, toRecord, TS_ALIAS, VERSION_ALIAS } from './rows';
import { checkAbort } from './read';

class OpError extends Error {
  constructor(readonly failure: OpFailure) {
    super(failure.message);
  }
}

/**
 * The id a create gets from Concord's create key when the table's key is a text or uuid column the
 * pair does not map: the same key always gives the same id, so a create repeated after a crash
 * finds the row its first attempt wrote (`ON CONFLICT DO NOTHING`) instead of adding a second one.
 */
export function idFromCreateKey(key: string): string {
  const h = createHash('sha256').update(`concord-create:${key}`).digest('hex');
  // Shaped as a version-4 UUID (variant bits set), so a uuid column takes it.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function returningSql(d: SqlDialect, t: SqlTable): string {
  const ts = t.updatedAt ? `, ${d.tsText(d.tsSql(t))} AS ${d.quoteIdent(TS_ALIAS)}` : '';
  return `RETURNING t.*, ${d.versionSql(t)} AS ${d.quoteIdent(VERSION_ALIAS)}${ts}`;
}

export async function writeBatch(d: SqlDialect, t: SqlTable, ops: WriteOp[], signal?: AbortSignal): Promise<WriteResult[]> {
  checkAbort(signal);
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const keyColumns = new Set(t.primaryKey);
  const returning = returningSql(d, t);
  const selectByKey = `SELECT t.*, ${d.versionSql(t)} AS ${d.quoteIdent(VERSION_ALIAS)}${t.updatedAt ? `, ${d.tsText(d.tsSql(t))} AS ${d.quoteIdent(TS_ALIAS)}` : ''} FROM ${t.ref} t WHERE `;

  /** Field entries to write: real, writable columns only; updated-at and the flag are Concord's to set. */
  const entries = (fields: Record<string, unknown>): [string, unknown][] => {
    const out: [string, unknown][] = [];
    for (const [name, value] of Object.entries(fields)) {
      const c = byName.get(name);
      if (!c) throw new OpError({ reason: 'invalid', message: `Table "${t.name}" has no column "${name}" — re-map the field or add the column.` });
      if (name === t.updatedAt || name === t.flag || c.generated) continue;
      const v = d.toDb(c, value);
      if (keyColumns.has(name) && (v === null || v === '')) continue;
      out.push([name, v]);
    }
    return out;
  };
  /** SET / VALUES parts Concord adds itself: the database's now into updated-at, the flag cleared. */
  const managed = (): [string, string][] => {
    const out: [string, string][] = [];
    const ua = t.updatedAt ? byName.get(t.updatedAt) : undefined;
    const stamp = ua ? d.stampSql(ua) : null;
    if (ua && stamp) out.push([ua.name, stamp]);
    const flag = t.flag ? byName.get(t.flag) : undefined;
    if (flag) out.push([flag.name, d.flagCleared(flag)]);
    return out;
  };

  const done = (row: SqlRow): WriteResult => {
    const rec = toRecord(d, t, row);
    return { ok: true, id: rec.id, ...(rec.version ? { version: rec.version } : {}), ...(rec.updatedAt ? { updatedAt: rec.updatedAt } : {}) };
  };

  const missed = async (s: SqlLease, id: string, key: unknown[] | null): Promise<OpError> => {
    const exists = key && (await s.query(`${selectByKey}${keyWhere(d, t, 1)}`, key)).rows.length > 0;
    return exists
      ? new OpError({ reason: 'stale', message: `Record ${id} in table "${t.name}" changed since Concord read it; it will be re-read and compared.` })
      : new OpError({ reason: 'not-found', message: `Record ${id} no longer exists in table "${t.name}".` });
  };

  const create = async (s: SqlLease, op: Extract<WriteOp, { op: 'create' }>): Promise<WriteResult> => {
    if (!t.access.insert) throw new OpError({ reason: 'invalid', message: `The ${d.label} user may not add rows to "${t.name}" — grant it INSERT on the table, or make this side read-only.` });
    const values = entries(op.fields);
    const supplied = new Set(values.map(([k]) => k));
    const missing = t.primaryKey.filter((k) => !supplied.has(k));
    let derived: string | null = null;
    if (missing.length === 1 && t.keyFromCreateKey && missing[0] !== undefined) {
      derived = idFromCreateKey(op.key);
      values.push([missing[0], derived]);
    } else {
      const unfilled = missing.filter((k) => !byName.get(k)?.hasDefault);
      if (unfilled.length > 0) {
        const cols = unfilled.map((k) => `"${k}"`).join(', ');
        throw new OpError({ reason: 'invalid', message: `Table "${t.name}" needs a value for its key column${unfilled.length > 1 ? 's' : ''} ${cols} to create a record — map a field onto ${cols} in the pair's fields.` });
      }
    }
    const extra = managed();
    const cols = [...values.map(([k]) => k), ...extra.map(([k]) => k)];
    const sqlValues = [...values.map((_, i) => d.param(i + 1)), ...extra.map(([, v]) => v)];
    const r = await s.query(`${d.insertSql(t, cols, sqlValues, derived !== null)} ${returning}`, values.map(([, v]) => v));
    const row = r.rows[0];
    if (row) return done(row);
    // ON CONFLICT DO NOTHING matched: this create ran before (the same create key), and its row is there.
    const again = (await s.query(`${selectByKey}${keyWhere(d, t, 1)}`, [derived])).rows[0];
    if (!again) throw new OpError({ reason: 'unavailable', message: `Table "${t.name}" neither took nor holds record ${String(derived)}; Concord will retry.` });
    return done(again);
  };

  const update = async (s: SqlLease, op: Extract<WriteOp, { op: 'update' }>): Promise<WriteResult> => {
    const key = keyOf(d, t, op.id);
    if (!key) throw await missed(s, op.id, null);
    const values = entries(op.fields);
    const version = op.ifVersion !== undefined ? ` AND ${d.versionSql(t)} = ${d.param(values.length + key.length + 1)}` : '';
    const args = [...values.map(([, v]) => v), ...key, ...(op.ifVersion !== undefined ? [op.ifVersion] : [])];
    if (values.length === 0) {
      // No values: the placeholders are the key's and the version's, as numbered above.
      const row = (await s.query(`${selectByKey}${keyWhere(d, t, 1)}${version}`, args)).rows[0];
      if (!row) throw await missed(s, op.id, key);
      return done(row);
    }
    if (!t.access.update) throw new OpError({ reason: 'invalid', message: `The ${d.label} user may not change rows of "${t.name}" — grant it UPDATE on the table, or make this side read-only.` });
    const sets = [...values.map(([k], i) => `${d.quoteIdent(k)} = ${d.param(i + 1)}`), ...managed().map(([k, v]) => `${d.quoteIdent(k)} = ${v}`)];
    const row = (await s.query(`UPDATE ${t.ref} t SET ${sets.join(', ')} WHERE ${keyWhere(d, t, values.length + 1)}${version} ${returning}`, args)).rows[0];
    if (!row) throw await missed(s, op.id, key);
    return done(row);
  };

  const remove = async (s: SqlLease, op: Extract<WriteOp, { op: 'delete' }>): Promise<WriteResult> => {
    if (!t.access.delete) throw new OpError({ reason: 'invalid', message: `The ${d.label} user may not delete rows of "${t.name}" — grant it DELETE on the table, or make this side read-only.` });
    const key = keyOf(d, t, op.id);
    if (!key) throw await missed(s, op.id, null);
    const version = op.ifVersion !== undefined ? ` AND ${d.versionSql(t)} = ${d.param(key.length + 1)}` : '';
    const r = await s.query(`DELETE FROM ${t.ref} t WHERE ${keyWhere(d, t, 1)}${version}`, [...key, ...(op.ifVersion !== undefined ? [op.ifVersion] : [])]);
    if (r.rowCount === 0) throw await missed(s, op.id, key);
    return { ok: true, id: op.id };
  };

  const run = (s: SqlLease, op: WriteOp): Promise<WriteResult> => (op.op === 'create' ? create(s, op) : op.op === 'update' ? update(s, op) : remove(s, op));
  const failure = (op: WriteOp, error: unknown): WriteResult => {
    const f = error instanceof OpError ? error.failure : d.opFailure(t, op.op, error);
    return { ok: false, ...(f.reason ? { reason: f.reason } : {}), error: f.message };
  };

  let s: SqlLease;
  try {
    s = await d.lease(signal);
  } catch (error) {
    const e = d.connectorError(error);
    if (e.reason === 'unavailable') return ops.map(() => ({ ok: false, reason: 'unavailable', error: e.message }));
    throw e;
  }
  let discard = false;
  try {
    // Pass 1: no savepoints. The first op that fails in SQL undoes the transaction.
    await s.query('BEGIN');
    const results: WriteResult[] = [];
    let failedAt = -1;
    for (const [i, op] of ops.entries()) {
      checkAbort(signal);
      try {
        results.push(await run(s, op));
      } catch (error) {
        if (error instanceof OpError) {
          results.push(failure(op, error));
          continue;
        }
        if (isConnectionLoss(error)) throw error;
        failedAt = i;
        results.push(failure(op, error));
        break;
      }
    }
    if (failedAt < 0) {
      await s.query('COMMIT');
      return results;
    }
    await s.query('ROLLBACK');
    // Pass 2: every op again but the failed one, each in a savepoint of its own.
    const second: WriteResult[] = [];
    await s.query('BEGIN');
    for (const [i, op] of ops.entries()) {
      checkAbort(signal);
      if (i === failedAt) {
        second.push(results[i] ?? { ok: false, error: 'failed' });
        continue;
      }
      await s.query('SAVEPOINT concord_op');
      try {
        second.push(await run(s, op));
        await s.query('RELEASE SAVEPOINT concord_op');
      } catch (error) {
        if (isConnectionLoss(error)) throw error;
        await s.query('ROLLBACK TO SAVEPOINT concord_op');
        second.push(failure(op, error));
      }
    }
    await s.query('COMMIT');
    return second;
  } catch (error) {
    discard = true;
    await s.query('ROLLBACK').catch(() => {});
    checkAbort(signal);
    const e = error instanceof ConnectorError ? error : d.connectorError(error);
    // A lost connection or a failed COMMIT wrote nothing of the batch: every op is retried later.
    if (e.reason === 'unavailable') return ops.map(() => ({ ok: false, reason: 'unavailable', error: `${e.message} (nothing of this batch was written; Concord will retry)` }));
    throw e;
  } finally {
    s.release(discard);
  }
}

/** A network error (not an error of one statement): the whole batch is retried, never blamed on one op. */
function isConnectionLoss(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|57P0[1-3]|08\d\d\d)$/.test(code) || /Connection terminated/i.test(errorMessage(error));
}
