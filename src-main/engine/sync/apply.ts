/**
 * Carries a plan out: state changes that need no write (links of matched records, conflicts,
 * base-only updates) commit first; every write is journaled `pending` before it is sent, and each
 * result commits in one transaction with its base, link, activity and failed-list changes. The
 * cursors advance inside the transaction that commits the last result, and only when nothing
 * read is left unprocessed (a rate-limited side or a cancel leaves them where they were).
 */
import type { PairConfig, RunCounts, RunProgress, RunStatus, Side } from '../api/model';
import { fromCanonical } from '../core/mapping';
import type { Cursor, WriteOp, WriteResult } from '../connectors/types';
import type { LinkRef, Plan, PlannedOp } from './plan';
import type { RunDeps } from './runner';
import { RateLimited, type SideIo } from './side-io';
import { mergeBase } from './state-store';

export type ApplyInput = {
  pairId: string;
  runId: string;
  config: PairConfig;
  plan: Plan;
  io: Record<Side, SideIo>;
  signal: AbortSignal;
  counts: RunCounts;
  cursors: Record<Side, Cursor | null>;
  /** Open field-conflict ids by index (the plan's autoResolved refers to them). */
  conflictIds: string[];
  onProgress: (p: Omit<RunProgress, 'pairId' | 'runId'>) => void;
  readCount: number;
};

/** Where a committed write is recorded: the run's id (null for a steward's action), its counts, and the open conflict of each link that has one. */
export type CommitTarget = { pairId: string; runId: string | null; counts: RunCounts; conflicts?: Map<LinkRef, string> };

export type ApplyResult = { status: RunStatus; error: string | null; unprocessed: Record<Side, Set<string>> };

const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');

export function toWriteOp(config: PairConfig, op: PlannedOp, runId: string, index: number): WriteOp {
  // An update is written in the target record's own forms where it has them ("yes"/"no" stays so).
  const fields = fromCanonical(config.fields, op.side, op.values, op.op === 'update' ? op.current : undefined);
  if (op.op === 'create') return { op: 'create', fields, key: `${runId}:${index}` };
  if (op.op === 'delete') return op.ifVersion !== undefined ? { op: 'delete', id: op.targetId ?? '', ifVersion: op.ifVersion } : { op: 'delete', id: op.targetId ?? '' };
  return op.ifVersion !== undefined ? { op: 'update', id: op.targetId ?? '', fields, ifVersion: op.ifVersion } : { op: 'update', id: op.targetId ?? '', fields };
}

