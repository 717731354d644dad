/**
 * Rows ↔ records: ids, versions and timestamps. A single-column key is its value as text; a
 * compound key is the JSON array of its values. Version is a content hash of the whole row
 * (it includes updated_at when the table has one): unlike a second-resolution timestamp it
 * changes on every write, so a stale `ifVersion` is always caught.
 */
import type { AppRecord } from '../types';
import { recordHash } from '../record-hash';
import { quoteIdent, type Affinity, type TableInfo } from './schema';

export const TS_ALIAS = '__concord_ts';

/**
 * The updated-at column as ISO 8601 UTC text with milliseconds, whatever it stores: epoch
 * seconds or ms, or any text SQLite's date functions read (a zone suffix is converted to UTC).
 * Comparing this expression, never the raw column, keeps mixed formats and zones in order
 * (PITFALLS 5). A row without a readable time (NULL, unparseable text, an out-of-range number)
 * is '' — never NULL, which no comparison matches and would hide the row from every read.
 */
export function tsExpression(column: string): string {
  const q = quoteIdent(column);
  return `COALESCE(CASE WHEN typeof(${q}) IN ('integer','real') THEN strftime('%Y-%m-%dT%H:%M:%fZ', CASE WHEN ${q} > 100000000000 THEN ${q} / 1000.0 ELSE ${q} END, 'unixepoch')
    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ${q}) END, '')`;
}

export type SqlValue = string | number | bigint | Buffer | null;

export function pkValues(table: TableInfo, row: Record<string, unknown>): SqlValue[] {
  return table.primaryKey.map((k) => row[k] as SqlValue);
}

export function idOf(table: TableInfo, row: Record<string, unknown>): string {
  const values = pkValues(table, row);
  return values.length === 1 ? String(values[0]) : JSON.stringify(values);
}

/** The key values for an id; `null` when the id cannot belong to this table (bad compound id). */
export function keyOf(table: TableInfo, id: string): SqlValue[] | null {
  if (table.primaryKey.length === 1) return [id];
  try {
    const parsed: unknown = JSON.parse(id);
    if (Array.isArray(parsed) && parsed.length === table.primaryKey.length && parsed.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return parsed as (string | number)[];
    }
  } catch {
    // not JSON: not an id of this table
  }
  return null;
}

/** `(a, b)` and `(?, ?)` for keyset comparisons on the primary key. */
export const pkList = (table: TableInfo): string => table.primaryKey.map(quoteIdent).join(', ');
export const pkParams = (table: TableInfo): string => table.primaryKey.map(() => '?').join(', ');
export const pkWhere = (table: TableInfo): string => table.primaryKey.map((k) => `${quoteIdent(k)} = ?`).join(' AND ');

/** Only JSON-safe values leave the connector: blobs become base64 text. */
function fieldValue(value: unknown): unknown {
  return Buffer.isBuffer(value) ? value.toString('base64') : value;
}

export function toRecord(table: TableInfo, row: Record<string, unknown>): AppRecord {
  const fields: Record<string, unknown> = {};
  for (const c of table.columns) fields[c.name] = fieldValue(row[c.name]);
  const ts = row[TS_ALIAS];
  return {
    id: idOf(table, row),
    version: recordHash(fields),
    ...(typeof ts === 'string' && ts !== '' ? { updatedAt: ts } : {}),
    fields,
  };
}

/**
 * A field value as bound for a column of the given affinity, so that what is read back equals
 * what was written. better-sqlite3 binds every JS number as a REAL, which a TEXT column stores
 * as '5.0' (and `true` as '1.0'): that differs from the base on the next read and flips on every
 * run. Whole numbers and booleans are therefore bound as INTEGERs, except into a REAL column,
 * which stores a float either way. Objects become JSON text.
 */
export function toSqlValue(value: unknown, affinity: Affinity = 'blob'): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number') return Number.isSafeInteger(value) && affinity !== 'real' ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'bigint' || Buffer.isBuffer(value)) return value;
  return JSON.stringify(value);
}
