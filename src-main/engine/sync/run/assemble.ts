/**
 * The assemble stage: puts each record a batch read beside what the pair knows of it, through
 * indexes — its link by app id (one statement per batch), else the staging table (unlinked
 * records wait there for the matching stage). A complete scan marks what it saw, so deletes are
 * found by absence afterwards; reported deletes and records gone from their app are held in
 * `run_gone` until the mass-delete guard has counted them. A linked record still at the version
 * its link holds is unchanged and costs nothing more; a changed one is paired with the other
 * side's record (read by id, in one call per batch) and goes on to the plan stage.
 */
import type { Side } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import { contentKey, recordsEqual } from '../../core/canonical';
import type { Link } from '../../core/link';
import { toCanonical } from '../../core/mapping';
import { isOtherRecord } from '../../core/matching';
import { versionOf, type RecordState } from '../../core/plan';
import { other, type RunContext } from './context';
import type { StreamBatch } from '../side-io';

/** A linked record to plan: each side's state (undefined: not read yet; null: gone from its app). */
export type LinkedItem = { link: Link; left?: RecordState; right?: RecordState; /** This side's record changed wholesale under the linked id (see completeItems). */ suspect?: Side };

const idOn = (link: Link, side: Side) => (side === 'left' ? link.leftId : link.rightId);
export const stateOf = (run: RunContext, side: Side, rec: AppRecord): NonNullable<RecordState> => ({ rec, canon: toCanonical(run.config.fields, side, rec.fields) });

/** A batch read from `side`: returns the linked records that changed (for the plan stage); stages the rest. */
export function assembleBatch(run: RunContext, side: Side, batch: StreamBatch, opts: { complete: boolean; flag: boolean }): LinkedItem[] {
  const { state } = run.deps;
  const links = run.hasLinks ? state.linksFor(run.pairId, side, [...batch.upserts.map((r) => r.id), ...batch.deletes]) : new Map<string, Link>();
  const items: LinkedItem[] = [];
  const staged: { rec: AppRecord; key: string | null; content: string }[] = [];
  const gone: number[] = [];
  state.transaction(() => {
    // Seen marks serve deletes by absence (only linked records can be gone) and flag clearing.
    if ((opts.complete && run.hasLinks) || opts.flag) run.work.markSeen(side, batch.upserts.map((r) => ({ id: r.id, version: r.version ?? null })));
    for (const rec of batch.upserts) {
      const link = links.get(rec.id);
      if (!link) {
        if ((run.held[side].has(rec.id) && !releasedHold(run, side, rec)) || run.waiting[side].has(rec.id)) run.counts.skipped++;
        else {
          const canon = toCanonical(run.config.fields, side, rec.fields);
          staged.push({ rec, key: run.keyOf(canon), content: contentKey(canon, run.names) });
        }
        continue;
      }
      if (run.planned.has(link.id)) continue; // planned with the other side's record already this run
      const otherId = idOn(link, other(side));
      if ((otherId !== null && run.waiting[other(side)].has(otherId)) || run.waiting[side].has(rec.id)) {
        run.counts.skipped++;
        continue;
      }
      const interrupted = run.interrupted.has(link.id);
      const storedVersion = side === 'left' ? link.leftVersion : link.rightVersion;
      // A tombstone whose surviving record changed stays a tombstone (deleted records never come back).
      if (link.deletedSide === other(side) && !interrupted) {
        run.counts.skipped++;
        continue;
      }
      if (link.deletedSide === null && !interrupted && rec.version !== undefined && rec.version === storedVersion) {
        run.counts.skipped++; // unchanged since the last run: an echo of Concord's own write, or nothing (PITFALLS 2)
        continue;
      }
      const s = stateOf(run, side, rec);
      // The other record is known to hold the base (its link keeps a version): an unchanged record here leaves nothing to do.
      const otherSettled = (side === 'left' ? link.rightVersion : link.leftVersion) !== null;
      if (link.deletedSide === null && !interrupted && otherSettled && recordsEqual(s.canon, link.base, run.names)) {
        // Same values, new version (touched, or our own write read back): keep the version; the
        // other side is not read. Not so when the other record differs from the base (a field in
        // conflict): its change may be one its feed showed already, so this record's return to
        // the base must meet it here.
        const version = versionOf(s);
        if (version !== storedVersion) state.setVersion(link.id, side, version);
        run.counts.skipped++;
        continue;
      }
      const item: LinkedItem = { link };
      // Perhaps another record under the linked id (a reused row id): decided once the partner is read (completeItems).
      if (!run.stableIds[side] && link.deletedSide === null && !interrupted && isOtherRecord(s.canon, link.base, run.names, run.config.matchKeys, run.config.fallbackKeys)) item.suspect = side;
      item[side] = s;
      items.push(item);
    }
    for (const id of batch.deletes) {
      const link = links.get(id);
      if (link && link.deletedSide !== side) gone.push(link.id);
    }
    run.work.markGone(side, gone);
    run.work.stage(side, staged);
  });
  return items;
}