export async function applyPlan(deps: RunDeps, a: ApplyInput): Promise<ApplyResult> {
  const { state, records } = deps;
  const { plan, pairId, runId, counts } = a;
  const unprocessed: Record<Side, Set<string>> = { left: new Set(), right: new Set() };
  const target: CommitTarget = { pairId, runId, counts, conflicts: new Map() };

  const anyFailed = records.failedCount(pairId) > 0;
  state.transaction(() => {
    for (const nl of plan.newLinks) {
      nl.ref.id = state.upsertLink(pairId, { leftId: nl.leftId, rightId: nl.rightId, base: nl.base, leftVersion: nl.leftVersion, rightVersion: nl.rightVersion, deletedSide: null });
      // Linked now (matched, or found as the record an earlier create made): no failure is left to retry.
      if (anyFailed) records.clearFailed(pairId, nl.leftId, nl.rightId);
      records.addActivity({ pairId, runId, record: nl.label, recordId: nl.leftId, side: 'left', action: 'linked', field: null, before: undefined, after: undefined, reason: `matched with record ${nl.rightId} in ${a.io.right.label} on the match keys`, restorable: false });
    }
    for (const u of plan.baseUpdates) {
      const link = state.link(u.linkId);
      if (link) state.upsertLink(pairId, { ...link, base: u.base, leftVersion: u.leftVersion, rightVersion: u.rightVersion });
    }
    for (const id of plan.linkDeletes) state.deleteLink(id);
    for (const id of plan.revived) {
      const link = state.link(id);
      if (link) state.upsertLink(pairId, { ...link, deletedSide: null });
    }
    for (const t of plan.tombstones) {
      const link = state.link(t.linkId);
      if (link) state.upsertLink(pairId, { ...link, deletedSide: t.side });
      records.addActivity({ pairId, runId, record: t.label, recordId: t.recordId, side: other(t.side), action: 'deleted', field: null, before: undefined, after: undefined, reason: t.reason, restorable: false });
    }
    for (const c of plan.conflicts) {
      const { link, ...rest } = c;
      const saved = records.saveConflict({ ...rest, linkId: link?.id ?? null });
      if (link && c.kind === 'field') target.conflicts?.set(link, saved.id);
      if (saved.isNew) {
        counts.conflicts++;
        records.addActivity({ pairId, runId, record: c.record, recordId: c.leftId ?? c.rightId, side: 'left', action: 'conflict', field: c.fields.join(', ') || null, before: undefined, after: undefined, reason: `${c.kind} conflict sent to the inbox`, restorable: false });
      }
    }
    for (const idx of plan.autoResolved) {
      const id = a.conflictIds[idx];
      if (id) records.resolveConflict(id, { auto: 'both apps now hold the same values' });
    }
    plan.ops.forEach((op, i) => {
      op.journalId = state.journalAdd({ pairId, runId, side: op.side, op: op.op, targetId: op.targetId, sourceId: op.sourceId, payload: { values: op.values, index: i, ...(op.seen ? { seen: op.seen } : {}) } });
    });
    // The journal now holds this run's plan: rows an interrupted run left pending are superseded.
    state.supersedePending(pairId, runId);
  });

  let remaining = plan.ops.length;
  let rateLimited: RateLimited | null = null;
  let written = 0;
  // Set inside the commit of a rate-limited result, before the last commit may run `finalize`.
  let limitSeen = false;
  const finalize = () => {
    if (rateLimited || limitSeen || a.signal.aborted) return;
    for (const side of ['left', 'right'] as const) {
      const c = a.cursors[side];
      if (c) state.setCursor(pairId, side, c);
    }
  };
  if (remaining === 0) state.transaction(finalize);

  /** `outcomeUnknown`: the op's batch threw, so the app may hold its write (see journalFinish). */
  const commit = (op: PlannedOp, res: WriteResult, outcomeUnknown = false) => {
    committed.add(op);
    state.transaction(() => {
      remaining--;
      const ids = idsOf(op);
      if (res.ok) {
        commitWritten(deps, target, op, res);
        records.clearFailed(pairId, ids.left, ids.right);
        written++;
      } else if (res.reason === 'rate-limited') {
        limitSeen = true;
        state.journalFinish(op.journalId ?? -1, 'failed', res.error);
        const src = op.sourceId;
        if (src) unprocessed[other(op.side)].add(src);
        if (op.targetId) unprocessed[op.side].add(op.targetId);
      } else {
        state.journalFinish(op.journalId ?? -1, outcomeUnknown && op.op === 'create' ? 'unknown' : 'failed', res.error);
        counts.failed++;
        // Stale: the record changed since we read it — never overwrite a newer value (PITFALLS 3); retried at once.
        const retryAfterMs = res.reason === 'stale' ? 0 : res.retryAfterMs;
        records.saveFailed({ pairId, side: op.side, op: op.op, leftId: ids.left, rightId: ids.right, record: op.label, error: res.error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      }
      if (remaining === 0) finalize();
    });
  };

  const toWrite = plan.ops.length;
  a.onProgress({ phase: 'writing', read: a.readCount, total: null, written: 0, toWrite });
  for (const side of ['left', 'right'] as const) {
    const ops = plan.ops.filter((o) => o.side === side);
    if (ops.length === 0) continue;
    if (rateLimited || a.signal.aborted) {
      for (const op of ops) markUnprocessed(op);
      continue;
    }
    const wire = ops.map((op) => toWriteOp(a.config, op, runId, op.journalId ?? 0));
    try {
      await a.io[side].write(wire, (from, results) => {
        // One transaction for the batch the app just confirmed (each op's commit is a savepoint in
        // it): a commit per record cost more than the writes themselves on large runs. A crash
        // before it commits leaves the batch pending in the journal, which a rerun looks up.
        state.transaction(() =>
          results.forEach((r, j) => {
            const op = ops[from + j];
            if (op) commit(op, r);
          }),
        );
        a.onProgress({ phase: 'writing', read: a.readCount, total: null, written, toWrite });
        if (a.signal.aborted) throw new Error('cancelled');
      });
    } catch (e) {
      if (e instanceof RateLimited) {
        rateLimited = e;
        deps.pairs.setPausedUntil(pairId, new Date(Date.now() + e.retryAfterMs).toISOString());
      } else if (!a.signal.aborted) {
        // A whole-batch failure (the app went away): every op of the batch goes to the failed list.
        const message = e instanceof Error ? e.message : String(e);
        for (const op of ops) if (!committed.has(op)) commit(op, { ok: false, error: message, reason: 'unavailable' }, true);
      }
      for (const op of ops) if (!committed.has(op)) markUnprocessed(op);
    }
  }

  function markUnprocessed(op: PlannedOp) {
    if (op.sourceId) unprocessed[other(op.side)].add(op.sourceId);
    if (op.targetId) unprocessed[op.side].add(op.targetId);
  }

  if (a.signal.aborted) return { status: 'cancelled', error: null, unprocessed };
  if (rateLimited) return { status: 'partial', error: `${rateLimited.message} The pair waits and resumes from its cursor.`, unprocessed };
  return { status: counts.failed > 0 ? 'partial' : 'succeeded', error: counts.failed > 0 ? `${counts.failed === 1 ? '1 record' : `${counts.failed} records`} failed; see the failed list.` : null, unprocessed };
}

const committed = new WeakSet<PlannedOp>();

function idsOf(op: PlannedOp): { left: string | null; right: string | null } {
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
      deletedSide: null,
    });
    if (op.link) op.link.id = id;
    counts.created++;
    records.addActivity({ pairId, runId, record: op.label, recordId: res.id, side: op.side, action: 'created', field: null, before: undefined, after: undefined, reason: op.reason, restorable: false });
    return;
  }
  if (op.op === 'delete') {
    if (op.link?.id != null) state.deleteLink(op.link.id);
    counts.deleted++;
    for (const o of op.overwrites) {
      records.addActivity({ pairId, runId, record: op.label, recordId: op.targetId, side: op.side, action: 'deleted', field: o.field, before: o.before, after: undefined, reason: op.reason, restorable: false });
    }
    return;
  }
  const link = op.link?.id != null ? state.link(op.link.id) : null;
  if (link) {
    state.upsertLink(pairId, {
      ...link,
      base: mergeBase(link.base, op.decidedBase, Object.keys(op.values), op.otherPending),
      leftVersion: op.side === 'left' ? (res.version ?? null) : op.sourceVersion,
      rightVersion: op.side === 'right' ? (res.version ?? null) : op.sourceVersion,
    });
  }
  counts.updated++;
  // Every overwritten value is kept, so a policy's decision can be undone (PITFALLS 3).
  for (const o of op.overwrites) {
    records.addActivity({ pairId, runId, record: op.label, recordId: op.targetId, side: op.side, action: op.activityAction ?? 'updated', field: o.field, before: o.before, after: o.after, reason: o.reason, restorable: true });
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
