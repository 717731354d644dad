/** Conflicts, failed records and the activity log of a pair, in the store. */
import { timeOrderedId } from '../store/time-ordered-id';
import type { ActivityEntry, CanonicalValue, ConflictKind, ConflictStatus, FailedRecord, Side } from '../api/model';
import type { ConflictData, ProposedConflict } from '../core/link';
import { statementCache, type Db } from '../store/db';
import { conflictSearchText, fieldsLabel } from './conflict-list';
import { now } from './state-store';

export type { ConflictData } from '../core/link';

/** A stored conflict: what the planner proposed, with its id, link, status and time. */
export type ConflictRow = ProposedConflict & { id: string; linkId: number | null; status: ConflictStatus; detectedAt: string };

type RawConflict = {
  id: string;
  pair_id: string;
  link_id: number | null;
  kind: ConflictKind;
  left_id: string | null;
  right_id: string | null;
  record: string;
  fields_json: string;
  data_json: string;
  status: ConflictStatus;
  detected_at: string;
};
const toConflict = (r: RawConflict): ConflictRow => ({
  id: r.id,
  pairId: r.pair_id,
  linkId: r.link_id,
  kind: r.kind,
  leftId: r.left_id,
  rightId: r.right_id,
  record: r.record,
  fields: JSON.parse(r.fields_json) as string[],
  data: JSON.parse(r.data_json) as ConflictData,
  status: r.status,
  detectedAt: r.detected_at,
});

/** Backoff for failed records: exponential from 30 s, capped at 6 h, with ±50 % jitter so retries spread out. */
export function nextAttemptDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
  return Math.round(base * (0.5 + random()));
}

/**
 * A record-level delete as the activity log keeps it: the record's canonical values before the
 * delete and its id in each app then (null where it never was). `lost`: the apps it was deleted
 * from — by a user and propagated by Concord, or by a steward's choice.
 */
export type DeletedRecord = { values: Record<string, CanonicalValue>; ids: Record<Side, string | null>; lost: Side[] };
const deletedFields = (d: DeletedRecord) => ({ deleted: d, lostIn: d.lost });

const parseValue = (json: string | null): CanonicalValue | undefined => (json === null ? undefined : (JSON.parse(json) as CanonicalValue));

