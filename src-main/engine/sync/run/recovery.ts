/**
 * Crash recovery, in one place (PITFALLS 15). A run killed mid-way leaves journal rows `pending`
 * (or a failed batch's creates `unknown`). The next run:
 * - finishes the update decisions it made instead of re-planning them from the stored base
 *   (core/resume.ts), and logs the values a write overwrote when the write landed without its
 *   commit (they were journaled before the write, so they stay restorable);
 * - looks up every create it may have made before creating again: the create's record among the
 *   unlinked records of its app, by content first (surest sign of its own create), then by match
 *   key (edited since) — and links it to its source;
 * - relinks an edit-beats-delete recreate to the record it made.
 * Rows it leaves are closed and pruned when the run finishes (finish.ts).
 */
import type { Side } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import { contentKey } from '../../core/canonical';
import type { Link } from '../../core/link';
import { planRun, type RecordState } from '../../core/plan';
import type { Interrupted } from '../../core/resume';
import type { InterruptedUpdate } from '../state-store';
import { applyBatch } from './apply';
import { completeItems, stateOf, type LinkedItem } from './assemble';
import { BATCH, other, SIDES, type PendingCreate, type RunContext } from './context';
import { planLinked } from './plan-batch';

/** The interrupted run's decisions, by link; the landed-write log is kept beside them. */
export function loadInterrupted(run: RunContext): void {
  const { state } = run.deps;
  const rows = state.interruptedUpdates(run.pairId);
  landed.set(run, new Map());
  for (const r of rows) {
    const link = state.linkFor(run.pairId, r.side, r.targetId);
    if (!link) continue;
    const fields: Interrupted = run.interrupted.get(link.id) ?? {};
    run.interrupted.set(link.id, fields);
    for (const [f, value] of Object.entries(r.values)) {
      const it = (fields[f] ??= { value, seen: { left: r.seen.left[f] ?? null, right: r.seen.right[f] ?? null }, written: { left: false, right: false } });
      if (r.done) it.written[r.side] = true;
    }
    if (!r.done && r.overwrites) (landed.get(run)?.get(link.id) ?? landed.get(run)?.set(link.id, []).get(link.id))?.push(r);
  }
  run.hasPendingCreates = state.hasPendingCreates(run.pairId);
}
const landed = new WeakMap<RunContext, Map<number, InterruptedUpdate[]>>();

/**
 * An interrupted write that landed in its app without its commit: the values it overwrote go to
 * the activity log now (restorable), as the commit would have put them there.
 */
export function logLandedWrites(run: RunContext, items: LinkedItem[]): void {
  const byLink = landed.get(run);
  if (!byLink || byLink.size === 0) return;
  for (const it of items) {
    const rows = byLink.get(it.link.id);
    if (!rows) continue;
    byLink.delete(it.link.id);
    for (const r of rows) {
      const now = it[r.side];
      if (!now || !Object.entries(r.values).every(([f, v]) => JSON.stringify(now.canon[f] ?? null) === JSON.stringify(v ?? null))) continue;
      for (const o of r.overwrites ?? []) {
        run.deps.records.addActivity({ pairId: run.pairId, runId: run.runId, record: r.label ?? '', recordId: r.targetId, side: o.side, action: 'updated', field: o.field, before: o.before, after: o.after, reason: `${o.reason} (written by an interrupted run)`, restorable: true });
      }
    }
  }
}

/** Links whose interrupted decision no read of this run reached: planned now, so the decision is finished before its rows are closed. */
export async function finishInterrupted(run: RunContext): Promise<void> {
  const ids = [...run.interrupted.keys()].filter((id) => !run.planned.has(id));
  for (let i = 0; i < ids.length; i += BATCH) {
    const items: LinkedItem[] = [];
    for (const id of ids.slice(i, i + BATCH)) {
      const link = run.deps.state.link(id);
      if (link && link.deletedSide === null) items.push({ link });
    }
    await planLinked(run, await completeItems(run, items));
  }
}

/**
 * Every create an interrupted run left pending or unknown, a page at a time: its source joins the
 * run (read by id when its feed did not show it), and the record the create may have made is
 * looked up among the staged records of its app and linked to the source.
 */
export async function relinkPendingCreates(run: RunContext, complete: Record<Side, boolean>): Promise<void> {
  if (!run.hasPendingCreates) return;
  const { state } = run.deps;
  const only = run.req.only;
  for (const side of SIDES) if (!complete[side] && state.hasPendingCreates(run.pairId, side)) await stageWholeSide(run, side);
  for (let after = 0; ; ) {
    let page = state.pendingCreatesPage(run.pairId, after, BATCH);
    if (page.length === 0) break;
    after = page[page.length - 1]?.id ?? after;
    if (only) page = page.filter((pc) => pc.sourceId !== null && only[other(pc.side)].includes(pc.sourceId));
    await stageSources(run, page);
    const firstSync: PendingCreate[] = [];
    const recreates: { pc: PendingCreate; link: Link }[] = [];
    for (const pc of page) {
      if (pc.sourceId === null) continue;
      const link = state.linkFor(run.pairId, other(pc.side), pc.sourceId);
      if (link) recreates.push({ pc, link });
      else firstSync.push(pc);
    }
    await linkCreated(run, firstSync);
    await relinkRecreates(run, recreates);
  }
}

