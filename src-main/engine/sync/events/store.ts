/**
 * The durable per-pair event queue (issue 12 §2), in the engine's SQLite database: every feed's
 * events land here before anything else happens (a webhook is answered only after its insert
 * committed), and leave it only as an outcome — applied, conflict or failed — written after the
 * run that applied them ended. An engine killed at any instant restarts with every accepted event
 * either finished or still pending; a pending one is applied again, which is harmless: a record
 * that already holds the change is an echo the run skips (DESIGN §4 step 2).
 */
import { randomBytes } from 'node:crypto';
import type { EventDetail, EventSource, EventState, QueueStatus, Side, SyncEvent } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import { statementCache, type Db } from '../../store/db';

export type NewEvent = {
  pairId: string;
  side: Side;
  source: EventSource;
  /** The app's event id (or a digest of the body): a second event with the same key is the same event. */
  dedupeKey?: string | null;
  recordId: string | null;
  kind: SyncEvent['kind'];
  /** A fat event's record. */
  record?: AppRecord | null;
};

/** An event as the worker applies it: with its record when it carried one. */
export type QueuedEvent = SyncEvent & { seq: number; record: AppRecord | null };

type Row = {
  seq: number;
  correlation_id: string;
  pair_id: string;
  side: Side;
  source: EventSource;
  dedupe_key: string | null;
  record_id: string | null;
  kind: SyncEvent['kind'];
  payload_json: string | null;
  state: EventState;
  attempts: number;
  next_attempt_at: string | null;
  received_at: string;
  finished_at: string | null;
  run_id: string | null;
  detail_json: string | null;
};

const toEvent = (r: Row): QueuedEvent => ({
  seq: r.seq,
  correlationId: r.correlation_id,
  pairId: r.pair_id,
  side: r.side,
  source: r.source,
  recordId: r.record_id,
  kind: r.kind,
  fat: r.payload_json !== null,
  record: r.payload_json === null ? null : (JSON.parse(r.payload_json) as AppRecord),
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  receivedAt: r.received_at,
  finishedAt: r.finished_at,
  runId: r.run_id,
  detail: r.detail_json === null ? null : (JSON.parse(r.detail_json) as EventDetail),
});

/** 128 random bits, URL-safe: the status URL of an event is reachable only by whoever was handed its id. */
export const newCorrelationId = (): string => `evt_${randomBytes(16).toString('base64url')}`;

export type Outcome = { correlationId: string; state: EventState; runId: string | null; detail: EventDetail | null };

