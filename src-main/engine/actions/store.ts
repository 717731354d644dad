/**
 * Workflow actions and their outbox in the store (migration 13). No secret is ever written here:
 * a `url` action's signing secret is in the credential store under `action:<id>` (secrets.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ActionEventName, ActionInfo, ActionKind, DeliveryAttempt, DeliveryEventName, DeliveryInfo, DeliveryStatus } from '../api/model';
import { statementCache, type Db } from '../store/db';
import { timeOrderedId } from '../store/time-ordered-id';

type RawAction = {
  id: string;
  pair_id: string;
  kind: ActionKind;
  url: string | null;
  events_json: string;
  enabled: number;
  secret_rotated_at: string | null;
  created_at: string;
  updated_at: string;
};
type RawDelivery = {
  id: string;
  action_id: string;
  pair_id: string;
  pair_name: string;
  event: DeliveryEventName;
  occurred_at: string;
  data_json: string;
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  kind: ActionKind;
};
type RawAttempt = { delivery_id: string; at: string; manual: number; http_status: number | null; response: string | null; error: string | null; duration_ms: number };

/** An action as the engine keeps it; `hasSecret` is looked up in the credential store by the domain. */
export type ActionRow = Omit<ActionInfo, 'hasSecret'>;
/** A delivery with what the worker needs to send it. */
export type DeliveryRow = Omit<DeliveryInfo, 'attempts' | 'actionKind'> & { actionKind: ActionKind; pairName: string; attemptCount: number; maxAttempts: number };