/**
 * A side this run did not read in full (a Retry, a flag side) may hold records an interrupted
 * create made that its feed does not show: every unlinked record of it is staged, so each such
 * create is found by content or key before it is repeated.
 */
async function stageWholeSide(run: RunContext, side: Side): Promise<void> {
  const end = { cursor: null, complete: false, total: null };
  for await (const batch of run.io[side].stream(null, true, run.req.signal, end)) {
    const linked = run.deps.state.linksFor(run.pairId, side, batch.upserts.map((r) => r.id));
    const known = run.work.staged(side, batch.upserts.map((r) => r.id));
    const staged = batch.upserts
      .filter((rec) => !linked.has(rec.id) && !known.has(rec.id))
      .map((rec) => {
        const canon = stateOf(run, side, rec).canon;
        return { rec, key: run.keyOf(canon), content: contentKey(canon, run.names) };
      });
    run.deps.state.transaction(() => run.work.stage(side, staged));
  }
}

/** Sources neither read nor linked are read by id and staged, whatever their feed or backoff says. */
async function stageSources(run: RunContext, page: PendingCreate[]): Promise<void> {
  for (const side of SIDES) {
    const ids = [...new Set(page.filter((pc) => other(pc.side) === side && pc.sourceId !== null).map((pc) => pc.sourceId as string))];
    if (ids.length === 0) continue;
    const known = run.work.staged(side, ids);
    const linked = run.deps.state.linksFor(run.pairId, side, ids);
    const missing = ids.filter((id) => !known.has(id) && !linked.has(id));
    if (missing.length === 0) continue;
    const found = await run.io[side].readByIds(missing);
    const staged = [...found.values()].map((rec) => {
      const canon = stateOf(run, side, rec).canon;
      return { rec, key: run.keyOf(canon), content: contentKey(canon, run.names) };
    });
    for (const id of missing) {
      run.held[side].delete(id);
      run.waiting[side].delete(id);
    }
    run.deps.state.transaction(() => run.work.stage(side, staged));
  }
}

/** The first record of the side with this content that this batch has not taken yet. */
function takeByContent(run: RunContext, side: Side, payload: PendingCreate['payload'], taken: Set<string>): AppRecord | undefined {
  return run.work.stagedByContent(side, run.keyOf(payload), contentKey(payload, run.names)).find((r) => !taken.has(`${side}:${r.id}`));
}

/** A first-sync create: its source is staged; the record it made, found by content, is linked to it. */
async function linkCreated(run: RunContext, pcs: PendingCreate[]): Promise<void> {
  const taken = new Set<string>();
  const news: Record<Side, AppRecord[]> = { left: [], right: [] };
  const found: PendingCreate[] = [];
  for (const pc of pcs) {
    const source = other(pc.side);
    const src = run.work.staged(source, [pc.sourceId as string]).get(pc.sourceId as string);
    if (!src || taken.has(`${source}:${src.id}`)) continue;
    const done = takeByContent(run, pc.side, pc.payload, taken);
    if (!done) continue;
    taken.add(`${source}:${src.id}`);
    taken.add(`${pc.side}:${done.id}`);
    news[source].push(src);
    news[pc.side].push(done);
    found.push(pc);
  }
  if (found.length === 0) return;
  const plan = planRun({ pairId: run.pairId, config: run.config, now: Date.now(), optimistic: optimistic(run), linked: [], newRecords: news, links: [], pendingCreates: found, sideNames: run.sideNames }, new Map());
  run.deps.state.transaction(() => {
    for (const side of SIDES) run.work.unstage(side, news[side].map((r) => r.id));
  });
  await applyBatch(run, plan);
}

/**
 * An edit-beats-delete recreate: the record it may have made is found among the staged records of
 * the deleted side (same content, else same match key) and put back on the link, so the rerun
 * neither recreates it again nor copies it back as a new record.
 */
async function relinkRecreates(run: RunContext, list: { pc: PendingCreate; link: Link }[]): Promise<void> {
  const items: LinkedItem[] = [];
  const taken = new Set<string>();
  for (const { pc, link } of list) {
    const key = run.keyOf(pc.payload);
    const hit = takeByContent(run, pc.side, pc.payload, taken) ?? (key !== null ? run.work.stagedByKey(pc.side, key).find((r) => !taken.has(`${pc.side}:${r.id}`)) : undefined);
    if (!hit) continue;
    taken.add(`${pc.side}:${hit.id}`);
    const updated: Link = { ...link, [pc.side === 'left' ? 'leftId' : 'rightId']: hit.id, base: pc.payload, deletedSide: null };
    run.deps.state.transaction(() => {
      run.deps.state.upsertLink(run.pairId, updated);
      run.work.unstage(pc.side, [hit.id]);
      run.work.unmarkGone(link.id);
    });
    const item: LinkedItem = { link: updated };
    item[pc.side] = stateOf(run, pc.side, hit) satisfies RecordState;
    items.push(item);
  }
  if (items.length > 0) await planLinked(run, await completeItems(run, items));
}

export const optimistic = (run: RunContext): Record<Side, boolean> => ({ left: run.io.left.capabilities.optimisticWrites, right: run.io.right.capabilities.optimisticWrites });
