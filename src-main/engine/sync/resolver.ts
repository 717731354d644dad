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
import type { AppRecord, WriteResult } from '../connectors/types';
import { commitWritten, toWriteOp, type CommitTarget } from './run/commit';
import { emptyCounts } from './pair-store';
import { versionOf, type PlannedOp } from '../core/plan';
import type { ConflictData, ConflictRow } from './records-store';
import { openSides, type RunDeps } from './runner';
import type { SideIo } from './side-io';
import { restoreDeleted } from './restore-record';
import { stewardName } from './steward';
import { createReleased } from './released';

const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');
const SIDES = ['left', 'right'] as const;

type Read = { rec: AppRecord; canon: CanonicalRecord };
type Ctx = {
  deps: RunDeps;
  config: PairConfig;
  io: Record<Side, SideIo>;
  conflict: ConflictRow;
  runId: string;
  /** Closes the conflict; called inside the transaction of the resolution's last write. */
  close: () => void;
  closed: boolean;
  /** The record a duplicate's resolution deletes as a stale copy (not released: it is gone). */
  deleting: { side: Side; id: string } | null;
};

/** A steward's action is no run: its writes are recorded without a run id, and its counts go nowhere. */
const target = (c: Pick<Ctx, 'conflict'>): CommitTarget => ({ pairId: c.conflict.pairId, runId: null, counts: emptyCounts() });

export async function readSide(c: Pick<Ctx, 'io' | 'config'>, side: Side, id: string | null): Promise<Read | null> {
  if (!id) return null;
  const rec = (await c.io[side].readByIds([id])).get(id);
  return rec ? { rec, canon: toCanonical(c.config.fields, side, rec.fields) } : null;
}

/** The app's current version, expected by the write where the connector checks it (never overwrite a newer value). */
function expecting(c: Pick<Ctx, 'io'>, side: Side, cur: Read): { ifVersion?: string } {
  return c.io[side].capabilities.optimisticWrites && cur.rec.version !== undefined ? { ifVersion: cur.rec.version } : {};
}

/**
 * One write through the journal (pending before it is sent); its result commits through the
 * runner's choke point in ONE transaction with `also` (the conflict's status on the last write).
 * A stale version means the record changed since it was read: `onStale` decides what to tell.
 */
export async function writeOne(c: Pick<Ctx, 'deps' | 'config' | 'io' | 'conflict' | 'runId'>, op: PlannedOp, onStale: () => Promise<never>, also: () => void = () => {}): Promise<Extract<WriteResult, { ok: true }>> {
  const { state } = c.deps;
  op.journalId = state.journalAdd({ pairId: c.conflict.pairId, runId: c.runId, side: op.side, op: op.op, targetId: op.targetId, sourceId: op.sourceId, payload: { values: op.values } });
  let result: WriteResult | undefined;
  await c.io[op.side].write([toWriteOp(c.config, op, c.runId, op.journalId, await c.io[op.side].listFields())], (_from, results) => {
    result = results[0];
  });
  if (!result || !result.ok) {
    const error = result?.ok === false ? result.error : 'no result';
    state.journalFinish(op.journalId, 'failed', error);
    if (result?.ok === false && result.reason === 'stale') return onStale();
    throw new ApiError('connector-error', `${c.io[op.side].label} refused the write: ${error}. Nothing else was changed; try again.`);
  }
  const ok = result;
  state.transaction(() => {
    commitWritten(c.deps, target(c), op, ok);
    also();
  });
  return ok;
}

/** An update passes the target record as read (`current`): it is written in the app's own forms (yes/no stays yes/no). */
export function plannedOp(c: Pick<Ctx, 'conflict'>, fields: Omit<PlannedOp, 'otherPending' | 'label' | 'overwrites' | 'link' | 'sourceId' | 'sourceVersion' | 'decidedBase'> & Partial<PlannedOp>): PlannedOp {
  return { link: null, sourceId: null, sourceVersion: null, decidedBase: {}, otherPending: [], label: c.conflict.record, overwrites: [], ...fields };
}

