/**
 * Cursor mode: reads rows changed since a compound (timestamp, key) cursor, in pages.
 *
 * The timestamp is a computed UTC expression (`tsExpression`) that no index can serve, so paging
 * the table itself with LIMIT would evaluate and sort it once per page (quadratic: 100k rows in
 * pages of 500 take 15 s). Instead one pass snapshots the (timestamp, key) of every row in range
 * into an indexed TEMP table (`snapshot.ts`: through the raw column where it allows, in chunks), then pages through that index with keyset comparisons
 * `(ts, key) > (last ts, last key)` and joins each page to the live rows by key. A page boundary
 * inside a run of equal timestamps therefore neither skips nor repeats a row (PITFALLS 6), and no
 * OFFSET ever runs over a changing set (PITFALLS 10). Rows inserted after the snapshot are read by
 * the next run, from this run's cursor; rows deleted since are simply absent from their page.
 *
 * The cursor never moves past the app's own "now" (`app-clock.ts`), read right after the
 * snapshot: a row stamped later (a clock set wrong, a typo, a local time read in the wrong zone)
 * is delivered and reported as future-stamped, but the position stays on the last row at or
 * before "now", so the row is read again next time and a row the app writes later with a correct
 * clock is never skipped. A stored cursor already past "now" (an older Concord followed such a
 * row) is read as no cursor: reading everything once is safe, a cursor in the future is not.
 *
 * Rows without a readable timestamp (NULL or unparseable: '' from `tsExpression`) can never be
 * placed after a cursor, so every read includes them (they sort first); re-reading them is
 * harmless because a record equal to its base is skipped. A cursor never stores an empty or
 * unparseable timestamp: it only moves on rows that have a real one.
 */
import type Database from 'better-sqlite3';
import type { OwnWrite, OwnWrites } from '../types';
import { jsonKey, keyOf, keyParam, pkValues, pkWhere, type SqlValue } from './rows';
import { tsExpression } from './timestamps';
import { quoteIdent, type TableInfo } from './schema';
import { fillSnapshot, type Range } from './snapshot';

/**
 * Cursor mode's position: the last record's (timestamp, key) pair, compared as a compound key.
 * `ts` is always `tsExpression`'s text (with its 'Z' even for a zoneless column: the same form
 * every row's timestamp is compared in). The cursor handed to the engine is stored as JSON, so
 * there a key part is never a BigInt: an integer beyond 2^53 is its decimal text, bound back as
 * an exact integer (`keyParam`).
 */
export type TsCursor = { ts: string; key: SqlValue[]; /** The app's now when the read that left this cursor began (see `cursorPages`). */ readAt?: string };

/**
 * The stored cursor as a position this table can resume from, or null to read from the start.
 * Anything else is treated as no cursor rather than an error: an older version stored `{ ts: '' }`
 * for rows without a timestamp, which made every later run throw "Invalid time value" and wedged
 * the pair for good, and a key of another shape means the table's key changed. Reading from the
 * start once is safe (unchanged records are skipped) and stores a good cursor. So is a cursor past
 * the app's now (`horizon`), which would skip the app's next edits.
 */
export function resumePosition(t: TableInfo, value: unknown, horizon: string): TsCursor | null {
  if (typeof value !== 'object' || value === null) return null;
  const { ts, key } = value as { ts?: unknown; key?: unknown };
  if (typeof ts !== 'string' || !Array.isArray(key) || key.length !== t.primaryKey.length) return null;
  const ms = Date.parse(ts);
  if (!Number.isFinite(ms)) return null;
  const parts: (string | number | null)[] = [];
  for (const k of key as unknown[]) {
    if (k !== null && typeof k !== 'string' && typeof k !== 'number') return null;
    parts.push(k);
  }
  // The same text form `tsExpression` produces, so text comparison orders them as times.
  const at = new Date(ms).toISOString();
  if (at > horizon) return null;
  const readAt = (value as { readAt?: unknown }).readAt;
  const read = typeof readAt === 'string' && Number.isFinite(Date.parse(readAt)) ? new Date(Date.parse(readAt)).toISOString() : null;
  return { ts: at, key: parts.map((k, i) => keyParam(t, i, k)), ...(read !== null && read <= horizon ? { readAt: read } : {}) };
}

let scans = 0;

export type CursorPage = {
  rows: Record<string, unknown>[];
  position: TsCursor | null;
  /** Rows of this page stamped after the app's now: the position did not move past them. */
  future: Record<string, unknown>[];
};