/**
 * Reads the record of each item's side that is not known yet, by id (one call per batch). A
 * record missing from its app is gone: the item waits in `run_gone` for the deletes stage. Returns
 * the items whose both sides are known.
 */
export async function completeItems(run: RunContext, items: LinkedItem[]): Promise<LinkedItem[]> {
  for (const side of ['left', 'right'] as const) {
    const need = items.filter((it) => it[side] === undefined && idOn(it.link, side) !== null && it.link.deletedSide !== side).map((it) => idOn(it.link, side) as string);
    const found = need.length > 0 ? await run.io[side].readByIds(need) : new Map<string, AppRecord>();
    for (const it of items) {
      if (it[side] !== undefined) continue;
      const id = idOn(it.link, side);
      const rec = id !== null ? found.get(id) : undefined;
      it[side] = rec ? stateOf(run, side, rec) : null;
    }
  }
  const ready: LinkedItem[] = [];
  const gone: Record<Side, number[]> = { left: [], right: [] };
  const replaced: { side: Side; linkId: number; rec: AppRecord; canon: NonNullable<RecordState>['canon'] }[] = [];
  for (const it of items) {
    // A record whose identity changed wholesale while its partner still holds the base is another
    // record the app gave the linked id (a reused row id, a table rebuilt): the linked record is
    // gone and this one is new — never written over the partner. When the partner changed too,
    // it stays one record and meets the conflict rules: a steward sees both.
    const s = it.suspect;
    const mine = s ? it[s] : null;
    const partner = s ? it[other(s)] : null;
    if (s && mine && partner && recordsEqual(partner.canon, it.link.base, run.names)) {
      replaced.push({ side: s, linkId: it.link.id, rec: mine.rec, canon: mine.canon });
      continue;
    }
    // A side that was deleted without propagation (a tombstone) is not "gone" again.
    const goneSides = (['left', 'right'] as const).filter((s) => it[s] === null && it.link.deletedSide !== s);
    if (goneSides.length === 0) ready.push(it);
    for (const s of goneSides) gone[s].push(it.link.id);
  }
  if (gone.left.length + gone.right.length + replaced.length > 0) {
    run.deps.state.transaction(() => {
      run.work.markGone('left', gone.left);
      run.work.markGone('right', gone.right);
      for (const r of replaced) {
        run.work.markGone(r.side, [r.linkId], true);
        run.work.stage(r.side, [{ rec: r.rec, key: run.keyOf(r.canon), content: contentKey(r.canon, run.names) }]);
      }
    });
  }
  return ready;
}

/**
 * A record the inbox held only for want of a match key is released — its conflict resolved by
 * itself — once it has a key in its app, or once the pair creates such records: it is then matched
 * or created like any new record. Runs inside the batch's transaction.
 */
function releasedHold(run: RunContext, side: Side, rec: AppRecord): boolean {
  const conflictId = run.emptyKeyHolds[side].get(rec.id);
  if (conflictId === undefined) return false;
  const keyed = run.keyOf(toCanonical(run.config.fields, side, rec.fields)) !== null;
  if (!keyed && (run.config.emptyKeys ?? 'hold') === 'hold') return false;
  run.deps.records.resolveConflict(conflictId, { auto: keyed ? 'the record has a match key now' : 'the pair now creates records without a match key' });
  run.emptyKeyHolds[side].delete(rec.id);
  run.held[side].delete(rec.id);
  return true;
}