/** A conflict's stored values and versions replaced by what each app holds now (a side not read keeps its own). */
export function refreshedData(data: ConflictData, now: Partial<Record<Side, Read | null>>): ConflictData {
  const versions = { ...data.versions };
  const fields = data.fields.map((f) => {
    const next = { ...f };
    for (const s of SIDES) {
      const cur = now[s];
      if (f[s] !== undefined && cur) next[s] = cur.canon[f.name] ?? null;
    }
    return next;
  });
  for (const s of SIDES) {
    const cur = now[s];
    if (cur) versions[s] = versionOf(cur);
  }
  return { ...data, fields, versions };
}

/**
 * A record changed in its app since the conflict was recorded (other values, or another version):
 * the conflict is refreshed with what both apps hold now and the resolution refused, so the
 * steward decides on the values really there (PITFALLS 3, 16). The conflict stays open.
 */
async function refuseChanged(c: Ctx, side: Side): Promise<never> {
  const ids: Record<Side, string | null> = { left: c.conflict.leftId, right: c.conflict.rightId };
  const now = { left: await readSide(c, 'left', ids.left), right: await readSide(c, 'right', ids.right) };
  c.deps.state.transaction(() => c.deps.records.updateConflictData(c.conflict.id, refreshedData(c.conflict.data, now)));
  throw new ApiError('conflict', `This record changed in ${c.io[side].label} since the conflict was detected. The conflict was refreshed with the new values: review them and resolve again.`);
}

/** Refuses (refreshing the conflict) when a side no longer holds what the conflict shows. */
async function ensureUnchanged(c: Ctx, reads: Partial<Record<Side, Read>>): Promise<void> {
  for (const side of SIDES) {
    const cur = reads[side];
    if (!cur) continue;
    const stored = c.conflict.data.versions?.[side];
    const moved = stored !== undefined && stored !== null && stored !== versionOf(cur);
    const differs = c.conflict.data.fields.some((f) => f[side] !== undefined && !canonicalEqual(cur.canon[f.name] ?? null, f[side] ?? null));
    if (moved || differs) await refuseChanged(c, side);
  }
}

/**
 * Writes `values` to whichever side differs; each write commits with the link's base. Until the
 * last write lands, the base of a field the other side still needs holds that side's current
 * value: a crash in between leaves the written value as a change the next run carries over,
 * never a base ahead of the apps. The last write also closes the conflict.
 */
async function writeAgreed(c: Ctx, linkId: number, l: Read, r: Read, values: CanonicalRecord, reason: string) {
  const wrote = { left: 0, right: 0 };
  const cur: Record<Side, Read> = { left: l, right: r };
  const versions: Record<Side, string | null> = { left: versionOf(l), right: versionOf(r) };
  const patches = SIDES.map((side) => ({ side, patch: Object.fromEntries(Object.entries(values).filter(([f, v]) => !canonicalEqual(cur[side].canon[f] ?? null, v))) })).filter((p) => Object.keys(p.patch).length > 0);
  if (patches.length === 0) {
    c.deps.state.transaction(() => {
      const link = c.deps.state.link(linkId);
      if (link) c.deps.state.upsertLink(c.conflict.pairId, { ...link, base: { ...link.base, ...values }, leftVersion: versions.left, rightVersion: versions.right });
      c.close();
    });
    return wrote;
  }
  for (const [i, { side, patch }] of patches.entries()) {
    const last = i === patches.length - 1;
    const o = other(side);
    const decidedBase = last ? values : Object.fromEntries(Object.keys(values).map((f) => [f, cur[o].canon[f] ?? null]));
    const overwrites = Object.entries(patch).map(([field, after]) => ({ side, field, before: cur[side].canon[field] ?? null, after, reason }));
    const w = plannedOp(c, { side, op: 'update', targetId: cur[side].rec.id, values: patch, current: cur[side].rec.fields, ...expecting(c, side, cur[side]), link: { id: linkId }, sourceId: cur[o].rec.id, sourceVersion: versions[o], decidedBase, overwrites, reason, activityAction: 'resolved' });
    const res = await writeOne(c, w, () => refuseChanged(c, side), last ? c.close : undefined);
    versions[side] = res.version ?? null;
    wrote[side]++;
  }
  return wrote;
}

