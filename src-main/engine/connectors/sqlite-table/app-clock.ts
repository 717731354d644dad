/**
 * The app's own "now", and the stamps Concord writes into the last-modified column.
 *
 * A cursor must never move past the app's now (PITFALLS 5): the app's next edit is stamped by its
 * clock, so a cursor ahead of that clock skips it. Rows stamped later than the app's now (a clock
 * set wrong, a typo, a local time read in the wrong zone) are read but never move the cursor
 * (`cursor.ts`). What "now" is, in order of trust:
 * 1. the column's own DEFAULT, when it is a clock (`DEFAULT (strftime(…, 'now'))`,
 *    CURRENT_TIMESTAMP): the app's clock as the app itself writes it — its format, its zone, and
 *    its skew, if its clock is behind — evaluated by the database;
 * 2. else the database's clock (this machine's, which the app of a local SQLite file shares) in
 *    the app's zone: the connection's `timeZone`, else UTC.
 *
 * Why Concord stamps updated_at at all: the column is the app's record of "this row changed".
 * Anything else that reads the table by it — a second pair on the same table (A ↔ B ↔ C, where
 * the B ↔ C pair's cursor must see what A ↔ B wrote into B), the app's own "recently changed"
 * views, exports and backups — would otherwise never see Concord's write. Concord's own reads skip
 * the echo anyway (a record equal to its base is no change, PITFALLS 2). A stamp is the app's now,
 * in the format the column already holds, so the column never ends up with two formats and a
 * stamp never sorts ahead of the app's own next edit.
 *
 * One case stays careful: zoneless local times, no zone on the connection and no clock DEFAULT.
 * Concord cannot know the app's zone there, and a UTC "now" would sort hours ahead of an app
 * west of Greenwich, so the cursor would jump past its next edits. An update then leaves the
 * column as the app last set it, and a create takes the newest time the app itself wrote (the
 * app's latest commit time as it reports it), never a guess ahead of it.
 */
import type Database from 'better-sqlite3';
import type { SqlValue } from './rows';
import type { TableInfo } from './schema';
import { formatOf, formatTime, isZoneless, sampleColumn, tsExpression, type TsFormat } from './timestamps';
import { offsetAt, wallClock } from './zones';

export type AppClock = {
  /** The app's now in `tsExpression`'s terms: the cursor never moves past it; rows after it are future-stamped. */
  horizon: string;
  /** Concord's stamp on a create; undefined leaves the column to its DEFAULT. */
  create: SqlValue | undefined;
  /** Concord's stamp on an update; undefined leaves the column as the app set it. */
  update: SqlValue | undefined;
};

/** A DEFAULT that reads a clock, as opposed to a constant ('1970-01-01', 0). */
const CLOCK_DEFAULT = /'now'|current_(timestamp|date|time)|unixepoch\s*\(\s*\)/i;

const same = (a: TsFormat | null, b: TsFormat | null): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The value of the column's DEFAULT now, when it is a clock in the column's own format. */
function defaultClock(db: Database.Database, t: TableInfo, format: TsFormat | null): SqlValue | null {
  const sql = t.columns.find((c) => c.name === t.updatedAt)?.defaultSql;
  if (!sql || !CLOCK_DEFAULT.test(sql)) return null;
  try {
    // The expression comes from the app's own schema; SQLite runs it on every insert anyway.
    const value = db.prepare(`SELECT (${sql})`).pluck().get() as SqlValue;
    const own = formatOf(value);
    return own && (format === null || same(own, format)) ? value : null;
  } catch {
    return null;
  }
}

/** The app's now and Concord's stamps for table `t`, read fresh (one indexed query of a few rows). */
export function appClock(db: Database.Database, t: TableInfo, nowMs = Date.now()): AppClock {
  const iso = new Date(nowMs).toISOString();
  if (!t.updatedAt) return { horizon: iso, create: undefined, update: undefined };
  const sample = sampleColumn(db, t);
  const format = sample.format ?? (t.updatedAtNumeric ? ({ kind: 'epoch-s' } satisfies TsFormat) : null);
  const fromDefault = defaultClock(db, t, format);
  if (fromDefault !== null) {
    const horizon = db.prepare(`SELECT ${tsExpression('v')} FROM (SELECT ? AS v)`).pluck().get(fromDefault) as string;
    return { horizon: horizon || iso, create: undefined, update: fromDefault };
  }
  const hasDefault = t.columns.find((c) => c.name === t.updatedAt)?.hasDefault ?? false;
  if (!format) {
    // No value shows the format yet (an empty table, or times this connector cannot read): ISO 8601 UTC, which says its zone.
    return { horizon: iso, create: hasDefault ? undefined : iso, update: iso };
  }
  const zone = t.timeZone ?? 'UTC';
  const stamp = formatTime(nowMs, format, offsetAt(nowMs, zone));
  if (!isZoneless(format)) return { horizon: iso, create: stamp, update: stamp };
  const horizon = new Date(wallClock(nowMs, zone)).toISOString();
  if (t.timeZone !== null) return { horizon, create: stamp, update: stamp };
  // Zoneless, zone unknown (see the header): never a stamp ahead of the app's own latest time.
  const latest = sample.values.filter((v) => v.ts !== '' && v.ts <= horizon && same(formatOf(v.raw), format)).sort((a, b) => (a.ts < b.ts ? 1 : -1))[0];
  return { horizon, create: hasDefault ? undefined : ((latest?.raw as SqlValue | undefined) ?? stamp), update: undefined };
}
