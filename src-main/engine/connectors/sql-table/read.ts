/**
 * Change detection for the SQL-table base: keyset paging only (never OFFSET over a changing set,
 * PITFALLS 6 and 10), each page one statement the database can serve from an index.
 *
 * - cursor: rows in (timestamp, key) order from a compound cursor. A read from a stored cursor is
 *   inclusive (`>=`) and, with a look-back window, starts `lookBackSeconds` before the previous
 *   read began, so a row committed late with an older stamp is read again (re-reads are harmless:
 *   a record equal to its base is skipped). The position never passes the database's own now as
 *   read before the first page (PITFALLS 5): a row stamped later is delivered, reported as
 *   future-stamped, and read again until the clock reaches it. Rows without a timestamp come
 *   first on every read (by key), since no cursor can be placed after them. Where stamps are whole
 *   seconds (`tsResolutionMs`), a resumed read takes the cursor's whole second again. A resumed
 *   read leaves out Concord's own writes still at the stamp their write returned, and moves its
 *   position over them (`own-writes.ts`).
 * - flag: rows whose flag is raised, by key; from no cursor every row (a first sync), `complete`.
 * - hash: every row by key, `complete` on the last page, with the row count.
 */
import type { ChangeBatch, ChangesOptions, Cursor } from '../types';
import type { SqlDialect, SqlRow, SqlTable } from './dialect';
import { ownRowsOf, ownStampsFine } from './own-writes';
import { idOf, keyTuple, keyValues, keyOf, params, selectSql, toRecord, TS_ALIAS } from './rows';

export type TsCursor = { ts: string; key: (string | number)[]; readAt?: string };

type Query = (sql: string, args: unknown[]) => Promise<SqlRow[]>;

const DEFAULT_BATCH = 500;

/** The stored cursor as a position, or null to read from the start (a cursor of another shape, or past the database's now). */
export function resumePosition(t: SqlTable, value: unknown, now: string): TsCursor | null {
  if (typeof value !== 'object' || value === null) return null;
  const { ts, key, readAt } = value as { ts?: unknown; key?: unknown; readAt?: unknown };
  if (typeof ts !== 'string' || !Number.isFinite(Date.parse(ts)) || !Array.isArray(key) || key.length !== t.primaryKey.length) return null;
  if (!key.every((k) => typeof k === 'string' || typeof k === 'number')) return null;
  if (Date.parse(ts) > Date.parse(now)) return null;
  const read = typeof readAt === 'string' && Number.isFinite(Date.parse(readAt)) && Date.parse(readAt) <= Date.parse(now) ? readAt : undefined;
  return { ts, key: key as (string | number)[], ...(read ? { readAt: read } : {}) };
}

/** A flag cursor after the first full read: later flag reads list flagged rows only. */
const FLAG_LISTED = { listed: true };
const isFlagListed = (cursor: Cursor | null): boolean =>
  cursor?.mode === 'flag' && typeof cursor.value === 'object' && cursor.value !== null && (cursor.value as { listed?: unknown }).listed === true;

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('The read was cancelled.');
}

/** Keyset pages over `where` ordered by the key, one row past the page saying whether another follows. */
async function* keyPages(d: SqlDialect, t: SqlTable, q: Query, where: string, whereArgs: unknown[], limit: number, signal: AbortSignal): AsyncGenerator<{ rows: SqlRow[]; more: boolean }> {
  const base = selectSql(d, t);
  const order = `ORDER BY ${t.primaryKey.map((k) => `t.${d.quoteIdent(k)}`).join(', ')}`;
  let after: unknown[] | null = null;
  for (;;) {
    checkAbort(signal);
    const n = whereArgs.length;
    const keyset: string = after ? ` AND ${keyTuple(d, t)} > (${params(d, n + 1, after.length).join(', ')})` : '';
    const args: unknown[] = [...whereArgs, ...(after ?? []), limit + 1];
    const rows = await q(`${base} WHERE (${where})${keyset} ${order} LIMIT ${d.param(args.length)}`, args);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    yield { rows: page, more };
    const last = page.at(-1);
    if (!more || !last) return;
    after = keyOf(d, t, idOf(d, t, last));
  }
}

