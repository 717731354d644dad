/**
 * PostgreSQL discovery from the system catalogs: every table and view the user can see (outside
 * PostgreSQL's own schemas), its columns with their types, its primary key in key order, and what
 * the user may do with it (privileges). Collections are named `schema.table`.
 *
 * Left out, with the reason: views, materialized views and foreign tables (no primary key and no
 * row version), tables without a primary key, and tables the user may not read. Partitions are
 * not listed: their partitioned parent is the table users sync.
 */
import type { LeftOutCollection } from '../../api/model';
import type { DiscoverOptions, SqlColumn, SqlResult, SqlTable } from '../sql-table/dialect';
import { kindOf, valueTypeOf } from './values';

const UPDATED_AT_NAMES = ['updated_at', 'modified_at', 'updatedat', 'modifiedat', 'last_modified', 'lastmodified', 'date_modified', 'updated', 'modified'];
const FLAG_NAMES = ['needs_sync', 'sync_pending', 'dirty', 'is_dirty'];

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

const TABLES_SQL = `
SELECT c.oid::int8 AS oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind,
  has_table_privilege(c.oid, 'SELECT') AS can_select,
  has_table_privilege(c.oid, 'INSERT') AS can_insert,
  has_table_privilege(c.oid, 'UPDATE') AS can_update,
  has_table_privilege(c.oid, 'DELETE') AS can_delete,
  (SELECT array_agg(a.attname::text ORDER BY k.ord)
     FROM pg_index i
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND has_schema_privilege(n.oid, 'USAGE')
  AND ($1::text IS NULL OR n.nspname || '.' || c.relname = $1)
ORDER BY n.nspname, c.relname`;

const COLUMNS_SQL = `
SELECT a.attrelid::int8 AS oid, a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type,
  a.attnotnull AS not_null, (a.atthasdef OR a.attidentity <> '') AS has_default,
  a.attgenerated <> '' AS generated, a.attidentity <> '' AS identity, a.attidentity = 'a' AS always,
  coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS default_sql
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

type TableRow = { oid: string; schema: string; name: string; kind: string; can_select: boolean; can_insert: boolean; can_update: boolean; can_delete: boolean; pk: string[] | null };
type ColumnRow = { oid: string; name: string; type: string; not_null: boolean; has_default: boolean; generated: boolean; identity: boolean; always: boolean; default_sql: string };

const KIND_REASON: Record<string, string> = {
  v: 'it is a view, which has no primary key or row version to sync by — sync the table it reads from',
  m: 'it is a materialized view, which PostgreSQL recomputes as a whole — sync the table it reads from',
  f: 'it is a foreign table, whose rows live on another server — sync that server’s table instead',
};

function pick(columns: SqlColumn[], configured: string | undefined, defaults: string[], fits: (c: SqlColumn) => boolean): string | null {
  if (configured) return columns.find((c) => c.name === configured && fits(c))?.name ?? null;
  for (const name of defaults) {
    const found = columns.find((c) => c.name.toLowerCase() === name && fits(c));
    if (found) return found.name;
  }
  return null;
}

const isTimestamp = (c: SqlColumn): boolean => ['timestamptz', 'timestamp', 'date'].includes(kindOf(c.dbType)) && !c.dbType.endsWith('[]');
const isFlag = (c: SqlColumn): boolean => ['bool', 'int', 'bigint'].includes(kindOf(c.dbType)) && !c.dbType.endsWith('[]');

/**
 * How finely a last-modified column is stamped, when coarser than a microsecond: a `date` keeps
 * days, `timestamp(p)` / `timestamptz(p)` with p < 6 fractional digits (`format_type` names p).
 */
function resolutionMs(c: SqlColumn | undefined): number | undefined {
  if (!c) return undefined;
  if (kindOf(c.dbType) === 'date') return 86_400_000;
  const p = /^timestamp\((\d)\)/.exec(c.dbType)?.[1];
  return p === undefined || Number(p) >= 6 ? undefined : 10 ** (3 - Number(p));
}

export async function discoverPg(query: (sql: string, params: unknown[]) => Promise<SqlResult>, options: DiscoverOptions, only?: string): Promise<{ tables: SqlTable[]; leftOut: LeftOutCollection[] }> {
  const rels = (await query(TABLES_SQL, [only ?? null])).rows as TableRow[];
  const leftOut: LeftOutCollection[] = [];
  const candidates: TableRow[] = [];
  for (const r of rels) {
    const name = `${r.schema}.${r.name}`;
    const kindReason = KIND_REASON[r.kind];
    if (kindReason) leftOut.push({ name, reason: kindReason });
    else if (r.kind === 'r' && r.name.startsWith('concord_changes_')) leftOut.push({ name, reason: 'it is Concord’s own change table for capture mode, not an app’s records' });
    else if (!r.can_select) leftOut.push({ name, reason: `this user may not read it — ask the database owner to GRANT SELECT ON ${quoteIdent(r.schema)}.${quoteIdent(r.name)}` });
    else if (!r.pk || r.pk.length === 0) leftOut.push({ name, reason: 'it has no primary key, so its rows have no stable id to link by — add a PRIMARY KEY to sync it' });
    else candidates.push(r);
  }
  const cols = candidates.length > 0 ? ((await query(COLUMNS_SQL, [candidates.map((c) => c.oid)])).rows as ColumnRow[]) : [];
  const byTable = new Map<string, ColumnRow[]>();
  for (const c of cols) byTable.set(c.oid, [...(byTable.get(c.oid) ?? []), c]);
  const tables = candidates.map((r): SqlTable => {
    const raw = byTable.get(r.oid) ?? [];
    const columns: SqlColumn[] = raw.map((c) => ({
      name: c.name,
      dbType: c.type,
      type: valueTypeOf(c.type),
      notNull: c.not_null,
      hasDefault: c.has_default,
      // GENERATED ALWAYS (computed, or an identity the database numbers itself) is never written.
      ...(c.generated || c.always ? { generated: true } : {}),
    }));
    const pk = r.pk ?? [];
    const only = pk.length === 1 ? raw.find((c) => c.name === pk[0]) : undefined;
    // Identity and serial keys come from a sequence, which never hands out a number twice.
    const stableIds = only !== undefined && (only.identity || /^nextval\(/.test(only.default_sql));
    const onlyKind = only ? kindOf(only.type) : null;
    // A text key takes a derived id when it holds 36 characters, unpadded (not `character(n)`).
    const limit = only ? /\((\d+)\)/.exec(only.type)?.[1] : undefined;
    const textKeyFits = only !== undefined && onlyKind === 'text' && !/^character(\(|$)/.test(only.type) && (limit === undefined || Number(limit) >= 36);
    const updatedAt = pick(columns, options.updatedAtColumn, UPDATED_AT_NAMES, isTimestamp);
    const step = resolutionMs(columns.find((c) => c.name === updatedAt));
    return {
      name: `${r.schema}.${r.name}`,
      ref: `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`,
      columns,
      primaryKey: pk,
      updatedAt,
      ...(step ? { tsResolutionMs: step } : {}),
      flag: pick(columns, options.flagColumn, FLAG_NAMES, isFlag),
      access: { insert: r.can_insert, update: r.can_update, delete: r.can_delete },
      stableIds,
      keyFromCreateKey: onlyKind === 'uuid' ? 'uuid' : textKeyFits && !only?.identity ? 'text' : null,
    };
  });
  return { tables, leftOut };
}
