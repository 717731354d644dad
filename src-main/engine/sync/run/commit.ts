/**
 * The commit stage: the write choke point. A write's journal row is marked done together with its
 * link, base, versions and activity (every overwritten value), in the transaction the caller
 * holds, so a crash can never leave a write done without its base (the next run would take
 * Concord's own write for a user's change, PITFALLS 2) or a base moved without its write.
 */
import type { PairConfig, RunCounts, Side } from '../../api/model';
import { canonicalEqual } from '../../core/canonical';
import { fromCanonical } from '../../core/mapping';
import type { WriteOp, WriteResult } from '../../connectors/types';
import type { LinkRef, PlannedOp } from '../../core/plan';
import type { RunDeps } from './context';
import { mergeBase } from '../state-store';
import { actorOf } from '../steward';

/** Where a committed write is recorded: the run's id (null for a steward's action), its counts, and the open conflict of each link that has one. */
export type CommitTarget = {
  pairId: string;
  runId: string | null;
  counts: RunCounts;
  conflicts?: Map<LinkRef, string>;
  /** The real-time events that brought an op's change (their correlation ids), for the journal and the activity. */
  correlation?: (op: PlannedOp) => string | null;
};

/** The activity's who and why-now: a steward's name, or the events that brought the change. */
const tagsOf = (t: CommitTarget, op: PlannedOp): { actor?: string; correlationId?: string | null } => ({ ...actorOf(t), ...(t.correlation ? { correlationId: t.correlation(op) } : {}) });


/** `lists`: the target app's fields that hold a list (`SideIo.listFields`): a set goes to them as an array. */
export function toWriteOp(config: PairConfig, op: PlannedOp, runId: string, index: number, lists?: ReadonlySet<string>): WriteOp {
  // An update is written in the target record's own forms where it has them ("yes"/"no" stays so).
  const fields = fromCanonical(config.fields, op.side, op.values, op.op === 'update' ? op.current : undefined, lists);
  if (op.op === 'create') return { op: 'create', fields, key: `${runId}:${index}` };
  if (op.op === 'delete') return op.ifVersion !== undefined ? { op: 'delete', id: op.targetId ?? '', ifVersion: op.ifVersion } : { op: 'delete', id: op.targetId ?? '' };
  return op.ifVersion !== undefined ? { op: 'update', id: op.targetId ?? '', fields, ifVersion: op.ifVersion } : { op: 'update', id: op.targetId ?? '', fields };
}

export function idsOf(op: PlannedOp): { left: string | null; right: string | null } {
  const target = op.targetId;
  const source = op.sourceId;
  return op.side === 'left' ? { left: target, right: source } : { left: source, right: target };
}

/**
 * The write choke point: a write's journal row is marked done together with its link, base,
 * versions and activity (every overwritten value). The caller runs it inside the transaction
 * that also holds whatever else must land with the write (cursors, a conflict's status).
 */
export function commitWritten(deps: RunDeps, t: CommitTarget, op: PlannedOp, res: Extract<WriteResult, { ok: true }>): void {
  deps.state.journalFinish(op.journalId ?? -1, 'done');
  commitSuccess(deps, t, op, res);
}

