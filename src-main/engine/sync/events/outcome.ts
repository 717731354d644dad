/**
 * What became of each event's record in the run that applied it: an open conflict, a failed
 * record, or what the run wrote with the event's correlation id (nothing: the other app held it
 * already). One read of the run's activity per run, one indexed lookup per record.
 */
import type { EventDetail, EventState, Side } from '../../api/model';
import { statementCache, type Db } from '../../store/db';

type Wrote = NonNullable<EventDetail['wrote']>[number];
/** `pending`: the record failed for a passing reason; the event stays in the queue and is tried again. */
export type RecordOutcome = { state: EventState; detail: EventDetail };
/** Write failures that pass on their own (the app down or busy, a record changed under the write): tried again. */
const PASSING = new Set(['unavailable', 'stale', 'rate-limited']);

export function createOutcomes(db: Db) {
  const prepare = statementCache(db);
  return function outcomesOf(pairId: string, runId: string, events: { side: Side; recordId: string; correlationId: string }[]): RecordOutcome[] {
    // The run's writes, by the correlation ids they carry (an op brought by several events carries them all).
    const byCorrelation = new Map<string, Map<string, Wrote>>();
    const rows = prepare("SELECT side, action, record_id, field, correlation_id FROM activity WHERE run_id = ? AND correlation_id IS NOT NULL AND action IN ('created', 'updated', 'deleted') ORDER BY rowid").all(runId) as {
      side: Side;
      action: string;
      record_id: string | null;
      field: string | null;
      correlation_id: string;
    }[];
    for (const r of rows) {
      for (const id of r.correlation_id.split(' ')) {
        const wrote = byCorrelation.get(id) ?? new Map<string, Wrote>();
        byCorrelation.set(id, wrote);
        const k = `${r.side}\u0000${r.action}\u0000${r.record_id ?? ''}`;
        const w = wrote.get(k) ?? { side: r.side, action: r.action, recordId: r.record_id, fields: [] };
        if (r.field !== null) w.fields.push(r.field);
        wrote.set(k, w);
      }
    }
    return events.map(({ side, recordId, correlationId }) => {
      const col = side === 'left' ? 'left_id' : 'right_id';
      const conflict = prepare(`SELECT id FROM conflicts WHERE pair_id = ? AND ${col} = ? AND status = 'open' ORDER BY detected_at DESC LIMIT 1`).pluck().get(pairId, recordId) as string | undefined;
      if (conflict) return { state: 'conflict', detail: { conflictId: conflict } };
      const failed = prepare(`SELECT error, reason FROM failed WHERE pair_id = ? AND ${col} = ? LIMIT 1`).get(pairId, recordId) as { error: string; reason: string | null } | undefined;
      if (failed && failed.reason !== null && PASSING.has(failed.reason)) return { state: 'pending', detail: { error: failed.error } };
      if (failed) return { state: 'failed', detail: { error: failed.error } };
      const wrote = byCorrelation.get(correlationId);
      if (wrote) return { state: 'applied', detail: { wrote: [...wrote.values()] } };
      return { state: 'applied', detail: { note: 'Nothing to write: the other app already holds this change (or no mapped field changed).' } };
    });
  };
}
