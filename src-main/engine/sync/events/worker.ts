/**
 * Applies a pair's queued events (issue 12 §2): one run at a time per pair, through the same run
 * pipeline as every other run (journal, bases, crash recovery), so an event changes nothing a
 * scheduled run would not. Events that arrive while a run is going wait and go together in the
 * next (batching when they come fast); a record's events apply in the order received (one run
 * takes a record's events together, the latest deciding what it carried).
 *
 * - Record events (a webhook naming a record): a run of just those records (`only`), read by id —
 *   or taken as sent, for a fat event's record. Each event ends applied, conflict or failed, read
 *   from what the run left (outcome.ts).
 * - Side events (a feed that says only "something changed"): one incremental run of the pair.
 * - A run that does not end well (the app down, a rate limit, a cancel, the engine stopping)
 *   leaves its events pending: they are tried again after an exponential backoff with jitter (or
 *   when the rate limit ends), up to MAX_ATTEMPTS, then fail saying why. A lost or failed event
 *   cannot cause lasting drift: the pair's schedule still reconciles.
 * - Nothing starts for a paused pair, or before a pair's first sync (the user starts that); its
 *   events wait in the queue.
 */
import { randomUUID } from 'node:crypto';
import type { EventSource, RunSummary, RunTrigger, Side, SyncEvent } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import type { Db } from '../../store/db';
import type { PairStore } from '../pair-store';
import type { RunRequest } from '../run/context';
import { createOutcomes } from './outcome';
import type { EventStore, Outcome, QueuedEvent } from './store';

/** Events per run: a burst is applied in runs of at most this many. */
export const EVENT_BATCH = 500;
export const MAX_ATTEMPTS = 10;

export type EventRuns = {
  busy(pairId: string): boolean;
  /** Starts a run of the pair now; throws when it cannot start (paused, busy, deleted). */
  startEvents(pairId: string, trigger: RunTrigger, only: RunRequest['only'] | null): Promise<RunSummary>;
};

export type WorkerDeps = {
  db: Db;
  events: EventStore;
  pairs: PairStore;
  runs: EventRuns;
  /** The pair's queue changed: its summary should be sent again (throttled here). */
  changed: (pairId: string) => void;
  log: (message: string, error?: unknown) => void;
};
export type WorkerOptions = { /** Backoff of the first retry (doubles each time, with jitter; default 1 s, at most 5 min). */ retryMs?: number; changedEveryMs?: number };

type Waiter = (e: SyncEvent) => void;

