/**
 * What the connectors' change feeds share: the loop of a polled feed (CardDAV's tags, REST's
 * modified-since window) that polls every `pollMs` and says 'listening' / 'reconnecting', and the
 * notes of Concord's own writes a feed tells echoes apart by (those two, and the vCard folder's watch).
 */
import { pause } from '../connections/calls';
import { errorMessage } from './errors';
import type { ListenOptions } from './types';

/**
 * Polls until `signal` aborts: `round(fresh)` every `pollMs`. `fresh` is true for the first round
 * and the first after an outage: the caller's 'listening' read catches up then, so a round only
 * takes what it sees. A round that throws reports 'reconnecting' with the error (once per outage)
 * and is tried again after `retryMs`; the first that works again reports 'listening'.
 */
export async function pollFeed(
  round: (fresh: boolean) => Promise<void>,
  signal: AbortSignal,
  options: ListenOptions,
  defaults: { pollMs: number; retryMs: number },
  /** Test seam: after each round that worked. */
  polled?: () => void,
): Promise<void> {
  const pollMs = options.pollMs ?? defaults.pollMs;
  const retryMs = options.retryMs ?? defaults.retryMs;
  let state: 'listening' | 'reconnecting' | null = null;
  while (!signal.aborted) {
    try {
      const fresh = state !== 'listening';
      await round(fresh);
      if (fresh && !signal.aborted) options.onState?.('listening');
      state = 'listening';
      polled?.();
    } catch (error) {
      if (signal.aborted) return;
      if (state !== 'reconnecting') options.onState?.('reconnecting', errorMessage(error));
      state = 'reconnecting';
      await pause(retryMs, signal);
      continue;
    }
    await pause(pollMs, signal);
  }
}

/**
 * Concord's own writes per scope (an address book, a collection): what each record was left as
 * (`V`), kept `ttlMs` (a poll judges it within seconds), and the writes in flight, whose scope a
 * poll judges later, once they have said what they wrote.
 */
export function ownWriteNotes<V>(ttlMs: number) {
  const notes = new Map<string, Map<string, { value: V; at: number }>>();
  const inFlight = new Map<string, number>();
  return {
    begin(scope: string): void {
      inFlight.set(scope, (inFlight.get(scope) ?? 0) + 1);
    },
    end(scope: string): void {
      const n = (inFlight.get(scope) ?? 1) - 1;
      if (n <= 0) inFlight.delete(scope);
      else inFlight.set(scope, n);
    },
    busy: (scope: string): boolean => inFlight.has(scope),
    note(scope: string, key: string, value: V): void {
      const now = Date.now();
      let m = notes.get(scope);
      if (!m) notes.set(scope, (m = new Map()));
      // In the order noted (a note again moves to the end): the expired ones lead.
      for (const [k, v] of m) {
        if (now - v.at <= ttlMs) break;
        m.delete(k);
      }
      m.delete(key);
      m.set(key, { value, at: now });
    },
    /** What Concord's write left the record as, if a note of it is kept. */
    get: (scope: string, key: string): { value: V } | undefined => notes.get(scope)?.get(key),
    wrote: (scope: string): boolean => (notes.get(scope)?.size ?? 0) > 0,
  };
}