export async function resolveConflict(deps: RunDeps, conflictId: string, resolution: Resolution): Promise<ResolveOutcome> {
  const conflict = deps.records.conflict(conflictId);
  if (!conflict) throw notFound('Conflict', conflictId);
  if (conflict.status !== 'open') throw new ApiError('conflict', 'This conflict was already resolved (perhaps by someone else, or by a run after both apps agreed). Reload the inbox.');
  const pair = deps.pairs.get(conflict.pairId);
  if (!pair) throw notFound('Pair', conflict.pairId);
  const config = pair.config;
  const io = openSides(deps, config);
  const c: Ctx = {
    deps,
    config,
    io,
    conflict,
    runId: `resolve:${conflictId}`,
    closed: false,
    deleting: null,
    close: () => {
      deps.records.resolveConflict(conflictId, resolution, stewardName());
      if (conflict.kind === 'duplicate') releaseDuplicate(deps, conflict, c.deleting);
      // Every resolution is audited, also one that wrote nothing (the apps already agreed, a link).
      deps.records.addActivity({ pairId: conflict.pairId, runId: null, record: conflict.record, recordId: conflict.leftId ?? conflict.rightId, side: conflict.leftId ? 'left' : 'right', action: 'resolved', field: null, before: undefined, after: undefined, reason: describeResolution(resolution, (s) => io[s].label), restorable: false, actor: stewardName() });
      c.closed = true;
    },
  };
  try {
    let wrote = { left: 0, right: 0 };
    if (conflict.kind === 'field') {
      if (resolution.kind !== 'fields') throw new ApiError('invalid-input', 'This is a field conflict: choose a value per field (take left, take right, or type a value).');
      const l = await readSide(c, 'left', conflict.leftId);
      const r = await readSide(c, 'right', conflict.rightId);
      if (!l || !r || conflict.linkId === null) throw new ApiError('conflict', 'One of the two records no longer exists; the next run will see the delete. Reload the inbox.');
      await ensureUnchanged(c, { left: l, right: r });
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
      if (survivor) await ensureUnchanged(c, { [survivorSide]: survivor });
      const link = conflict.linkId !== null ? deps.state.link(conflict.linkId) : null;
      if (resolution.keep === 'updated' && survivor && link) {
        const create = plannedOp(c, { side: deleted, op: 'create', targetId: null, values: survivor.canon, link: { id: link.id }, sourceId: survivor.rec.id, sourceVersion: versionOf(survivor), decidedBase: survivor.canon, reason: 'steward kept the edited record' });
        await writeOne(c, create, () => refuseChanged(c, deleted), c.close);
        wrote[deleted]++;
      } else if (survivor) {
        const overwrites = Object.entries(survivor.canon).map(([field, before]) => ({ side: survivorSide, field, before, after: null, reason: 'steward kept the delete' }));
        const del = plannedOp(c, { side: survivorSide, op: 'delete', targetId: survivor.rec.id, values: {}, ...expecting(c, survivorSide, survivor), link: link ? { id: link.id } : null, overwrites, reason: 'steward kept the delete' });
        await writeOne(c, del, () => refuseChanged(c, survivorSide), () => {
          if (link) deps.state.deleteLink(link.id);
          c.close();
        });
        wrote[survivorSide]++;
      } else {
        deps.state.transaction(() => {
          if (link) deps.state.deleteLink(link.id);
          c.close();
        });
      }
    } else {
      if (resolution.kind !== 'duplicate' && resolution.kind !== 'delete-duplicate') {
        throw new ApiError('invalid-input', 'This is a duplicate: choose which record it is, create it on the other side, or delete it in its app.');
      }
      const dup = conflict.data.duplicate;
      if (!dup) throw new ApiError('internal', 'The duplicate conflict has no candidates recorded.');
      const recSide = dup.side;
      const rec = await readSide(c, recSide, recSide === 'left' ? conflict.leftId : conflict.rightId);
      const name = (s: Side) => io[s].label;
      if (!rec) {
        // Deleted in its app since: nothing is left to decide, and left open the conflict could
        // never be resolved (every choice needs the record). It closes as settled by the app, and
        // its candidates go to the next run like those of any resolved duplicate.
        deps.state.transaction(() => {
          deps.records.resolveConflict(conflictId, { auto: `the record was deleted in ${name(recSide)}` });
          releaseDuplicate(deps, conflict, null);
        });
        c.closed = true;
        throw new ApiError('conflict', `This record no longer exists in ${name(recSide)}, so the conflict is closed; the next sync matches the records it was compared with. Reload the inbox.`);
      }
      if (deps.state.linkFor(conflict.pairId, recSide, rec.rec.id)) throw new ApiError('conflict', `The ${name(recSide)} record ${rec.rec.id} is already linked (perhaps by someone else). Reload the inbox.`);
      if (resolution.kind === 'delete-duplicate') {
        // A stale copy, deleted in its app with each value in the activity log: the duplicate
        // itself, or one of its unlinked candidates (the next run then matches what is left).
        const candidateId = resolution.candidate;
        const side = candidateId === undefined ? recSide : other(recSide);
        if (candidateId !== undefined) {
          if (!dup.candidates.some((cand) => cand.id === candidateId)) throw new ApiError('invalid-input', `"${candidateId}" is not one of this duplicate's candidates.`);
          if (deps.state.linkFor(conflict.pairId, side, candidateId)) {
            throw new ApiError('conflict', `The ${name(side)} record ${candidateId} is linked to a record in ${name(recSide)}: deleting it here would delete that one too. Delete it in ${name(side)} itself if you mean to.`);
          }
        }
        const stale = candidateId === undefined ? rec : await readSide(c, side, candidateId);
        if (!stale) throw new ApiError('conflict', 'That record no longer exists. Reload the inbox.');
        const reason = `deleted in ${name(side)} as a stale duplicate by a steward`;
        const overwrites = Object.entries(stale.canon).map(([field, before]) => ({ side, field, before, after: null, reason }));
        const remove = plannedOp(c, { side, op: 'delete', targetId: stale.rec.id, values: {}, overwrites, reason, ...expecting(c, side, stale) });
        c.deleting = { side, id: stale.rec.id };
        await writeOne(c, remove, () => refuseChanged(c, side), c.close);
        wrote[side]++;
      } else if (resolution.linkTo === null) {
        const create = plannedOp(c, { side: other(recSide), op: 'create', targetId: null, values: rec.canon, sourceId: rec.rec.id, sourceVersion: versionOf(rec), decidedBase: rec.canon, reason: `created from the duplicate in ${name(recSide)} by a steward` });
        await writeOne(c, create, () => refuseChanged(c, other(recSide)), c.close);
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
        // Until the writes land, each patched field's base keeps the value its target still holds (as a run's match does):
        // a crash in between leaves the winner's value as a change the next run carries over.
        const stored: CanonicalRecord = { ...d.base };
        for (const f of Object.keys(d.leftPatch)) stored[f] = l.canon[f] ?? null;
        for (const f of Object.keys(d.rightPatch)) stored[f] = r.canon[f] ?? null;
        const linkId = deps.state.transaction(() => deps.state.upsertLink(conflict.pairId, { leftId: l.rec.id, rightId: r.rec.id, base: stored, leftVersion: versionOf(l), rightVersion: versionOf(r), deletedSide: null }));
        wrote = await writeAgreed(c, linkId, l, r, d.base, 'duplicate linked by a steward');
      }
    }
    if (!c.closed) deps.state.transaction(c.close);
    return { conflictId, status: 'resolved', wrote, error: null };
  } finally {
    await io.left.close();
    await io.right.close();
  }
}