export function createEventStore(db: Db, clock: () => number = Date.now) {
  const prepare = statementCache(db);
  const iso = (ms = clock()) => new Date(ms).toISOString();

  return {
    /**
     * Stores the events in one transaction and answers, per event, its correlation id and whether
     * it was new; a duplicate (same pair, side and dedupe key) answers the first one's id and state.
     */
    add(events: NewEvent[]): { correlationId: string; duplicate: boolean; state: EventState }[] {
      const insert = prepare(
        `INSERT INTO events (correlation_id, pair_id, side, source, dedupe_key, record_id, kind, payload_json, state, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
      );
      const existing = prepare('SELECT correlation_id, state FROM events WHERE pair_id = ? AND side = ? AND dedupe_key = ?');
      const at = iso();
      return db.transaction(() =>
        events.map((e) => {
          const correlationId = newCorrelationId();
          const res = insert.run(correlationId, e.pairId, e.side, e.source, e.dedupeKey ?? null, e.recordId, e.kind, e.record ? JSON.stringify(e.record) : null, at);
          if (res.changes === 1) return { correlationId, duplicate: false, state: 'pending' as const };
          const first = existing.get(e.pairId, e.side, e.dedupeKey ?? null) as { correlation_id: string; state: EventState };
          return { correlationId: first.correlation_id, duplicate: true, state: first.state };
        }),
      )();
    },
    /** The pair's next events to apply, oldest first: those due now (a failed run's events wait for their backoff). */
    due(pairId: string, limit: number): QueuedEvent[] {
      const rows = prepare(
        "SELECT * FROM events WHERE pair_id = ? AND state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY seq LIMIT ?",
      ).all(pairId, iso(), limit) as Row[];
      return rows.map(toEvent);
    },
    /** When the pair's earliest waiting event is due (null: none waits). */
    nextDueAt(pairId: string): string | null {
      return (prepare("SELECT min(next_attempt_at) FROM events WHERE pair_id = ? AND state = 'pending'").pluck().get(pairId) as string | null) ?? null;
    },
    /** Pairs that hold pending events (an engine start picks their queues up). */
    pairsWithPending(): string[] {
      return prepare("SELECT DISTINCT pair_id FROM events WHERE state = 'pending'").pluck().all() as string[];
    },
    finish(outcomes: Outcome[]): void {
      // A fat event's record is not kept once applied (the app holds it; Forget a person need not
      // find it here): 'null' keeps the event marked fat.
      const upd = prepare(
        "UPDATE events SET state = ?, run_id = ?, detail_json = ?, finished_at = ?, next_attempt_at = NULL, attempts = attempts + 1, payload_json = CASE WHEN payload_json IS NULL THEN NULL ELSE 'null' END WHERE correlation_id = ? AND state = 'pending'",
      );
      const at = iso();
      db.transaction(() => {
        for (const o of outcomes) upd.run(o.state, o.runId, o.detail ? JSON.stringify(o.detail) : null, at, o.correlationId);
      })();
    },
    /** The run that was to apply them did not end well: they stay pending and wait until `nextAttemptAt`. */
    postpone(correlationIds: string[], nextAttemptAt: string, error: string | null, runId: string | null, countAttempt: boolean): void {
      const upd = prepare(`UPDATE events SET next_attempt_at = ?, detail_json = ?, run_id = ?, attempts = attempts + ? WHERE correlation_id = ? AND state = 'pending'`);
      const detail = error ? JSON.stringify({ error } satisfies EventDetail) : null;
      db.transaction(() => {
        for (const id of correlationIds) upd.run(nextAttemptAt, detail, runId, countAttempt ? 1 : 0, id);
      })();
    },
    get(correlationId: string): QueuedEvent | null {
      const row = prepare('SELECT * FROM events WHERE correlation_id = ?').get(correlationId) as Row | undefined;
      return row ? toEvent(row) : null;
    },
    /** A pair's events, newest first, filtered by state or by a correlation id or record id fragment. */
    list(f: { pairId: string; state?: EventState; search?: string; limit: number; beforeSeq?: number }): QueuedEvent[] {
      const rows = prepare(
        `SELECT * FROM events WHERE pair_id = @pairId AND (@state IS NULL OR state = @state) AND (@beforeSeq IS NULL OR seq < @beforeSeq)
           AND (@search IS NULL OR correlation_id = @search OR record_id = @search OR instr(correlation_id, @search) > 0)
         ORDER BY seq DESC LIMIT @limit`,
      ).all({ pairId: f.pairId, state: f.state ?? null, search: f.search ?? null, limit: f.limit, beforeSeq: f.beforeSeq ?? null }) as Row[];
      return rows.map(toEvent);
    },
    status(pairId: string): QueueStatus {
      const r = prepare("SELECT count(*) AS depth, min(received_at) AS oldest, count(next_attempt_at) AS retrying FROM events WHERE pair_id = ? AND state = 'pending'").get(pairId) as {
        depth: number;
        oldest: string | null;
        retrying: number;
      };
      return { depth: r.depth, oldestAt: r.oldest, retrying: r.retrying };
    },
    /** Finished events older than `before` go (retention); a pending one never does. Returns how many. */
    prune(before: string): number {
      return prepare('DELETE FROM events WHERE finished_at IS NOT NULL AND finished_at < ?').run(before).changes;
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