export function createEventWorker(deps: WorkerDeps, options: WorkerOptions = {}) {
  const retryMs = options.retryMs ?? 1_000;
  const changedEveryMs = options.changedEveryMs ?? 250;
  const outcomesOf = createOutcomes(deps.db);
  const scheduled = new Set<string>();
  const active = new Map<string, Promise<void>>();
  const timers = new Map<string, { timer: NodeJS.Timeout; when: number }>();
  const waiters = new Map<string, Set<Waiter>>();
  const lastChanged = new Map<string, number>();
  const changeTimers = new Map<string, NodeJS.Timeout>();
  let closed = false;
  /**
   * Per pair and side, the dedupe key of its pending "this side changed" event: a feed's signals
   * while one waits add nothing; once a run takes it, the next signal gets a new key (the run may
   * have read before that change committed). Random per engine, so no key meets an old event's.
   */
  const sideKeys = new Map<string, string>();
  const sideKey = (pairId: string, side: Side) => {
    const k = `${pairId}\u0000${side}`;
    let v = sideKeys.get(k);
    if (!v) sideKeys.set(k, (v = `feed:${randomUUID()}`));
    return v;
  };

  /** Says the pair's queue changed, at most every `changedEveryMs` (a burst would send a summary per event). */
  function changed(pairId: string): void {
    if (changeTimers.has(pairId)) return;
    const wait = (lastChanged.get(pairId) ?? 0) + changedEveryMs - Date.now();
    const fire = () => {
      changeTimers.delete(pairId);
      lastChanged.set(pairId, Date.now());
      if (!closed && deps.pairs.get(pairId)) deps.changed(pairId);
    };
    if (wait <= 0) return fire();
    const t = setTimeout(fire, wait);
    t.unref?.();
    changeTimers.set(pairId, t);
  }

  function kick(pairId: string): void {
    if (closed || scheduled.has(pairId)) return;
    scheduled.add(pairId);
    setImmediate(() => {
      scheduled.delete(pairId);
      if (closed || active.has(pairId)) return;
      const work = drain(pairId)
        .catch((e: unknown) => deps.log(`the event queue of pair ${pairId} stopped`, e))
        .finally(() => active.delete(pairId));
      active.set(pairId, work);
    });
  }

  /** Kicks the pair at `at`, or earlier if it is to be kicked earlier already. */
  function wakeAt(pairId: string, at: string): void {
    const when = Date.parse(at);
    const had = timers.get(pairId);
    if (had && had.when <= when) return;
    clearTimeout(had?.timer);
    const timer = setTimeout(() => {
      timers.delete(pairId);
      kick(pairId);
    }, Math.min(Math.max(0, when - Date.now()), 2 ** 31 - 1));
    timer.unref?.();
    timers.set(pairId, { timer, when });
  }

  /** Applies the pair's due events, a run at a time, while there are any and the pair can run. */
  async function drain(pairId: string): Promise<void> {
    while (!closed) {
      const pair = deps.pairs.get(pairId);
      if (!pair || pair.paused) return;
      if (pair.pausedUntil && Date.parse(pair.pausedUntil) > Date.now()) return wakeAt(pairId, pair.pausedUntil);
      if (!deps.pairs.lastFinishedRun(pairId)) return; // the first sync is the user's to start
      if (deps.runs.busy(pairId)) return; // the run's end kicks again
      const due = deps.events.due(pairId, EVENT_BATCH);
      if (due.length === 0) {
        const next = deps.events.nextDueAt(pairId);
        if (next) wakeAt(pairId, next);
        return;
      }
      // Side events go in an incremental run of their own; record events in a run of just their records.
      const sideEvents = due.filter((e) => e.recordId === null);
      const batch = sideEvents.length > 0 && due[0]?.recordId === null ? sideEvents : due.filter((e) => e.recordId !== null);
      await apply(pairId, batch, batch === sideEvents);
      changed(pairId);
    }
  }

  async function apply(pairId: string, batch: QueuedEvent[], sideLevel: boolean): Promise<void> {
    if (sideLevel) for (const e of batch) sideKeys.delete(`${pairId}\u0000${e.side}`);
    const trigger: RunTrigger = batch.some((e) => e.source === 'webhook') ? 'webhook' : 'feed';
    let run: RunSummary;
    try {
      run = await deps.runs.startEvents(pairId, trigger, sideLevel ? null : onlyOf(batch));
    } catch (e) {
      // The pair could not run (paused, deleted, busy after all): its events wait for the next kick.
      deps.log(`events of pair ${pairId} wait: a run did not start`, e);
      return postpone(batch, new Date(Date.now() + retryMs).toISOString(), e instanceof Error ? e.message : String(e), null, false);
    }
    const pair = deps.pairs.get(pairId);
    const until = pair?.pausedUntil && Date.parse(pair.pausedUntil) > Date.now() ? pair.pausedUntil : null;
    // A partial run wrote what it could: records that failed are in the failed list (their events
    // say so), unless a rate limit cut it short — then everything waits for the limit to end.
    if (run.status === 'succeeded' || (run.status === 'partial' && !until)) {
      const named = batch.flatMap((e) => (e.recordId === null ? [] : [{ side: e.side, recordId: e.recordId, correlationId: e.correlationId }]));
      const found = outcomesOf(pairId, run.id, named);
      let i = 0;
      const outcomes: Outcome[] = [];
      for (const e of batch) {
        if (e.recordId === null) {
          outcomes.push({ correlationId: e.correlationId, state: 'applied', runId: run.id, detail: { note: `The app's changes were read and synced by run ${run.id}.` } });
          continue;
        }
        const o = found[i++] ?? { state: 'applied', detail: {} };
        // The record failed for a passing reason (the app down): the event is tried again on the
        // queue's backoff (a run of its record forces it, whatever the failed list's longer backoff).
        if (o.state === 'pending') postpone([e], backoff([e]), o.detail.error ?? 'The write failed.', run.id, true);
        else outcomes.push({ correlationId: e.correlationId, runId: run.id, state: o.state, detail: o.detail });
      }
      deps.events.finish(outcomes);
      settle(outcomes.map((o) => o.correlationId));
      return;
    }
    const cancelled = run.status === 'cancelled';
    const error = run.error ?? `The run ended ${run.status}.`;
    postpone(batch, until ?? backoff(batch), error, run.id, !cancelled);
  }

  function backoff(batch: QueuedEvent[]): string {
    const attempts = Math.max(...batch.map((e) => e.attempts));
    const ms = Math.min(300_000, retryMs * 2 ** attempts) * (0.5 + Math.random() / 2);
    return new Date(Date.now() + ms).toISOString();
  }

  function postpone(batch: QueuedEvent[], at: string, error: string, runId: string | null, countAttempt: boolean): void {
    const spent = countAttempt ? batch.filter((e) => e.attempts + 1 >= MAX_ATTEMPTS) : [];
    if (spent.length > 0) {
      const detail = { error: `Given up after ${MAX_ATTEMPTS} attempts: ${error} The pair's scheduled runs still bring the change across once the app answers.` };
      deps.events.finish(spent.map((e) => ({ correlationId: e.correlationId, state: 'failed', runId, detail })));
      settle(spent.map((e) => e.correlationId));
    }
    const rest = batch.filter((e) => !spent.includes(e)).map((e) => e.correlationId);
    deps.events.postpone(rest, at, error, runId, countAttempt);
    if (rest.length > 0 && !closed) wakeAt(batch[0]?.pairId ?? '', at);
  }

  function settle(correlationIds: string[]): void {
    for (const id of correlationIds) {
      const ws = waiters.get(id);
      if (!ws) continue;
      waiters.delete(id);
      const e = deps.events.get(id);
      if (e) for (const w of ws) w(e);
    }
  }

  return {
    kick,
    /** A change feed's "this side changed": queued once while one waits (see `sideKeys`), then applied by an incremental run. */
    enqueueSide(pairId: string, side: Side, source: EventSource): void {
      deps.events.add([{ pairId, side, source, dedupeKey: sideKey(pairId, side), recordId: null, kind: 'changed' }]);
      kick(pairId);
      changed(pairId);
    },
    /** Picks up the queues an earlier engine left (called once at start). */
    start(): void {
      for (const pairId of deps.events.pairsWithPending()) kick(pairId);
    },
    /** The event once it has an outcome, or null after `timeoutMs` (it is still pending then). */
    waitFor(correlationId: string, timeoutMs: number): Promise<SyncEvent | null> {
      const now = deps.events.get(correlationId);
      if (!now || now.state !== 'pending') return Promise.resolve(now);
      return new Promise((resolve) => {
        const ws = waiters.get(correlationId) ?? new Set<Waiter>();
        waiters.set(correlationId, ws);
        const done: Waiter = (e) => {
          clearTimeout(timer);
          resolve(e);
        };
        const timer = setTimeout(() => {
          ws.delete(done);
          if (ws.size === 0) waiters.delete(correlationId);
          resolve(null);
        }, timeoutMs);
        ws.add(done);
      });
    },
    changed,
    async close(): Promise<void> {
      closed = true;
      for (const t of timers.values()) clearTimeout(t.timer);
      for (const t of changeTimers.values()) clearTimeout(t);
      await Promise.allSettled([...active.values()]);
    },
  };
}

/** The records a batch of record events names, per side, with their events' correlation ids and the last record a fat event carried. */
function onlyOf(batch: QueuedEvent[]): NonNullable<RunRequest['only']> {
  const events: Record<Side, Map<string, { correlationId: string; record: AppRecord | null }>> = { left: new Map(), right: new Map() };
  for (const e of batch) {
    if (e.recordId === null) continue;
    const had = events[e.side].get(e.recordId);
    // The latest event decides: a thin or delete event after a fat one means "read the app".
    const record = e.kind === 'upsert' && e.record ? { ...e.record, id: e.recordId } : null;
    events[e.side].set(e.recordId, { correlationId: had ? `${had.correlationId} ${e.correlationId}` : e.correlationId, record });
  }
  return { left: [...events.left.keys()], right: [...events.right.keys()], events };
}

export type EventWorker = ReturnType<typeof createEventWorker>;
