/**
 * The deletes stage: linked records found gone (reported deletes, absence from a complete scan,
 * a read by id that found nothing). First a record that came back under a new id is relinked;
 * then the mass-delete guard counts what is left gone, before anything is deleted (PITFALLS 4);
 * then each gone record meets the pair's delete rules (propagate, tombstone, edit beats delete,
 * conflict) a batch at a time.
 */
import type { Side } from '../../api/model';
import type { Link } from '../../core/link';
import type { StagedRecord } from './working-state';
import { completeItems, stateOf, type LinkedItem } from './assemble';
import { BATCH, other, SIDES, type RunContext } from './context';
import { planLinked } from './plan-batch';
import { identityLossHalt, identityRange } from './identity-loss';
import { yieldToEventLoop } from '../side-io';

/** How a pair's health reason starts when the mass-delete guard stopped its last run. */
export const MASS_DELETE_HALT = 'Stopped before deleting';

/** Link ids looked at per statement: a window of ids, not a count of results (see `markUnseen`). */
const UNSEEN_WINDOW = 20_000;

/**
 * After a complete scan of `side`: every linked record it did not see is gone. The links are
 * walked in windows of ids with a turn of the event loop between them: asked for "the next 5,000
 * unseen", one statement walked every link when nothing was gone (6.4 s at a million, the server
 * silent throughout).
 */
export async function markUnseen(run: RunContext, side: Side): Promise<void> {
  const last = run.work.lastLinkId();
  for (let after = 0; after < last; after += UNSEEN_WINDOW) {
    const ids = run.work.unseenLinkIds(side, after, after + UNSEEN_WINDOW);
    if (ids.length > 0) run.deps.state.transaction(() => run.work.markGone(side, ids));
    await yieldToEventLoop();
    if (run.req.signal.aborted) return;
  }
}

/**
 * A linked record gone from its app while one unlinked record with the same match key appeared on
 * the same side in the same run is that record under a new id: an app or file that re-creates
 * records on edit — a CSV without an id column, an export imported again, a contact deleted and
 * typed in again. Relinked, the run sees an edit, compared with the base like any other, instead
 * of a delete plus a create — which would re-create the record where it was "deleted" and leave a
 * duplicate beside the new one (PITFALLS 1, 4). Only an unambiguous pair is relinked: one gone
 * link and one new record per key, and never a key made of the fallback part when the main part
 * differs (two records with different main keys are never the same record).
 */
async function relinkReplaced(run: RunContext): Promise<void> {
  const { state } = run.deps;
  if (run.work.stagedCount() === 0) return;
  for (let after = 0; ; ) {
    const page = run.work.gonePage(after, BATCH);
    if (page.length === 0) break;
    after = page[page.length - 1]?.linkId ?? after;
    const items: LinkedItem[] = [];
    for (const { linkId, sides } of page) {
      // Each gone side on its own: both records of a link may have gone at once (one deleted, the
      // other re-created under a new id), and the re-created one is still this link's record.
      let link = state.link(linkId);
      const found: { side: Side; hit: StagedRecord }[] = [];
      for (const side of sides) {
        const key = link ? (side === 'left' ? link.leftKey : link.rightKey) : null;
        if (!link || key == null || link.deletedSide !== null) continue;
        const range = identityRange(run, key);
        if (!range) continue;
        const candidates = run.work.stagedInRange(side, range);
        const hit = candidates[0];
        if (candidates.length !== 1 || !hit || run.work.goneWithKey(side, range).length !== 1) continue;
        const relinked: Link = { ...link, [side === 'left' ? 'leftId' : 'rightId']: hit.id };
        state.transaction(() => {
          run.work.releaseReplacedId(side, hit.id);
          state.upsertLink(run.pairId, relinked);
          run.work.unstage(side, [hit.id]);
          run.work.unmarkGone(linkId, side);
        });
        link = relinked;
        found.push({ side, hit });
      }
      if (!link || found.length === 0) continue;
      const item: LinkedItem = { link };
      for (const { side, hit } of found) item[side] = stateOf(run, side, hit);
      items.push(item);
    }
    await planLinked(run, await completeItems(run, items));
  }
}

/**
 * A new record whose key a linked record of the same app holds may be that record typed in again
 * after a delete a cursor or flag side cannot see (deletes show only in a full scan): the holder
 * is read by id, and one the app no longer has is gone — so relinkReplaced makes the new record
 * its successor, an edit, instead of a duplicate beside it. Costs reads only on such collisions.
 */
