/**
 * The conflict inbox's actions: resolving writes both apps (through the journal), moves the
 * base, records every overwritten value in the activity log (so a resolution can be undone),
 * and closes the conflict. Also: restoring an overwritten value from the activity log.
 */
import type { CanonicalValue, FieldChoice, PairConfig, Resolution, ResolveOutcome, Side } from '../api/model';
import { ApiError, notFound } from '../api/errors';
import { canonicalEqual, canonicalize, type CanonicalRecord } from '../core/canonical';
import { toCanonical } from '../core/mapping';
import { decideLinked } from '../core/merge';
import type { AppRecord, WriteOp, WriteResult } from '../connectors/types';
import { toWriteOp } from './apply';
import { versionOf, type PlannedOp } from './plan';
import type { ConflictRow } from './records-store';
import { openSides, type RunDeps } from './runner';
import type { SideIo } from './side-io';

const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');

type Ctx = { deps: RunDeps; config: PairConfig; io: Record<Side, SideIo>; conflict: ConflictRow; runId: string };

async function writeOne(c: Ctx, side: Side, op: WriteOp): Promise<Extract<WriteResult, { ok: true }>> {
  const { state } = c.deps;
  const journalId = state.journalAdd({ pairId: c.conflict.pairId, runId: c.runId, side, op: op.op, targetId: op.op === 'create' ? null : op.id, sourceId: null, payload: { values: 'fields' in op ? op.fields : {} } });
  let result: WriteResult | undefined;
  await c.io[side].write([op], (_from, results) => {
    result = results[0];
  });
  if (!result || !result.ok) {
    state.journalFinish(journalId, 'failed', result?.ok === false ? result.error : 'no result');
    throw new ApiError('connector-error', `${c.io[side].label} refused the write: ${result?.ok === false ? result.error : 'no result'}. Nothing else was changed; try again.`);
  }
  state.journalFinish(journalId, 'done');
  return result;
}

async function readSide(c: Ctx, side: Side, id: string | null): Promise<{ rec: AppRecord; canon: CanonicalRecord } | null> {
  if (!id) return null;
  const rec = (await c.io[side].readByIds([id])).get(id);
  return rec ? { rec, canon: toCanonical(c.config.fields, side, rec.fields) } : null;
}

function planned(c: Ctx, side: Side, targetId: string | null, values: CanonicalRecord, kind: PlannedOp['op']): WriteOp {
  const p: PlannedOp = { side, op: kind, targetId, values, link: null, sourceId: null, sourceVersion: null, decidedBase: {}, otherPending: [], label: c.conflict.record, overwrites: [], reason: 'resolved' };
  return toWriteOp(c.config, p, c.runId, 0);
}

function logOverwrites(c: Ctx, side: Side, recordId: string | null, before: CanonicalRecord, after: CanonicalRecord, reason: string) {
  for (const [field, value] of Object.entries(after)) {
    c.deps.records.addActivity({ pairId: c.conflict.pairId, runId: null, record: c.conflict.record, recordId, side, action: 'resolved', field, before: before[field] ?? null, after: value, reason, restorable: true });
  }
}

/** Writes `values` to whichever side differs, then moves the link's base to them. */
async function writeAgreed(c: Ctx, linkId: number, l: NonNullable<Awaited<ReturnType<typeof readSide>>>, r: NonNullable<Awaited<ReturnType<typeof readSide>>>, values: CanonicalRecord, reason: string) {
  const wrote = { left: 0, right: 0 };
  const versions: Record<Side, string | null> = { left: versionOf(l), right: versionOf(r) };
  for (const [side, cur] of [
    ['left', l],
    ['right', r],
  ] as const) {
    const patch: CanonicalRecord = {};
    for (const [f, v] of Object.entries(values)) if (!canonicalEqual(cur.canon[f] ?? null, v)) patch[f] = v;
    if (Object.keys(patch).length === 0) continue;
    const res = await writeOne(c, side, planned(c, side, cur.rec.id, patch, 'update'));
    versions[side] = res.version ?? null;
    c.deps.state.transaction(() => logOverwrites(c, side, cur.rec.id, cur.canon, patch, reason));
    wrote[side]++;
  }
  c.deps.state.transaction(() => {
    const link = c.deps.state.link(linkId);
    if (link) c.deps.state.upsertLink(c.conflict.pairId, { ...link, base: { ...link.base, ...values }, leftVersion: versions.left, rightVersion: versions.right });
  });
  return wrote;
}