/**
 * Pages of rows from `stored` (inclusive, minus `lookBackSeconds`) in (timestamp, key) order, each
 * with the cursor after it, which never passes `horizon()` (the app's now) as read before the
 * snapshot began: a row stamped while the snapshot is taken in chunks (`snapshot.ts`) may be
 * missing from it, and is read next run. Rows after the app's now as read after the snapshot are
 * reported as future-stamped. The event loop turns between snapshot chunks and between pages. The
 * caller's `guard` maps lock errors; the snapshot is dropped however the iteration ends (a
 * `return()` from a cancelled read runs the `finally`).
 */
export async function* cursorPages(
  db: Database.Database,
  t: TableInfo,
  selectSql: string,
  stored: TsCursor | null,
  lookBackSeconds: number,
  pageSize: number,
  guard: <T>(fn: () => T) => T,
  horizon: () => string,
  own?: OwnWrites,
): AsyncGenerator<CursorPage> {
  if (!t.updatedAt) return;
  // A name of its own per pass: two reads on one connection (two pairs on one table) never share one.
  const name = `concord_scan_${++scans}`;
  const ownName = `${name}_own`;
  const scan = quoteIdent(name);
  const k = t.primaryKey.map((_, i) => `k${i}`);
  const sk = k.map((c) => `s.${c}`).join(', ');
  const params = k.map(() => '?').join(', ');
  let range: Range = { where: '1', params: [], since: null };
  if (stored && lookBackSeconds > 0) {
    // The look-back catches rows committed late with an earlier stamp (a slow transaction, a
    // skewed writer): rows stamped up to `lookBackSeconds` before the previous read began. Taken
    // from the cursor's own stamp instead, a burst of rows stamped within the window (Concord's
    // own writes) would be read again on every run until newer rows arrived.
    // Rows sharing the cursor's own stamp are always read again (coarse clocks stamp many rows alike).
    const since = new Date(Math.max(Math.min(Date.parse(stored.readAt ?? stored.ts) - lookBackSeconds * 1000, Date.parse(stored.ts)), -8.64e15)).toISOString();
    range = { where: `ts = '' OR ts >= ?`, params: [since], since };
  } else if (stored) {
    range = { where: `ts = '' OR (ts, ${k.join(', ')}) >= (?, ${params})`, params: [stored.ts, ...stored.key], since: stored.ts };
  }
  try {
    // Before the snapshot: the position never moves past it (see above), and the next run's look-back counts from it.
    const began = guard(horizon);
    // Inside the try: a snapshot that fails half-way (a busy database) is dropped like any other.
    guard(() => db.exec(`CREATE TEMP TABLE ${scan} (ts TEXT NOT NULL, ${k.join(', ')})`));
    // The index exists before the rows: each chunk maintains it, instead of one sort of a million rows at the end.
    guard(() => db.exec(`CREATE INDEX temp.${quoteIdent(`${name}_order`)} ON ${scan} (ts, ${k.join(', ')})`));
    await fillSnapshot(db, t, name, range, guard, pause);
    // Concord's own writes still at their stamps leave the snapshot before it is read (see `loadOwnWrites`).
    const ownLoaded = own && range.since !== null ? await loadOwnWrites(db, t, name, ownName, own, range.since, guard) : false;
    const on = t.primaryKey.map((name, i) => `x.${quoteIdent(name)} = s.k${i}`).join(' AND ');
    const head = `SELECT x.*, s.ts AS __concord_pos FROM temp.${scan} s JOIN (${selectSql}) x ON ${on}`;
    const order = `ORDER BY s.ts, ${sk} LIMIT ?`;
    const first = db.prepare(`${head} ${order}`);
    const next = db.prepare(`${head} WHERE (s.ts, ${sk}) > (?, ${params}) ${order}`);
    // Read after the snapshot: every row in it was stamped before this, if the app's clock is right.
    const now = guard(horizon);
    const cap = began < now ? began : now;
    const ownLast = ownLoaded ? lastOwnWrite(db, t, ownName, cap, guard) : null;
    let position = stored;
    // One row past the page says whether another page follows, so the last batch is never empty.
    let rows = guard(() => first.all(pageSize + 1) as Record<string, unknown>[]);
    for (;;) {
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      const pos = last?.__concord_pos;
      // Rows come in time order: the position moves over rows up to the cap and stops before the first later one.
      const future = page.filter((r) => typeof r.__concord_pos === 'string' && r.__concord_pos > now);
      const lastNow = page.findLast((r) => typeof r.__concord_pos === 'string' && r.__concord_pos !== '' && r.__concord_pos <= cap);
      const at = lastNow?.__concord_pos;
      if (lastNow && typeof at === 'string' && at !== '') position = { ts: at, key: pkValues(t, lastNow) };
      if (rows.length <= pageSize && ownLast && (!position || ownLast.ts > position.ts)) position = ownLast;
      yield { rows: page, position: position && { ts: position.ts, key: jsonKey(position.key), readAt: began }, future };
      if (!last || rows.length <= pageSize) return;
      await pause();
      rows = guard(() => next.all(String(pos), ...pkValues(t, last), pageSize + 1) as Record<string, unknown>[]);
    }
  } finally {
    // A connection closed mid-read has dropped its TEMP tables already.
    if (db.open) db.exec(`DROP TABLE IF EXISTS temp.${scan}; DROP TABLE IF EXISTS temp.${quoteIdent(ownName)}`);
  }
}

