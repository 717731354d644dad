/**
 * Batched writes for the SQL-table base: one transaction per batch, one statement per op
 * (`write-ops.ts`), one result per op, never all-or-nothing (PITFALLS 14).
 *
 * In PostgreSQL (and MySQL's strict mode) a failing statement aborts the whole transaction, and a
 * SAVEPOINT around every op costs two more round trips each. So a batch first runs without
 * savepoints, every op's statement sent at once (pipelined where the driver allows, so a batch of
 * 500 costs about one round trip, not 500). When an op fails in SQL, the transaction is rolled back
 * (nothing of it was written), that op gets its failure, and the batch runs again one op at a time
 * with a savepoint around each, so every other op is written whatever else fails.
 *
 * A stale version or a vanished row is not an error in SQL (the statement matches no row), so it
 * never triggers the second pass. A lost connection or a failed COMMIT answers every op
 * 'unavailable': nothing of the batch is known to be written, and the engine retries it (a create
 * with a key derived from its create key finds its row if the COMMIT did land).
 */
import type { WriteOp, WriteResult } from '../types';
import { ConnectorError, errorMessage } from '../errors';
import type { SqlDialect, SqlLease, SqlResult, SqlTable } from './dialect';
import { checkAbort } from './read';
import { OpError, opPlanner, type PlannedOp } from './write-ops';

export { idFromCreateKey } from './write-ops';

type Slot = { plan: PlannedOp } | { error: OpError };

export async function writeBatch(d: SqlDialect, t: SqlTable, ops: WriteOp[], signal?: AbortSignal): Promise<WriteResult[]> {
  checkAbort(signal);
  const planner = opPlanner(d, t);
  const plan = (op: WriteOp): Slot => {
    try {
      return { plan: planner(op) };
    } catch (error) {
      if (error instanceof OpError) return { error };
      throw error;
    }
  };
  /** `s`: the op's connection, after its failure was rolled back, for a dialect that looks up what the op collided with. */
  const failure = async (op: WriteOp, error: unknown, s?: SqlLease): Promise<WriteResult> => {
    const f = error instanceof OpError ? error.failure : await d.opFailure(t, op.op, error, s);
    return { ok: false, ...(f.reason ? { reason: f.reason } : {}), error: f.message };
  };
  /** A finish that decided the op failed (stale, not found) is that op's result, not the batch's error. */
  const finish = async (slot: PlannedOp, r: SqlResult, s: SqlLease, op: WriteOp, again?: SqlResult): Promise<WriteResult> => {
    try {
      return await slot.finish(r, s, again);
    } catch (error) {
      if (error instanceof OpError) return failure(op, error);
      throw error;
    }
  };
  /** An op's statement and, right behind it on the same connection, its read-back. */
  const send = (s: SqlLease, plan: PlannedOp): [Promise<SqlResult>, Promise<SqlResult | undefined>] => [
    s.query(plan.sql, plan.args),
    plan.reread ? s.query(plan.reread.sql, plan.reread.args) : Promise.resolve(undefined),
  ];

  const begin = async (lease: SqlLease): Promise<void> => {
    await lease.query('BEGIN');
    if (d.writeTransactionSql) await lease.query(d.writeTransactionSql);
  };

  let s: SqlLease;
  try {
    s = await d.lease(signal);
  } catch (error) {
    const e = d.connectorError(error);
    if (e.reason === 'unavailable') return ops.map(() => ({ ok: false, reason: 'unavailable', error: e.message }));
    throw e;
  }
  let discard = false;
  try {
    // Pass 1: every statement sent at once, no savepoints. The first that fails undoes the transaction.
    const slots = ops.map(plan);
    await begin(s);
    const pending = slots.map((slot) => ('plan' in slot ? send(s, slot.plan) : null));
    const sent = await Promise.allSettled(pending.map((p) => (p ? p[0] : Promise.resolve(null))));
    const back = await Promise.allSettled(pending.map((p) => (p ? p[1] : Promise.resolve(undefined))));
    checkAbort(signal);
    const failedAt = sent.findIndex((r, i) => r.status === 'rejected' || back[i]?.status === 'rejected');
    if (failedAt < 0) {
      const results = await Promise.all(
        slots.map((slot, i) => {
          const op = ops[i] as WriteOp;
          const r = sent[i];
          const again = back[i];
          if ('error' in slot) return failure(op, slot.error);
          return finish(slot.plan, r?.status === 'fulfilled' && r.value ? r.value : { rows: [], rowCount: 0 }, s, op, again?.status === 'fulfilled' ? again.value : undefined);
        }),
      );
      await s.query('COMMIT');
      return results;
    }
    const failed = sent[failedAt];
    const cause: unknown = failed?.status === 'rejected' ? failed.reason : (back[failedAt] as PromiseRejectedResult).reason;
    if (isConnectionLoss(d, cause)) throw cause;
    await s.query('ROLLBACK');
    // Pass 2: every op again but the failed one, one at a time, each in a savepoint of its own.
    const results: WriteResult[] = [];
    await begin(s);
    for (const [i, op] of ops.entries()) {
      checkAbort(signal);
      const slot = slots[i];
      if (i === failedAt || !slot || 'error' in slot) {
        results.push(await (i === failedAt ? failure(op, cause, s) : failure(op, slot && 'error' in slot ? slot.error : cause)));
        continue;
      }
      await s.query('SAVEPOINT concord_op');
      try {
        const [r, again] = send(s, slot.plan);
        // Its statement failing answers the op; the read-back behind it then fails or reads nothing.
        again.catch(() => {});
        results.push(await finish(slot.plan, await r, s, op, await again));
        await s.query('RELEASE SAVEPOINT concord_op');
      } catch (error) {
        if (isConnectionLoss(d, error)) throw error;
        await s.query('ROLLBACK TO SAVEPOINT concord_op');
        results.push(await failure(op, error, s));
      }
    }
    await s.query('COMMIT');
    return results;
  } catch (error) {
    discard = true;
    await s.query('ROLLBACK').catch(() => {});
    checkAbort(signal);
    const e = error instanceof ConnectorError ? error : d.connectorError(error);
    if (e.reason === 'unavailable') return ops.map(() => ({ ok: false, reason: 'unavailable', error: `${e.message} (nothing of this batch was written; Concord will retry)` }));
    throw e;
  } finally {
    s.release(discard);
  }
}

/** A network error (not an error of one statement): the whole batch is retried, never blamed on one op. */
function isConnectionLoss(d: SqlDialect, error: unknown): boolean {
  if (d.isConnectionLoss?.(error)) return true;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|57P0[1-3]|08\d\d\d)$/.test(code) || /Connection terminated/i.test(errorMessage(error));
}