export async function resolveConflict(deps: RunDeps, conflictId: string, resolution: Resolution): Promise<ResolveOutcome> {
  const conflict = deps.records.conflict(conflictId);
  if (!conflict) throw notFound('Conflict', conflictId);
  if (conflict.status !== 'open') throw new ApiError('conflict', 'This conflict was already resolved (perhaps by someone else, or by a run after both apps agreed). Reload the inbox.');
  const pair = deps.pairs.get(conflict.pairId);
  if (!pair) throw notFound('Pair', conflict.pairId);
  const config = pair.config;
  const io = openSides(deps.connections, config);
  const c: Ctx = { deps, config, io, conflict, runId: `resolve:${conflictId}` };
  try {
    let wrote = { left: 0, right: 0 };
    if (conflict.kind === 'field') {
      if (resolution.kind !== 'fields') throw new ApiError('invalid-input', 'This is a field conflict: choose a value per field (take left, take right, or type a value).');
      const l = await readSide(c, 'left', conflict.leftId);
      const r = await readSide(c, 'right', conflict.rightId);
      if (!l || !r || conflict.linkId === null) throw new ApiError('conflict', 'One of the two records no longer exists; the next run will see the delete. Reload the inbox.');
      const values: CanonicalRecord = {};
      for (const name of new Set([...conflict.fields, ...Object.keys(resolution.fields)])) {
        const mapping = config.fields.find((f) => f.name === name);
        if (!mapping) throw new ApiError('invalid-input', `"${name}" is not a mapped field of this pair.`);
        const choice: FieldChoice | undefined = resolution.fields[name];
        if (!choice) throw new ApiError('invalid-input', `Choose a value for "${name}" (take left, take right, or type a value).`);
        values[name] = 'take' in choice ? ((choice.take === 'left' ? l : r).canon[name] ?? null) : canonicalize(choice.value, mapping.type);
      }
      wrote = await writeAgreed(c, conflict.linkId, l, r, values, 'resolved by a steward');
    } else if (conflict.kind === 'update-delete') {
      if (resolution.kind !== 'update-delete') throw new ApiError('invalid-input', 'This record was edited on one side and deleted on the other: choose to keep the edited record or the delete.');
      const deleted = conflict.data.deletedSide ?? 'left';
      const survivorSide = other(deleted);
      const survivor = await readSide(c, survivorSide, survivorSide === 'left' ? conflict.leftId : conflict.rightId);
      const link = conflict.linkId !== null ? deps.state.link(conflict.linkId) : null;
      if (resolution.keep === 'updated' && survivor && link) {
        const res = await writeOne(c, deleted, planned(c, deleted, null, survivor.canon, 'create'));
        deps.state.transaction(() => {
          deps.state.upsertLink(conflict.pairId, { ...link, [deleted === 'left' ? 'leftId' : 'rightId']: res.id, base: survivor.canon, leftVersion: deleted === 'left' ? (res.version ?? null) : versionOf(survivor), rightVersion: deleted === 'right' ? (res.version ?? null) : versionOf(survivor), deletedSide: null });
          deps.records.addActivity({ pairId: conflict.pairId, runId: null, record: conflict.record, recordId: res.id, side: deleted, action: 'created', field: null, before: undefined, after: undefined, reason: 'steward kept the edited record', restorable: false });
        });
        wrote[deleted]++;
      } else {
        if (survivor) {
          await writeOne(c, survivorSide, planned(c, survivorSide, survivor.rec.id, {}, 'delete'));
          deps.state.transaction(() => {
            for (const [field, before] of Object.entries(survivor.canon)) {
              deps.records.addActivity({ pairId: conflict.pairId, runId: null, record: conflict.record, recordId: survivor.rec.id, side: survivorSide, action: 'deleted', field, before, after: undefined, reason: 'steward kept the delete', restorable: false });
            }
          });
          wrote[survivorSide]++;
        }
        if (link) deps.state.deleteLink(link.id);
      }
    } else {
      if (resolution.kind !== 'duplicate') throw new ApiError('invalid-input', 'This is a duplicate: choose which record it is, or create it on the other side.');
      const dup = conflict.data.duplicate;
      if (!dup) throw new ApiError('internal', 'The duplicate conflict has no candidates recorded.');
      const recSide = dup.side;
      const rec = await readSide(c, recSide, recSide === 'left' ? conflict.leftId : conflict.rightId);
      if (!rec) throw new ApiError('conflict', 'The record no longer exists; nothing to link. Reload the inbox.');
      const name = (s: Side) => io[s].label;
      if (deps.state.linkFor(conflict.pairId, recSide, rec.rec.id)) throw new ApiError('conflict', `The ${name(recSide)} record ${rec.rec.id} is already linked (perhaps by someone else). Reload the inbox.`);
      if (resolution.linkTo === null) {
        const res = await writeOne(c, other(recSide), planned(c, other(recSide), null, rec.canon, 'create'));
        deps.state.transaction(() => {
          deps.state.upsertLink(conflict.pairId, { leftId: recSide === 'left' ? rec.rec.id : res.id, rightId: recSide === 'right' ? rec.rec.id : res.id, base: rec.canon, leftVersion: null, rightVersion: null, deletedSide: null });
        });
        wrote[other(recSide)]++;
      } else {
        if (!dup.candidates.some((cand) => cand.id === resolution.linkTo)) throw new ApiError('invalid-input', `"${resolution.linkTo}" is not one of this duplicate's candidates.`);
        // A record links to one record only (PITFALLS 1): a candidate that is linked already (the
        // key of a record created after the first sync) cannot take a second partner.
        const taken = deps.state.linkFor(conflict.pairId, other(recSide), resolution.linkTo);
        if (taken) {
          const partner = recSide === 'left' ? taken.leftId : taken.rightId;
          const withWhom = partner ? `${name(recSide)} record ${partner}` : `a ${name(recSide)} record that was deleted`;
          throw new ApiError(
            'conflict',
            `The ${name(other(recSide))} record ${resolution.linkTo} is already linked to ${withWhom}, and a record can be linked to only one other. ` +
              `If ${name(recSide)} record ${rec.rec.id} is the same customer, merge or delete it in ${name(recSide)}; if it is a different one, choose "Create it on the other side".`,
          );
        }
        const cand = await readSide(c, other(recSide), resolution.linkTo);
        if (!cand) throw new ApiError('conflict', 'The chosen candidate no longer exists. Reload the inbox.');
        const [l, r] = recSide === 'left' ? [rec, cand] : [cand, rec];
        const initial = config.initialMatchPolicy && config.initialMatchPolicy !== 'manual' ? config.initialMatchPolicy : 'master';
        const d = decideLinked(null, { values: l.canon, updatedAt: l.rec.updatedAt }, { values: r.canon, updatedAt: r.rec.updatedAt }, { config: { ...config, initialMatchPolicy: initial }, now: Date.now(), initialMatch: true });
        const linkId = deps.state.upsertLink(conflict.pairId, { leftId: l.rec.id, rightId: r.rec.id, base: l.canon, leftVersion: versionOf(l), rightVersion: versionOf(r), deletedSide: null });
        wrote = await writeAgreed(c, linkId, l, r, d.base, 'duplicate linked by a steward');
      }
    }
    deps.state.transaction(() => deps.records.resolveConflict(conflictId, resolution));
    return { conflictId, status: 'resolved', wrote, error: null };
  } finally {
    await io.left.close();
    await io.right.close();
  }
}

