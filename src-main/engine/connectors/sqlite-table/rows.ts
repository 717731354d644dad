/**
 * Rows ↔ records: ids, versions and timestamps. A single-column key is its value as text; a
 * compound key is the JSON array of its values. Version is a content hash of the whole row
 * (it includes updated_at when the table has one): unlike a second-resolution timestamp it
 * changes on every write, so a stale `ifVersion` is always caught.
 *
 * Integers are read as exact BigInts (the connection runs with `safeIntegers`): a JS number
 * rounds anything beyond 2^53, which made two Snowflake-style ids the same record. Nothing
 * leaves the connector as a BigInt (records and cursors are JSON): an integer that fits a JS
 * number exactly becomes one, a larger one its exact decimal text, which is bound back as an
 * exact integer into a column of integer or numeric affinity.
 */
import type Database from 'better-sqlite3';
import type { AppRecord } from '../types';
import { recordHash } from '../record-hash';
import { affinityOf, quoteIdent, type Affinity, type TableInfo } from './schema';
import { reportedUpdatedAt } from './timestamps';

export const TS_ALIAS = '__concord_ts';

export type SqlValue = string | number | bigint | Buffer | null;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A JSON-safe integer: a JS number when that is exact, else its exact decimal text. */
export function jsonInteger(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

/** Decimal text of an integer SQLite can store exactly (64-bit), as a BigInt; else null. */
function integerText(text: string): bigint | null {
  if (!/^-?\d{1,19}$/.test(text)) return null;
  const n = BigInt(text);
  return n >= INT64_MIN && n <= INT64_MAX ? n : null;
}

const numericAffinity = (affinity: Affinity): boolean => affinity === 'integer' || affinity === 'numeric';

export function pkValues(table: TableInfo, row: Record<string, unknown>): SqlValue[] {
  return table.primaryKey.map((k) => row[k] as SqlValue);
}

/** Key values as they can be stored in JSON (ids, cursors): BigInts become `jsonInteger`s. */
export function jsonKey(values: SqlValue[]): (string | number | null)[] {
  return values.map((v) => (typeof v === 'bigint' ? jsonInteger(v) : Buffer.isBuffer(v) ? v.toString('base64') : v));
}

/** An integer key part is `jsonInteger`: the same id as ever up to 2^53, the exact decimal beyond. */
export function idOf(table: TableInfo, row: Record<string, unknown>): string {
  const values = pkValues(table, row).map((v) => (typeof v === 'bigint' ? jsonInteger(v) : v));
  return values.length === 1 ? String(values[0]) : JSON.stringify(values);
}

/** A key part as bound for its column: an integer's decimal text in an INTEGER key is an exact BigInt. */
export function keyParam(table: TableInfo, index: number, value: string | number | null): SqlValue {
  const column = table.columns.find((c) => c.name === table.primaryKey[index]);
  if (typeof value === 'string' && column && numericAffinity(affinityOf(column.declaredType))) return integerText(value) ?? value;
  return value;
}

/** The key values for an id; `null` when the id cannot belong to this table (bad compound id). */
export function keyOf(table: TableInfo, id: string): SqlValue[] | null {
  if (table.primaryKey.length === 1) return [keyParam(table, 0, id)];
  try {
    const parsed: unknown = JSON.parse(id);
    if (Array.isArray(parsed) && parsed.length === table.primaryKey.length && parsed.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return (parsed as (string | number)[]).map((v, i) => keyParam(table, i, v));
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

/** Only JSON-safe values leave the connector: blobs become base64 text, integers `jsonInteger`s. */
function fieldValue(value: unknown): unknown {
  if (typeof value === 'bigint') return jsonInteger(value);
  return Buffer.isBuffer(value) ? value.toString('base64') : value;
}

/**
 * A written row's `WriteResult.stamp`: its place in cursor order (`tsExpression`'s text), which a
 * later read compares with its snapshot's to leave Concord's own writes out. Only a time with
 * milliseconds qualifies: at whole seconds (epoch seconds, `datetime('now')`) the app could edit
 * the row within the same second and keep the stamp, and that edit would be missed (PITFALLS 6).
 * A time at exactly .000 is taken for a whole-second one: that write is simply read back once.
 */
export function cursorStamp(row: Record<string, unknown>): string | undefined {
  const ts = row[TS_ALIAS];
  return typeof ts === 'string' && /\.\d{3}Z$/.test(ts) && !ts.endsWith('.000Z') ? ts : undefined;
}

export function toRecord(table: TableInfo, row: Record<string, unknown>): AppRecord {
  const fields: Record<string, unknown> = {};
  for (const c of table.columns) fields[c.name] = fieldValue(row[c.name]);
  const updatedAt = table.updatedAt ? reportedUpdatedAt(row[table.updatedAt], row[TS_ALIAS], table.timeZone) : null;
  return {
    id: idOf(table, row),
    version: recordHash(fields),
    ...(updatedAt ? { updatedAt } : {}),
    fields,
  };
}

/**
 * A field value as bound for a column of the given affinity, so that what is read back equals
 * what was written. better-sqlite3 binds every JS number as a REAL, which a TEXT column stores
 * as '5.0' (and `true` as '1.0'): that differs from the base on the next read and flips on every
 * run. Whole numbers and booleans are therefore bound as INTEGERs, except into a REAL column,
 * which stores a float either way. An integer's decimal text (how an integer beyond 2^53
 * arrives) is bound as an exact INTEGER into a column of integer or numeric affinity; a TEXT or
 * untyped column keeps the text. Objects become JSON text.
 */
export function toSqlValue(value: unknown, affinity: Affinity = 'blob'): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number') return Number.isInteger(value) && affinity !== 'real' && Math.abs(value) < 2 ** 63 ? BigInt(value) : value;
  if (typeof value === 'string') return numericAffinity(affinity) ? (integerText(value.trim()) ?? value) : value;
  if (typeof value === 'bigint' || Buffer.isBuffer(value)) return value;
  return JSON.stringify(value);
}

/** The SQL function that computes a row's version inside SQLite (registered on each connection by `registerVersionFunction`). */
export const VERSION_FUNCTION = 'concord_row_version';

/**
 * Lets a statement compare a row's version in its WHERE clause (`versionSql(t) = ?`), so "write
 * only if the row still holds the version Concord read" is one conditional statement, atomic
 * with the write (a flag cleared, a row updated or deleted), instead of a SELECT, a compare in JS
 * and a second statement. Its arguments are column names and values in pairs; the result is the
 * same hash `toRecord` gives, over the same JSON-safe values.
 */
export function registerVersionFunction(db: Database.Database): void {
  db.function(VERSION_FUNCTION, { varargs: true, deterministic: true, safeIntegers: true }, (...args: unknown[]) => {
    const fields: Record<string, unknown> = {};
    for (let i = 0; i + 1 < args.length; i += 2) fields[String(args[i])] = fieldValue(args[i + 1]);
    return recordHash(fields);
  });
}

/** `concord_row_version('id', "id", 'name', "name", …)` over every column of the table, as `toRecord` hashes them. */
export function versionSql(table: TableInfo): string {
  const args = table.columns.map((c) => `'${c.name.replaceAll("'", "''")}', ${quoteIdent(c.name)}`);
  return `${VERSION_FUNCTION}(${args.join(', ')})`;
}
