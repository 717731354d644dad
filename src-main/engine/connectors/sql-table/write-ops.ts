/**
 * One write op as SQL: `plan` checks the op and builds its one statement (a create is
 * `INSERT … RETURNING`, an update `UPDATE … WHERE <key> [AND <version>] RETURNING`, a delete
 * `DELETE … WHERE <key> [AND <version>]`); `finish` turns the statement's result into the op's
 * WriteResult, asking a follow-up question only when the statement matched no row (was the row
 * gone, or did it hold another version?). Planning is separate from running so a batch can send
 * every op's statement before it waits for the first answer (`write.ts`).
 *
 * A database without RETURNING (`writeBack: 'reread'`, MySQL) gets the statement without it and a
 * SELECT of the row by key sent right behind it on the same connection (`reread`); an update's
 * row count (rows its WHERE matched) then says whether it found the row at the version given.
 *
 * The row a write returns is the row as stored: its version and updated-at are what the next read
 * reports. Concord's own writes stamp updated-at with the database's now and clear the sync flag.
 */
import { createHash } from 'node:crypto';
import type { WriteOp, WriteResult } from '../types';
import type { OpFailure, SqlDialect, SqlResult, SqlRow, SqlSession, SqlTable } from './dialect';
import { ownStampsFine } from './own-writes';
import { keyOf, keyWhere, toRecord, TS_ALIAS, VERSION_ALIAS } from './rows';

/** A failure of one op decided by Concord (not by an SQL error): it does not disturb the transaction. */
export class OpError extends Error {
  constructor(readonly failure: OpFailure) {
    super(failure.message);
  }
}

export type Statement = { sql: string; args: unknown[] };

/**
 * An op's statement, and with `writeBack: 'reread'` the SELECT that follows it at once on the same
 * connection (`reread`); `finish` gets both results.
 */
export type PlannedOp = Statement & { reread?: Statement; finish(result: SqlResult, s: SqlSession, reread?: SqlResult): Promise<WriteResult> };

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

/** The value an op writes into column `k`, if it writes one. */
const written = (values: [string, unknown][], k: string): unknown => values.find(([name]) => name === k)?.[1];