/** Bulk: take the master's (or the slave's) side for every conflicting field of each conflict. */
export function bulkResolution(conflict: ConflictRow, masterSide: Side, take: 'master' | 'slave'): Resolution | string {
  const side: Side = take === 'master' ? masterSide : other(masterSide);
  if (conflict.kind === 'field') return { kind: 'fields', fields: Object.fromEntries(conflict.fields.map((f) => [f, { take: side } satisfies FieldChoice])) };
  if (conflict.kind === 'update-delete') return { kind: 'update-delete', keep: conflict.data.deletedSide === side ? 'deleted' : 'updated' };
  return 'A duplicate needs a choice of record: open it and pick the matching record, or create a new one.';
}

/** Writes an overwritten value back to its side; the value it replaces is kept too (a restore is reversible). */
export async function restoreActivity(deps: RunDeps, activityId: string): Promise<void> {
  const entry = deps.records.activityEntry(activityId);
  if (!entry) throw notFound('Activity entry', activityId);
  if (!entry.restorable || !entry.field || !entry.recordId) throw new ApiError('conflict', 'This entry has no overwritten field value to restore.');
  const pair = deps.pairs.get(entry.pairId);
  if (!pair) throw notFound('Pair', entry.pairId);
  const io = openSides(deps.connections, pair.config);
  try {
    const current = (await io[entry.side].readByIds([entry.recordId])).get(entry.recordId);
    if (!current) throw new ApiError('conflict', `The ${io[entry.side].label} record ${entry.recordId} no longer exists, so its old value cannot be written back.`);
    const canon = toCanonical(pair.config.fields, entry.side, current.fields);
    const value: CanonicalValue = entry.before ?? null;
    const c: Ctx = { deps, config: pair.config, io, conflict: { id: activityId, pairId: entry.pairId, linkId: null, kind: 'field', leftId: null, rightId: null, record: entry.record, fields: [], data: { fields: [] }, status: 'open', detectedAt: '' }, runId: `restore:${activityId}` };
    await writeOne(c, entry.side, planned(c, entry.side, entry.recordId, { [entry.field]: value }, 'update'));
    // The base is left as it was: the restored value is now a change on this side, and the next
    // run carries it to the other app like any user edit.
    deps.records.addActivity({ pairId: entry.pairId, runId: null, record: entry.record, recordId: entry.recordId, side: entry.side, action: 'restored', field: entry.field, before: canon[entry.field] ?? null, after: value, reason: `restored the value overwritten at ${entry.at}`, restorable: true });
  } finally {
    await io.left.close();
    await io.right.close();
  }
}
