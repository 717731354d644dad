/**
 * How the engine retries a connector call that failed 'unavailable' (a network error, a reset, a
 * 5xx): a few more attempts with exponential backoff and jitter (side-io.ts), so one lost packet
 * does not fail a record or a run, and many pairs retrying at once spread out.
 */

/** How many attempts after the first, and the first backoff (then doubled each time). */
export type TransientRetries = { retries: number; baseMs: number };
export const TRANSIENT_RETRIES: TransientRetries = { retries: 3, baseMs: 200 };

/** Exponential backoff with ±50 % jitter: baseMs, 2·baseMs, 4·baseMs…, each between half and one and a half of it. */
export const transientBackoffMs = (attempt: number, baseMs: number, random: () => number = Math.random): number => Math.round(baseMs * 2 ** attempt * (0.5 + random()));

