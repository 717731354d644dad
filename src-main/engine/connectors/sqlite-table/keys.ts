/**
 * The primary key of a row Concord creates. A create must never store a NULL key: SQLite allows
 * one in any key but a rowid alias, every such row would get the id "null", and a later write to
 * "null" would land on whichever row the engine linked first (another record overwritten).
 *
 * What a user would expect, in order:
 * - the pair maps a field onto the key column(s): that value is the key;
 * - an INTEGER PRIMARY KEY of a rowid table: SQLite numbers the row itself, as the app would;
 * - a key column with its own DEFAULT (e.g. a random id expression): the app's default applies;
 * - a single numeric key (`id INT PRIMARY KEY`, which is not a rowid alias): the next number
 *   after the highest one, race-free because writes run inside BEGIN IMMEDIATE;
 * - a single text (or untyped) key: a new UUID, as the CSV connector does for its id column;
 * - a compound key: its parts usually mean something (an org and a code), so Concord never makes
 *   one up; the create is refused and the message names the key columns to map.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { SqlValue } from './rows';
import { affinityOf, quoteIdent, type TableInfo } from './schema';

export type KeyAssignment = { ok: true; generated: [string, SqlValue][] } | { ok: false; missing: string[] };

/** A key value that cannot identify a row: SQL NULL, or empty text (an unmapped or blank field). */
export const isBlankKey = (value: SqlValue): boolean => value === null || value === '';

/** Whether SQLite fills this table's key in by itself (rowid alias). */
export function isRowidAlias(t: TableInfo): boolean {
  const [only, ...rest] = t.primaryKey;
  const column = t.columns.find((c) => c.name === only);
  return rest.length === 0 && !t.withoutRowid && column?.declaredType.trim().toUpperCase() === 'INTEGER';
}

/** Key values to add to a create whose mapped fields supply the key columns in `supplied` only. */
export function assignKey(db: Database.Database, t: TableInfo, supplied: ReadonlySet<string>): KeyAssignment {
  const missing = t.primaryKey.filter((k) => !supplied.has(k) && !t.columns.find((c) => c.name === k)?.hasDefault);
  if (missing.length === 0 || isRowidAlias(t)) return { ok: true, generated: [] };
  const [column] = missing;
  if (t.primaryKey.length > 1 || column === undefined) return { ok: false, missing };
  const affinity = affinityOf(t.columns.find((c) => c.name === column)?.declaredType ?? '');
  if (affinity === 'text' || affinity === 'blob') return { ok: true, generated: [[column, randomUUID()]] };
  const q = quoteIdent(column);
  const next = db
    .prepare(`SELECT COALESCE(CAST(max(${q}) AS INTEGER), 0) + 1 FROM ${quoteIdent(t.name)} WHERE typeof(${q}) IN ('integer', 'real')`)
    .pluck()
    .safeIntegers(true)
    .get() as bigint;
  return { ok: true, generated: [[column, next]] };
}
