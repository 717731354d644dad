/**
 * What became of an event's record in the run that applied it: an open conflict, a failed record,
 * or what the run wrote with the event's correlation id (nothing: the other app held it already).
 */
import type { EventDetail, EventState, Side } from '../../api/model';
import { statementCache, type Db } from '../../store/db';

export function createOutcomes(db: Db) {
  const prepare = statementCache(db);
  return function outcomeOf(pairId: string, side: Side, recordId: string, correlationId: string, runId: string): { state: EventState; detail: EventDetail } {
    const col = side === 'left' ? 'left_id' : 'right_id';
    const conflict = prepare(`SELECT id FROM conflicts WHERE pair_id = ? AND status = 'open' AND ${col} = ? ORDER BY detected_at DESC LIMIT 1`).pluck().get(pairId, recordId) as string | undefined;
    if (conflict) return { state: 'conflict', detail: { conflictId: conflict } };
    const failed = prepare(`SELECT error FROM failed WHERE pair_id = ? AND ${col} = ? LIMIT 1`).pluck().get(pairId, recordId) as string | undefined;
    if (failed !== undefined) return { state: 'failed', detail: { error: failed } };
    const rows = prepare("SELECT side, action, record_id, field FROM activity WHERE run_id = ? AND instr(correlation_id, ?) > 0 AND action IN ('created', 'updated', 'deleted') ORDER BY rowid").all(runId, correlationId) as {
      side: Side;
      action: string;
      record_id: string | null;
      field: string | null;
    }[];
    const wrote = new Map<string, { side: Side; action: string; recordId: string | null; fields: string[] }>();
    for (const r of rows) {
      const k = `${r.side}\u0000${r.action}\u0000${r.record_id ?? ''}`;
      const w = wrote.get(k) ?? { side: r.side, action: r.action, recordId: r.record_id, fields: [] };
      if (r.field !== null) w.fields.push(r.field);
      wrote.set(k, w);
    }
    if (wrote.size > 0) return { state: 'applied', detail: { wrote: [...wrote.values()] } };
    return { state: 'applied', detail: { note: 'Nothing to write: the other app already holds this change (or no mapped field changed).' } };
  };
}
