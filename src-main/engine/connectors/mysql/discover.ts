/**
 * MySQL / MariaDB discovery from information_schema, for the connection's database: its tables
 * and views, each table's columns with their types, its primary key in key order, and what the
 * user may do with it (the grants of the user and its enabled roles: global, database and table
 * level). Collections are named by the table's name; SQL refers to `database`.`table`.
 *
 * Left out, with the reason: views (no primary key and no row version), sequences, tables
 * without a primary key, and capture mode's change tables (capture-sql.ts).
 */
import type { LeftOutCollection } from '../../api/model';
import type { DiscoverOptions, SqlColumn, SqlResult, SqlTable } from '../sql-table/dialect';
import { fractionDigits, kindOf, valueTypeOf } from './values';
import { CHANGES_PREFIX, COMMENT_HEAD } from './capture-sql';

const UPDATED_AT_NAMES = ['updated_at', 'modified_at', 'updatedat', 'modifiedat', 'last_modified', 'lastmodified', 'date_modified', 'updated', 'modified'];
const FLAG_NAMES = ['needs_sync', 'sync_pending', 'dirty', 'is_dirty'];

export const quoteIdent = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

type Query = (sql: string, params: unknown[]) => Promise<SqlResult>;

type ColumnRow = {
  table: string;
  name: string;
  columnType: string;
  nullable: string;
  columnDefault: string | null;
  extra: string;
  generated: string | null;
};

const COLUMNS_SQL = `
SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS name, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
  COLUMN_DEFAULT AS columnDefault, EXTRA AS extra, IS_GENERATED AS \`generated\`
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND (? IS NULL OR TABLE_NAME = ?)
ORDER BY TABLE_NAME, ORDINAL_POSITION`;

/** MySQL 8 has no IS_GENERATED column (MariaDB has); EXTRA says it there. */
const COLUMNS_SQL_MYSQL = COLUMNS_SQL.replace('IS_GENERATED AS `generated`', 'NULL AS `generated`');

function pick(columns: SqlColumn[], configured: string | undefined, defaults: string[], fits: (c: SqlColumn) => boolean, fallback?: (c: SqlColumn) => boolean): string | null {
  if (configured) return columns.find((c) => c.name === configured && fits(c))?.name ?? null;
  for (const name of defaults) {
    const found = columns.find((c) => c.name.toLowerCase() === name && fits(c));
    if (found) return found.name;
  }
  return (fallback && columns.find((c) => fits(c) && fallback(c))?.name) ?? null;
}

const isTimestamp = (c: SqlColumn): boolean => ['timestamp', 'datetime', 'date'].includes(kindOf(c.dbType));
const isFlag = (c: SqlColumn): boolean => ['bool', 'int', 'bigint'].includes(kindOf(c.dbType));

/** How finely a last-modified column is stamped, when coarser than a microsecond. */
function resolutionMs(c: SqlColumn | undefined): number | undefined {
  if (!c) return undefined;
  if (kindOf(c.dbType) === 'date') return 86_400_000;
  const digits = fractionDigits(c.dbType);
  return digits >= 6 ? undefined : 10 ** (3 - digits);
}

/** The connecting user's privileges (global, on the database, per table); `grantee` is `'user'@'host'`, as a GRANT names it. */
export async function privileges(query: Query, database: string): Promise<{ grantee: string; global: Set<string>; schema: Set<string>; table: Map<string, Set<string>>; known: boolean }> {
  const user = String((await query('SELECT CURRENT_USER() AS u', [])).rows[0]?.u ?? '');
  const at = user.lastIndexOf('@');
  const grantee = `'${user.slice(0, at)}'@'${user.slice(at + 1)}'`;
  const grantees = [grantee];
  try {
    for (const r of (await query('SELECT ROLE_NAME AS r FROM information_schema.ENABLED_ROLES', [])).rows) grantees.push(`'${String(r.r)}'`, `'${String(r.r)}'@'%'`);
  } catch {
    // No roles table (an old server): the user's own grants only.
  }
  const rows = (
    await query(
      `SELECT PRIVILEGE_TYPE AS p, 'global' AS scope, NULL AS tbl FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN (?)
       UNION ALL SELECT PRIVILEGE_TYPE, 'schema', NULL FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE IN (?) AND ? LIKE TABLE_SCHEMA
       UNION ALL SELECT PRIVILEGE_TYPE, 'table', TABLE_NAME FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE IN (?) AND TABLE_SCHEMA = ?`,
      [grantees, grantees, database, grantees, database],
    )
  ).rows;
  const global = new Set<string>();
  const schema = new Set<string>();
  const table = new Map<string, Set<string>>();
  for (const r of rows) {
    const p = String(r.p);
    if (r.scope === 'global') global.add(p);
    else if (r.scope === 'schema') schema.add(p);
    else table.set(String(r.tbl), (table.get(String(r.tbl)) ?? new Set<string>()).add(p));
  }
  // Only USAGE and nothing else found: grants come some way information_schema does not show (a
  // proxy user, a role not enabled by default); writes are tried and a refusal reported per record.
  const known = schema.size > 0 || table.size > 0 || [...global].some((p) => p !== 'USAGE');
  return { grantee, global, schema, table, known };
}

