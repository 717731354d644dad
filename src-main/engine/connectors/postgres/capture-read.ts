/**
 * Reading a PostgreSQL table in capture mode (the change table of capture-sql.ts).
 *
 * The cursor is `{ seq, xmin }`: every change with a sequence number up to `seq` has been read,
 * except changes of transactions whose id is at least `xmin`, which may still have been running.
 *
 * Why both: a sequence number is taken when the row is written, not when its transaction commits,
 * so numbers commit out of order — transaction A takes 5, B takes 6 and commits, a read sees 6 and
 * not 5; A commits later. A cursor of "6" alone would skip 5 for ever. Every read therefore takes
 * the database's snapshot first and keeps its `xmin` (`pg_snapshot_xmin(pg_current_snapshot())`,
 * the oldest transaction still running): any change not visible to that read belongs to a
 * transaction with an id at least `xmin`. The next read reads `seq > cursor.seq OR xid >= cursor.xmin`,
 * so it re-reads the (short) window of changes that were in flight, and a late commit like A's is
 * read then. Re-reading a change is harmless: the read returns the row as it is now, which the
 * engine skips when it equals its base. This is exact, with no time window to tune, and costs one
 * extra comparison; waiting for in-flight transactions instead would stall on a long one.
 *
 * A read collapses each page's changes per key and returns each key's current row (one statement
 * per page, the change table joined to the table by key); a key without a row now is a delete.
 * So the latest state wins whatever the ops were, and a row changed again after its change row is
 * read as it is now. The cursor moves only over pages it returned.
 *
 * A first read (no cursor) lists every row (as hash mode does, `complete` on its last page) and
 * records the snapshot taken before it: a change committed while it lists is read next time. So
 * does a read whose cursor names another change table (capture removed and installed again: what
 * changed in between was recorded nowhere).
 *
 * Pruning: a read from a stored cursor first deletes the changes that cursor covers (the engine
 * stores a cursor only once everything before it is processed), so the change table holds what
 * is still to read plus the in-flight window. One pair per captured table: a second reader of the
 * same change table would find rows the first one pruned missing (see the report's limits).
 */
import type { ChangeBatch, ChangesOptions, Cursor } from '../types';
import { ConnectorError } from '../errors';
import type { SqlDialect, SqlRow, SqlTable } from '../sql-table/dialect';
import { checkAbort, readChanges } from '../sql-table/read';
import { idOf, toRecord, TS_ALIAS, VERSION_ALIAS } from '../sql-table/rows';
import { CAPTURE_TRIGGER, captureNames } from './capture-sql';
import { quoteIdent } from './discover';

/** `rel`: the change table's oid. A change table removed and installed again is another table, missing what happened in between: read everything again. */
export type CaptureCursor = { seq: string; xmin: string; rel: string };

type Query = (sql: string, args: unknown[]) => Promise<SqlRow[]>;

const DEFAULT_BATCH = 500;
const SEQ = '__concord_seq';
const PAGE_MAX = '__concord_page_max';
const PAGE_N = '__concord_page_n';
const keyAlias = (i: number): string => `__concord_k${i}`;

const isNumber = (v: unknown): v is string => typeof v === 'string' && /^\d{1,20}$/.test(v);
export function captureCursorOf(cursor: Cursor | null): CaptureCursor | null {
  if (cursor?.mode !== 'capture' || typeof cursor.value !== 'object' || cursor.value === null) return null;
  const { seq, xmin, rel } = cursor.value as { seq?: unknown; xmin?: unknown; rel?: unknown };
  return isNumber(seq) && isNumber(xmin) && isNumber(rel) ? { seq, xmin, rel } : null;
}

const maxSeq = (a: string, b: string): string => (BigInt(a) >= BigInt(b) ? a : b);

/** Throws an actionable error when capture is not (fully) installed on `t`. */
export async function checkInstalled(q: Query, t: SqlTable): Promise<void> {
  const n = captureNames(t);
  const [row] = await q(
    `SELECT to_regclass($1) IS NOT NULL AS has_table, EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $2::regclass AND tgname = $3 AND NOT tgisinternal) AS has_trigger`,
    [n.changes, t.ref, CAPTURE_TRIGGER],
  );
  if (row?.has_table === true && row.has_trigger === true) return;
  const what = row?.has_table === true ? `its trigger "${CAPTURE_TRIGGER}" is missing` : `its change table ${n.changes} is missing`;
  throw new ConnectorError('config', `Capture is not installed on table "${t.name}" (${what}) — install it from the pair's settings (Change detection: Capture), or choose another change-detection mode.`);
}

