/**
 * The REST connector's change feed (`listen`, realtime 'poll', for cursor mode): every `pollMs`
 * each collection whose profile has a modified-since filter is listed from a short window — the
 * app's own clock at the last poll (its Date header), minus a look-back of at least a second (whole
 * second timestamps), the profile's list lag, and the time format's resolution — and a record whose
 * last-modified time is one the feed has not seen signals its collection. A hint, never the data:
 * the run's cursor read decides what changed.
 *
 * A collection without a modified-since filter gets no feed: the only way to see its changes is
 * to list it whole, which is what its hash-mode run does, and no profile offers anything cheaper
 * (a total count misses edits). Its pairs sync on their schedule; `realtimeModes` says cursor only.
 * Deletes show only where the app flags them in the list (a deleted flag); a record removed
 * outright is found by the next scheduled run, or by the next run another change starts.
 *
 * Concord's own writes come back in the window too: a record listed with exactly the id and
 * last-modified time one of Concord's writes got back (its `updatedAt`), or flagged deleted after
 * Concord deleted it, is an echo and signals nothing. While a write to a collection is in flight,
 * the collection is judged at the next poll, once the write has said what it wrote.
 *
 * A failed poll reports 'reconnecting' with the error and retries every `retryMs`; the first that
 * works again reports 'listening' (the caller reads once) and takes the window as it is then.
 */
import { ownWriteNotes, pollFeed } from '../feed-kit';
import type { ChangeEvent, ListenOptions } from '../types';
import type { Http } from './http';
import { listPages, type ListSince } from './paging';
import type { CollectionProfile, Profile } from './profile';
import type { Mapper } from './records';
import { formatTime, resolutionMs } from './time-format';

export const DEFAULT_REST_POLL_MS = 5_000;
const DEFAULT_RETRY_MS = 5_000;
const OWN_WRITE_TTL_MS = 10 * 60_000;
/** The first poll, before the app's clock is known, looks back this far on ours. */
const FIRST_WINDOW_MS = 5 * 60_000;

/** Concord's own writes per collection: the last-modified time each record got (null: Concord deleted it; undefined: the app did not say, so a change of it cannot be told apart), and the writes in flight. */
export function ownRestWrites() {
  const notes = ownWriteNotes<number | null | undefined>(OWN_WRITE_TTL_MS);
  return {
    ...notes,
    isEcho(collection: string, id: string, stamp: number | null, deleted: boolean): boolean {
      const n = notes.get(collection, id);
      if (!n) return false;
      return deleted ? n.value === null : typeof n.value === 'number' && n.value === stamp;
    },
  };
}
export type OwnRestWrites = ReturnType<typeof ownRestWrites>;

export type RestFeedCollection = { c: CollectionProfile; m: Mapper; label: string };
export type RestFeedDeps = {
  http: Http;
  profile: Profile;
  collections: RestFeedCollection[];
  own: OwnRestWrites;
  /** Throws while the profile cannot be used (a placeholder left unfilled). */
  ready(): void;
  /** Test seam: after each round of polls that worked. */
  polled?: () => void;
};

/** How far behind the last poll's time a window starts: a second, the list's lag, the format's resolution. */
function lookBackMs(profile: Profile, c: CollectionProfile): number {
  const format = c.list.modifiedSince?.format ?? profile.timeFormat;
  return Math.max(1000, c.quirks.listLagSeconds * 1000, resolutionMs(format));
}

type Window = { from: number; seen: Map<string, number | null> };

/**
 * One look at a collection's window: the records changed since `from`, whether any of them is a
 * change Concord has neither seen nor made, and the next window.
 */
async function look(d: RestFeedDeps, k: RestFeedCollection, w: Window, signal: AbortSignal): Promise<{ changed: boolean; next: Window }> {
  const since = k.c.list.modifiedSince;
  if (!since) return { changed: false, next: w };
  const format = since.format ?? d.profile.timeFormat;
  const value = formatTime(w.from, format);
  const extra: Record<string, string> = since.param !== undefined ? { [since.param]: value } : {};
  const listSince: ListSince = since.param !== undefined ? null : { body: format === 'epoch-seconds' || format === 'epoch-ms' ? Number(value) : value };
  let serverNow: number | null = null;
  let newest: number | null = null;
  let changed = false;
  const seen = new Map<string, number | null>();
  for await (const page of listPages(d.http, k.c, extra, k.c.list.pageSize, signal, k.label, listSince)) {
    if (page.serverNow !== null) serverNow = Math.max(serverNow ?? 0, page.serverNow);
    for (const raw of page.records) {
      const id = k.m.idOf(raw);
      if (id === null) continue;
      const stamp = k.m.stampOf(raw);
      const deleted = k.m.isDeleted(raw);
      seen.set(id, stamp);
      if (stamp !== null) newest = Math.max(newest ?? stamp, stamp);
      if (w.seen.has(id) && w.seen.get(id) === stamp) continue;
      if (d.own.isEcho(k.c.name, id, stamp, deleted)) continue;
      changed = true;
    }
  }
  // The next window starts a look-back before the app's "now" (or its newest time seen, without a Date header).
  const anchor = serverNow ?? newest;
  const from = anchor === null ? w.from : Math.max(w.from, anchor - lookBackMs(d.profile, k.c));
  return { changed, next: { from, seen } };
}

export async function pollRecords(d: RestFeedDeps, onChange: (event: ChangeEvent) => void, signal: AbortSignal, options: ListenOptions = {}): Promise<void> {
  const fed = d.collections.filter((k) => k.c.list.modifiedSince);
  let windows = new Map<string, Window>();
  let seq = 0;
  await pollFeed(
    async (fresh) => {
      d.ready();
      const next = new Map<string, Window>();
      for (const k of fed) {
        const w = windows.get(k.c.name);
        if (w && !fresh && d.own.busy(k.c.name)) {
          next.set(k.c.name, w); // a write in flight: judged at the next poll
          continue;
        }
        const r = await look(d, k, fresh || !w ? { from: Date.now() - FIRST_WINDOW_MS, seen: new Map() } : w, signal);
        next.set(k.c.name, r.next);
        // After an outage (or at the start) the 'listening' read catches up: the window is only taken.
        if (!fresh && w && r.changed && !signal.aborted) onChange({ collection: k.c.name, seq: String(++seq) });
      }
      windows = next;
    },
    signal,
    options,
    { pollMs: DEFAULT_REST_POLL_MS, retryMs: DEFAULT_RETRY_MS },
    d.polled,
  );
}
