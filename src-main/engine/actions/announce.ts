/**
 * What a finished run tells the pair's actions, written to the outbox inside the transaction that
 * records the run's end (run-manager.ts): the run's end and its announcements commit together, so
 * a crash can lose neither one without the other.
 *
 * Batching: one delivery per action and event kind per run. `conflict.opened` and `record.failed`
 * carry the first ITEMS_PER_DELIVERY records (ids, conflict id, fields) and the `count` of all of
 * them: a run that opens 20,000 conflicts makes one call per action, not 20,000.
 *
 * Which records: those opened or failed since the pair's events were last gathered (action_marks),
 * not only during this run — a run killed before its end left conflicts that the next run's end
 * announces. A pair without a mark starts at this run's start (an upgraded data folder does not
 * announce its whole inbox). `pair.failing`/`pair.recovered` compare with what was last announced,
 * so each change of health is announced once; a cancelled run says nothing about health.
 */
import type { ActionEventName, RunSummary } from '../api/model';
import type { Db } from '../store/db';
import type { ActionStore } from './store';

export const ITEMS_PER_DELIVERY = 100;

type Mark = { gathered_at: string; failing: number };

export function createAnnouncer(db: Db, store: ActionStore, options: { maxAttempts: number }) {
  /** Returns the deliveries written (the caller wakes the worker once they are committed). */
  return function announceRun(run: RunSummary): { pairId: string; deliveryId: string }[] {
    const pair = db.prepare('SELECT name FROM pairs WHERE id = ?').get(run.pairId) as { name: string } | undefined;
    if (!pair) return [];
    const gatheredAt = new Date().toISOString();
    const mark = db.prepare('SELECT gathered_at, failing FROM action_marks WHERE pair_id = ?').get(run.pairId) as Mark | undefined;
    const since = mark?.gathered_at ?? new Date(Date.parse(run.startedAt) - 1).toISOString();
    const wasFailing = mark
      ? mark.failing === 1
      : (db.prepare("SELECT status FROM runs WHERE pair_id = ? AND id <> ? AND status <> 'running' ORDER BY started_at DESC, rowid DESC LIMIT 1").pluck().get(run.pairId, run.id) as string | undefined) === 'failed';
    const failing = run.status === 'failed' ? true : run.status === 'cancelled' ? wasFailing : false;
    db.prepare('INSERT INTO action_marks (pair_id, gathered_at, failing) VALUES (?, ?, ?) ON CONFLICT (pair_id) DO UPDATE SET gathered_at = excluded.gathered_at, failing = excluded.failing').run(
      run.pairId,
      gatheredAt,
      failing ? 1 : 0,
    );

    const written: { pairId: string; deliveryId: string }[] = [];
    const occurredAt = run.finishedAt ?? gatheredAt;
    const announce = (event: ActionEventName, data: () => unknown | null) => {
      const listening = store.listening(run.pairId, event);
      if (listening.length === 0) return;
      const payload = data();
      if (payload === null) return;
      for (const a of listening) {
        written.push({ pairId: run.pairId, deliveryId: store.enqueue({ actionId: a.id, pairId: run.pairId, pairName: pair.name, event, occurredAt, data: payload, maxAttempts: a.kind === 'notify' ? 1 : options.maxAttempts }) });
      }
    };

    announce('conflict.opened', () => {
      // Through conflicts_by_pair (pair_id, status, detected_at): a count and one page, however many opened.
      const n = db.prepare("SELECT count(*) FROM conflicts WHERE pair_id = ? AND status = 'open' AND detected_at > ?").pluck().get(run.pairId, since) as number;
      if (n === 0) return null;
      const rows = db
        .prepare("SELECT id, kind, record, left_id, right_id, fields_json, detected_at FROM conflicts WHERE pair_id = ? AND status = 'open' AND detected_at > ? ORDER BY detected_at, id LIMIT ?")
        .all(run.pairId, since, ITEMS_PER_DELIVERY) as { id: string; kind: string; record: string; left_id: string | null; right_id: string | null; fields_json: string; detected_at: string }[];
      const items = rows.map((r) => ({ conflictId: r.id, kind: r.kind, record: r.record, leftId: r.left_id, rightId: r.right_id, fields: JSON.parse(r.fields_json) as string[], detectedAt: r.detected_at }));
      return { runId: run.id, count: n, more: n - items.length, items };
    });
    announce('record.failed', () => {
      // Through failed_pair (pair_id, failed_at): a record failing again counts again.
      const n = db.prepare('SELECT count(*) FROM failed WHERE pair_id = ? AND failed_at > ?').pluck().get(run.pairId, since) as number;
      if (n === 0) return null;
      const rows = db
        .prepare('SELECT id, side, op, record, left_id, right_id, error, attempts, failed_at FROM failed WHERE pair_id = ? AND failed_at > ? ORDER BY failed_at, id LIMIT ?')
        .all(run.pairId, since, ITEMS_PER_DELIVERY) as { id: string; side: string; op: string; record: string; left_id: string | null; right_id: string | null; error: string; attempts: number; failed_at: string }[];
      const items = rows.map((r) => ({ failedId: r.id, side: r.side, op: r.op, record: r.record, leftId: r.left_id, rightId: r.right_id, error: r.error, attempts: r.attempts, failedAt: r.failed_at }));
      return { runId: run.id, count: n, more: n - items.length, items };
    });
    if (failing && !wasFailing) announce('pair.failing', () => ({ runId: run.id, error: run.error, run }));
    if (!failing && wasFailing) announce('pair.recovered', () => ({ runId: run.id, run }));
    announce('run.finished', () => ({ runId: run.id, run }));
    return written;
  };
}
