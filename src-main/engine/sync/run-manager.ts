/**
 * Runs of pairs: one at a time per pair (a trigger during a run joins it and gets its runId),
 * pairs independent of each other, cancel by runId. Emits `run/progress`, `run/finished`,
 * `pairs/changed` and `conflicts/changed`.
 * One exception to joining: a full resync asked for during an incremental run cannot join it
 * (that run has read only the changes), so it is queued and starts as soon as the run ends —
 * unless that run is cancelled, which cancels what was queued behind it too.
 * A run applying queued events (`startEvents`: webhooks, change feeds) never joins either: the
 * event queue's worker starts it only when the pair is free (sync/events/worker.ts).
 * A second exception: "Retry" of failed records (`retry`) never joins a run either. A run reads
 * its own changes and leaves a failed record to its backoff, so a retry that joined it would drop
 * the ids it was asked to force. Retries asked while the pair is busy wait in `retryQueued`
 * (their ids merged) and run as one run of their own once the pair is free — started in the same
 * turn the run before it ends, so no scheduled run can slip in between.
 */
import type { PairSummary, RunProgress, RunSummary, RunTrigger } from '../api/model';
import { ApiError } from '../api/errors';
import type { EngineContext } from '../context';
import { executeRun, MASS_DELETE_HALT, type RunDeps, type RunRequest } from './runner';

type Running = { run: RunSummary; controller: AbortController; done: Promise<RunSummary> };
type Ids = { left: string[]; right: string[] };
type Only = NonNullable<RunRequest['only']>;
/** Retries waiting for their pair to be free: the union of their ids and everyone waiting on the run. */
type QueuedRetry = { left: Set<string>; right: Set<string>; waiters: { resolve: (r: RunSummary) => void; reject: (e: unknown) => void }[] };

const PROGRESS_EVERY_MS = 150;
/** How long a steward's write-back waits for a run of its pair before it says to try again. */
const EXCLUSIVE_WAIT_MS = 15_000;

/**
 * `changedSoon`: says a pair changed, throttled. Runs that apply queued events (triggers `webhook`
 * and `feed`) come many a second under a burst; their start and end are said through it rather
 * than with a summary each (a summary counts the pair's links).
 * `onFinished`: called inside the transaction that records a run's end, so what it writes (the
 * workflow actions' outbox, actions/announce.ts) commits with it; it must not throw.
 */
