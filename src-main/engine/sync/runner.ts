/**
 * One run of a pair (DESIGN §4 steps 1–7), as a stream of stages, each its own module under
 * ./run with one job, each working one batch at a time; the run's working state lives in SQLite
 * (run/working-state.ts), never a whole side or every link in memory:
 *   detect    read one side's changes, a batch at a time             run/detect.ts
 *   assemble  put each record beside its link (by index) or stage it  run/assemble.ts
 *   plan      decide, purely                                          core/plan.ts
 *   apply     journal, then write the apps in batches                 run/apply.ts
 *   commit    links, bases, activity with each confirmed write        run/commit.ts
 *   recovery  finish what an interrupted run started                  run/recovery.ts
 *   deletes   relink replaced records, guard mass deletes, delete     run/gone.ts
 *   match     new records by key, a batch of keys at a time           run/match.ts
 *   finish    flags, cursors, journal pruned                          run/finish.ts
 * The cursor only moves when every record read was processed (PITFALLS 7).
 */
import type { PairConfig, RunCounts, RunStatus, Side } from '../api/model';
import { mappedAppFields } from '../core/mapping';
import { matchKey } from '../core/matching';
import type { ConnectorLease } from '../connections/pool';
import type { ConnectionService } from '../connections/service';
import { ConnectorError } from '../connectors/errors';
import type { Connector, OwnWrites } from '../connectors/types';
import { emptyCounts } from './pair-store';
import { SIDES, type RunContext, type RunDeps, type RunRequest } from './run/context';
import { assembleBatch, completeItems } from './run/assemble';
import { detect, dueFailedRecords, type DetectEnd } from './run/detect';
import { finish } from './run/finish';
import { markUnseen, settleGone } from './run/gone';
import { matchNew } from './run/match';
import { planLinked } from './run/plan-batch';
import { finishInterrupted, loadInterrupted, relinkPendingCreates } from './run/recovery';
import { createWorkingState } from './run/working-state';
import { createSideIo, RateLimited, type SideIo } from './side-io';
import { keySignature } from './state-store';
import { createReleased } from './released';

export type { RunDeps, RunRequest } from './run/context';
export { MASS_DELETE_HALT } from './run/gone';
export type RunOutcome = { status: RunStatus; counts: RunCounts; error: string | null };

export function sideMode(connections: ConnectionService, config: PairConfig, side: Side) {
  const def = connections.definition(config[side].connectionId);
  const mode = config[side].changeDetection ?? def.capabilities.changeDetection[0] ?? 'hash';
  return { def, mode };
}

/** A lease on a connector nobody else shares: opened now, closed when released (no pool). */
export function unpooledLease(open: () => Connector): ConnectorLease {
  const connector = open();
  let done = false;
  const retiring = new AbortController();
  const end = () => {
    if (done) return;
    done = true;
    retiring.abort(new DOMException('The connector was closed.', 'AbortError'));
    void connector.close().catch(() => undefined);
  };
  return { connector, release: end, discard: end, retired: retiring.signal };
}

/**
 * One side of a pair: its connector leased from the engine's pool (opened once per connection and
 * side, shared with every other user), its calls aborting with `signal` (a run's Cancel) and with
 * the engine's shutdown, each within its time limit.
 */
/** `ownWrites`: the side's records as Concord's own writes left them (a run's cursor reads leave them out, `ChangesOptions.ownWrites`). */
export function openSide(deps: Pick<RunDeps, 'connections' | 'connectors'>, config: PairConfig, side: Side, signal?: AbortSignal, ownWrites?: OwnWrites): SideIo {
  const { connections, connectors } = deps;
  const owner = signal && connectors ? AbortSignal.any([signal, connectors.signal]) : (signal ?? connectors?.signal);
  const { def, mode } = sideMode(connections, config, side);
  const id = config[side].connectionId;
  const conn = connections.get(id);
  const pool = connectors?.pool;
  return createSideIo({
    side,
    label: `${conn.name} (${config[side].collection})`,
    collection: config[side].collection,
    mode,
    capabilities: def.capabilities,
    acquire: () => (pool ? pool.acquire(id, side) : unpooledLease(() => connections.open(id))),
    ...(pool ? { budget: pool.budget(id, def.capabilities) } : {}),
    ...(owner ? { signal: owner } : {}),
    ...(connectors?.limits ? { limits: connectors.limits } : {}),
    ...(ownWrites ? { ownWrites } : {}),
  });
}