export function opPlanner(d: SqlDialect, t: SqlTable): (op: WriteOp) => PlannedOp {
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const keyColumns = new Set(t.primaryKey);
  const ts = t.updatedAt ? `, ${d.tsText(d.tsSql(t))} AS ${d.quoteIdent(TS_ALIAS)}` : '';
  const reread = d.writeBack === 'reread';
  const returning = reread ? '' : ` RETURNING t.*, ${d.versionSql(t)} AS ${d.quoteIdent(VERSION_ALIAS)}${ts}`;
  const selectByKey = `SELECT t.*, ${d.versionSql(t)} AS ${d.quoteIdent(VERSION_ALIAS)}${ts} FROM ${t.ref} t WHERE `;
  const deleteHead = d.deleteHead ? d.deleteHead(t) : `DELETE FROM ${t.ref} t`;

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
  const managed: [string, string][] = [];
  const ua = t.updatedAt ? byName.get(t.updatedAt) : undefined;
  const stamp = ua ? d.stampSql(ua) : null;
  if (ua && stamp) managed.push([ua.name, stamp]);
  const flag = t.flag ? byName.get(t.flag) : undefined;
  if (flag) managed.push([flag.name, d.flagCleared(flag)]);

  // Concord's stamp on a row it wrote, where it is fine enough to tell Concord's write from the app's next edit (`own-writes.ts`).
  const stamps = ownStampsFine(d, t);
  /** The op's result from the row as stored; `wrote`: this statement wrote the row (its stamp is Concord's, not the app's). */
  const done = (row: SqlRow, wrote: boolean): WriteResult => {
    const rec = toRecord(d, t, row);
    const stamp = stamps && wrote ? row[TS_ALIAS] : undefined;
    return {
      ok: true,
      id: rec.id,
      ...(rec.version ? { version: rec.version } : {}),
      ...(rec.updatedAt ? { updatedAt: rec.updatedAt } : {}),
      ...(typeof stamp === 'string' && stamp !== '' ? { stamp } : {}),
    };
  };
  const missed = async (s: SqlSession, id: string, key: unknown[]): Promise<never> => {
    const exists = (await s.query(`${selectByKey}${keyWhere(d, t, 1)}`, key)).rows.length > 0;
    throw exists
      ? new OpError({ reason: 'stale', message: `Record ${id} in table "${t.name}" changed since Concord read it; it will be re-read and compared.` })
      : new OpError({ reason: 'not-found', message: `Record ${id} no longer exists in table "${t.name}".` });
  };
  const notFound = (id: string) => new OpError({ reason: 'not-found', message: `Record ${id} no longer exists in table "${t.name}".` });
  const denied = (what: string, privilege: string) =>
    new OpError({ reason: 'invalid', message: `The ${d.label} user may not ${what} "${t.name}" — grant it ${privilege} on the table, or make this side read-only.` });

  const create = (op: Extract<WriteOp, { op: 'create' }>): PlannedOp => {
    if (!t.access.insert) throw denied('add rows to', 'INSERT');
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
    const cols = [...values.map(([k]) => k), ...managed.map(([k]) => k)];
    const sqlValues = [...values.map((_, i) => d.param(i + 1)), ...managed.map(([, v]) => v)];
    const valueOf = new Map(values);
    // Without RETURNING: the row is read back by the key it was given, or by the number the
    // database gave an AUTO_INCREMENT key (the connection's last insert id, read right after it).
    const numbered = t.primaryKey.length === 1 && !valueOf.has(t.primaryKey[0] ?? '') && byName.get(t.primaryKey[0] ?? '')?.autoIncrement === true;
    const back: Statement | undefined = !reread
      ? undefined
      : numbered && d.lastInsertIdSql
        ? { sql: `${selectByKey}t.${d.quoteIdent(t.primaryKey[0] ?? '')} = ${d.lastInsertIdSql}`, args: [] }
        : t.primaryKey.every((k) => valueOf.has(k))
          ? { sql: `${selectByKey}${keyWhere(d, t, 1)}`, args: t.primaryKey.map((k) => valueOf.get(k)) }
          : undefined;
    if (reread && !back) {
      throw new OpError({ reason: 'invalid', message: `Table "${t.name}" gives new rows a key Concord cannot read back — map a field onto the key column${t.primaryKey.length > 1 ? 's' : ''} ${t.primaryKey.map((k) => `"${k}"`).join(', ')}.` });
    }
    return {
      sql: `${d.insertSql(t, cols, sqlValues, derived !== null)}${returning}`,
      args: values.map(([, v]) => v),
      ...(back ? { reread: back } : {}),
      async finish(r, s, readBack) {
        const row = (readBack ?? r).rows[0];
        // Read back by a key derived from the create key, the row may be an earlier attempt's,
        // which the app may have edited since: MySQL's affected-row count (1 for a found row with
        // CLIENT_FOUND_ROWS) cannot tell, so such a create gives no stamp and is read next run.
        if (row) return done(row, !reread || derived === null);
        // Read back by its key and not there: a unique value other than the key was already taken (the INSERT kept the other row).
        if (reread) throw new OpError({ reason: 'invalid', message: `Table "${t.name}" refused the create: another record already holds one of its unique values — change one of them, or match them on that field.` });
        // ON CONFLICT DO NOTHING matched: this create ran before (the same create key), and its row is there.
        const again = (await s.query(`${selectByKey}${keyWhere(d, t, 1)}`, [derived])).rows[0];
        if (!again) throw new OpError({ reason: 'unavailable', message: `Table "${t.name}" neither took nor holds record ${String(derived)}; Concord will retry.` });
        // Written by an earlier attempt, perhaps edited by the app since: no stamp, so it is read.
        return done(again, false);
      },
    };
  };

  const update = (op: Extract<WriteOp, { op: 'update' }>): PlannedOp => {
    const key = keyOf(d, t, op.id);
    if (!key) throw notFound(op.id);
    const values = entries(op.fields);
    const version = op.ifVersion !== undefined ? ` AND ${d.versionSql(t)} = ${d.param(values.length + key.length + 1)}` : '';
    const args = [...values.map(([, v]) => v), ...key, ...(op.ifVersion !== undefined ? [op.ifVersion] : [])];
    const finishAs =
      (wrote: boolean) =>
      async (r: SqlResult, s: SqlSession): Promise<WriteResult> => {
        const row = r.rows[0];
        return row ? done(row, wrote) : missed(s, op.id, key);
      };
    const finish = finishAs(true);
    // Nothing to write: the row as it is (still holding the version, when one is given), its stamp the app's.
    if (values.length === 0) return { sql: `${selectByKey}${keyWhere(d, t, 1)}${version}`, args, finish: finishAs(false) };
    if (!t.access.update) throw denied('change rows of', 'UPDATE');
    const sets = [...values.map(([k], i) => `${d.quoteIdent(k)} = ${d.param(i + 1)}`), ...managed.map(([k, v]) => `${d.quoteIdent(k)} = ${v}`)];
    const sql = `UPDATE ${t.ref} t SET ${sets.join(', ')} WHERE ${keyWhere(d, t, values.length + 1)}${version}${returning}`;
    if (!reread) return { sql, args, finish };
    // The row count is the rows the WHERE matched (MySQL's FOUND_ROWS flag), changed or not.
    const newKey = t.primaryKey.map((k, i) => (written(values, k) ?? key[i]));
    return {
      sql,
      args,
      reread: { sql: `${selectByKey}${keyWhere(d, t, 1)}`, args: newKey },
      finish: async (r, s, again) => {
        const row = again?.rows[0];
        return r.rowCount > 0 && row ? done(row, true) : missed(s, op.id, key);
      },
    };
  };

  const remove = (op: Extract<WriteOp, { op: 'delete' }>): PlannedOp => {
    if (!t.access.delete) throw denied('delete rows of', 'DELETE');
    const key = keyOf(d, t, op.id);
    if (!key) throw notFound(op.id);
    const version = op.ifVersion !== undefined ? ` AND ${d.versionSql(t)} = ${d.param(key.length + 1)}` : '';
    return {
      sql: `${deleteHead} WHERE ${keyWhere(d, t, 1)}${version}`,
      args: [...key, ...(op.ifVersion !== undefined ? [op.ifVersion] : [])],
      finish: async (r, s) => (r.rowCount > 0 ? { ok: true, id: op.id } : missed(s, op.id, key)),
    };
  };

  return (op) => (op.op === 'create' ? create(op) : op.op === 'update' ? update(op) : remove(op));
}