export async function* readChanges(d: SqlDialect, t: SqlTable, q: Query, cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch> {
  const limit = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const { mode, signal } = options;
  if (mode === 'cursor') {
    yield* cursorChanges(d, t, q, cursor, options, limit);
    return;
  }
  const flag = t.flag ? t.columns.find((c) => c.name === t.flag) : undefined;
  const listAll = mode === 'hash' || !isFlagListed(cursor);
  const where = mode === 'flag' && flag && !listAll ? d.flagRaised(flag) : '1 = 1';
  const total = mode === 'hash' ? Number((await q(`SELECT count(*) AS n FROM ${t.ref}`, []))[0]?.n ?? 0) : undefined;
  for await (const page of keyPages(d, t, q, where, [], limit, signal)) {
    const batch: ChangeBatch = { upserts: page.rows.map((r) => toRecord(d, t, r)), deletes: [], cursor: { mode, value: mode === 'flag' ? FLAG_LISTED : null } };
    if (total !== undefined) batch.total = total;
    // Only a read of every row is complete: the engine infers deletes by absence from it.
    if (!page.more && listAll) batch.complete = true;
    yield batch;
  }
}

async function* cursorChanges(d: SqlDialect, t: SqlTable, q: Query, cursor: Cursor | null, options: ChangesOptions, limit: number): AsyncGenerator<ChangeBatch> {
  const { signal } = options;
  const now = async (): Promise<string> => String((await q(d.nowSql, []))[0]?.now);
  // Read before the first page: the position never moves past it, and the next look-back counts from it.
  const began = await now();
  const resumed = cursor?.mode === 'cursor' ? resumePosition(t, cursor.value, began) : null;
  // A key this table cannot hold (its key changed type) reads from the start: safe, unlike a wrong position.
  const storedKey = resumed ? keyOf(d, t, resumed.key.length === 1 ? String(resumed.key[0]) : JSON.stringify(resumed.key)) : null;
  const stored = storedKey ? resumed : null;
  const ts = d.tsSql(t);
  const position = (p: TsCursor | null): Cursor => ({ mode: 'cursor', value: p && { ts: p.ts, key: p.key, readAt: began } });

  // Rows without a timestamp first, on every read: no cursor can be placed after them.
  for await (const page of keyPages(d, t, q, `${ts} IS NULL`, [], limit, signal)) {
    if (page.rows.length > 0) yield { upserts: page.rows.map((r) => toRecord(d, t, r)), deletes: [], cursor: position(stored) };
  }

  // Then rows with a timestamp, in (ts, key) order, from the stored position.
  let from: { sql: string; args: unknown[] } = { sql: '1 = 1', args: [] };
  const lookBack = options.lookBackSeconds ?? 0;
  // Stamps coarser than a microsecond (whole seconds): a row the app writes after this read can
  // share the cursor's stamp with a smaller key, so every row of that stamp is read again.
  const step = t.tsResolutionMs ?? 0;
  const floor = (ms: number): string => new Date(step > 0 ? Math.floor(ms / step) * step : ms).toISOString();
  if (stored && lookBack > 0) {
    // The window counts back from when the previous read began, not from the cursor's own stamp:
    // a burst of Concord's own writes stamped within it would otherwise be re-read every run.
    const since = floor(Math.min(Date.parse(stored.readAt ?? stored.ts) - lookBack * 1000, Date.parse(stored.ts)));
    from = { sql: `${ts} >= ${d.tsParam(1)}`, args: [since] };
  } else if (stored && step > 0) {
    from = { sql: `${ts} >= ${d.tsParam(1)}`, args: [floor(Date.parse(stored.ts))] };
  } else if (stored && storedKey) {
    const keys = storedKey;
    from = { sql: `(${ts}, ${keyTuple(d, t).slice(1, -1)}) >= (${d.tsParam(1)}, ${params(d, 2, keys.length).join(', ')})`, args: [stored.ts, ...keys] };
  }
  const order = `ORDER BY ${ts}, ${t.primaryKey.map((k) => `t.${d.quoteIdent(k)}`).join(', ')}`;
  const base = selectSql(d, t);
  // Concord's own writes still at their stamps are left out (`own-writes.ts`), on a resumed read
  // only: a read from no cursor is a first or full read, which takes every row.
  const own = stored && options.ownWrites && ownStampsFine(d, t) ? options.ownWrites : null;
  let pos: TsCursor | null = stored;
  let after: { ts: string; key: unknown[] } | null = null;
  let end = began;
  for (let first = true; ; first = false) {
    checkAbort(signal);
    const n = from.args.length;
    const keyset = after ? ` AND (${ts}, ${keyTuple(d, t).slice(1, -1)}) > (${d.tsParam(n + 1)}, ${params(d, n + 2, after.key.length).join(', ')})` : '';
    const args = [...from.args, ...(after ? [after.ts, ...after.key] : []), limit + 1];
    const rows = await q(`${base} WHERE ${ts} IS NOT NULL AND (${from.sql})${keyset} ${order} LIMIT ${d.param(args.length)}`, args);
    // The database's now after the page: a row stamped later than this is future-stamped.
    if (first) end = await now();
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const stamp = (r: SqlRow): string => String(r[TS_ALIAS]);
    const future = page.filter((r) => stamp(r) > end);
    // The position moves over every row of the page, Concord's own writes left out below included.
    const lastNow = page.findLast((r) => stamp(r) <= began);
    if (lastNow) pos = { ts: stamp(lastNow), key: keyValues(d, t, lastNow) };
    const mine = own ? await ownRowsOf(page, stamp, (r) => idOf(d, t, r), own, signal) : null;
    const delivered = mine && mine.size > 0 ? page.filter((r) => !mine.has(r)) : page;
    const batch: ChangeBatch = { upserts: delivered.map((r) => toRecord(d, t, r)), deletes: [], cursor: position(pos) };
    if (future.length > 0) batch.futureStamped = future.map((r) => idOf(d, t, r));
    if (page.length > 0 || first) yield batch;
    const last = page.at(-1);
    if (!more || !last) return;
    after = { ts: stamp(last), key: keyOf(d, t, idOf(d, t, last)) ?? [] };
  }
}
