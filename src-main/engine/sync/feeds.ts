/**
 * Change feeds (issue 10, capture mode's real-time path): for every unpaused pair with a side in
 * a mode its connector's feed serves (`realtimeModes`: capture for PostgreSQL's LISTEN and
 * MySQL's polling, hash for a vCard folder's watch), one listener per connection
 * and side — shared by every pair on it — whose signals put a "this side changed" event in the
 * pair's durable queue (sync/events/), which the queue's worker answers with a run (trigger 'feed').
 *
 * - A signal is a hint, never data: the run reads the side in its mode, so a lost signal costs
 *   latency, not records (the schedule, when the pair has one, still runs too).
 * - A burst is debounced: the first signal of a pair starts a short window (`debounceMs`), the
 *   ones inside it ride along. Signals while the pair's earlier one waits in the queue add nothing
 *   (`enqueue` keeps one pending per side); one during a run adds exactly one more behind it.
 * - Notifications sent while a feed was down are gone: each time a feed is listening again (after
 *   an outage, a changed connection, an engine start or a resume) every pair on it that has run
 *   before gets one catch-up run. A pair that never ran waits for its first sync, which its user
 *   (or its schedule) starts: no signal starts one, though a signal during it queues a run after it.
 * - The listener's connector is leased from the pool: it is the run's connector, closed with the
 *   engine; when the pool retires it (its connection changed, another user found it broken) the
 *   listener lets go and leases a new one. A listener that fails is discarded and retried after `retryMs`.
 * - `refresh()` (called whenever a pair is created, edited, paused, resumed or deleted, and after
 *   every run, which may pause its pair) starts and stops listeners to match the pairs.
 */
import type { EventSource, FeedStatus, Side } from '../api/model';
import { pause } from '../connections/calls';
import type { ConnectorPool } from '../connections/pool';
import type { ConnectionService } from '../connections/service';
import type { ChangeEvent } from '../connectors/types';
import type { PairStore } from './pair-store';
import type { RunManager } from './run-manager';
import { sideMode } from './runner';

export const DEFAULT_FEED_DEBOUNCE_MS = 10;
export const DEFAULT_FEED_RETRY_MS = 2_000;

/** `pollMs`: how often polled feeds look (each connector has its own default; tests ask for less). */
export type FeedOptions = { debounceMs?: number; retryMs?: number; pollMs?: number };
export type FeedDeps = {
  pairs: PairStore;
  connections: ConnectionService;
  pool: ConnectorPool;
  runs: Pick<RunManager, 'current'>;
  /** Puts "this side of the pair changed" in the pair's event queue. */
  enqueue: (pairId: string, side: Side, source: EventSource) => void;
  /** A pair's feed status changed: its summary should be sent again. */
  changed: (pairId: string) => void;
  log: (message: string, error?: unknown) => void;
};

type Route = { pairId: string; collection: string; side: Side; source: EventSource };
type Listener = {
  key: string;
  connectionId: string;
  side: Side;
  controller: AbortController;
  status: FeedStatus;
  routes: Route[];
  done: Promise<void>;
  /** The connector has no feed: kept (so `refresh` does not start it again) but shown as none. */
  unsupported: boolean;
};

const keyOf = (connectionId: string, side: Side) => `${connectionId}\u0000${side}`;
const RANK: Record<FeedStatus['state'], number> = { listening: 0, starting: 1, reconnecting: 2 };