export function createRunManager(
  ctx: EngineContext,
  deps: RunDeps,
  summary: (pairId: string) => PairSummary,
  options: { stewardWaitMs?: number; changedSoon?: (pairId: string) => void; onFinished?: (run: RunSummary) => void } = {},
) {
  const stewardWaitMs = options.stewardWaitMs ?? EXCLUSIVE_WAIT_MS;
  const running = new Map<string, Running>();
  /**
   * The one run waiting for the pair's run in progress (or its steward) to end: a full resync that
   * could not join an incremental run.
   */
  const queued = new Map<string, { trigger: RunTrigger; full: boolean }>();
  const retryQueued = new Map<string, QueuedRetry>();
  let closing = false;
  /** Pairs whose conflicts or activity a steward is writing back right now (see `exclusive`). */
  const stewarding = new Map<string, Promise<unknown>>();

  const emitCounts = () => ctx.emit('conflicts/changed', deps.records.openCounts());

  function start(pairId: string, trigger: RunTrigger, full: boolean, confirmDeletes?: number): Running {
    return launch(pairId, trigger, full, undefined, confirmDeletes);
  }

  function launch(pairId: string, trigger: RunTrigger, full: boolean, only?: Only, confirmDeletes?: number): Running {
    const current = running.get(pairId);
    if (current && confirmDeletes !== undefined) {
      // Joining would drop the confirmation; the run in progress may halt (or not) on its own.
      throw new ApiError('conflict', 'A sync of this pair is running; apply the deletes when it has finished (its card shows the progress).');
    }
    if (current && only) throw new Error('a retry must not join a run (it would drop its ids): use retry()');
    if (current) {
      if (full && current.run.mode === 'incremental' && !current.controller.signal.aborted) queued.set(pairId, { trigger, full: true });
      return current; // a trigger during a run joins it
    }
    if (stewarding.has(pairId)) {
      throw new ApiError('conflict', 'A conflict resolution, a restore or a connection’s new settings are being written or checked for this pair right now; start the sync again in a moment.');
    }
    const pair = deps.pairs.get(pairId);
    if (!pair) throw new ApiError('not-found', `Pair "${pairId}" does not exist (it may have been deleted). Reload the list and try again.`);
    if (pair.paused) throw new ApiError('conflict', `"${pair.name}" is paused${pair.healthReason ? `: ${pair.healthReason}` : ''}. Resume the pair to sync it.`);
    if (pair.pausedUntil && Date.parse(pair.pausedUntil) > Date.now()) {
      throw new ApiError('unavailable', `"${pair.name}" is waiting for an app's rate limit until ${pair.pausedUntil}; it resumes on its own then.`);
    }
    const run = deps.pairs.startRun(pairId, trigger, full ? 'full' : 'incremental');
    const quiet = trigger === 'webhook' || trigger === 'feed';
    const controller = new AbortController();
    const before = deps.records.openCounts().open;
    let lastProgress = 0;
    let lastPhase = '';
    const onProgress = (p: Omit<RunProgress, 'pairId' | 'runId'>) => {
      const t = Date.now();
      // Writes report often: a few a second reach the UI, but never at the cost of a phase's first report.
      if (t - lastProgress < PROGRESS_EVERY_MS && p.phase === 'writing' && lastPhase === 'writing') return;
      lastProgress = t;
      lastPhase = p.phase;
      ctx.emit('run/progress', { pairId, runId: run.id, ...p });
    };
    const entry: Running = {
      run,
      controller,
      done: (async () => {
        let outcome;
        try {
          outcome = await executeRun(deps, { pairId, runId: run.id, full, signal: controller.signal, onProgress, ...(only ? { only } : {}), ...(confirmDeletes !== undefined ? { confirmDeletes } : {}) });
        } catch (e) {
          ctx.log(`run ${run.id} crashed`, e);
          outcome = { status: 'failed' as const, counts: run.counts, error: e instanceof Error ? e.message : String(e) };
        }
        const finished = ctx.db.transaction(() => {
          const f = deps.pairs.finishRun(run.id, outcome.status, outcome.counts, outcome.error);
          options.onFinished?.(f);
          return f;
        })();
        running.delete(pairId);
        if (deps.pairs.get(pairId)) {
          if (outcome.status === 'succeeded') {
            const p = deps.pairs.get(pairId);
            if (p && !p.paused && p.healthReason?.startsWith(MASS_DELETE_HALT)) deps.pairs.setHealthReason(pairId, null);
          }
          ctx.emit('run/progress', { pairId, runId: run.id, phase: 'finishing', read: outcome.counts.read, total: null, written: outcome.counts.created + outcome.counts.updated + outcome.counts.deleted });
          ctx.emit('run/finished', finished);
          if (quiet && options.changedSoon) options.changedSoon(pairId);
          else ctx.emit('pairs/changed', summary(pairId));
          if (deps.records.openCounts().open !== before || outcome.counts.conflicts > 0) emitCounts();
        }
        const next = queued.get(pairId);
        queued.delete(pairId);
        if (next && outcome.status !== 'cancelled' && !closing) startQueued(pairId, next, `run ${run.id}`);
        // Retries go after a queued run (which started just above, so they wait for it too).
        if (!running.has(pairId)) startQueuedRetry(pairId);
        return finished;
      })(),
    };
    running.set(pairId, entry);
    if (quiet && options.changedSoon) options.changedSoon(pairId);
    else ctx.emit('pairs/changed', summary(pairId));
    return entry;
  }

  function startQueued(pairId: string, next: { trigger: RunTrigger; full: boolean }, behind: string): void {
    try {
      launch(pairId, next.trigger, next.full);
    } catch (e) {
      ctx.log(`the ${next.full ? 'full resync' : `${next.trigger} run`} queued behind ${behind} did not start`, e);
    }
  }

  /** Starts the retries queued for a pair as one run; everyone who asked hears how it ended. */
  function startQueuedRetry(pairId: string): void {
    const q = retryQueued.get(pairId);
    if (!q) return;
    retryQueued.delete(pairId);
    try {
      if (closing) throw new ApiError('unavailable', 'Concord is stopping; retry the record when it has started again.');
      const { done } = launch(pairId, 'retry', false, { left: [...q.left], right: [...q.right] });
      void done.then((r) => q.waiters.forEach((w) => w.resolve(r)));
    } catch (e) {
      q.waiters.forEach((w) => w.reject(e));
    }
  }

  /**
   * Retries these records now, whatever their backoff, in a run of their own: at once when the
   * pair is free, else right after the run in progress (and any full resync queued behind it),
   * together with the other retries asked meanwhile. Resolves with the run that retried them.
   */
  function retry(pairId: string, ids: Ids): Promise<RunSummary> {
    if (!running.has(pairId)) return launch(pairId, 'retry', false, ids).done;
    return new Promise<RunSummary>((resolve, reject) => {
      const q = retryQueued.get(pairId) ?? { left: new Set<string>(), right: new Set<string>(), waiters: [] };
      ids.left.forEach((id) => q.left.add(id));
      ids.right.forEach((id) => q.right.add(id));
      q.waiters.push({ resolve, reject });
      retryQueued.set(pairId, q);
    });
  }

  /**
   * Runs a steward's write-back (a resolution, a restore) alone with the pair: after the run in
   * progress, with no run starting until it is done. A run plans from the base it read; a
   * resolution written between its read and its commit would be overwritten by that run's stale
   * base (and the conflict would come back). Write-backs of one pair queue behind each other.
   * A connection's new settings are checked the same way (connection-edit.ts). `busy`: the answer
   * when the pair's run does not end within the steward's wait (default: a conflict resolution's).
   */
  async function exclusive<T>(pairId: string, fn: () => Promise<T>, busy?: string): Promise<T> {
    const deadline = Date.now() + stewardWaitMs;
    for (;;) {
      const ahead = stewarding.get(pairId);
      if (ahead) await ahead.catch(() => undefined);
      const run = running.get(pairId);
      if (run) {
        const left = deadline - Date.now();
        let timer: NodeJS.Timeout | undefined;
        const waited = await Promise.race([run.done.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, left))))]);
        clearTimeout(timer);
        if (!waited) {
          // A long sync: answer now rather than hold the steward (and the desktop's call timeout) for minutes.
          throw new ApiError('conflict', busy ?? 'A sync of this pair is running, so nothing was written and the conflict stays open. Apply your choice again when the sync has finished (the pair card shows its progress).');
        }
      }
      if (!stewarding.has(pairId) && !running.has(pairId)) break;
    }
    const work = fn();
    stewarding.set(pairId, work);
    try {
      return await work;
    } finally {
      stewarding.delete(pairId);
      const next = queued.get(pairId);
      if (next && !running.has(pairId) && !closing) {
        queued.delete(pairId);
        startQueued(pairId, next, "a steward's write-back");
      }
    }
  }

  return {
    start,
    /**
     * A run applying queued events (sync/events/worker.ts): of just the events' records (`only`),
     * or incremental (null). Never joins: the caller starts it only when the pair is not `busy`.
     */
    startEvents(pairId: string, trigger: RunTrigger, only: Only | null): Promise<RunSummary> {
      if (running.has(pairId) || stewarding.has(pairId)) throw new ApiError('conflict', 'The pair is busy.');
      return launch(pairId, trigger, false, only ?? undefined).done;
    },
    retry,
    exclusive,
    current: (pairId: string): RunSummary | null => running.get(pairId)?.run ?? null,
    /** A run is in progress, or a steward's write-back holds the pair: the scheduler leaves it be. */
    busy: (pairId: string): boolean => running.has(pairId) || stewarding.has(pairId),
    /** Resolves when the run with this id has finished (tests and the CLI wait on it). */
    async wait(runId: string): Promise<RunSummary | null> {
      for (const r of running.values()) if (r.run.id === runId) return r.done;
      return deps.pairs.run(runId);
    },
    cancel(runId: string): boolean {
      for (const [pairId, r] of running) {
        if (r.run.id === runId) {
          queued.delete(pairId);
          r.controller.abort(new Error('The run was cancelled.'));
          return true;
        }
      }
      return false;
    },
    async waitPair(pairId: string): Promise<void> {
      await running.get(pairId)?.done;
    },
    async close(): Promise<void> {
      closing = true;
      for (const pairId of [...retryQueued.keys()]) if (!running.has(pairId)) startQueuedRetry(pairId);
      for (const r of running.values()) r.controller.abort(new Error('Concord is stopping.'));
      await Promise.allSettled([...running.values()].map((r) => r.done));
    },
    emitCounts,
  };
}

export type RunManager = ReturnType<typeof createRunManager>;