async function checkKeyHolders(run: RunContext): Promise<void> {
  if (!run.hasLinks || run.work.stagedCount() === 0) return;
  for (let after: string | null = null; ; ) {
    const keys = run.work.stagedKeys(after, BATCH);
    const last = keys[keys.length - 1];
    if (last === undefined) break;
    after = last;
    const staged = run.work.stagedWithKeys(keys[0] as string, last);
    const newKeys: Record<Side, Set<string>> = { left: new Set(), right: new Set() };
    for (const r of staged) {
      const k = run.keyOf(stateOf(run, r.side, r).canon);
      if (k !== null) newKeys[r.side].add(k);
    }
    for (const side of SIDES) {
      if (newKeys[side].size === 0) continue;
      const holders = run.deps.state
        .linksWithKeys(run.pairId, [...newKeys[side]])
        .filter((l) => l.deletedSide !== side && newKeys[side].has((side === 'left' ? l.leftKey : l.rightKey) ?? ''));
      const ids = holders.map((l) => (side === 'left' ? l.leftId : l.rightId)).filter((id): id is string => id !== null);
      if (ids.length === 0) continue;
      const found = await run.io[side].readByIds(ids);
      const gone = holders.filter((l) => {
        const id = side === 'left' ? l.leftId : l.rightId;
        return id !== null && !found.has(id);
      });
      if (gone.length > 0) run.deps.state.transaction(() => run.work.markGone(side, gone.map((l) => l.id)));
    }
  }
}

/** Returns the halt message when the mass-delete guard stops the run, else null once every gone record is handled. */
export async function settleGone(run: RunContext): Promise<string | null> {
  await checkKeyHolders(run);
  await relinkReplaced(run);
  // The guard counts the linked records gone from an app, whatever the pair would do about them —
  // delete them in the other app, or (deletes not propagated) stop syncing them, or (edited there)
  // create them again — so an empty answer halts every pair alike. A single record never halts a
  // run. `confirmDeletes` is a user's answer for as many records as they saw gone; more gone since
  // then asks again.
  const gone = run.work.goneCounts();
  // Before counting: a few records that changed their ids are no mass delete, and still not deletes.
  const lost = identityLossHalt(run, gone, MASS_DELETE_HALT);
  if (lost) {
    run.deps.pairs.setHealthReason(run.pairId, lost.message, gone[lost.side]);
    return lost.message;
  }
  // Counting the links reads their whole index (a second at a million): only when something is gone.
  const linked = gone.left > 1 || gone.right > 1 ? run.deps.state.linkedCount(run.pairId) : 0;
  for (const side of SIDES) {
    const n = gone[side];
    const confirmed = run.req.confirmDeletes;
    const overLimit = n > 1 && n > run.config.deletes.massDeleteThreshold * linked;
    if (!overLimit || (confirmed !== undefined && n <= confirmed)) continue;
    const share = Math.round((n / linked) * 100);
    const label = run.io[side].label;
    const what =
      confirmed !== undefined
        ? `${n} of ${linked} linked records (${share}%) are gone from ${label} now, more than the ${confirmed} you confirmed.`
        : `${n} of ${linked} linked records (${share}%) are gone from ${label}, more than the pair's limit of ${Math.round(run.config.deletes.massDeleteThreshold * 100)}%.`;
    const msg =
      `${MASS_DELETE_HALT}: ${what} If they were really deleted there, choose "Apply these deletes" (command line: \`concord sync <pair> --confirm-deletes ${n}\`) ` +
      `to run once past the limit, or raise the limit in the pair's settings; otherwise check that app's connection — nothing was deleted.`;
    run.deps.pairs.setHealthReason(run.pairId, msg, n);
    return msg;
  }
  for (let after = 0; ; ) {
    const page = run.work.gonePage(after, BATCH);
    if (page.length === 0) break;
    after = page[page.length - 1]?.linkId ?? after;
    const items: LinkedItem[] = [];
    // An id another record now holds is taken off its gone link first: that record is linked anew by the matching stage.
    const replaced = page.filter((g) => g.replaced.length > 0);
    if (replaced.length > 0) {
      run.deps.state.transaction(() => {
        for (const g of replaced) {
          const link = run.deps.state.link(g.linkId);
          for (const s of g.replaced) {
            const id = link ? (s === 'left' ? link.leftId : link.rightId) : null;
            if (id !== null) run.work.releaseReplacedId(s, id);
          }
        }
      });
    }
    for (const { linkId, sides } of page) {
      const link = run.deps.state.link(linkId);
      if (!link) continue;
      const item: LinkedItem = { link };
      for (const s of sides) item[s] = null;
      // The surviving side is read again now (it may have been planned before its partner was found gone).
      if (sides.length === 1) item[other(sides[0] as Side)] = undefined;
      items.push(item);
    }
    await planLinked(run, await readSurvivors(run, items));
    if (run.req.signal.aborted) return null;
  }
  return null;
}

/** Reads each item's surviving record again (it may have changed since it was read, or been planned before its partner was found gone). */
async function readSurvivors(run: RunContext, items: LinkedItem[]): Promise<LinkedItem[]> {
  for (const side of SIDES) {
    const ids = items.filter((it) => it[side] === undefined).map((it) => (side === 'left' ? it.link.leftId : it.link.rightId));
    const want = ids.filter((id): id is string => id !== null);
    const found = want.length > 0 ? await run.io[side].readByIds(want) : new Map();
    for (const it of items) {
      if (it[side] !== undefined) continue;
      const id = side === 'left' ? it.link.leftId : it.link.rightId;
      const rec = id !== null && it.link.deletedSide !== side ? found.get(id) : undefined;
      it[side] = rec ? stateOf(run, side, rec) : null;
    }
  }
  for (const it of items) run.planned.delete(it.link.id);
  return items;
}
