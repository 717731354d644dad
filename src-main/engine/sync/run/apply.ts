/**
 * The apply stage: carries out one batch's plan. State that needs no write (links of matched
 * records, conflicts, base-only updates) commits first, with every write journaled `pending`
 * (and the values it will overwrite) before it is sent; then each side's writes go out in the
 * connector's batch size and each confirmed batch commits in one transaction (commit.ts).
 */
import { ConnectorError } from '../../connectors/errors';
import type { WriteResult } from '../../connectors/types';
import type { Plan, PlannedOp } from '../../core/plan';
import { RateLimited, yieldToEventLoop } from '../side-io';
import { commitWritten, idsOf, toWriteOp, type CommitTarget } from './commit';
import { correlationOf, other, SIDES, type RunContext } from './context';

export async function applyBatch(run: RunContext, plan: Plan, conflictIds: string[] = []): Promise<void> {
  const { state, records } = run.deps;
  const { pairId, runId, counts } = run;
  const corr = run.req.only?.events ? (op: Pick<PlannedOp, 'side' | 'sourceId' | 'targetId'>) => correlationOf(run.req, op) : () => null;
  const target: CommitTarget = { pairId, runId, counts, conflicts: new Map(), correlation: corr };
  counts.skipped += plan.skipped;
  // Every batch gives the event loop a turn (timers and I/O, not just microtasks), so requests —
  // Cancel, the UI — are answered at any phase of a run: matching and deleting too.
  await yieldToEventLoop();

  // Most runs have no failed records: then there is nothing to clear per write.
  const anyFailed = records.failedCount(pairId) > 0;
  state.transaction(() => {
    for (const nl of plan.newLinks) {
      nl.ref.id = state.upsertLink(pairId, { leftId: nl.leftId, rightId: nl.rightId, base: nl.base, leftVersion: nl.leftVersion, rightVersion: nl.rightVersion, deletedSide: null });
      run.planned.add(nl.ref.id);
      // Linked now (matched, or found as the record an earlier create made): no failure is left to retry.
      if (anyFailed) records.clearFailed(pairId, nl.leftId, nl.rightId);
      records.addActivity({ pairId, runId, record: nl.label, recordId: nl.leftId, side: 'left', action: 'linked', field: null, before: undefined, after: undefined, reason: `matched with record ${nl.rightId} in ${run.io.right.label} on the match keys`, restorable: false });
    }
    for (const u of plan.baseUpdates) {
      const link = state.link(u.linkId);
      if (!link) continue;
      state.upsertLink(pairId, { ...link, base: u.base, leftVersion: u.leftVersion, rightVersion: u.rightVersion });
      // Both apps hold the same values now (a write whose answer was lost had landed): no failure is left to retry.
      if (anyFailed) records.clearFailed(pairId, link.leftId, link.rightId);
    }
    for (const id of plan.linkDeletes) {
      // Both records are gone (a delete whose answer was lost had landed): no failure is left to retry.
      const link = anyFailed ? state.link(id) : null;
      if (link) records.clearFailed(pairId, link.leftId, link.rightId);
      state.deleteLink(id);
    }
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
        const correlationId = corr({ side: 'left', sourceId: c.rightId, targetId: c.leftId });
        records.addActivity({ pairId, runId, record: c.record, recordId: c.leftId ?? c.rightId, side: 'left', action: 'conflict', field: c.fields.join(', ') || null, before: undefined, after: undefined, reason: `${c.kind} conflict sent to the inbox`, restorable: false, correlationId });
      }
    }
    for (const idx of plan.autoResolved) {
      const id = conflictIds[idx];
      if (id) records.resolveConflict(id, { auto: 'both apps now hold the same values' });
    }
    // Journaled before anything is sent, with the values each write will overwrite: a kill between
    // the app's write and this run's commit still leaves them restorable (recovery.ts).
    for (const op of plan.ops) {
      op.journalId = state.journalAdd({
        pairId,
        runId,
        side: op.side,
        op: op.op,
        targetId: op.targetId,
        sourceId: op.sourceId,
        payload: { values: op.values, ...(op.seen ? { seen: op.seen } : {}), ...(op.overwrites.length > 0 ? { overwrites: op.overwrites, label: op.label } : {}) },
        correlationId: corr(op),
      });
      if (op.link?.id != null) run.planned.add(op.link.id);
    }
  });

  const committed = new Set<PlannedOp>();
  const unsent = (op: PlannedOp) => {
    if (op.sourceId) run.unprocessed[other(op.side)].add(op.sourceId);
    if (op.targetId) run.unprocessed[op.side].add(op.targetId);
  };
  /** An op never sent (a rate limit or a cancel stopped the side first): closed in the journal, so no rerun takes it for an interrupted write. */
  const notSent = (ops: PlannedOp[], why: string) => {
    const open = ops.filter((op) => !committed.has(op));
    if (open.length === 0) return;
    state.transaction(() => {
      for (const op of open) {
        committed.add(op);
        state.journalFinish(op.journalId ?? -1, 'failed', why);
        unsent(op);
      }
    });
  };
  const whyNotSent = () => (run.req.signal.aborted ? 'not sent: the run was cancelled' : 'not sent: the app asked Concord to slow down');
  /** `outcomeUnknown`: the op's batch threw, so the app may hold its write (see journalFinish). */
  const commit = (op: PlannedOp, res: WriteResult, outcomeUnknown = false) => {
    committed.add(op);
    const ids = idsOf(op);
    if (res.ok) {
      commitWritten(run.deps, target, op, res);
      if (anyFailed) records.clearFailed(pairId, ids.left, ids.right);
      run.written++;
    } else if (res.reason === 'rate-limited') {
      state.journalFinish(op.journalId ?? -1, 'failed', res.error);
      unsent(op);
    } else {
      // A create lost to the network ('unavailable': a reset after the app took it, a time-out)
      // may exist in the app as much as one whose whole batch threw: its journal row stays
      // 'unknown', so the next run looks it up by content and key before creating again (PITFALLS 15).
      const unknown = op.op === 'create' && (outcomeUnknown || res.reason === 'unavailable');
      state.journalFinish(op.journalId ?? -1, unknown ? 'unknown' : 'failed', res.error);
      counts.failed++;
      // Stale: the record changed since we read it — never overwrite a newer value (PITFALLS 3); retried at once.
      const retryAfterMs = res.reason === 'stale' ? 0 : res.retryAfterMs;
      // Both records of its link (a delete's source is gone, so the op names only its target): a
      // retry reads them both, and finds the source still gone — which is what sends the delete again.
      const link = op.link?.id != null && (ids.left === null || ids.right === null) ? state.link(op.link.id) : null;
      records.saveFailed({ pairId, side: op.side, op: op.op, leftId: ids.left ?? link?.leftId ?? null, rightId: ids.right ?? link?.rightId ?? null, record: op.label, error: res.error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(res.reason ? { reason: res.reason } : {}) });
    }
  };

  for (const side of SIDES) {
    const ops = plan.ops.filter((o) => o.side === side);
    if (ops.length === 0) continue;
    if (run.rateLimited || run.req.signal.aborted) {
      notSent(ops, whyNotSent());
      continue;
    }
    const lists = await run.io[side].listFields();
    const wire = ops.map((op) => toWriteOp(run.config, op, runId, op.journalId ?? 0, lists));
    let sent = 0;
    try {
      await run.io[side].write(wire, (from, results) => {
        // One transaction for the batch the app just confirmed: a commit per record cost more than
        // the writes themselves. A crash before it commits leaves the batch pending in the
        // journal, which a rerun looks up (recovery.ts).
        state.transaction(() =>
          results.forEach((r, j) => {
            const op = ops[from + j];
            if (op) commit(op, r);
          }),
        );
        sent = from + results.length;
        run.progress(run.phase);
        if (run.req.signal.aborted) throw new Error('cancelled');
      });
    } catch (e) {
      if (e instanceof RateLimited) {
        run.rateLimited = e;
        run.deps.pairs.setPausedUntil(pairId, new Date(Date.now() + e.retryAfterMs).toISOString(), e.side);
        notSent(ops, whyNotSent());
      } else if (e instanceof ConnectorError && e.reason === 'read-only') {
        // Nothing of this side can be written (the file became read-only mid-run): one run error,
        // not one failed record per row; the ops stay unprocessed, so the next run writes them.
        notSent(ops, `not sent: ${e.message}`);
        throw e;
      } else if (!run.req.signal.aborted) {
        // The batch in flight failed as a whole (the app went away): its ops may or may not have
        // landed, so they are failed (a create's outcome unknown). Batches never sent were not
        // attempted: they stay unprocessed, for the next run, not in the failed list.
        const message = e instanceof Error ? e.message : String(e);
        state.transaction(() => {
          for (const op of ops.slice(sent, sent + run.io[side].writeBatch)) if (!committed.has(op)) commit(op, { ok: false, error: message, reason: 'unavailable' }, true);
        });
        notSent(ops, `not sent: an earlier batch failed (${message})`);
      } else notSent(ops, whyNotSent());
    }
  }
}
