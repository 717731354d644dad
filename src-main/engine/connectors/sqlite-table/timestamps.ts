/**
 * The last-modified column: how it is ordered (cursor mode), how it is reported to the engine
 * (`AppRecord.updatedAt`, which "newest wins" compares) and how Concord stamps it on its own
 * writes — each in the column's own terms, never in Concord's.
 *
 * Why Concord stamps updated_at at all: the column is the app's record of "this row changed".
 * Anything else that reads the table by it — a second pair on the same table (A ↔ B ↔ C, where
 * the B ↔ C pair's cursor must see what A ↔ B wrote into B), the app's own "recently changed"
 * views, exports and backups — would otherwise never see Concord's write. Concord's own reads
 * skip the echo anyway (a record equal to its base is no change, PITFALLS 2).
 *
 * A stamp is the database's clock (never ours, PITFALLS 5) written in the format the column
 * already holds, so the column never ends up with two formats. A zoneless column (local
 * wall-clock text, `YYYY-MM-DD HH:MM:SS`) is the exception: Concord cannot know the app's zone,
 * and a UTC value there would sort hours ahead of (or behind) the app's own values — the table's
 * cursor would jump past the app's next edits. So an update leaves such a column as it is, and
 * a create relies on the column's DEFAULT (the app's own clock) when it has one.
 */
import type Database from 'better-sqlite3';
import type { SqlValue } from './rows';
import { quoteIdent, type TableInfo } from './schema';

/** A time with an explicit zone, the same test `core/merge.ts` uses to decide whether two are comparable. */
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch values above this are milliseconds (as in `tsExpression`); below, seconds. */
const MS_THRESHOLD = 100_000_000_000;

/**
 * The updated-at column as ISO 8601 text with milliseconds and a 'Z', whatever it stores: epoch
 * seconds or ms, or any text SQLite's date functions read (a zone suffix is converted to UTC).
 * Comparing this expression, never the raw column, keeps epoch numbers and zoned text in
 * instant order (PITFALLS 5). Zoneless text is ordered by its own wall-clock text, as if it were
 * UTC — consistently for every value of a zoneless column, cursor included, so the order is the
 * column's own; it is never *reported* as UTC (`reportedUpdatedAt`). A row without a readable
 * time (NULL, unparseable text, an out-of-range number) is '' — never NULL, which no comparison
 * matches and would hide the row from every read.
 */
export function tsExpression(column: string): string {
  const q = quoteIdent(column);
  return `COALESCE(CASE WHEN typeof(${q}) IN ('integer','real') THEN strftime('%Y-%m-%dT%H:%M:%fZ', CASE WHEN ${q} > ${MS_THRESHOLD} THEN ${q} / 1000.0 ELSE ${q} END, 'unixepoch')
    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ${q}) END, '')`;
}

/**
 * `AppRecord.updatedAt` for a row: `normalized` (from `tsExpression`) when the stored value
 * says which instant it is (epoch numbers are UTC by definition, text with Z or an offset),
 * else the same wall-clock time without a zone, so "newest wins" sees that it cannot compare
 * it with another app's time and falls back to the master side.
 */
export function reportedUpdatedAt(raw: unknown, normalized: unknown): string | null {
  if (typeof normalized !== 'string' || normalized === '') return null;
  if (typeof raw === 'string' && !ZONED.test(raw.trim())) return normalized.replace(/Z$/, '');
  return normalized;
}

/** How a column writes its times; `strftime` patterns are built from fixed pieces only, never from data. */
export type TsFormat = { kind: 'epoch-s' } | { kind: 'epoch-ms' } | { kind: 'text'; pattern: string; zoned: boolean };

const ISO = /^\d{4}-\d{2}-\d{2}(?:([T ])\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** The format of one stored value, or null when it is not a time this connector can write back. */
export function formatOf(value: unknown): TsFormat | null {
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) > MS_THRESHOLD ? { kind: 'epoch-ms' } : { kind: 'epoch-s' };
  if (typeof value !== 'string') return null;
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const [, sep, seconds, fraction, zone] = m;
  const time = sep === undefined ? '' : `${sep}%H:%M${seconds === undefined ? '' : fraction === undefined ? ':%S' : ':%f'}`;
  const suffix = zone === undefined ? '' : /^z$/i.test(zone) ? zone : zone.includes(':') ? '+00:00' : '+0000';
  return { kind: 'text', pattern: `%Y-%m-%d${time}${suffix}`, zoned: zone !== undefined };
}

const SAMPLE = 25;

/**
 * The column's format, read from its most recent values (by primary key, which an index
 * serves): the most common format among them, the newest on a tie, so a few values of another
 * format (an older Concord's stamps) do not change it. Null when no value shows one.
 */
export function detectFormat(db: Database.Database, t: TableInfo): TsFormat | null {
  if (!t.updatedAt) return null;
  const q = quoteIdent(t.updatedAt);
  const order = t.primaryKey.map((k) => `${quoteIdent(k)} DESC`).join(', ');
  const values = db.prepare(`SELECT ${q} FROM ${quoteIdent(t.name)} WHERE ${q} IS NOT NULL ORDER BY ${order} LIMIT ${SAMPLE}`).pluck().all();
  const counts = new Map<string, { format: TsFormat; n: number }>();
  for (const v of values) {
    const format = formatOf(v);
    if (!format) continue;
    const key = JSON.stringify(format);
    const entry = counts.get(key) ?? { format, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  let best: { format: TsFormat; n: number } | null = null;
  for (const entry of counts.values()) if (!best || entry.n > best.n) best = entry;
  return best?.format ?? null;
}

/**
 * The value Concord stamps on a create and on an update, computed once per write batch (every op
 * of a batch commits at the same instant anyway); `undefined` leaves the column out (its DEFAULT
 * on a create, the app's own value on an update).
 */
export type Stamps = { create: SqlValue | undefined; update: SqlValue | undefined };

const UTC_ISO = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

export function stampsFor(db: Database.Database, t: TableInfo): Stamps {
  const sql = stampSql(db, t);
  const value = (expr: string | null): SqlValue | undefined => (expr === null ? undefined : (db.prepare(`SELECT ${expr}`).pluck().get() as SqlValue));
  return { create: value(sql.create), update: value(sql.update) };
}

function stampSql(db: Database.Database, t: TableInfo): { create: string | null; update: string | null } {
  if (!t.updatedAt) return { create: null, update: null };
  const column = t.columns.find((c) => c.name === t.updatedAt);
  const hasDefault = column?.hasDefault ?? false;
  const declared: TsFormat | null = t.updatedAtNumeric ? { kind: 'epoch-s' } : null;
  const format = detectFormat(db, t) ?? declared;
  if (!format) {
    // No value shows the format yet (an empty table, or times this connector cannot read): the
    // app's own DEFAULT for a create, else ISO 8601 UTC, which says its zone.
    return { create: hasDefault ? null : UTC_ISO, update: UTC_ISO };
  }
  if (format.kind === 'epoch-s') return { create: 'unixepoch()', update: 'unixepoch()' };
  if (format.kind === 'epoch-ms') {
    const ms = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
    return { create: ms, update: ms };
  }
  const now = `strftime('${format.pattern}', 'now')`;
  if (format.zoned) return { create: now, update: now };
  // Zoneless: no stamp on an update (see the header). A create without a DEFAULT still needs a
  // time (the column may be NOT NULL, and a row with none is re-read on every run): it gets UTC
  // in the column's format — the only clock Concord knows — which in an app that writes local
  // time is off by the app's UTC offset until the app next edits the row.
  return { create: hasDefault ? null : now, update: null };
}