/**
 * Every record a duplicate conflict held — the record and its candidates — but the one its
 * resolution deletes goes to the next run, read by id (released.ts): a link leaves the candidates
 * not chosen, a deleted stale copy leaves the records beside it ("the next sync links what is
 * left"), and a cursor or flag side never shows them again by itself.
 */
function releaseDuplicate(deps: RunDeps, conflict: ConflictRow, deleting: { side: Side; id: string } | null): void {
  const dup = conflict.data.duplicate;
  if (!dup) return;
  const own = dup.side === 'left' ? conflict.leftId : conflict.rightId;
  const kept = (side: Side) => (id: string | null) => id !== null && !(deleting?.side === side && deleting.id === id);
  const released = createReleased(deps.state.db);
  released.add(conflict.pairId, dup.side, [own].filter((id): id is string => kept(dup.side)(id)));
  released.add(conflict.pairId, other(dup.side), dup.candidates.map((cand) => cand.id).filter(kept(other(dup.side))));
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
  if (entry.deleted) {
    if (!entry.restorable) throw new ApiError('conflict', `${entry.record} was restored already; look for it in the apps (its restore is in this log).`);
    return restoreDeleted(deps, { ...entry, deleted: entry.deleted });
  }
  const { field, recordId } = entry;
  if (!entry.restorable || !field || !recordId) throw new ApiError('conflict', 'This entry has no overwritten field value to restore.');
  const pair = deps.pairs.get(entry.pairId);
  if (!pair) throw notFound('Pair', entry.pairId);
  const io = openSides(deps, pair.config);
  try {
    const current = await readSide({ io, config: pair.config }, entry.side, recordId);
    if (!current) throw new ApiError('conflict', `The ${io[entry.side].label} record ${recordId} no longer exists, so its old value cannot be written back.`);
    const value: CanonicalValue = entry.before ?? null;
    const reason = `restored the value overwritten on ${entry.at.slice(0, 16).replace('T', ' ')} UTC`;
    const conflict: ConflictRow = { id: activityId, pairId: entry.pairId, linkId: null, kind: 'field', leftId: null, rightId: null, record: entry.record, fields: [], data: { fields: [] }, status: 'open', detectedAt: '' };
    // The base is left as it was (no link on the op): the restored value is now a change on this
    // side, and the next run carries it to the other app like any user edit.
    const restore = plannedOp({ conflict }, { side: entry.side, op: 'update', targetId: recordId, values: { [field]: value }, current: current.rec.fields, ...expecting({ io }, entry.side, current), overwrites: [{ side: entry.side, field, before: current.canon[field] ?? null, after: value, reason }], reason, activityAction: 'restored' });
    await writeOne({ deps, config: pair.config, io, conflict, runId: `restore:${activityId}` }, restore, () => {
      throw new ApiError('conflict', `The ${io[entry.side].label} record ${recordId} changed while its old value was being written back; nothing was written. Look at its activity again, then restore.`);
    });
  } finally {
    await io.left.close();
    await io.right.close();
  }
}

/** A resolution as the activity log says it: what the steward chose, in the apps' names. */
export function describeResolution(resolution: Resolution, label: (side: Side) => string): string {
  switch (resolution.kind) {
    case 'fields':
      return `a steward resolved the conflict: ${Object.entries(resolution.fields)
        .map(([field, choice]) => `${field} = ${'take' in choice ? `${label(choice.take)}'s value` : `typed value ${JSON.stringify(choice.value)}`}`)
        .join(', ')}`;
    case 'update-delete':
      return resolution.keep === 'updated' ? 'a steward kept the edited record' : 'a steward kept the delete';
    case 'duplicate':
      return resolution.linkTo === null ? 'a steward created the duplicate as a new record' : `a steward linked the duplicate to record ${resolution.linkTo}`;
    case 'delete-duplicate':
      return resolution.candidate === undefined ? 'a steward deleted the duplicate in its app' : `a steward deleted the candidate ${resolution.candidate} as a stale copy`;
  }
}