const toAction = (r: RawAction): ActionRow => ({
  id: r.id,
  pairId: r.pair_id,
  kind: r.kind,
  url: r.url,
  events: JSON.parse(r.events_json) as ActionEventName[],
  enabled: r.enabled === 1,
  secretRotatedAt: r.secret_rotated_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toDelivery = (r: RawDelivery): DeliveryRow => ({
  id: r.id,
  actionId: r.action_id,
  actionKind: r.kind,
  pairId: r.pair_id,
  pairName: r.pair_name,
  event: r.event,
  occurredAt: r.occurred_at,
  data: JSON.parse(r.data_json) as unknown,
  status: r.status,
  nextAttemptAt: r.next_attempt_at,
  attemptCount: r.attempts,
  maxAttempts: r.max_attempts,
});
const toAttempt = (r: RawAttempt): DeliveryAttempt => ({ at: r.at, manual: r.manual === 1, httpStatus: r.http_status, response: r.response, error: r.error, durationMs: r.duration_ms });

const DELIVERY_SELECT = 'SELECT d.*, a.kind FROM action_deliveries d JOIN actions a ON a.id = d.action_id';

export function createActionStore(db: Db) {
  const prepare = statementCache(db);
  const iso = () => new Date().toISOString();
  return {
    get(id: string): ActionRow | null {
      const r = prepare('SELECT * FROM actions WHERE id = ?').get(id) as RawAction | undefined;
      return r ? toAction(r) : null;
    },
    list(pairId: string): ActionRow[] {
      return (prepare('SELECT * FROM actions WHERE pair_id = ? ORDER BY created_at, id').all(pairId) as RawAction[]).map(toAction);
    },
    /** The pair's enabled actions that fire on `event`. */
    listening(pairId: string, event: ActionEventName): ActionRow[] {
      return this.list(pairId).filter((a) => a.enabled && a.events.includes(event));
    },
    create(a: { id?: string; pairId: string; kind: ActionKind; url: string | null; events: ActionEventName[]; enabled: boolean; secretRotatedAt: string | null }): ActionRow {
      const id = a.id ?? randomUUID();
      const t = iso();
      prepare('INSERT INTO actions (id, pair_id, kind, url, events_json, enabled, secret_rotated_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        id,
        a.pairId,
        a.kind,
        a.url,
        JSON.stringify(a.events),
        a.enabled ? 1 : 0,
        a.secretRotatedAt,
        t,
        t,
      );
      return this.get(id) as ActionRow;
    },
    update(id: string, change: { url?: string; events?: ActionEventName[]; enabled?: boolean; secretRotatedAt?: string }): ActionRow {
      const before = this.get(id);
      if (!before) throw new Error(`no action ${id}`);
      prepare('UPDATE actions SET url = ?, events_json = ?, enabled = ?, secret_rotated_at = ?, updated_at = ? WHERE id = ?').run(
        change.url ?? before.url,
        JSON.stringify(change.events ?? before.events),
        (change.enabled ?? before.enabled) ? 1 : 0,
        change.secretRotatedAt ?? before.secretRotatedAt,
        iso(),
        id,
      );
      return this.get(id) as ActionRow;
    },
    /** Deletes the action and (cascade) its deliveries and their attempts. */
    delete(id: string): void {
      prepare('DELETE FROM actions WHERE id = ?').run(id);
    },
    /** Actions whose pair is gone (deleted while the engine was down, or between the delete and its event). */
    orphans(): { id: string; kind: ActionKind }[] {
      return prepare('SELECT id, kind FROM actions WHERE pair_id NOT IN (SELECT id FROM pairs)').all() as { id: string; kind: ActionKind }[];
    },

    /** Writes one delivery to the outbox, due now. Runs inside the caller's transaction when there is one. */
    enqueue(d: { actionId: string; pairId: string; pairName: string; event: DeliveryEventName; occurredAt: string; data: unknown; maxAttempts: number }): string {
      const id = timeOrderedId();
      prepare(
        "INSERT INTO action_deliveries (id, action_id, pair_id, pair_name, event, occurred_at, data_json, status, attempts, max_attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
      ).run(id, d.actionId, d.pairId, d.pairName, d.event, d.occurredAt, JSON.stringify(d.data), d.maxAttempts, d.occurredAt);
      return id;
    },
    delivery(id: string): DeliveryRow | null {
      const r = prepare(`${DELIVERY_SELECT} WHERE d.id = ?`).get(id) as RawDelivery | undefined;
      return r ? toDelivery(r) : null;
    },
    /** The pending deliveries, soonest due first. */
    upcoming(limit: number): DeliveryRow[] {
      return (prepare(`${DELIVERY_SELECT} WHERE d.status = 'pending' ORDER BY d.next_attempt_at, d.id LIMIT ?`).all(limit) as RawDelivery[]).map(toDelivery);
    },
    /**
     * Records one attempt and the delivery's state after it, in one transaction: a crash never
     * leaves an attempt without its outcome. `next`: when to try again (null: no more tries).
     */
    recordAttempt(deliveryId: string, attempt: DeliveryAttempt, outcome: { status: DeliveryStatus; next: string | null; countsTowardsLimit: boolean }): void {
      db.transaction(() => {
        prepare('INSERT INTO action_attempts (delivery_id, at, manual, http_status, response, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          deliveryId,
          attempt.at,
          attempt.manual ? 1 : 0,
          attempt.httpStatus,
          attempt.response,
          attempt.error,
          attempt.durationMs,
        );
        prepare('UPDATE action_deliveries SET status = ?, next_attempt_at = ?, attempts = attempts + ? WHERE id = ?').run(outcome.status, outcome.next, outcome.countsTowardsLimit ? 1 : 0, deliveryId);
      })();
    },
    attempts(deliveryIds: string[]): Map<string, DeliveryAttempt[]> {
      const out = new Map<string, DeliveryAttempt[]>();
      if (deliveryIds.length === 0) return out;
      const rows = prepare('SELECT * FROM action_attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY id').all(JSON.stringify(deliveryIds)) as RawAttempt[];
      for (const r of rows) {
        const list = out.get(r.delivery_id) ?? [];
        list.push(toAttempt(r));
        out.set(r.delivery_id, list);
      }
      return out;
    },
    /** One page of a pair's deliveries (of one action, if named), newest first. */
    page(f: { pairId: string; actionId?: string; offset: number; limit: number }): { total: number; rows: DeliveryRow[] } {
      const where = f.actionId ? 'd.pair_id = @pairId AND d.action_id = @actionId' : 'd.pair_id = @pairId';
      const args = { pairId: f.pairId, actionId: f.actionId ?? null, offset: f.offset, limit: f.limit };
      const total = prepare(`SELECT count(*) FROM action_deliveries d WHERE ${where}`).pluck().get(args) as number;
      const rows = (prepare(`${DELIVERY_SELECT} WHERE ${where} ORDER BY d.id DESC LIMIT @limit OFFSET @offset`).all(args) as RawDelivery[]).map(toDelivery);
      return { total, rows };
    },
  };
}

export type ActionStore = ReturnType<typeof createActionStore>;