export async function discoverMy(query: Query, database: string, options: DiscoverOptions, only?: string): Promise<{ tables: SqlTable[]; leftOut: LeftOutCollection[] }> {
  const rels = (await query('SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND (? IS NULL OR TABLE_NAME = ?) ORDER BY TABLE_NAME', [database, only ?? null, only ?? null])).rows;
  if (rels.length === 0) return { tables: [], leftOut: [] };
  let cols: ColumnRow[];
  try {
    cols = (await query(COLUMNS_SQL, [database, only ?? null, only ?? null])).rows as ColumnRow[];
  } catch {
    cols = (await query(COLUMNS_SQL_MYSQL, [database, only ?? null, only ?? null])).rows as ColumnRow[];
  }
  const keys = (await query("SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_NAME = 'PRIMARY' AND (? IS NULL OR TABLE_NAME = ?) ORDER BY TABLE_NAME, SEQ_IN_INDEX", [database, only ?? null, only ?? null])).rows;
  // MariaDB's JSON is LONGTEXT with a json_valid(`column`) check.
  const jsonColumns = new Set<string>();
  try {
    const checks = (await query('SELECT TABLE_NAME AS t, CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?', [database])).rows;
    for (const r of checks) {
      const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(String(r.c).trim());
      if (m?.[1]) jsonColumns.add(`${String(r.t)}.${m[1].replaceAll('``', '`')}`);
    }
  } catch {
    // MySQL 8 lists checks without their table; its JSON columns say JSON in COLUMN_TYPE.
  }
  const grants = await privileges(query, database);
  const may = (tableName: string, p: string): boolean => !grants.known || grants.global.has(p) || grants.schema.has(p) || (grants.table.get(tableName)?.has(p) ?? false);

  const leftOut: LeftOutCollection[] = [];
  const tables: SqlTable[] = [];
  for (const rel of rels) {
    const name = String(rel.name);
    const type = String(rel.type);
    if (type === 'VIEW' || type === 'SYSTEM VIEW') {
      leftOut.push({ name, reason: 'it is a view, which has no primary key or row version to sync by — sync the table it reads from' });
      continue;
    }
    if (type === 'SEQUENCE') {
      leftOut.push({ name, reason: 'it is a sequence (a number generator), not a table of records' });
      continue;
    }
    if (name.startsWith(CHANGES_PREFIX) && String(rel.comment ?? '').startsWith(COMMENT_HEAD)) {
      leftOut.push({ name, reason: 'it is Concord’s own change table for capture mode, not an app’s records' });
      continue;
    }
    const pk = keys.filter((k) => k.t === name).map((k) => String(k.c));
    if (pk.length === 0) {
      leftOut.push({ name, reason: 'it has no primary key, so its rows have no stable id to link by — add a PRIMARY KEY to sync it' });
      continue;
    }
    const raw = cols.filter((c) => c.table === name);
    const columns: SqlColumn[] = raw.map((c) => {
      const dbType = jsonColumns.has(`${name}.${c.name}`) ? 'json' : c.columnType;
      const autoIncrement = /auto_increment/i.test(c.extra);
      const generated = c.generated === 'ALWAYS' || /\b(VIRTUAL|STORED|PERSISTENT)\b/i.test(c.extra.replace(/DEFAULT_GENERATED/i, ''));
      return {
        name: c.name,
        dbType,
        type: valueTypeOf(dbType),
        notNull: c.nullable === 'NO',
        hasDefault: autoIncrement || (c.columnDefault !== null && c.columnDefault !== 'NULL'),
        ...(generated ? { generated: true } : {}),
        ...(autoIncrement ? { autoIncrement: true } : {}),
      };
    });
    const onlyKey = pk.length === 1 ? columns.find((c) => c.name === pk[0]) : undefined;
    const limit = onlyKey ? /^(?:var)?char\((\d+)\)/i.exec(onlyKey.dbType)?.[1] : undefined;
    const textKeyFits = onlyKey !== undefined && !onlyKey.autoIncrement && limit !== undefined && Number(limit) >= 36;
    const updatedAt = pick(columns, options.updatedAtColumn, UPDATED_AT_NAMES, isTimestamp, (c) => /on update current_timestamp/i.test(raw.find((r) => r.name === c.name)?.extra ?? ''));
    const step = resolutionMs(columns.find((c) => c.name === updatedAt));
    tables.push({
      name,
      ref: `${quoteIdent(database)}.${quoteIdent(name)}`,
      columns,
      primaryKey: pk,
      updatedAt,
      ...(step ? { tsResolutionMs: step } : {}),
      flag: pick(columns, options.flagColumn, FLAG_NAMES, isFlag),
      access: { insert: may(name, 'INSERT'), update: may(name, 'UPDATE'), delete: may(name, 'DELETE') },
      // InnoDB keeps its AUTO_INCREMENT counter across restarts (MariaDB 10.2.4+, MySQL 8): a number is never handed out twice.
      stableIds: onlyKey?.autoIncrement === true,
      keyFromCreateKey: textKeyFits ? 'text' : null,
    });
  }
  return { tables, leftOut };
}
