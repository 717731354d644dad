/**
 * Retention: activity entries, finished runs, resolved conflicts and finished journal rows older
 * than the retention period (a setting, default 90 days) are deleted, then the freed pages are
 * given back to the file system by an incremental vacuum. Runs in the background (an hourly tick,
 * the first soon after start) and on request.
 *
 * Invariants:
 * - Never pruned: a running run, a pair's latest finished run (its card shows it), journal rows
 *   still pending or unknown (crash recovery needs them), open conflicts, failed records.
 * - Work is cut into batches, each its own short transaction, with the event loop let go between
 *   them: pruning a million rows never holds the engine (a run's commit, a UI query) for long.
 * - The database is in `auto_vacuum = INCREMENTAL` (set at creation by store/db.ts); a database
 *   made before that is converted once by a full VACUUM, in the background, when nothing else
 *   holds a statement open.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PruneResult } from '../api/model';
import type { Db } from '../store/db';
import { retentionDays } from './settings';

export type { PruneResult } from '../api/model';
type PruneCounts = Omit<PruneResult, 'cutoff' | 'freedPages'>;

const BATCH = 2_000;
const VACUUM_PAGES = 2_000;
const DAY_MS = 86_400_000;

/** Deletes batch by batch until `sql` (a DELETE … LIMIT-style statement returning changes) deletes nothing. */
async function inBatches(db: Db, run: () => number, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    signal?.throwIfAborted();
    const n = db.transaction(run)();
    total += n;
    if (n < BATCH) return total;
    await yieldToLoop();
  }
}

export async function prune(db: Db, now: Date, signal?: AbortSignal): Promise<PruneResult> {
  const cutoff = new Date(now.getTime() - retentionDays(db) * DAY_MS).toISOString();
  const counts: PruneCounts = { activity: 0, runs: 0, conflicts: 0, journal: 0, events: 0 };
  const pairs = db.prepare('SELECT id FROM pairs').pluck().all() as string[];
  // Per pair, so each delete walks the pair's index (pair_id first) instead of scanning the table.
  const activity = db.prepare('DELETE FROM activity WHERE rowid IN (SELECT rowid FROM activity WHERE pair_id = ? AND at < ? LIMIT ?)');
  const journal = db.prepare("DELETE FROM journal WHERE id IN (SELECT id FROM journal WHERE pair_id = ? AND status IN ('done', 'failed') AND coalesce(finished_at, created_at) < ? LIMIT ?)");
  const conflicts = db.prepare("DELETE FROM conflicts WHERE rowid IN (SELECT rowid FROM conflicts WHERE pair_id = ? AND status = 'resolved' AND resolved_at < ? LIMIT ?)");
  const runs = db.prepare(
    `DELETE FROM runs WHERE rowid IN (SELECT rowid FROM runs WHERE pair_id = @pairId AND status <> 'running' AND finished_at IS NOT NULL AND finished_at < @cutoff
       AND id <> coalesce((SELECT id FROM runs WHERE pair_id = @pairId AND status <> 'running' ORDER BY started_at DESC, rowid DESC LIMIT 1), '')
       AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.run_id = runs.id AND j.status IN ('pending', 'unknown')) LIMIT @limit)`,
  );
  const events = db.prepare("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE pair_id = ? AND state <> 'pending' AND finished_at < ? LIMIT ?)");
  // Workflow actions' deliveries that are settled (a pending one is still to be sent), with their attempts.
  const deliveries = db.prepare("DELETE FROM action_deliveries WHERE rowid IN (SELECT rowid FROM action_deliveries WHERE pair_id = ? AND status <> 'pending' AND occurred_at < ? LIMIT ?)");
  for (const pairId of pairs) {
    counts.events = (counts.events ?? 0) + (await inBatches(db, () => events.run(pairId, cutoff, BATCH).changes, signal));
    await inBatches(db, () => deliveries.run(pairId, cutoff, BATCH).changes, signal);
    counts.activity += await inBatches(db, () => activity.run(pairId, cutoff, BATCH).changes, signal);
    counts.journal += await inBatches(db, () => journal.run(pairId, cutoff, BATCH).changes, signal);
    counts.conflicts += await inBatches(db, () => conflicts.run(pairId, cutoff, BATCH).changes, signal);
    counts.runs += await inBatches(db, () => runs.run({ pairId, cutoff, limit: BATCH }).changes, signal);
  }
  const freedPages = await incrementalVacuum(db, signal);
  return { ...counts, cutoff, freedPages };
}

/** Gives free pages back to the file system, a batch at a time; returns how many pages it freed. */
export async function incrementalVacuum(db: Db, signal?: AbortSignal): Promise<number> {
  if (db.pragma('auto_vacuum', { simple: true }) !== 2) {
    // A database made before auto_vacuum was set: convert it once (the mode takes effect with a VACUUM).
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  }
  let freed = 0;
  for (;;) {
    signal?.throwIfAborted();
    const free = db.pragma('freelist_count', { simple: true }) as number;
    if (free === 0) break;
    db.pragma(`incremental_vacuum(${Math.min(free, VACUUM_PAGES)})`);
    freed += Math.min(free, VACUUM_PAGES);
    await yieldToLoop();
  }
  // The WAL holds the vacuum's pages until a checkpoint writes them into the file and truncates it.
  if (freed > 0) db.pragma('wal_checkpoint(TRUNCATE)');
  return freed;
}

/** The background tick: prunes once soon after start, then every `intervalMs`; one at a time. */
export function startRetention(db: Db, options: { now: () => Date; intervalMs: number; firstAfterMs: number; log: (message: string, error?: unknown) => void; done: (result: PruneResult) => void }) {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const stopping = new AbortController();
  const tick = () => {
    if (running || stopped) return;
    running = prune(db, options.now(), stopping.signal)
      .then(options.done)
      .catch((error: unknown) => {
        // A statement held open elsewhere (VACUUM refuses then) or a busy file: the next tick tries again.
        if (!stopped) options.log('retention: pruning failed; trying again at the next tick', error);
      })
      .finally(() => (running = null));
  };
  const first = setTimeout(tick, options.firstAfterMs);
  const timer = setInterval(tick, options.intervalMs);
  first.unref?.();
  timer.unref?.();
  return {
    async stop() {
      stopped = true;
      stopping.abort();
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
