/**
 * Reading a MySQL / MariaDB table in capture mode (the change table of capture-sql.ts), from a
 * position that keeps the numbers still missing (capture-cursor.ts: why a highest-number cursor
 * would skip a change that commits late).
 *
 * A read first takes the change table's newest number `top` (and the server's clock), then pages
 * through the change rows in the cursor's holes and above its `high`, up to `top`. Each page's
 * changes collapse per key; the current rows of those keys are read in one statement by key (as
 * `read` does), and a key without a row now is a delete. So the latest state wins whatever the ops
 * were, and a row changed again after its change row was written is read as it is now.
 *
 * Holes: a number missing at a read (in flight, or rolled back) stays in the cursor and is read
 * again next time. After `graceMs`, a probe `SELECT … FOR UPDATE NOWAIT` tells them apart: an
 * in-flight insert holds a lock on its row (the probe fails at once, the hole stays however long
 * the app's transaction runs); no row and no lock is a dead number, dropped from the cursor.
 *
 * A first read (no cursor, or a cursor of another change table: capture removed and installed
 * again) lists every row, as hash mode does, `complete` on its last page, and starts at the `top`
 * taken before it, with the numbers missing below `top` as holes: a change in flight during the
 * listing is read when it commits.
 *
 * Pruning: a read from a stored cursor first deletes the change rows that cursor covers (the
 * engine stores a cursor only once everything before it is processed), keeping the last one below
 * the first hole: a DELETE's range scan locks the row after its range, and were that an in-flight
 * insert, the prune would wait for the app's transaction. One pair per captured table: a second
 * reader would find rows the first one pruned missing.
 */
import type { ChangeBatch, ChangesOptions, Cursor } from '../types';
import { ConnectorError } from '../errors';
import type { SqlDialect, SqlRow, SqlTable } from '../sql-table/dialect';
import { checkAbort, readChanges } from '../sql-table/read';
import { idOf, keyOf, keyTuple, selectSql, toRecord } from '../sql-table/rows';
import { advance, captureCursorOf, cursorAt, lowWater, positionOf, type Position } from './capture-cursor';
import { captureNames, COMMENT_HEAD, TRIGGER_OPS, type TriggerOp } from './capture-sql';
import { fractionDigits, kindOf } from './values';

type Query = (sql: string, args: unknown[]) => Promise<SqlRow[]>;

const DEFAULT_BATCH = 500;
/** How long a missing number stays a hole before a probe may find it dead (see capture-cursor.ts). */
export const HOLE_GRACE_MS = 10_000;
/** A server without NOWAIT (MySQL 5.7) cannot tell a long transaction from a rollback: holes then live this long. */
const HOLE_GRACE_WITHOUT_PROBE_MS = 15 * 60_000;

/** What of capture exists on `t` now: the change table (Concord's, by its comment) and which of its triggers are on `t`. */
export type CaptureState = { table: boolean; foreignTable: boolean; rel: string | null; triggers: TriggerOp[]; elsewhere: { name: string; table: string }[] };

