/**
 * Rows ↔ records for the SQL-table base. A single-column key is its value as text; a compound key
 * is the JSON array of its values (the same ids the SQLite connector gives). A record's version is
 * the dialect's `versionSql`, read in the same statement as the row, so a conditional write
 * compares exactly what the read saw.
 */
import type { AppRecord } from '../types';
import type { SqlDialect, SqlRow, SqlTable } from './dialect';

export const VERSION_ALIAS = '__concord_version';
export const TS_ALIAS = '__concord_ts';

/** `SELECT t.*, version, ts FROM table t` — every read goes through it, so every record carries its version. */
export function selectSql(d: SqlDialect, t: SqlTable): string {
  const ts = t.updatedAt ? `, ${d.tsText(d.tsSql(t))} AS ${d.quoteIdent(TS_ALIAS)}` : '';
  return `SELECT t.*, ${d.versionSql(t)} AS ${d.quoteIdent(VERSION_ALIAS)}${ts} FROM ${t.ref} t`;
}

const columnOf = (t: SqlTable, name: string) => {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new Error(`column ${name} missing from ${t.name}`);
  return c;
};

/** Key values as JSON-safe values (ids, cursors). */
export function keyValues(d: SqlDialect, t: SqlTable, row: SqlRow): (string | number)[] {
  return t.primaryKey.map((k) => {
    const v = d.fromDb(columnOf(t, k), row[k]);
    return typeof v === 'number' ? v : String(v);
  });
}

export function idOf(d: SqlDialect, t: SqlTable, row: SqlRow): string {
  const values = keyValues(d, t, row);
  return values.length === 1 ? String(values[0]) : JSON.stringify(values);
}

/** The bound key values for an id; null when the id cannot belong to this table (a bad compound id). */
export function keyOf(d: SqlDialect, t: SqlTable, id: string): unknown[] | null {
  let parts: (string | number)[] | null = null;
  if (t.primaryKey.length === 1) parts = [id];
  else {
    try {
      const parsed: unknown = JSON.parse(id);
      if (Array.isArray(parsed) && parsed.length === t.primaryKey.length && parsed.every((v) => typeof v === 'string' || typeof v === 'number')) parts = parsed as (string | number)[];
    } catch {
      // not JSON: not an id of this table
    }
  }
  if (!parts) return null;
  const values = parts.map((v, i) => d.keyParam(columnOf(t, t.primaryKey[i] ?? ''), v));
  // A part no row of its column can hold (text for an integer key): no such record, no query.
  return values.some((v) => v === undefined) ? null : values;
}

/** Parameters numbered from `from`: the n-th placeholder of a statement. */
export const params = (d: SqlDialect, from: number, count: number): string[] => Array.from({ length: count }, (_, i) => d.param(from + i));

/** `"a" = $1 AND "b" = $2` for the key, placeholders from `from`. */
export const keyWhere = (d: SqlDialect, t: SqlTable, from: number): string => t.primaryKey.map((k, i) => `t.${d.quoteIdent(k)} = ${d.param(from + i)}`).join(' AND ');

/** `(t."a", t."b")` for keyset comparisons. */
export const keyTuple = (d: SqlDialect, t: SqlTable): string => `(${t.primaryKey.map((k) => `t.${d.quoteIdent(k)}`).join(', ')})`;

export function toRecord(d: SqlDialect, t: SqlTable, row: SqlRow): AppRecord {
  const fields: Record<string, unknown> = {};
  for (const c of t.columns) fields[c.name] = d.fromDb(c, row[c.name]);
  const version = row[VERSION_ALIAS];
  const updatedAt = row[TS_ALIAS];
  return {
    id: idOf(d, t, row),
    ...(typeof version === 'string' ? { version } : {}),
    ...(typeof updatedAt === 'string' && updatedAt !== '' ? { updatedAt } : {}),
    fields,
  };
}
