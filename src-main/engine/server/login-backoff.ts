/**
 * Slows down token guessing: after a few wrong tokens from one address, that address must wait
 * before its next try, the wait doubling with each further failure up to a cap; a right token
 * clears the address's record. While an address waits, its token attempts are answered 429 with
 * Retry-After, even a right one (else the wait would slow nothing).
 *
 * Invariants:
 * - No timers: a wait is a time stamp compared with the clock (injected, for tests), so nothing
 *   is kept alive per request, and a record is forgotten once it is old.
 * - Bounded memory: at most `maxAddresses` records; past that, forgotten records go first, then
 *   the oldest (a flood of addresses cannot grow the map without end).
 * - Only token attempts count (a Bearer header, `?token=`): a stale session cookie is not a guess
 *   (session ids are 256-bit random), and counting it would lock out a user after a restart.
 */
export type BackoffOptions = {
  now?: () => number;
  /** Wrong tokens an address may send before it waits (default 5). */
  freeFailures?: number;
  /** The first wait (default 1 s); each further failure doubles it. */
  baseDelayMs?: number;
  /** The longest wait (default 15 min). */
  maxDelayMs?: number;
  /** A record untouched this long is forgotten (default 1 h past its wait). */
  forgetAfterMs?: number;
  maxAddresses?: number;
};

type Entry = { failures: number; until: number; last: number };

export type LoginBackoff = {
  /** Seconds the address must still wait, or 0 when it may try now. */
  retryAfter(address: string): number;
  failed(address: string): void;
  succeeded(address: string): void;
  /** Addresses on record (for tests of the bound). */
  size(): number;
};

export function createLoginBackoff(options: BackoffOptions = {}): LoginBackoff {
  const now = options.now ?? Date.now;
  const free = options.freeFailures ?? 5;
  const base = options.baseDelayMs ?? 1000;
  const cap = options.maxDelayMs ?? 15 * 60_000;
  const forget = options.forgetAfterMs ?? 60 * 60_000;
  const max = options.maxAddresses ?? 10_000;
  const entries = new Map<string, Entry>();

  const stale = (e: Entry, t: number) => t - Math.max(e.last, e.until) > forget;
  const get = (address: string): Entry | undefined => {
    const e = entries.get(address);
    if (e && stale(e, now())) {
      entries.delete(address);
      return undefined;
    }
    return e;
  };
  const makeRoom = () => {
    if (entries.size < max) return;
    const t = now();
    for (const [address, e] of entries) if (stale(e, t)) entries.delete(address);
    // Still full: the oldest records go (Map keeps insertion order; a touched record is re-inserted).
    for (const address of entries.keys()) {
      if (entries.size < max) break;
      entries.delete(address);
    }
  };

  return {
    retryAfter(address) {
      const e = get(address);
      const wait = e ? e.until - now() : 0;
      return wait > 0 ? Math.ceil(wait / 1000) : 0;
    },
    failed(address) {
      const t = now();
      const e = get(address) ?? { failures: 0, until: 0, last: t };
      entries.delete(address);
      makeRoom();
      e.failures++;
      e.last = t;
      const over = e.failures - free;
      if (over > 0) e.until = t + Math.min(cap, base * 2 ** Math.min(over - 1, 30));
      entries.set(address, e);
    },
    succeeded(address) {
      entries.delete(address);
    },
    size: () => entries.size,
  };
}
