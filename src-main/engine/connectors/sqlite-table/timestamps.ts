/**
 * The last-modified column's values: how they are ordered (cursor mode), how they are reported
 * to the engine (`AppRecord.updatedAt`, which "newest wins" compares) and which format a column
 * writes them in — each in the column's own terms, never in Concord's. What "now" is for the app,
 * and how Concord stamps its own writes, is `app-clock.ts`.
 *
 * Zoneless text (local wall-clock time, `YYYY-MM-DD HH:MM:SS`) is ordered by its own text, in the
 * app's zone: every value of such a column, the cursor and the app's "now" are compared as wall
 * clock in that one zone, which needs no conversion. It is reported as UTC only when the
 * connection names the zone the app writes in (`timeZone`); without one it is reported without a
 * zone, so "newest wins" knows it cannot compare it with another app's time.
 */
import type Database from 'better-sqlite3';
import { quoteIdent, type TableInfo } from './schema';
import { wallToUtc } from './zones';

/** A time with an explicit zone, the same test `core/merge.ts` uses to decide whether two are comparable. */
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch values above this are milliseconds (as in `tsExpression`); below, seconds. */
const MS_THRESHOLD = 100_000_000_000;

/**
 * The updated-at column as ISO 8601 text with milliseconds and a 'Z', whatever it stores: epoch
 * seconds or ms, or any text SQLite's date functions read (a zone suffix is converted to UTC).
 * Comparing this expression, never the raw column, keeps epoch numbers and zoned text in
 * instant order (PITFALLS 5). Zoneless text keeps its wall-clock time (with a 'Z' that only
 * makes it the same shape; see the header). A row without a readable time (NULL, unparseable
 * text, an out-of-range number) is '' — never NULL, which no comparison matches and would hide
 * the row from every read.
 */
export function tsExpression(column: string): string {
  const q = quoteIdent(column);
  return `COALESCE(CASE WHEN typeof(${q}) IN ('integer','real') THEN strftime('%Y-%m-%dT%H:%M:%fZ', CASE WHEN ${q} > ${MS_THRESHOLD} THEN ${q} / 1000.0 ELSE ${q} END, 'unixepoch')
    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ${q}) END, '')`;
}

/**
 * `AppRecord.updatedAt` for a row: `normalized` (from `tsExpression`) when the stored value says
 * which instant it is (epoch numbers are UTC by definition, text with Z or an offset); zoneless
 * text converted from `zone` to UTC when the connection names the app's zone; else the same
 * wall-clock time without a zone, so "newest wins" sees that it cannot compare it with another
 * app's time and falls back to the master side.
 */
export function reportedUpdatedAt(raw: unknown, normalized: unknown, zone: string | null): string | null {
  if (typeof normalized !== 'string' || normalized === '') return null;
  if (typeof raw !== 'string' || ZONED.test(raw.trim())) return normalized;
  if (zone === null) return normalized.replace(/Z$/, '');
  const wall = Date.parse(normalized);
  return Number.isFinite(wall) ? new Date(wallToUtc(wall, zone)).toISOString() : normalized.replace(/Z$/, '');
}

/**
 * How a column writes its times. Text is described by its pieces: the date, then (`sep`) a time
 * to the minute, second or millisecond, then a zone suffix as the column writes it ('Z', or an
 * offset with or without a colon), or none for local wall-clock time.
 */
export type TsFormat =
  | { kind: 'epoch-s' }
  | { kind: 'epoch-ms' }
  | { kind: 'text'; sep: 'T' | ' ' | null; precision: 'minute' | 'second' | 'ms'; zone: 'Z' | 'z' | 'offset' | 'offset-compact' | null };

const ISO = /^\d{4}-\d{2}-\d{2}(?:([T ])\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** The format of one stored value, or null when it is not a time this connector can write back. */
export function formatOf(value: unknown): TsFormat | null {
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) > MS_THRESHOLD ? { kind: 'epoch-ms' } : { kind: 'epoch-s' };
  if (typeof value !== 'string') return null;
  const m = ISO.exec(value.trim());
  if (!m) return null;
  const [, sep, seconds, fraction, zone] = m;
  const suffix = zone === undefined ? null : zone === 'Z' || zone === 'z' ? zone : zone.includes(':') ? 'offset' : 'offset-compact';
  return { kind: 'text', sep: sep === 'T' || sep === ' ' ? sep : null, precision: seconds === undefined ? 'minute' : fraction === undefined ? 'second' : 'ms', zone: suffix };
}

export const isZoneless = (format: TsFormat | null): boolean => format?.kind === 'text' && format.zone === null;

/**
 * The instant `utcMs` written in `format`: epoch numbers as BigInts (exact integers), text with
 * the wall clock of `zone` (UTC when null) and, for an offset format, that zone's offset.
 */
export function formatTime(utcMs: number, format: TsFormat, offsetMs: number): string | bigint {
  if (format.kind === 'epoch-s') return BigInt(Math.floor(utcMs / 1000));
  if (format.kind === 'epoch-ms') return BigInt(Math.floor(utcMs));
  const shifted = format.zone === 'Z' || format.zone === 'z' ? 0 : offsetMs;
  const iso = new Date(utcMs + shifted).toISOString();
  if (format.sep === null) return iso.slice(0, 10);
  const time = iso.slice(11, format.precision === 'minute' ? 16 : format.precision === 'second' ? 19 : 23);
  return `${iso.slice(0, 10)}${format.sep}${time}${suffixOf(format.zone, shifted)}`;
}

function suffixOf(zone: Extract<TsFormat, { kind: 'text' }>['zone'], offsetMs: number): string {
  if (zone === null) return '';
  if (zone === 'Z' || zone === 'z') return zone;
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${offsetMs < 0 ? '-' : '+'}${hh}${zone === 'offset' ? ':' : ''}${mm}`;
}

const SAMPLE = 25;

export type ColumnSample = {
  /** The column's format: the most common among its most recent values, the newest on a tie. */
  format: TsFormat | null;
  /** Those values with their `tsExpression` text, newest row first. */
  values: { raw: unknown; ts: string }[];
};

/**
 * The column's most recent values (by primary key, which an index serves) and their format: the
 * most common format among them, so a few values of another format (an older Concord's stamps)
 * do not change it. A null format when no value shows one.
 */
export function sampleColumn(db: Database.Database, t: TableInfo): ColumnSample {
  if (!t.updatedAt) return { format: null, values: [] };
  const q = quoteIdent(t.updatedAt);
  const order = t.primaryKey.map((k) => `${quoteIdent(k)} DESC`).join(', ');
  const values = db.prepare(`SELECT ${q} AS raw, ${tsExpression(t.updatedAt)} AS ts FROM ${quoteIdent(t.name)} WHERE ${q} IS NOT NULL ORDER BY ${order} LIMIT ${SAMPLE}`).all() as { raw: unknown; ts: string }[];
  const counts = new Map<string, { format: TsFormat; n: number }>();
  for (const v of values) {
    const format = formatOf(v.raw);
    if (!format) continue;
    const key = JSON.stringify(format);
    const entry = counts.get(key) ?? { format, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  let best: { format: TsFormat; n: number } | null = null;
  for (const entry of counts.values()) if (!best || entry.n > best.n) best = entry;
  return { format: best?.format ?? null, values };
}
