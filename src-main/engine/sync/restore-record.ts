/**
 * Restore of a deleted record from the activity log (issue 13 §1 "Delete it on both sides needs a
 * net"): the record is created again, with the values it held before the delete, in every app that
 * lost it and does not hold it now, and the new records are linked to each other. They are new
 * records (new ids); the 'restored' entries name the ids it had, under the same record label, so
 * its history reads as one.
 *
 * Order and crash safety: when both apps lost it, the first app's create commits with no link
 * (journal done, activity written); the second create links the two. A crash in between leaves one
 * unlinked record, which the next run matches on its key or creates on the other side: never a
 * half link whose missing partner would read as a delete.
 */
import type { ActivityEntry, CanonicalValue, PairConfig, Side } from '../api/model';
import { ApiError } from '../api/errors';
import type { CanonicalRecord } from '../core/canonical';
import type { WriteResult } from '../connectors/types';
import type { ConflictRow, DeletedRecord } from './records-store';
import { plannedOp, readSide, writeOne } from './resolver';
import { toWriteOp } from './run/commit';
import { openSides, type RunDeps } from './runner';
import type { SideIo } from './side-io';
import { stewardName } from './steward';

type Entry = ActivityEntry & { recordId: string | null; deleted: DeletedRecord };

export async function restoreDeleted(deps: RunDeps, entry: Entry): Promise<void> {
  const pair = deps.pairs.get(entry.pairId);
  if (!pair) throw new ApiError('not-found', `Pair "${entry.pairId}" does not exist (it may have been deleted).`);
  const config = pair.config;
  const io = openSides(deps, config);
  const { ids, lost } = entry.deleted;
  const values: CanonicalRecord = Object.fromEntries(config.fields.map((f) => [f.name, (entry.deleted.values[f.name] ?? null) satisfies CanonicalValue]));
  const when = `${entry.at.slice(0, 16).replace('T', ' ')} UTC`;
  const conflict: ConflictRow = { id: entry.id, pairId: entry.pairId, linkId: null, kind: 'field', leftId: null, rightId: null, record: entry.record, fields: [], data: { fields: [] }, status: 'open', detectedAt: '' };
  const ctx = { deps, config, io, conflict, runId: `restore:${entry.id}` };
  try {
    // Which apps still lack it: one may hold it again (a user re-created it under the same id, or
    // only one app ever lost it).
    const holders: Partial<Record<Side, string>> = {};
    for (const side of ['left', 'right'] as const) {
      const id = ids[side];
      if (id !== null && (await readSide({ io, config }, side, id))) holders[side] = id;
    }
    const missing = lost.filter((s) => holders[s] === undefined);
    if (missing.length === 0) throw new ApiError('conflict', `${entry.record} is in ${lost.map((s) => io[s].label).join(' and ')} again; there is nothing to restore.`);
    const wasIds = lost.map((s) => `${ids[s] ?? '—'} in ${io[s].label}`).join(', ');
    const reason = (side: Side) => `restored by ${stewardName()}: the record deleted on ${when} created again in ${io[side].label} (it was ${wasIds})`;

    let source: { side: Side; id: string; version: string | null } | null = null;
    const holderSide = (['left', 'right'] as const).find((s) => holders[s] !== undefined);
    if (holderSide) source = { side: holderSide, id: holders[holderSide] ?? '', version: null };
    const [first, second] = missing;
    if (first && second) {
      // Both apps lost it: the first create stands alone until the second links them.
      source = { side: first, ...(await createUnlinked(ctx, first, values, reason(first))) };
    }
    const last = second ?? first;
    if (!last) return;
    const link = source ? deps.state.linkFor(entry.pairId, source.side, source.id) : null;
    const create = plannedOp(
      { conflict },
      { side: last, op: 'create', targetId: null, values, link: link ? { id: link.id } : null, sourceId: source?.id ?? null, sourceVersion: source?.version ?? null, decidedBase: values, reason: reason(last), activityAction: 'restored' },
    );
    await writeOne(ctx, create, () => {
      throw new ApiError('conflict', `${io[last].label} refused to create ${entry.record} again; nothing else was changed.`);
    }, () => deps.records.markRestored(entry.id));
  } finally {
    await io.left.close();
    await io.right.close();
  }
}

/** Creates the record in one app with no link yet (journaled like every write); returns its new id and version. */
async function createUnlinked(ctx: { deps: RunDeps; config: PairConfig; io: Record<Side, SideIo>; conflict: ConflictRow; runId: string }, side: Side, values: CanonicalRecord, reason: string): Promise<{ id: string; version: string | null }> {
  const { deps, conflict } = ctx;
  const op = plannedOp({ conflict }, { side, op: 'create', targetId: null, values, decidedBase: values, reason, activityAction: 'restored' });
  op.journalId = deps.state.journalAdd({ pairId: conflict.pairId, runId: ctx.runId, side, op: 'create', targetId: null, sourceId: null, payload: { values } });
  let result: WriteResult | undefined;
  await ctx.io[side].write([toWriteOp(ctx.config, op, ctx.runId, op.journalId, await ctx.io[side].listFields())], (_from, results) => {
    result = results[0];
  });
  if (!result || !result.ok) {
    const error = result?.ok === false ? result.error : 'no result';
    deps.state.journalFinish(op.journalId, 'failed', error);
    throw new ApiError('connector-error', `${ctx.io[side].label} refused to create ${conflict.record} again: ${error}. Nothing was changed.`);
  }
  const ok = result;
  deps.state.transaction(() => {
    deps.state.journalFinish(op.journalId ?? -1, 'done');
    deps.records.addActivity({ pairId: conflict.pairId, runId: null, record: conflict.record, recordId: ok.id, side, action: 'restored', field: null, before: undefined, after: undefined, reason, restorable: false, actor: stewardName() });
  });
  return { id: ok.id, version: ok.version ?? null };
}
