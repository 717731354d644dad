/**
 * The position of a MySQL capture read: which sequence numbers of the change table have been read.
 *
 * Why not just "the highest number read": AUTO_INCREMENT hands out a number when a row is
 * inserted, not when its transaction commits. Transaction A takes 5, B takes 6 and commits, a read
 * sees 6 and not 5, and A commits later: a cursor of "6" would skip 5 for ever. MySQL has no
 * snapshot xmin to tell which numbers were still in flight (PostgreSQL's capture uses that), so
 * the cursor keeps the holes themselves:
 *
 *   every number up to `high` has been read, except those inside `holes`.
 *
 * A read takes the rows in the holes and above `high`. A number missing at a read is a hole until
 * it is read, or found dead: rolled back (its number is never used again), or never used (an
 * AUTO_INCREMENT step above 1). A hole is dead when a probe finds no row in it and no lock on it
 * (an in-flight insert holds a lock on its row, however long its transaction runs) and it has been
 * a hole for at least a grace period (the short moment between taking a number and inserting the
 * row, when neither shows). See capture-read.ts.
 *
 * Holes are ranges, so a rolled-back bulk insert is one entry; past `MAX_HOLES` the nearest ones
 * merge (a merged range re-reads the rows between, which is harmless: a read returns each row as it
 * is now, and the engine skips a record equal to its base).
 */
import type { Cursor } from '../types';

/** Numbers `from`..`to` not read yet, first missed at `since` (the server's clock, ms since the epoch). */
export type Hole = { from: string; to: string; since: number };
/** `rel`: the change table's identity (its creation time): a table removed and installed again is another, missing what happened in between. */
export type MyCaptureCursor = { high: string; holes: Hole[]; rel: string };
export type Position = { high: bigint; holes: { from: bigint; to: bigint; since: number }[] };

export const MAX_HOLES = 100;

const isNumber = (v: unknown): v is string => typeof v === 'string' && /^\d{1,20}$/.test(v);

export function captureCursorOf(cursor: Cursor | null): MyCaptureCursor | null {
  if (cursor?.mode !== 'capture' || typeof cursor.value !== 'object' || cursor.value === null) return null;
  const { high, holes, rel } = cursor.value as { high?: unknown; holes?: unknown; rel?: unknown };
  if (!isNumber(high) || typeof rel !== 'string' || !Array.isArray(holes)) return null;
  const ok = holes.every((h: unknown) => {
    const x = h as Partial<Hole> | null;
    return x !== null && typeof x === 'object' && isNumber(x.from) && isNumber(x.to) && BigInt(x.from) <= BigInt(x.to) && typeof x.since === 'number';
  });
  return ok ? { high, holes: holes as Hole[], rel } : null;
}

export const positionOf = (c: MyCaptureCursor): Position => ({ high: BigInt(c.high), holes: c.holes.map((h) => ({ from: BigInt(h.from), to: BigInt(h.to), since: h.since })) });

export const cursorAt = (p: Position, rel: string): Cursor => ({
  mode: 'capture',
  value: { high: String(p.high), holes: p.holes.map((h) => ({ from: String(h.from), to: String(h.to), since: h.since })), rel } satisfies MyCaptureCursor,
});

/** The highest number below which everything is read (what a prune may delete up to). */
export const lowWater = (p: Position): bigint => p.holes.reduce((low, h) => (h.from - 1n < low ? h.from - 1n : low), p.high);

/**
 * The position after a read returned `read` (ascending) and every row it asked for up to `upTo`:
 * the holes up to `upTo` lose the numbers read; numbers above `high` up to `upTo` that were not
 * read become holes missed `now`.
 */
export function advance(p: Position, read: bigint[], upTo: bigint, now: number): Position {
  const ranges = [...p.holes, ...(upTo > p.high ? [{ from: p.high + 1n, to: upTo, since: now }] : [])];
  const holes: Position['holes'] = [];
  let i = 0;
  for (const r of [...ranges].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))) {
    let from = r.from;
    const end = r.to < upTo ? r.to : upTo;
    while (i < read.length && (read[i] ?? 0n) < from) i++;
    for (; i < read.length && (read[i] ?? 0n) <= end; i++) {
      const s = read[i] ?? 0n;
      if (s > from) holes.push({ from, to: s - 1n, since: r.since });
      from = s + 1n;
    }
    if (from <= r.to) holes.push({ from, to: r.to, since: r.since });
  }
  return { high: upTo > p.high ? upTo : p.high, holes: compact(holes) };
}

/** At most MAX_HOLES ranges: the two nearest merge (keeping the earlier `since`) until it fits. */
export function compact(holes: Position['holes']): Position['holes'] {
  const out = [...holes];
  while (out.length > MAX_HOLES) {
    let best = 0;
    for (let j = 1; j < out.length - 1; j++) {
      const gap = (out[j + 1]?.from ?? 0n) - (out[j]?.to ?? 0n);
      if (gap < (out[best + 1]?.from ?? 0n) - (out[best]?.to ?? 0n)) best = j;
    }
    const [a, b] = [out[best], out[best + 1]];
    if (!a || !b) break;
    out.splice(best, 2, { from: a.from, to: b.to, since: Math.min(a.since, b.since) });
  }
  return out;
}
