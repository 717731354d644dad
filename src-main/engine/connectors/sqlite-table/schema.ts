/**
 * Introspection of a SQLite file: tables with a primary key, their columns and which
 * change-detection modes each supports. Every identifier that reaches SQL comes from here
 * (names read from the file itself) and is quoted with `quoteIdent`; names a user typed are
 * only ever compared against these lists, never spliced into SQL.
 */
import type Database from 'better-sqlite3';
import type { ChangeDetection, CollectionInfo, ValueType } from '../../api/model';
import { ConnectorError } from '../errors';

export type ColumnInfo = {
  name: string;
  declaredType: string;
  notNull: boolean;
  pk: number;
  /** The column has a DEFAULT other than NULL: an INSERT that leaves it out gets the app's own value. */
  hasDefault: boolean;
  /** That DEFAULT's SQL expression as the schema declares it (`app-clock.ts` reads the app's clock from it). */
  defaultSql: string | null;
};

export type TableInfo = {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** A WITHOUT ROWID table: even an INTEGER PRIMARY KEY is an ordinary column SQLite never fills in. */
  withoutRowid: boolean;
  /** Declared AUTOINCREMENT: SQLite never gives a deleted row's id to a new row. */
  autoIncrement: boolean;
  updatedAt: string | null;
  flag: string | null;
  /** Whether updated_at holds epoch numbers (seconds or ms) rather than text. */
  updatedAtNumeric: boolean;
  /** The IANA zone the app writes local (zoneless) times in, from the connection; null when not given. */
  timeZone: string | null;
};

export type SqliteSchemaOptions = { updatedAtColumn?: string; flagColumn?: string; timeZone?: string };

const UPDATED_AT_NAMES = ['updated_at', 'modified_at', 'updatedat', 'modifiedat', 'last_modified', 'lastmodified', 'date_modified', 'updated', 'modified'];
const FLAG_NAMES = ['needs_sync', 'sync_pending', 'dirty', 'is_dirty'];

/** SQL identifiers: double quotes, embedded quotes doubled (the only escaping SQLite needs). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export type Affinity = 'integer' | 'text' | 'blob' | 'real' | 'numeric';

/** SQLite's own rules for a declared type's affinity (sqlite.org/datatype3.html, section 3.1), in their order. */
export function affinityOf(declared: string): Affinity {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('BLOB') || t.trim() === '') return 'blob';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
  return 'numeric';
}

export function valueTypeOf(declared: string): ValueType {
  const t = declared.toUpperCase();
  if (t.includes('BOOL')) return 'boolean';
  if (t.includes('INT') || t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB') || t.includes('NUM') || t.includes('DEC')) return 'number';
  if (t.includes('DATETIME') || t.includes('TIMESTAMP')) return 'datetime';
  if (t.includes('DATE')) return 'date';
  if (t.includes('JSON')) return 'json';
  return 'string';
}

function pickColumn(columns: ColumnInfo[], configured: string | undefined, defaults: string[], table: string, what: string): string | null {
  if (configured) {
    const found = columns.find((c) => c.name === configured);
    if (!found) {
      throw new ConnectorError(
        'config',
        `Table "${table}" has no column "${configured}" for the ${what} — check the column name in the connection's settings (columns: ${columns.map((c) => c.name).join(', ')}).`,
      );
    }
    return found.name;
  }
  for (const name of defaults) {
    const found = columns.find((c) => c.name.toLowerCase() === name);
    if (found) return found.name;
  }
  return null;
}

/** The tables Concord cannot sync, by name: a table without a declared primary key has no stable id. */
export function tablesWithoutKey(db: Database.Database): string[] {
  return db
    .prepare("SELECT m.name FROM sqlite_schema m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE pk > 0) ORDER BY m.name")
    .pluck()
    .safeIntegers(false)
    .all() as string[];
}

/** Metadata (flags, key positions) is read as plain numbers: the connection otherwise reads exact BigInts. */
export function readTables(db: Database.Database, options: SqliteSchemaOptions): TableInfo[] {
  const names = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .safeIntegers(false)
    .all() as string[];
  const tables: TableInfo[] = [];
  for (const name of names) {
    const raw = db.prepare('SELECT name, type, "notnull" AS not_null, pk, dflt_value FROM pragma_table_info(?)').safeIntegers(false).all(name) as {
      name: string;
      type: string;
      not_null: number;
      pk: number;
      dflt_value: string | null;
    }[];
    const columns = raw.map((c) => ({
      name: c.name,
      declaredType: c.type,
      notNull: c.not_null === 1,
      pk: c.pk,
      hasDefault: c.dflt_value !== null && c.dflt_value.toUpperCase() !== 'NULL',
      defaultSql: c.dflt_value !== null && c.dflt_value.toUpperCase() !== 'NULL' ? c.dflt_value : null,
    }));
    const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    // A table without a declared primary key has no stable id a sync could link by.
    if (primaryKey.length === 0) continue;
    // A configured column that one table lacks only matters for that table: skip the check there
    // and let `table()` report it when that table is actually used.
    const updatedAt = safePick(columns, options.updatedAtColumn, UPDATED_AT_NAMES, name, 'last-modified time');
    const flag = safePick(columns, options.flagColumn, FLAG_NAMES, name, 'sync flag');
    const declared = updatedAt ? (columns.find((c) => c.name === updatedAt)?.declaredType ?? '') : '';
    const withoutRowid = db.prepare("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?").pluck().safeIntegers(false).get(name) === 1;
    const createSql = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(name);
    const autoIncrement = typeof createSql === 'string' && /\bAUTOINCREMENT\b/i.test(createSql);
    tables.push({ name, columns, primaryKey, withoutRowid, autoIncrement, updatedAt, flag, updatedAtNumeric: valueTypeOf(declared) === 'number', timeZone: options.timeZone ?? null });
  }
  return tables;
}

function safePick(columns: ColumnInfo[], configured: string | undefined, defaults: string[], table: string, what: string): string | null {
  try {
    return pickColumn(columns, configured, defaults, table, what);
  } catch {
    return null;
  }
}

export function findTable(tables: TableInfo[], name: string, path: string): TableInfo {
  const table = tables.find((t) => t.name === name);
  if (!table) {
    const list = tables.map((t) => t.name).join(', ') || 'none';
    throw new ConnectorError('not-found', `The file ${path} has no table "${name}" with a primary key — choose one of: ${list}.`);
  }
  return table;
}

export function modesOf(table: TableInfo): ChangeDetection[] {
  const modes: ChangeDetection[] = [];
  if (table.updatedAt) modes.push('cursor');
  if (table.flag) modes.push('flag');
  modes.push('hash');
  return modes;
}

export function collectionInfo(table: TableInfo): CollectionInfo {
  return {
    name: table.name,
    fields: table.columns.map((c) => ({
      name: c.name,
      type: valueTypeOf(c.declaredType),
      nullable: !c.notNull && c.pk === 0,
      ...(c.pk > 0 ? { key: true } : {}),
      ...(c.name === table.updatedAt ? { managed: 'updated-at' as const } : c.name === table.flag ? { managed: 'sync-flag' as const } : {}),
    })),
    primaryKey: table.primaryKey,
    changeDetection: modesOf(table),
    ...(table.autoIncrement ? { stableIds: true } : {}),
  };
}