/** Own writes read per statement while the list of them is copied next to the snapshot. */
const OWN_PAGE = 2000;

/**
 * Copies `ChangesOptions.ownWrites` from `since` (Concord's own writes, each with the stamp its
 * write returned) into a TEMP table beside the snapshot, a page at a time, then removes from the
 * snapshot every row still at its own write's stamp: the two are joined in SQLite, so nothing of
 * those rows is read into JavaScript. A row the app changed since has another stamp, so it stays
 * and is read. (Probing the list while the snapshot is filled, once per row of the app's table in
 * range, took three times as long at a million rows as this one join of two TEMP tables.)
 */
async function loadOwnWrites(db: Database.Database, t: TableInfo, scanName: string, table: string, own: OwnWrites, since: string, guard: <T>(fn: () => T) => T): Promise<boolean> {
  const k = t.primaryKey.map((_, i) => `k${i}`);
  guard(() => db.exec(`CREATE TEMP TABLE ${quoteIdent(table)} (ts TEXT NOT NULL, ${k.join(', ')}, PRIMARY KEY (ts, ${k.join(', ')})) WITHOUT ROWID`));
  const insert = db.prepare(`INSERT OR IGNORE INTO temp.${quoteIdent(table)} VALUES (?, ${k.map(() => '?').join(', ')})`);
  for (let after: OwnWrite | null = null; ; ) {
    const page = own(since, after, OWN_PAGE);
    guard(() =>
      db.transaction(() => {
        for (const w of page) {
          const key = keyOf(t, w.id);
          if (key) insert.run(w.stamp, ...key);
        }
      })(),
    );
    after = page.at(-1) ?? null;
    if (page.length < OWN_PAGE) break;
    await pause();
  }
  const same = ['o.ts = s.ts', ...k.map((c) => `o.${c} = s.${c}`)].join(' AND ');
  guard(() => db.prepare(`DELETE FROM temp.${quoteIdent(scanName)} AS s WHERE EXISTS (SELECT 1 FROM temp.${quoteIdent(table)} o WHERE ${same})`).run());
  return true;
}

/**
 * The newest own write at or before `cap` that the table still holds at its stamp, as a position:
 * the read moves its cursor over the rows it left out, or the next read would start before them
 * again. Only the newest few are tried (a row the app changed since is no longer an own write);
 * none found leaves the position where the delivered rows put it, which only costs a re-read.
 */
function lastOwnWrite(db: Database.Database, t: TableInfo, table: string, cap: string, guard: <T>(fn: () => T) => T): TsCursor | null {
  if (!t.updatedAt) return null;
  const k = t.primaryKey.map((_, i) => `k${i}`);
  const candidates = guard(() => db.prepare(`SELECT ts, ${k.join(', ')} FROM temp.${quoteIdent(table)} WHERE ts <= ? ORDER BY ts DESC, ${k.map((c) => `${c} DESC`).join(', ')} LIMIT 20`).all(cap) as Record<string, unknown>[]);
  const current = db.prepare(`SELECT ${tsExpression(t.updatedAt)} FROM main.${quoteIdent(t.name)} WHERE ${pkWhere(t)}`).pluck();
  for (const c of candidates) {
    const key = k.map((col) => c[col] as SqlValue);
    if (typeof c.ts === 'string' && guard(() => current.get(...key)) === c.ts) return { ts: c.ts, key };
  }
  return null;
}

/** One turn of the event loop: the server answers and a Cancel lands between chunks and pages. */
const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