function commitSuccess(deps: RunDeps, t: CommitTarget, op: PlannedOp, res: Extract<WriteResult, { ok: true }>): void {
  const { state, records } = deps;
  const { pairId, runId, counts } = t;
  const sideVersion = (s: Side) => (s === op.side ? (res.version ?? null) : op.sourceVersion);
  if (op.op === 'create') {
    const existing = op.link?.id != null ? state.link(op.link.id) : null;
    const leftId = op.side === 'left' ? res.id : op.sourceId;
    const rightId = op.side === 'right' ? res.id : op.sourceId;
    const id = state.upsertLink(pairId, {
      ...(existing ? { id: existing.id } : {}),
      leftId,
      rightId,
      base: op.decidedBase,
      leftVersion: sideVersion('left'),
      rightVersion: sideVersion('right'),
      // The created record as its app sorts it now: the next cursor read need not read it back.
      ...(op.side === 'left' ? { leftStamp: res.stamp ?? null } : { rightStamp: res.stamp ?? null }),
      deletedSide: null,
    });
    if (op.link) op.link.id = id;
    counts.created++;
    records.addActivity({ pairId, runId, record: op.label, recordId: res.id, side: op.side, action: op.activityAction ?? 'created', field: null, before: undefined, after: undefined, reason: op.reason, restorable: false, ...tagsOf(t, op) });
    return;
  }
  if (op.op === 'delete') {
    const link = op.link?.id != null ? state.link(op.link.id) : null;
    if (op.link?.id != null) state.deleteLink(op.link.id);
    counts.deleted++;
    // One record-level entry with the whole record, so Restore can create it again in every app
    // that lost it: the target app, and — a linked record is deleted only once its partner is gone
    // (a propagated delete, a steward keeping a delete) — the app it was linked in.
    const ids: Record<Side, string | null> = { left: link?.leftId ?? null, right: link?.rightId ?? null };
    ids[op.side] = op.targetId;
    const lost = (['left', 'right'] as const).filter((s) => ids[s] !== null);
    const values = Object.fromEntries(op.overwrites.map((o) => [o.field, o.before ?? null]));
    records.addActivity({ pairId, runId, record: op.label, recordId: op.targetId, side: op.side, action: 'deleted', field: null, before: undefined, after: undefined, reason: op.reason, restorable: true, deleted: { values, ids, lost: lost.length > 0 ? lost : [op.side] }, ...tagsOf(t, op) });
    for (const o of op.overwrites) {
      records.addActivity({ pairId, runId, record: op.label, recordId: op.targetId, side: op.side, action: 'deleted', field: o.field, before: o.before, after: undefined, reason: op.reason, restorable: false, ...tagsOf(t, op) });
    }
    return;
  }
  const link = op.link?.id != null ? state.link(op.link.id) : null;
  if (link) {
    const base = mergeBase(link.base, op.decidedBase, Object.keys(op.values), op.otherPending);
    // A stored version says "this record holds the base": a run skips a record still at it
    // without comparing values. So a side keeps a version only when that holds — not the written
    // side while the base lags behind what was written (a steward's first of two writes), not the
    // source while a write to it is still pending (a merge written to both sides).
    const settled = Object.entries(op.values).every(([f, v]) => canonicalEqual(base[f] ?? null, v ?? null));
    const other = op.side === 'left' ? 'right' : 'left';
    const written = settled && op.settles?.[op.side] !== false ? (res.version ?? null) : null;
    const source = op.otherPending.length === 0 && op.settles?.[other] !== false ? op.sourceVersion : null;
    // The written side's stamp comes with its version; the other side keeps its own only while its version stays.
    const writtenStamp = written !== null ? (res.stamp ?? null) : null;
    state.upsertLink(pairId, {
      ...link,
      base,
      leftVersion: op.side === 'left' ? written : source,
      rightVersion: op.side === 'right' ? written : source,
      leftStamp: op.side === 'left' ? writtenStamp : source === link.leftVersion ? link.leftStamp : null,
      rightStamp: op.side === 'right' ? writtenStamp : source === link.rightVersion ? link.rightStamp : null,
    });
  }
  counts.updated++;
  // Every overwritten value is kept, so a policy's decision can be undone (PITFALLS 3).
  for (const o of op.overwrites) {
    records.addActivity({ pairId, runId, record: op.label, recordId: op.targetId, side: op.side, action: op.activityAction ?? 'updated', field: o.field, before: o.before, after: o.after, reason: o.reason, restorable: true, ...tagsOf(t, op) });
  }
  // The record's open conflict shows what the app holds after Concord's own write (its other fields
  // still sync), so the resolver does not take this write for an edit made in the app.
  const conflictId = op.link ? t.conflicts?.get(op.link) : undefined;
  const conflict = conflictId ? records.conflict(conflictId) : null;
  if (conflict) {
    const fields = conflict.data.fields.map((f) => (Object.hasOwn(op.values, f.name) ? { ...f, [op.side]: op.values[f.name] ?? null } : f));
    records.updateConflictData(conflict.id, { ...conflict.data, fields, versions: { ...conflict.data.versions, [op.side]: res.version ?? null } });
  }
}
