/**
 * The matching stage: the unlinked records a run staged, matched on the pair's keys (PITFALLS 1)
 * against each other and against the linked records that hold the same keys, a batch of keys at
 * a time, in key order. Records match only within one key, so a batch of whole keys plans exactly
 * as the whole set would. With fallback keys a record may meet another through either part of
 * its key, so such a pair's staged records are matched in one batch (bounded by what is new).
 * Records without a key have nothing to match: they are created, a page at a time.
 */
import type { Side } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import type { Link } from '../../core/link';
import { BATCH, type RunContext } from './context';
import { planNew } from './plan-batch';
import type { StagedRecord } from './working-state';

const bySide = (records: StagedRecord[]): Record<Side, AppRecord[]> => {
  const out: Record<Side, AppRecord[]> = { left: [], right: [] };
  for (const { side, ...rec } of records) out[side].push(rec);
  return out;
};

export async function matchNew(run: RunContext): Promise<void> {
  if (run.work.stagedCount() === 0) return;
  // Links made since the run began (crash recovery's) hold keys too.
  run.hasLinks = run.deps.state.hasLinks(run.pairId);
  if ((run.config.fallbackKeys ?? []).length > 0) {
    const all: StagedRecord[] = [];
    for (let after: { side: Side; id: string } | null = null; ; ) {
      const page = run.work.stagedPage(false, after, 5_000);
      if (page.length === 0) break;
      for (const r of page) all.push(r);
      const last = page[page.length - 1] as StagedRecord;
      after = { side: last.side, id: last.id };
    }
    const links: Link[] = [];
    for (let after = 0; ; ) {
      const page = run.deps.state.linksPage(run.pairId, after, 5_000);
      if (page.length === 0) break;
      for (const l of page) links.push(l);
      after = page[page.length - 1]?.id ?? after;
    }
    await planNew(run, bySide(all), links);
    return;
  }
  for (let after: string | null = null; ; ) {
    if (run.req.signal.aborted || run.rateLimited) return;
    const keys = run.work.stagedKeys(after, BATCH);
    const first = keys[0];
    const last = keys[keys.length - 1];
    if (first === undefined || last === undefined) break;
    after = last;
    await planNew(run, bySide(run.work.stagedWithKeys(first, last)), run.hasLinks ? run.deps.state.linksWithKeys(run.pairId, keys) : []);
    run.progress('matching');
  }
  for (let after: { side: Side; id: string } | null = null; ; ) {
    if (run.req.signal.aborted || run.rateLimited) return;
    const page = run.work.stagedPage(true, after, BATCH);
    if (page.length === 0) break;
    const last = page[page.length - 1] as StagedRecord;
    after = { side: last.side, id: last.id };
    await planNew(run, bySide(page), []);
    run.progress('matching');
  }
}
