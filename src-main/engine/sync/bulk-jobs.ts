/**
 * Bulk resolutions as jobs: "take master/slave" over a selection or over every open conflict
 * matching a filter, with no cap on count. A job works in batches of one pair's conflicts (one
 * app write per batch, bulk-resolve.ts), each batch alone with the pair (`exclusive`, so no run
 * interleaves), reports itself after every batch (`conflicts/bulk-progress`), and stops after the
 * batch in progress when cancelled. What a batch wrote stays written and resolved.
 */
import { randomUUID } from 'node:crypto';
import type { BulkJob, ConflictQuery, ResolveOutcome } from '../api/model';
import { notFound } from '../api/errors';
import type { EngineContext } from '../context';
import { resolveFieldBatch, type BatchFailure } from './bulk-resolve';
import type { ConflictList } from './conflict-list';
import type { ConflictRow } from './records-store';
import { bulkResolution, resolveConflict } from './resolver';
import type { RunDeps } from './runner';
import { yieldToEventLoop } from './side-io';

/** Conflicts per batch: one app write and one commit transaction each; small enough that Cancel lands within a second. */
export const BULK_BATCH = 500;
/** A job keeps this many refusals with their reasons (the count is complete). */
const KEPT_FAILURES = 50;
/** Finished jobs kept for `conflicts/bulk-get`. */
const KEPT_JOBS = 20;
/** The open counts and pair summaries (a few counting queries) are sent at most this often while a job runs, and at its end. */
const COUNTS_EVERY_MS = 1000;

type Exclusive = <T>(pairId: string, fn: () => Promise<T>) => Promise<T>;
export type BulkRequest = { take: 'master' | 'slave'; conflictIds: string[] } | { take: 'master' | 'slave'; filter: ConflictQuery };

export function createBulkJobs(ctx: EngineContext, deps: RunDeps, list: ConflictList, exclusive: Exclusive, onBatch: (pairIds: Set<string>) => void, batchSize = BULK_BATCH) {
  const jobs = new Map<string, { job: BulkJob; abort: AbortController; done: Promise<void> }>();
  const snapshot = (job: BulkJob): BulkJob => ({ ...job, failures: [...job.failures] });

  async function run(job: BulkJob, req: BulkRequest, signal: AbortSignal): Promise<void> {
    const batches: Iterable<string[]> =
      'conflictIds' in req ? chunks([...new Set(req.conflictIds)], batchSize) : list.ids({ ...req.filter, status: 'open' }, batchSize, list.maxRowid());
    const noteFailure = (f: BatchFailure) => {
      job.failed++;
      if (job.failures.length < KEPT_FAILURES) job.failures.push(f);
    };
    const touched = new Set<string>();
    let countsAt = Date.now();
    for (const ids of batches) {
      if (signal.aborted) break;
      const rows = deps.records.conflictsByIds(ids);
      const found = new Set(rows.map((r) => r.id));
      for (const id of ids) if (!found.has(id)) noteFailure({ conflictId: id, record: id, error: 'This conflict no longer exists.' });
      const byPair = new Map<string, ConflictRow[]>();
      for (const c of rows) byPair.set(c.pairId, [...(byPair.get(c.pairId) ?? []), c]);
      for (const [pairId, group] of byPair) {
        const open = group.filter((c) => {
          if (c.status === 'open') return true;
          noteFailure({ conflictId: c.id, record: c.record, error: 'This conflict was already resolved.' });
          return false;
        });
        const field = open.filter((c) => c.kind === 'field');
        const others = open.filter((c) => c.kind !== 'field');
        try {
          await exclusive(pairId, async () => {
            if (field.length > 0) {
              const outcome = await resolveFieldBatch(deps, pairId, field, req.take);
              job.resolved += outcome.resolved.length;
              outcome.failures.forEach(noteFailure);
            }
            // Edits against deletes are few: each goes through the one-conflict resolver.
            for (const c of others) {
              const masterSide = deps.pairs.get(pairId)?.config.masterSide;
              const resolution = masterSide ? bulkResolution(c, masterSide, req.take) : 'The pair was deleted.';
              if (c.kind === 'duplicate') {
                job.skipped++;
                continue;
              }
              if (typeof resolution === 'string') {
                noteFailure({ conflictId: c.id, record: c.record, error: resolution });
                continue;
              }
              const outcome: ResolveOutcome = await resolveConflict(deps, c.id, resolution).catch((e: unknown) => ({ conflictId: c.id, status: 'failed' as const, wrote: { left: 0, right: 0 }, error: e instanceof Error ? e.message : String(e) }));
              if (outcome.status === 'resolved') job.resolved++;
              else noteFailure({ conflictId: c.id, record: c.record, error: outcome.error ?? 'not resolved' });
            }
          });
        } catch (e) {
          // The pair is busy (a long sync) or its app cannot be opened: this batch stays open, the job goes on.
          const message = e instanceof Error ? e.message : String(e);
          for (const c of open) noteFailure({ conflictId: c.id, record: c.record, error: message });
        }
      }
      job.done += ids.length;
      for (const pairId of byPair.keys()) touched.add(pairId);
      if (Date.now() - countsAt >= COUNTS_EVERY_MS) {
        onBatch(new Set(touched));
        touched.clear();
        countsAt = Date.now();
      }
      ctx.emit('conflicts/bulk-progress', snapshot(job));
      // A batch of local writes is synchronous work: let the server answer (and Cancel land) in between.
      await yieldToEventLoop();
    }
    if (touched.size > 0) onBatch(touched);
  }

  return {
    start(req: BulkRequest): BulkJob {
      const total = 'conflictIds' in req ? new Set(req.conflictIds).size : list.count({ ...req.filter, status: 'open' });
      const job: BulkJob = { id: randomUUID(), take: req.take, status: 'running', total, done: 0, resolved: 0, failed: 0, skipped: 0, failures: [], error: null, startedAt: new Date().toISOString(), finishedAt: null };
      const abort = new AbortController();
      const done = run(job, req, abort.signal)
        .then(() => {
          job.status = abort.signal.aborted ? 'cancelled' : 'done';
        })
        .catch((e: unknown) => {
          job.status = 'failed';
          job.error = e instanceof Error ? e.message : String(e);
        })
        .finally(() => {
          job.finishedAt = new Date().toISOString();
          ctx.emit('conflicts/bulk-progress', snapshot(job));
          const finished = [...jobs.values()].filter((j) => j.job.status !== 'running');
          for (const old of finished.slice(0, Math.max(0, finished.length - KEPT_JOBS))) jobs.delete(old.job.id);
        });
      jobs.set(job.id, { job, abort, done });
      ctx.emit('conflicts/bulk-progress', snapshot(job));
      return snapshot(job);
    },
    get(jobId: string): BulkJob {
      const j = jobs.get(jobId);
      if (!j) throw notFound('Bulk job', jobId);
      return snapshot(j.job);
    },
    cancel(jobId: string): BulkJob {
      const j = jobs.get(jobId);
      if (!j) throw notFound('Bulk job', jobId);
      j.abort.abort();
      return snapshot(j.job);
    },
    /** Waits for a job to end (tests, the bench, engine shutdown). */
    async wait(jobId: string): Promise<BulkJob> {
      const j = jobs.get(jobId);
      if (!j) throw notFound('Bulk job', jobId);
      await j.done;
      return snapshot(j.job);
    },
    async close(): Promise<void> {
      for (const j of jobs.values()) j.abort.abort();
      await Promise.all([...jobs.values()].map((j) => j.done));
    },
  };
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