export function openSides(deps: Pick<RunDeps, 'connections' | 'connectors'>, config: PairConfig, signal?: AbortSignal, ownWrites?: (side: Side) => OwnWrites): Record<Side, SideIo> {
  return { left: openSide(deps, config, 'left', signal, ownWrites?.('left')), right: openSide(deps, config, 'right', signal, ownWrites?.('right')) };
}

/** Mapped fields missing in an app (a renamed or dropped column): the pair pauses naming them (PITFALLS 11). */
export async function missingFieldProblem(io: Record<Side, SideIo>, config: PairConfig, stableIds?: Record<Side, boolean>): Promise<string | null> {
  for (const side of SIDES) {
    const { collections } = await io[side].describe();
    const col = collections.find((c) => c.name === config[side].collection);
    if (stableIds) stableIds[side] = col?.stableIds === true;
    if (!col) return `The collection "${config[side].collection}" no longer exists in ${io[side].label} — choose another collection in the pair's settings, then resume the pair.`;
    const have = new Set(col.fields.map((f) => f.name));
    const gone = mappedAppFields(config.fields, side).filter((f) => !have.has(f.field));
    if (gone.length > 0) {
      const list = gone.map((g) => `"${g.field}"`).join(', ');
      return `Field ${list} no longer exists in ${io[side].label} — re-map ${gone.length > 1 ? 'them' : 'it'} in the pair's settings, then resume the pair.`;
    }
  }
  return null;
}

/**
 * A side the run may write (a field flows into it, or flag mode clears its flags) that cannot be
 * written at all: the run fails once, before it writes anything anywhere, rather than half-apply
 * the pair and fail the same way for every record (issue 13 §1).
 */
export async function readOnlyProblem(io: Record<Side, SideIo>, config: PairConfig): Promise<string | null> {
  for (const side of SIDES) {
    const into = side === 'left' ? 'right-to-left' : 'left-to-right';
    const written = config.fields.some((f) => f.direction === 'both' || f.direction === into) || io[side].mode === 'flag';
    if (!written) continue;
    try {
      await io[side].checkWritable();
    } catch (e) {
      if (e instanceof ConnectorError && e.reason === 'read-only') return `${io[side].label} is ${e.message} Nothing was written to either app.`;
      throw e;
    }
  }
  return null;
}

export async function executeRun(deps: RunDeps, request: RunRequest): Promise<RunOutcome> {
  // "Apply these deletes" re-reads in full: a halted run may have found them by a full read (a
  // cursor side sees no deletes, and an unchanged record's partner is never read otherwise).
  const req = request.confirmDeletes !== undefined ? { ...request, full: true } : request;
  const pair = deps.pairs.get(req.pairId);
  if (!pair) return { status: 'failed', counts: emptyCounts(), error: 'The pair was deleted.' };
  const counts = emptyCounts();
  const io = openSides(deps, pair.config, req.signal, (side) => (since, after, limit) => deps.state.ownWrites(pair.id, side, since, after, limit));
  try {
    const stableIds = { left: false, right: false };
    const problem = await missingFieldProblem(io, pair.config, stableIds);
    if (problem) {
      deps.pairs.setPaused(req.pairId, true, problem);
      return { status: 'halted', counts, error: problem };
    }
    const readOnly = await readOnlyProblem(io, pair.config);
    if (readOnly) return { status: 'failed', counts, error: readOnly };
    const run = await openRun(deps, req, pair.config, io, counts);
    run.stableIds = stableIds;
    const ends = { left: {}, right: {} } as Record<Side, DetectEnd>;
    run.progress('reading');
    for (const side of SIDES) {
      for await (const batch of detect(run, side, ends[side])) {
        counts.read += batch.counted;
        run.totals[side] = batch.total;
        // A fallback listing's batches are marked seen as they come; whether absence then means
        // deleted is known only at its end (`DetectEnd.scansAll`).
        const changed = assembleBatch(run, side, batch, { complete: ends[side].scansAll || batch.rescan === true, flag: io[side].mode === 'flag' });
        await planLinked(run, await completeItems(run, changed));
        run.progress('reading');
        if (req.signal.aborted) return { status: 'cancelled', counts, error: null };
      }
      if (ends[side].scansAll && ends[side].complete) await markUnseen(run, side);
    }
    run.progress('matching');
    await relinkPendingCreates(run, { left: ends.left.scansAll && ends.left.complete, right: ends.right.scansAll && ends.right.complete });
    await finishInterrupted(run);
    const halt = await settleGone(run);
    if (halt) return { status: 'halted', counts, error: halt };
    await matchNew(run);
    const outcome = await finish(run, ends);
    return { ...outcome, counts };
  } catch (e) {
    if (e instanceof RateLimited) {
      const until = new Date(Date.now() + e.retryAfterMs).toISOString();
      deps.pairs.setPausedUntil(req.pairId, until, e.side);
      return { status: 'partial', counts, error: `${e.message} Paused until ${until}; the next run resumes from the cursor.` };
    }
    // Cancel, or the engine stopping (its shutdown aborts connector calls before it cancels the run).
    if (req.signal.aborted || deps.connectors?.signal.aborted) return { status: 'cancelled', counts, error: null };
    if (process.env.CONCORD_DEBUG_RUN) console.error(e);
    const message = e instanceof Error ? e.message : String(e);
    return { status: 'failed', counts, error: message };
  } finally {
    await io.left.close();
    await io.right.close();
  }
}