export async function captureState(q: Query, t: SqlTable): Promise<CaptureState> {
  const n = captureNames(t);
  const tables = await q(`SELECT TABLE_COMMENT AS c, CAST(CREATE_TIME AS CHAR) AS rel FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, [n.database, n.changesName]);
  const names = TRIGGER_OPS.map((op) => n.triggers[op]);
  const triggers = await q(`SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME IN (?)`, [n.database, names]);
  const table = tables[0];
  const ours = table !== undefined && String(table.c).startsWith(COMMENT_HEAD);
  return {
    table: ours,
    foreignTable: table !== undefined && !ours,
    rel: ours ? String(table.rel ?? '') : null,
    triggers: TRIGGER_OPS.filter((op) => triggers.some((r) => r.name === n.triggers[op] && r.tbl === n.table)),
    elsewhere: triggers.filter((r) => r.tbl !== n.table).map((r) => ({ name: String(r.name), table: String(r.tbl) })),
  };
}

/** Throws an actionable error unless capture is fully installed on `t`; the change table's identity otherwise. */
async function installedRel(q: Query, t: SqlTable): Promise<string> {
  const s = await captureState(q, t);
  if (s.table && s.triggers.length === TRIGGER_OPS.length) return s.rel ?? '';
  const n = captureNames(t);
  const missing = TRIGGER_OPS.filter((op) => !s.triggers.includes(op)).map((op) => n.triggers[op]);
  const what = s.table ? `its trigger${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing` : `its change table ${n.changes} is missing`;
  throw new ConnectorError('config', `Capture is not installed on table "${t.name}" (${what}) — install it from the pair's settings (Change detection: Capture), or choose another change-detection mode.`);
}

const seqParam = (s: bigint): number | bigint => (s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s);

/** A key part as the change table keeps it (capture-sql.ts) → the value the driver gives for that column. */
function driverValue(dbType: string, text: string): unknown {
  switch (kindOf(dbType)) {
    case 'int':
    case 'float':
    case 'bool':
    case 'bit':
      return Number(text);
    case 'binary':
      return Buffer.from(text, 'hex');
    case 'timestamp': {
      // Epoch seconds with the column's fraction → the UTC wall clock the session ('+00:00') reads.
      const [whole = '0', fraction = ''] = text.split('.');
      const wall = new Date(Number(whole) * 1000).toISOString().slice(0, 19).replace('T', ' ');
      const digits = fractionDigits(dbType);
      return digits > 0 ? `${wall}.${fraction.padEnd(digits, '0').slice(0, digits)}` : wall;
    }
    default:
      return text;
  }
}

/** The id of a change row's key, exactly as a read of that row gives it. */
function idOfKey(d: SqlDialect, t: SqlTable, key: unknown): string {
  const parts: unknown = typeof key === 'string' ? JSON.parse(key) : key;
  if (!Array.isArray(parts) || parts.length !== t.primaryKey.length) throw new Error(`a change row of ${t.name} holds a key of another shape: ${JSON.stringify(key)}`);
  const row: SqlRow = {};
  t.primaryKey.forEach((k, i) => {
    const c = t.columns.find((x) => x.name === k);
    row[k] = driverValue(c?.dbType ?? '', String(parts[i]));
  });
  return idOf(d, t, row);
}

/** Holes past their grace that a probe finds empty and unlocked are dead: the position without them. */
async function dropDead(q: Query, changes: string, p: Position, now: number, graceMs: number): Promise<Position> {
  const holes: Position['holes'] = [];
  for (const h of p.holes) {
    if (now - h.since < graceMs) {
      holes.push(h);
      continue;
    }
    try {
      const rows = await q(`SELECT seq FROM ${changes} WHERE seq BETWEEN ? AND ? LIMIT 1 FOR UPDATE NOWAIT`, [seqParam(h.from), seqParam(h.to)]);
      if (rows.length > 0) holes.push(h); // committed since the page was read: read next time
    } catch (error) {
      const errno = Number((error as { errno?: unknown } | null)?.errno ?? 0);
      // 1205 (MariaDB) / 3572 (MySQL): locked by an in-flight insert. 1064: no NOWAIT on this server.
      if (errno === 1205 || errno === 3572 || (errno === 1064 && now - h.since < HOLE_GRACE_WITHOUT_PROBE_MS)) holes.push(h);
      else if (errno !== 1064) throw error;
    }
  }
  return { ...p, holes };
}

export type CaptureReadOptions = ChangesOptions & { graceMs?: number };

export async function* captureChanges(d: SqlDialect, t: SqlTable, q: Query, cursor: Cursor | null, options: CaptureReadOptions): AsyncGenerator<ChangeBatch> {
  const limit = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const graceMs = options.graceMs ?? HOLE_GRACE_MS;
  const { signal } = options;
  const rel = await installedRel(q, t);
  const n = captureNames(t);
  const resumed = captureCursorOf(cursor);
  let stored = resumed?.rel === rel ? positionOf(resumed) : null;
  if (stored) {
    // Keeps the last row below the first hole: the DELETE's scan ends on it, never on an in-flight row.
    const [below] = await q(`SELECT CAST(MAX(seq) AS CHAR) AS s FROM ${n.changes} WHERE seq <= ?`, [seqParam(lowWater(stored))]);
    if (below?.s !== null && below?.s !== undefined) await q(`DELETE FROM ${n.changes} WHERE seq < ?`, [seqParam(BigInt(String(below.s)))]);
  }
  const [snap] = await q(`SELECT CAST(COALESCE(MAX(seq), 0) AS CHAR) AS top, CAST(UNIX_TIMESTAMP(NOW(3)) AS CHAR) AS now FROM ${n.changes}`, []);
  const top = BigInt(String(snap?.top ?? '0'));
  const now = Math.round(Number(snap?.now) * 1000);
  // Numbers below what was read: the table was emptied or made again (TRUNCATE keeps its creation time).
  if (stored && top < stored.high) stored = null;

  if (!stored) {
    // A first read: every row, like a hash scan. The numbers missing below `top` may be in flight.
    const gaps = await q(
      `SELECT CAST(seq + 1 AS CHAR) AS f, CAST(nxt - 1 AS CHAR) AS t FROM (SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS nxt FROM ${n.changes} WHERE seq <= ?) g WHERE nxt > seq + 1
       UNION ALL SELECT '1', CAST(MIN(seq) - 1 AS CHAR) FROM ${n.changes} WHERE seq <= ? HAVING MIN(seq) > 1`,
      [seqParam(top), seqParam(top)],
    );
    const start: Position = { high: top, holes: gaps.map((g) => ({ from: BigInt(String(g.f)), to: BigInt(String(g.t)), since: now })).sort((a, b) => (a.from < b.from ? -1 : 1)) };
    // From a cursor it cannot resume (capture installed again, the change table emptied) it is a
    // fallback listing (`rescan`): the engine finds what was deleted meanwhile by absence.
    const rescan = cursor !== null ? { rescan: true } : {};
    for await (const batch of readChanges(d, t, q, null, { ...options, mode: 'hash' })) {
      yield { ...batch, cursor: batch.complete ? cursorAt(start, rel) : { mode: 'capture', value: null }, ...rescan };
    }
    return;
  }

  const holeSql = stored.holes.map(() => ' OR seq BETWEEN ? AND ?').join('');
  const holeArgs = stored.holes.flatMap((h) => [seqParam(h.from), seqParam(h.to)]);
  // The text of seq under another name: MySQL's ORDER BY takes a select alias first, and ordered as
  // text a page would end at "54" with 6..9 after it, skipped for ever by the next page's `seq > 54`.
  const pageSql = `SELECT CAST(seq AS CHAR) AS seq_text, \`key\` FROM ${n.changes} WHERE seq > ? AND seq <= ? AND (seq > ?${holeSql}) ORDER BY seq LIMIT ?`;
  const keyCount = t.primaryKey.length;
  let position = stored;
  let after = lowWater(stored);
  for (;;) {
    checkAbort(signal);
    const rows = await q(pageSql, [seqParam(after), seqParam(top), seqParam(stored.high), ...holeArgs, limit]);
    const last = rows.length < limit;
    const seqs = rows.map((r) => BigInt(String(r.seq_text)));
    const pageMax = seqs.at(-1) ?? after;
    position = advance(position, seqs, last ? top : pageMax, now);
    if (last) position = await dropDead(q, n.changes, position, now, graceMs);
    const batch: ChangeBatch = { upserts: [], deletes: [], cursor: cursorAt(position, rel) };
    // Each key once, whatever its ops: its row now is an upsert, no row is a delete.
    const ids = [...new Set(rows.map((r) => idOfKey(d, t, r.key)))];
    const keyed = ids.map((id) => ({ id, key: keyOf(d, t, id) })).filter((x): x is { id: string; key: unknown[] } => x.key !== null);
    if (keyed.length > 0) {
      const tuples = keyed.map(() => `(${Array.from({ length: keyCount }, () => '?').join(', ')})`).join(', ');
      const found = new Map<string, SqlRow>();
      for (const r of await q(`${selectSql(d, t)} WHERE ${keyTuple(d, t)} IN (${tuples})`, keyed.flatMap((x) => x.key))) found.set(idOf(d, t, r), r);
      for (const { id } of keyed) {
        const row = found.get(id);
        if (row) batch.upserts.push(toRecord(d, t, row));
        else batch.deletes.push(id);
      }
    }
    yield batch;
    if (last) return;
    after = pageMax;
  }
}