export function createRecordsStore(db: Db) {
  const prepare = statementCache(db);
  return {
    /** The record's open conflict, through the partial index on that side's id (never a scan of the pair's open conflicts). */
    openConflictFor(pairId: string, side: Side, id: string): ConflictRow | null {
      const r = (side === 'left'
        ? prepare("SELECT * FROM conflicts INDEXED BY conflicts_open_left WHERE pair_id = ? AND left_id = ? AND status = 'open'")
        : prepare("SELECT * FROM conflicts INDEXED BY conflicts_open_right WHERE pair_id = ? AND right_id = ? AND status = 'open'")
      ).get(pairId, id) as RawConflict | undefined;
      return r ? toConflict(r) : null;
    },
    /** The open field conflict of a link, if any: what a run needs per linked record, looked up by index. */
    openFieldConflictIdForLink(pairId: string, linkId: number): string | null {
      const id = prepare("SELECT id FROM conflicts INDEXED BY conflicts_open_link WHERE pair_id = ? AND link_id = ? AND status = 'open' AND kind = 'field'").pluck().get(pairId, linkId) as string | undefined;
      return id ?? null;
    },
    /**
     * Records held by an open duplicate conflict (as the record or as a candidate). SQLite picks
     * the candidate ids out of the stored JSON: no conflict is parsed in JS.
     */
    heldIds(pairId: string): { left: Set<string>; right: Set<string> } {
      const held = { left: new Set<string>(), right: new Set<string>() };
      const rows = prepare(
        `SELECT left_id, right_id, json_extract(data_json, '$.duplicate.side') AS side,
           (SELECT json_group_array(json_extract(value, '$.id')) FROM json_each(data_json, '$.duplicate.candidates')) AS candidates
         FROM conflicts INDEXED BY conflicts_by_pair WHERE pair_id = ? AND status = 'open' AND kind = 'duplicate'`,
      ).all(pairId) as { left_id: string | null; right_id: string | null; side: Side | null; candidates: string | null }[];
      for (const r of rows) {
        if (r.left_id) held.left.add(r.left_id);
        if (r.right_id) held.right.add(r.right_id);
        if (r.side && r.candidates) for (const id of JSON.parse(r.candidates) as string[]) held[r.side === 'left' ? 'right' : 'left'].add(id);
      }
      return held;
    },
    /** Records held only for want of a match key (`emptyKeys: 'hold'`), with their conflict's id: a key given in the app releases them. */
    emptyKeyHolds(pairId: string): Record<Side, Map<string, string>> {
      const out: Record<Side, Map<string, string>> = { left: new Map(), right: new Map() };
      const rows = prepare(
        `SELECT id, left_id, right_id FROM conflicts INDEXED BY conflicts_by_pair
         WHERE pair_id = ? AND status = 'open' AND kind = 'duplicate' AND json_extract(data_json, '$.duplicate.emptyKey') = 1`,
      ).all(pairId) as { id: string; left_id: string | null; right_id: string | null }[];
      for (const r of rows) {
        if (r.left_id) out.left.set(r.left_id, r.id);
        if (r.right_id) out.right.set(r.right_id, r.id);
      }
      return out;
    },
    /** One open conflict per record: a re-detected conflict updates the open one (never a second row). */
    saveConflict(c: Omit<ConflictRow, 'id' | 'status' | 'detectedAt'>): { id: string; isNew: boolean } {
      const key = c.leftId !== null ? { side: 'left' as const, id: c.leftId } : { side: 'right' as const, id: c.rightId ?? '' };
      const existing = prepare(
        key.side === 'left'
          ? "SELECT id FROM conflicts INDEXED BY conflicts_open_left WHERE pair_id = ? AND left_id = ? AND status = 'open'"
          : "SELECT id FROM conflicts INDEXED BY conflicts_open_right WHERE pair_id = ? AND right_id = ? AND status = 'open'",
      ).pluck().get(c.pairId, key.id) as string | undefined;
      const search = conflictSearchText(c.record, c.fields, c.data);
      // The same record's conflict may change kind (a field conflict whose record is then deleted
      // becomes an update-delete): it stays the one open conflict, updated in place.
      if (existing) {
        prepare('UPDATE conflicts SET kind = ?, link_id = ?, left_id = ?, right_id = ?, record = ?, fields_json = ?, data_json = ?, search_text = ?, fields_label = ? WHERE id = ?').run(
          c.kind,
          c.linkId,
          c.leftId,
          c.rightId,
          c.record,
          JSON.stringify(c.fields),
          JSON.stringify(c.data),
          search,
          fieldsLabel(c.fields),
          existing,
        );
        return { id: existing, isNew: false };
      }
      const id = timeOrderedId();
      prepare(
        "INSERT INTO conflicts (id, pair_id, link_id, kind, left_id, right_id, record, fields_json, data_json, status, detected_at, search_text, fields_label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
      ).run(id, c.pairId, c.linkId, c.kind, c.leftId, c.rightId, c.record, JSON.stringify(c.fields), JSON.stringify(c.data), now(), search, fieldsLabel(c.fields));
      return { id, isNew: true };
    },
    /**
     * Fills the inbox columns of conflicts saved before migration 5, a batch per transaction.
     * Returns how many rows it filled (0 once done: a cheap indexed-free check on later opens).
     */
    backfillConflictColumns(batch = 2000): number {
      let filled = 0;
      for (;;) {
        const rows = prepare('SELECT id, record, fields_json, data_json FROM conflicts WHERE search_text IS NULL LIMIT ?').all(batch) as { id: string; record: string; fields_json: string; data_json: string }[];
        if (rows.length === 0) return filled;
        db.transaction(() => {
          for (const r of rows) {
            const fields = JSON.parse(r.fields_json) as string[];
            prepare('UPDATE conflicts SET search_text = ?, fields_label = ? WHERE id = ?').run(conflictSearchText(r.record, fields, JSON.parse(r.data_json) as ConflictData), fieldsLabel(fields), r.id);
          }
        })();
        filled += rows.length;
      }
    },
    conflict(id: string): ConflictRow | null {
      const r = prepare('SELECT * FROM conflicts WHERE id = ?').get(id) as RawConflict | undefined;
      return r ? toConflict(r) : null;
    },
    /** The conflicts with these ids (a bulk job's batch), in no particular order; missing ids are left out. */
    conflictsByIds(ids: string[]): ConflictRow[] {
      return (prepare('SELECT * FROM conflicts WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as RawConflict[]).map(toConflict);
    },
    conflicts(f: { pairId?: string; status?: ConflictStatus; kind?: ConflictKind }): ConflictRow[] {
      const rows = prepare(
          `SELECT * FROM conflicts WHERE (@pairId IS NULL OR pair_id = @pairId) AND (@status IS NULL OR status = @status) AND (@kind IS NULL OR kind = @kind) ORDER BY detected_at DESC, rowid DESC`,
        )
        .all({ pairId: f.pairId ?? null, status: f.status ?? null, kind: f.kind ?? null }) as RawConflict[];
      return rows.map(toConflict);
    },
    /** Replaces an open conflict's stored values (a side changed since it was recorded: the steward sees what is there now). */
    updateConflictData(id: string, data: ConflictData): void {
      const row = prepare('SELECT record, fields_json FROM conflicts WHERE id = ?').get(id) as { record: string; fields_json: string } | undefined;
      if (!row) return;
      const search = conflictSearchText(row.record, JSON.parse(row.fields_json) as string[], data);
      prepare("UPDATE conflicts SET data_json = ?, search_text = ? WHERE id = ? AND status = 'open'").run(JSON.stringify(data), search, id);
    },
    /** `by`: the steward (stewardName()); null when the apps settled it themselves. */
    resolveConflict(id: string, resolution: unknown, by: string | null = null): void {
      prepare("UPDATE conflicts SET status = 'resolved', resolved_at = ?, resolution_json = ?, resolved_by = ? WHERE id = ?").run(now(), JSON.stringify(resolution), by, id);
    },
    /** How a resolved conflict was resolved: when, by whom, and the stored resolution (a steward's `Resolution`, or `{ auto }`). */
    resolutionOf(id: string): { at: string; by: string | null; resolution: unknown } | null {
      const r = prepare("SELECT resolved_at, resolved_by, resolution_json FROM conflicts WHERE id = ? AND status = 'resolved'").get(id) as { resolved_at: string | null; resolved_by: string | null; resolution_json: string | null } | undefined;
      if (!r?.resolved_at) return null;
      return { at: r.resolved_at, by: r.resolved_by, resolution: r.resolution_json === null ? null : (JSON.parse(r.resolution_json) as unknown) };
    },
    openCounts(): { open: number; byPair: Record<string, number> } {
      // Per pair through its index (pair_id, status): a GROUP BY over the open conflicts read every row.
      const rows = prepare("SELECT p.id AS pair_id, (SELECT count(*) FROM conflicts c INDEXED BY conflicts_by_pair WHERE c.pair_id = p.id AND c.status = 'open') AS n FROM pairs p")
        .all()
        .filter((r) => (r as { n: number }).n > 0) as { pair_id: string; n: number }[];
      const byPair: Record<string, number> = {};
      let open = 0;
      for (const r of rows) {
        byPair[r.pair_id] = r.n;
        open += r.n;
      }
      return { open, byPair };
    },

    /** Records one failure; a record already in the list counts another attempt and backs off further. */
    saveFailed(f: { pairId: string; side: Side; op: FailedRecord['op']; leftId: string | null; rightId: string | null; record: string; error: string; retryAfterMs?: number; reason?: string }): void {
      const existing = prepare(`SELECT id, attempts FROM failed INDEXED BY failed_left WHERE pair_id = @pairId AND left_id = @leftId
          UNION ALL SELECT id, attempts FROM failed INDEXED BY failed_right WHERE pair_id = @pairId AND right_id = @rightId LIMIT 1`)
        .get({ pairId: f.pairId, leftId: f.leftId, rightId: f.rightId }) as { id: string; attempts: number } | undefined;
      const attempts = (existing?.attempts ?? 0) + 1;
      const next = new Date(Date.now() + (f.retryAfterMs ?? nextAttemptDelayMs(attempts))).toISOString();
      if (existing) {
        prepare('UPDATE failed SET side = ?, op = ?, error = ?, attempts = ?, next_attempt_at = ?, failed_at = ?, reason = ? WHERE id = ?').run(f.side, f.op, f.error, attempts, next, now(), f.reason ?? null, existing.id);
      } else {
        prepare('INSERT INTO failed (id, pair_id, side, op, left_id, right_id, record, error, attempts, next_attempt_at, failed_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          timeOrderedId(),
          f.pairId,
          f.side,
          f.op,
          f.leftId,
          f.rightId,
          f.record,
          f.error,
          attempts,
          next,
          now(),
          f.reason ?? null,
        );
      }
    },
    clearFailed(pairId: string, leftId: string | null, rightId: string | null): void {
      // Two indexed deletes (an OR across both ids would scan the pair's failed list on every write).
      if (leftId !== null) prepare('DELETE FROM failed WHERE pair_id = ? AND left_id = ?').run(pairId, leftId);
      if (rightId !== null) prepare('DELETE FROM failed WHERE pair_id = ? AND right_id = ?').run(pairId, rightId);
    },
    failedList(pairId: string): (FailedRecord & { leftId: string | null; rightId: string | null })[] {
      const rows = prepare('SELECT * FROM failed WHERE pair_id = ? ORDER BY failed_at').all(pairId) as {
        id: string;
        pair_id: string;
        side: Side;
        op: FailedRecord['op'];
        left_id: string | null;
        right_id: string | null;
        record: string;
        error: string;
        attempts: number;
        next_attempt_at: string | null;
        failed_at: string;
      }[];
      return rows.map((r) => ({
        id: r.id,
        pairId: r.pair_id,
        side: r.side,
        op: r.op,
        record: r.record,
        error: r.error,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at,
        failedAt: r.failed_at,
        leftId: r.left_id,
        rightId: r.right_id,
      }));
    },
    failedCount(pairId: string): number {
      return prepare('SELECT count(*) FROM failed WHERE pair_id = ?').pluck().get(pairId) as number;
    },

    addActivity(a: Omit<ActivityEntry, 'id' | 'at' | 'lostIn' | 'actor' | 'correlationId'> & { recordId: string | null; deleted?: DeletedRecord; actor?: string | null; correlationId?: string | null }): string {
      const id = timeOrderedId();
      prepare(
        'INSERT INTO activity (id, pair_id, run_id, record, record_id, side, action, field, before_json, after_json, reason, at, restorable, record_json, actor, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        id,
        a.pairId,
        a.runId,
        a.record,
        a.recordId,
        a.side,
        a.action,
        a.field,
        a.before === undefined ? null : JSON.stringify(a.before),
        a.after === undefined ? null : JSON.stringify(a.after),
        a.reason,
        now(),
        a.restorable ? 1 : 0,
        a.deleted ? JSON.stringify(a.deleted) : null,
        a.actor ?? null,
        a.correlationId ?? null,
      );
      return id;
    },
    activity(f: { pairId: string; record?: string; limit: number; at?: string }): (ActivityEntry & { recordId: string | null; deleted?: DeletedRecord })[] {
      const rows = prepare(
          "SELECT * FROM activity WHERE pair_id = @pairId AND (@at IS NULL OR at = @at) AND (@record IS NULL OR record LIKE '%' || @record || '%' OR record_id = @record OR instr(correlation_id, @record) > 0) ORDER BY at DESC, rowid DESC LIMIT @limit",
        )
        .all({ pairId: f.pairId, record: f.record ?? null, limit: f.limit, at: f.at ?? null }) as {
        id: string;
        pair_id: string;
        run_id: string | null;
        record: string;
        record_id: string | null;
        side: Side;
        action: ActivityEntry['action'];
        field: string | null;
        before_json: string | null;
        after_json: string | null;
        reason: string;
        at: string;
        restorable: number;
        record_json: string | null;
        actor: string | null;
        correlation_id: string | null;
      }[];
      return rows.map((r) => ({
        id: r.id,
        pairId: r.pair_id,
        runId: r.run_id,
        record: r.record,
        recordId: r.record_id,
        side: r.side,
        action: r.action,
        field: r.field,
        before: parseValue(r.before_json),
        after: parseValue(r.after_json),
        reason: r.reason,
        at: r.at,
        restorable: r.restorable === 1,
        ...(r.record_json !== null ? deletedFields(JSON.parse(r.record_json) as DeletedRecord) : {}),
        ...(r.actor !== null ? { actor: r.actor } : {}),
        ...(r.correlation_id !== null ? { correlationId: r.correlation_id } : {}),
      }));
    },
    /** A deleted record was restored: its entry offers Restore no more (a second would make a second copy). */
    markRestored(id: string): void {
      prepare('UPDATE activity SET restorable = 0 WHERE id = ?').run(id);
    },
    activityEntry(id: string): (ActivityEntry & { recordId: string | null; deleted?: DeletedRecord }) | null {
      const row = prepare('SELECT pair_id, at FROM activity WHERE id = ?').get(id) as { pair_id: string; at: string } | undefined;
      if (!row) return null;
      // Only entries of the same instant can tie with it; reading the whole log to find one was O(log size).
      return this.activity({ pairId: row.pair_id, limit: 1_000_000, at: row.at }).find((a) => a.id === id) ?? null;
    },
  };
}

export type RecordsStore = ReturnType<typeof createRecordsStore>;
