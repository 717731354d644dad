/**
 * Hands one batch to the pure plan stage (core/plan.ts) and its plan to the apply stage: linked
 * records with both sides known, or new records with the linked records that hold their keys.
 */
import type { Side } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import type { Link } from '../../core/link';
import { planRun } from '../../core/plan';
import { applyBatch } from './apply';
import type { LinkedItem } from './assemble';
import type { RunContext } from './context';
import { logLandedWrites, optimistic } from './recovery';

export async function planLinked(run: RunContext, items: LinkedItem[]): Promise<void> {
  if (items.length === 0) return;
  const open = run.work.openFieldConflicts(items.map((it) => it.link.id));
  const conflictIds: string[] = [];
  const openField = new Map<number, number>();
  for (const [linkId, id] of open) {
    openField.set(linkId, conflictIds.length);
    conflictIds.push(id);
  }
  const linked = items.map((it) => {
    const interrupted = run.interrupted.get(it.link.id);
    run.interrupted.delete(it.link.id);
    return { link: it.link, left: it.left ?? null, right: it.right ?? null, ...(interrupted ? { interrupted } : {}) };
  });
  logLandedWrites(run, items);
  for (const it of items) run.planned.add(it.link.id);
  const plan = planRun({ pairId: run.pairId, config: run.config, now: Date.now(), optimistic: optimistic(run), linked, newRecords: { left: [], right: [] }, links: [], pendingCreates: [], sideNames: run.sideNames }, openField);
  await applyBatch(run, plan, conflictIds);
}

/** New records of both sides, matched on keys against each other and against `links` (the linked records holding their keys). */
export async function planNew(run: RunContext, news: Record<Side, AppRecord[]>, links: Link[]): Promise<void> {
  if (news.left.length + news.right.length === 0) return;
  const plan = planRun({ pairId: run.pairId, config: run.config, now: Date.now(), optimistic: optimistic(run), linked: [], newRecords: news, links, pendingCreates: [], sideNames: run.sideNames }, new Map());
  await applyBatch(run, plan);
}
