/**
 * The last stage: flags cleared on what was processed, cursors moved, the journal closed and
 * pruned. A cursor moves only when every record read before it was processed — written, skipped,
 * sent to the inbox, or in the failed list — so a rate limit or a cancel leaves it where it was
 * (PITFALLS 7); a Retry never moves it.
 */
import type { RunStatus } from '../../api/model';
import { SIDES, type RunContext } from './context';
import type { DetectEnd } from './detect';
import { createReleased } from '../released';

export type RunOutcome = { status: RunStatus; error: string | null };

export async function finish(run: RunContext, ends: Record<'left' | 'right', DetectEnd>): Promise<RunOutcome> {
  const { state } = run.deps;
  if (run.req.signal.aborted) return { status: 'cancelled', error: null };
  run.progress('finishing');
  for (const side of SIDES) {
    const io = run.io[side];
    if (io.mode !== 'flag' || !io.canClearFlags) continue;
    for (let after: string | null = null; ; ) {
      const page = run.work.seenPage(side, after, 1_000);
      if (page.length === 0) break;
      after = page[page.length - 1]?.id ?? after;
      // Each only if it still holds the version read: an edit made during the run keeps its flag (PITFALLS 7).
      const done = page.filter((r) => !run.unprocessed[side].has(r.id)).map((r) => (r.version !== null ? { id: r.id, version: r.version } : { id: r.id }));
      if (done.length > 0) await io.clearFlags(done);
    }
  }
  const moveCursors = !run.rateLimited && !run.req.only;
  state.transaction(() => {
    if (moveCursors) {
      for (const side of SIDES) {
        const c = ends[side].cursor;
        if (c) state.setCursor(run.pairId, side, c);
      }
      // Read and matched (or held again, by a conflict whose resolution will release them again).
      const released = createReleased(state.db);
      for (const side of SIDES) released.remove(run.pairId, side, run.released[side]);
    }
    if (run.req.full && !run.rateLimited) run.deps.pairs.setLastFullAt(run.pairId, new Date().toISOString());
  });
  if (!run.rateLimited) state.closeAndPruneJournal(run.pairId, run.runId);
  await run.work.clear();
  const failed = run.counts.failed;
  if (run.rateLimited) return { status: 'partial', error: `${run.rateLimited.message} The pair waits and resumes from its cursor.` };
  return { status: failed > 0 ? 'partial' : 'succeeded', error: failed > 0 ? `${failed === 1 ? '1 record' : `${failed} records`} failed; see the failed list.` : null };
}