export async function* captureChanges(d: SqlDialect, t: SqlTable, q: Query, cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch> {
  const limit = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const { signal } = options;
  await checkInstalled(q, t);
  const n = captureNames(t);
  const [table] = await q(`SELECT to_regclass($1)::oid::text AS rel`, [n.changes]);
  const rel = String(table?.rel);
  const resumed = captureCursorOf(cursor);
  const stored = resumed?.rel === rel ? resumed : null;
  if (stored) await q(`DELETE FROM ${n.changes} WHERE seq <= $1 AND xid < $2::xid8`, [stored.seq, stored.xmin]);
  // One statement: the newest sequence number and the oldest running transaction of one snapshot.
  const [snap] = await q(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, (SELECT coalesce(max(seq), 0) FROM ${n.changes})::text AS seq`, []);
  const xmin = String(snap?.xmin);
  const startSeq = String(snap?.seq);
  const at = (seq: string): Cursor => ({ mode: 'capture', value: { seq, xmin, rel } satisfies CaptureCursor });

  if (!stored) {
    // A first read: every row, like a hash scan; only its last page carries the position. From a
    // cursor of another change table it is a fallback listing (`rescan`): deletes are found by absence.
    const rescan = cursor !== null ? { rescan: true } : {};
    for await (const batch of readChanges(d, t, q, null, { ...options, mode: 'hash' })) {
      yield { ...batch, cursor: batch.complete ? at(startSeq) : { mode: 'capture', value: null }, ...rescan };
    }
    return;
  }

  const pk = t.primaryKey;
  const typeOf = (k: string): string => t.columns.find((c) => c.name === k)?.dbType ?? 'text';
  const keyValue = (i: number): string => `(k.key->>${i})::${typeOf(pk[i] ?? '')}`;
  const ts = t.updatedAt ? `, ${d.tsText(d.tsSql(t))} AS ${quoteIdent(TS_ALIAS)}` : '';
  const sql = `WITH page AS (
  SELECT seq, key FROM ${n.changes} WHERE (seq > $1 OR xid >= $2::xid8) AND seq > $3 ORDER BY seq LIMIT $4
), keys AS (SELECT key, max(seq) AS seq FROM page GROUP BY key)
SELECT k.seq::text AS ${quoteIdent(SEQ)}, (SELECT max(seq) FROM page)::text AS ${quoteIdent(PAGE_MAX)}, (SELECT count(*) FROM page)::int AS ${quoteIdent(PAGE_N)},
  ${pk.map((_, i) => `${keyValue(i)} AS ${quoteIdent(keyAlias(i))}`).join(', ')},
  t.*, ${d.versionSql(t)} AS ${quoteIdent(VERSION_ALIAS)}${ts}
FROM keys k LEFT JOIN ${t.ref} t ON ${pk.map((k, i) => `t.${quoteIdent(k)} = ${keyValue(i)}`).join(' AND ')}
ORDER BY k.seq`;

  let after = '0';
  for (let first = true; ; first = false) {
    checkAbort(signal);
    const rows = await q(sql, [stored.seq, stored.xmin, after, limit]);
    const head = rows[0];
    if (!head) {
      // Nothing (more) to read: the position still moves to this read's snapshot.
      if (first) yield { upserts: [], deletes: [], cursor: at(stored.seq) };
      return;
    }
    const pageMax = String(head[PAGE_MAX]);
    const last = Number(head[PAGE_N]) < limit;
    const batch: ChangeBatch = { upserts: [], deletes: [], cursor: at(last ? maxSeq(stored.seq, pageMax) : pageMax) };
    for (const r of rows) {
      // A key with a row now is an upsert of that row; without one, the row is gone.
      if (pk.every((k) => r[k] === null || r[k] === undefined)) batch.deletes.push(idOf(d, t, Object.fromEntries(pk.map((k, i) => [k, r[keyAlias(i)]]))));
      else batch.upserts.push(toRecord(d, t, r));
    }
    yield batch;
    if (last) return;
    after = pageMax;
  }
}
