/**
 * Cursor mode's snapshot: the (timestamp, key) of every row in range, copied into an indexed TEMP
 * table that `cursor.ts` pages through. Two costs are bounded here:
 *
 * - **Work proportional to the changes, where the column allows it.** The range is a condition on
 *   `tsExpression(column)`, which no index serves and which is evaluated for every row. When the
 *   column holds date-first text (`YYYY-MM-DD…`, any time, zone or none; checked on the newest
 *   values, `rawRangeOk`), a row whose time is at or after the range's start has a raw value that
 *   sorts, as text, at or after the day before that start: an offset moves a time by less than
 *   15 hours, and a zoneless time is compared as its own wall clock. So the raw condition
 *   `column >= that day` (plus NULLs and numbers, which sort before text and are always
 *   re-checked) is a superset of the exact one, which is then applied to the rows it lets through
 *   only. With an index on the column SQLite reads just that range; without one the scan compares
 *   raw values, and skips strftime for every row outside it. What this path does not re-read on
 *   every run, unlike the general one: unreadable text that sorts before that day ('', '1.0e+20',
 *   '01/05/2024' in a column of ISO times) — a full resync or hash mode reads such rows.
 * - **No long event-loop turn.** Without an index to serve the range, the copy goes in chunks of
 *   `CHUNK` rows by rowid (by primary key in a WITHOUT ROWID table), and the caller's event loop
 *   turns between chunks (the server answers, Cancel lands). A row inserted or stamped while the
 *   chunks are taken may be missing from the snapshot: `cursor.ts` never moves the position past
 *   the app's now as of before the first chunk, so the next run reads it.
 */
import type Database from 'better-sqlite3';
import type { SqlValue } from './rows';
import { quoteIdent, type TableInfo } from './schema';
import { formatOf, sampleColumn, tsExpression } from './timestamps';

/** Rows copied per synchronous statement: a few tens of milliseconds on a slow machine. */
export const CHUNK = 20_000;

/** `tsExpression`'s own form ('YYYY-MM-DDTHH:MM:SS.sssZ'): such a value is its own time, and sorts as text in time order. */
const CANONICAL = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z';

/** The range in `tsExpression`'s terms: every row with `ts = ''` or `ts >= since` (or, without `since`, every row). */
export type Range = { where: string; params: unknown[]; since: string | null };

/**
 * Whether the column's raw text can prefilter the range (see the header): its newest values are
 * all date-first text, with nothing before the date that would sort it elsewhere.
 */
export function rawRangeOk(db: Database.Database, t: TableInfo): boolean {
  const { values } = sampleColumn(db, t);
  if (values.length === 0) return false;
  return values.every((v) => typeof v.raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v.raw) && formatOf(v.raw)?.kind === 'text');
}

/** The day before `since` as text, or null when the year is not four digits (compared as text it would not sort). */
function dayBefore(since: string): string | null {
  const ms = Date.parse(since);
  if (!Number.isFinite(ms)) return null;
  const day = new Date(ms - 86_400_000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null;
}

/** Whether some index of the table starts with the column, so a range on it is read through the index. */
function indexedOn(db: Database.Database, t: TableInfo, column: string): boolean {
  const indexes = db.prepare('SELECT name FROM pragma_index_list(?)').pluck().safeIntegers(false).all(t.name) as string[];
  return indexes.some((name) => db.prepare('SELECT name FROM pragma_index_info(?) WHERE seqno = 0').pluck().safeIntegers(false).get(name) === column);
}

/**
 * Fills `scan` (created by the caller with columns `ts, k0…`) with the rows of `range`, and
 * resolves once done; `pause` is awaited between chunks. `guard` maps lock errors.
 */
export async function fillSnapshot(
  db: Database.Database,
  t: TableInfo,
  scan: string,
  range: Range,
  guard: <T>(fn: () => T) => T,
  pause: () => Promise<void>,
): Promise<void> {
  const column = t.updatedAt;
  if (!column) return;
  const q = quoteIdent(column);
  const keyCols = t.primaryKey.map((name, i) => `${quoteIdent(name)} AS k${i}`).join(', ');
  const from = range.since === null ? null : dayBefore(range.since);
  const raw = from !== null && guard(() => rawRangeOk(db, t));
  // NULL and numbers sort before any text; their `tsExpression` decides, as for every row let through.
  // Within the margin day only values in another form than `tsExpression`'s own need it evaluated:
  // a canonical value at or after `since` sorts at or after it as text.
  const prefilter = raw ? `((${q} >= ? AND (${q} >= ? OR ${q} NOT GLOB '${CANONICAL}')) OR ${q} IS NULL OR ${q} < '')` : '1';
  const prefilterParams = raw ? [from, range.since] : [];
  const insert = (chunk: string, chunkParams: unknown[]): void => {
    const sql = `INSERT INTO temp.${quoteIdent(scan)} SELECT * FROM (SELECT ${tsExpression(column)} AS ts, ${keyCols} FROM main.${quoteIdent(t.name)} WHERE ${chunk} AND ${prefilter}) WHERE ${range.where}`;
    guard(() => db.prepare(sql).run(...chunkParams, ...prefilterParams, ...range.params));
  };
  if (raw && guard(() => indexedOn(db, t, column))) {
    // The index serves the raw range: one statement over the rows in range only.
    insert('1', []);
    return;
  }
  // A rowid table is chunked by rowid (its table order, unless a column shadows the name).
  const names = new Set(t.columns.map((c) => c.name.toLowerCase()));
  const chunkKey = !t.withoutRowid && !names.has('rowid') ? ['rowid'] : t.primaryKey.map(quoteIdent);
  const tuple = `(${chunkKey.join(', ')})`;
  const marks = chunkKey.map(() => '?').join(', ');
  const table = `main.${quoteIdent(t.name)}`;
  const firstEnd = db.prepare(`SELECT ${chunkKey.join(', ')} FROM ${table} ORDER BY ${chunkKey.join(', ')} LIMIT 1 OFFSET ${CHUNK - 1}`).raw();
  const nextEnd = db.prepare(`SELECT ${chunkKey.join(', ')} FROM ${table} WHERE ${tuple} > (${marks}) ORDER BY ${chunkKey.join(', ')} LIMIT 1 OFFSET ${CHUNK - 1}`).raw();
  let start: SqlValue[] | null = null;
  for (;;) {
    const end = guard(() => (start === null ? firstEnd.get() : nextEnd.get(...start)) as SqlValue[] | undefined);
    const lower = start === null ? '1' : `${tuple} > (${marks})`;
    const upper = end === undefined ? '1' : `${tuple} <= (${marks})`;
    insert(`${lower} AND ${upper}`, [...(start ?? []), ...(end ?? [])]);
    if (end === undefined) return;
    start = end;
    await pause();
  }
}