/** The run's shared state (run/context.ts): its working tables cleared, its links' keys current, an interrupted run's decisions loaded. */
async function openRun(deps: RunDeps, req: RunRequest, config: PairConfig, io: Record<Side, SideIo>, counts: RunCounts): Promise<RunContext> {
  const work = createWorkingState(deps.state.db, req.pairId);
  await work.clear();
  deps.state.refreshLinkKeys(req.pairId, keySignature(config));
  const waiting = { left: new Set<string>(), right: new Set<string>() };
  // A failed record waits for its backoff whatever the mode (a full scan sees it every run); "Retry" (`only`) forces it.
  if (!req.only) {
    const failed = deps.records.failedList(req.pairId);
    const due = new Set(dueFailedRecords(failed));
    for (const f of failed) {
      if (due.has(f)) continue;
      if (f.leftId !== null) waiting.left.add(f.leftId);
      if (f.rightId !== null) waiting.right.add(f.rightId);
    }
  }
  // Sides are read one after the other. When both read every record (a full resync, a first sync,
  // hash scans), the first side's size stands in for the second's until it is known, so the bar
  // moves from the first batch; it is exact once both are known.
  const readsAll = !req.only && SIDES.every((side) => req.full || io[side].mode === 'hash' || deps.state.cursor(req.pairId, side) === null);
  const run: RunContext = {
    deps,
    req,
    pairId: req.pairId,
    runId: req.runId,
    config,
    io,
    counts,
    work,
    names: config.fields.map((f) => f.name),
    keyOf: (c) => matchKey(c, config.matchKeys, config.fallbackKeys),
    sideNames: { left: io.left.label, right: io.right.label },
    held: deps.records.heldIds(req.pairId),
    emptyKeyHolds: deps.records.emptyKeyHolds(req.pairId),
    released: req.only ? { left: [], right: [] } : createReleased(deps.state.db).list(req.pairId),
    waiting,
    interrupted: new Map(),
    hasPendingCreates: false,
    hasLinks: deps.state.hasLinks(req.pairId),
    stableIds: { left: false, right: false },
    planned: new Set(),
    unprocessed: { left: new Set(), right: new Set() },
    rateLimited: null,
    totals: { left: null, right: null },
    written: 0,
    phase: 'reading',
    progress(phase) {
      run.phase = phase;
      const exact = run.totals.left !== null && run.totals.right !== null ? run.totals.left + run.totals.right : null;
      const known = run.totals.left ?? run.totals.right;
      const t = exact ?? (readsAll && known !== null ? Math.max(known * 2, counts.read) : null);
      req.onProgress({ phase, read: counts.read, total: t, written: run.written, ...(exact === null && t !== null ? { totalEstimated: true } : {}) });
    },
  };
  loadInterrupted(run);
  return run;
}