export function createFeeds(deps: FeedDeps, options: FeedOptions = {}) {
  const debounceMs = options.debounceMs ?? DEFAULT_FEED_DEBOUNCE_MS;
  const retryMs = options.retryMs ?? DEFAULT_FEED_RETRY_MS;
  const listeners = new Map<string, Listener>();
  /** Pairs inside their debounce window. */
  const pending = new Map<string, NodeJS.Timeout>();
  let closed = false;

  /** Queues "this side changed" for the pair; a paused pair, or one that never ran, is left alone. */
  function fire({ pairId, side, source }: Route): void {
    const p = deps.pairs.get(pairId);
    if (!p || p.paused) return;
    if (!deps.runs.current(pairId) && !deps.pairs.lastFinishedRun(pairId)) return; // the first sync is the user's to start
    try {
      deps.enqueue(pairId, side, source);
    } catch (e) {
      deps.log(`a change feed's event for pair ${pairId} was not queued`, e);
    }
  }

  function signal(route: Route): void {
    const key = `${route.pairId}\u0000${route.side}`;
    if (closed || pending.has(key)) return;
    const timer = setTimeout(() => {
      pending.delete(key);
      fire(route);
    }, debounceMs);
    timer.unref?.();
    pending.set(key, timer);
  }

  function setStatus(l: Listener, status: FeedStatus): void {
    const was = l.status;
    l.status = status;
    if (was.state !== status.state || was.error !== status.error) for (const r of l.routes) deps.changed(r.pairId);
  }

  /** Holds the listener's feed until it is stopped: leases the connector, listens, and starts over when the lease is retired or the feed fails. */
  async function hold(l: Listener): Promise<void> {
    const stop = l.controller.signal;
    while (!stop.aborted) {
      let lease;
      try {
        lease = deps.pool.acquire(l.connectionId, l.side);
      } catch (e) {
        if (stop.aborted) return;
        setStatus(l, { state: 'reconnecting', error: e instanceof Error ? e.message : String(e) });
        await pause(retryMs, stop);
        continue;
      }
      const listen = lease.connector.listen?.bind(lease.connector);
      if (!listen) {
        // No feed for this connector: its pairs run on their schedule alone.
        lease.release();
        l.unsupported = true;
        l.routes.forEach((r) => deps.changed(r.pairId));
        return;
      }
      const feed = AbortSignal.any([stop, lease.retired]);
      const onChange = (event: ChangeEvent) => {
        for (const r of l.routes) if (r.collection === event.collection) signal(r);
      };
      const onState = (state: 'listening' | 'reconnecting', error?: string) => {
        if (feed.aborted) return;
        setStatus(l, { state, error: error ?? null });
        // Listening (again): whatever was committed while nobody listened was never signalled. Decided
        // now, not when the debounce ends: a pair that has neither run nor is running needs no catch-up,
        // even if its first sync starts within the debounce (that sync reads everything anyway).
        if (state === 'listening') for (const r of l.routes) if (deps.runs.current(r.pairId) || deps.pairs.lastFinishedRun(r.pairId)) signal(r);
      };
      try {
        await listen(onChange, feed, { onState, retryMs, ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}) });
        lease.release();
        // Ended on its own (not stopped, not retired): wait before listening again rather than spin.
        if (!feed.aborted) await pause(retryMs, stop);
      } catch (e) {
        lease.discard();
        if (stop.aborted) return;
        setStatus(l, { state: 'reconnecting', error: e instanceof Error ? e.message : String(e) });
        await pause(retryMs, stop);
      }
    }
  }

  /** The listeners the pairs need now: connection and side → the pairs and collections on it. */
  function wanted(): Map<string, { connectionId: string; side: Side; routes: Route[] }> {
    const out = new Map<string, { connectionId: string; side: Side; routes: Route[] }>();
    for (const p of deps.pairs.list()) {
      if (p.paused) continue;
      for (const side of ['left', 'right'] as const) {
        let mode;
        try {
          mode = sideMode(deps.connections, p.config, side).mode;
        } catch {
          continue; // a missing connection: its runs say so
        }
        const { connectionId, collection } = p.config[side];
        let caps;
        try {
          caps = deps.connections.definition(connectionId).capabilities;
        } catch {
          continue;
        }
        if (!caps.realtime || !(caps.realtimeModes ?? ['capture']).includes(mode)) continue;
        const key = keyOf(connectionId, side);
        const w = out.get(key) ?? { connectionId, side, routes: [] };
        w.routes.push({ pairId: p.id, collection, side, source: caps.realtime === 'poll' ? 'poll' : 'notify' });
        out.set(key, w);
      }
    }
    return out;
  }

  function stopListener(l: Listener): void {
    listeners.delete(l.key);
    l.controller.abort(new DOMException('The change feed was stopped.', 'AbortError'));
  }

  return {
    /** Starts and stops listeners to match the pairs (idempotent, cheap: one read of the pairs). */
    refresh(): void {
      if (closed) return;
      const want = wanted();
      for (const l of [...listeners.values()]) {
        const w = want.get(l.key);
        const gone = l.routes.filter((r) => !w?.routes.some((x) => x.pairId === r.pairId));
        if (!w) stopListener(l);
        else l.routes = w.routes;
        for (const r of gone) {
          const key = `${r.pairId}\u0000${r.side}`;
          clearTimeout(pending.get(key));
          pending.delete(key);
          deps.changed(r.pairId);
        }
      }
      for (const [key, w] of want) {
        if (listeners.has(key)) continue;
        const l: Listener = { key, ...w, controller: new AbortController(), status: { state: 'starting', error: null }, done: Promise.resolve(), unsupported: false };
        listeners.set(key, l);
        l.done = hold(l).catch((e: unknown) => deps.log(`the change feed of connection ${w.connectionId} stopped`, e));
      }
    },
    /** The pair's feed (the worst of its sides'), or null when it has none. */
    status(pairId: string): FeedStatus | null {
      let worst: FeedStatus | null = null;
      for (const l of listeners.values()) {
        if (l.unsupported || !l.routes.some((r) => r.pairId === pairId)) continue;
        if (!worst || RANK[l.status.state] > RANK[worst.state]) worst = l.status;
      }
      return worst;
    },
    /** Listeners held now (tests, diagnostics). */
    size: () => listeners.size,
    async close(): Promise<void> {
      closed = true;
      for (const t of pending.values()) clearTimeout(t);
      pending.clear();
      const all = [...listeners.values()];
      all.forEach(stopListener);
      await Promise.allSettled(all.map((l) => l.done));
    },
  };
}

export type Feeds = ReturnType<typeof createFeeds>;
