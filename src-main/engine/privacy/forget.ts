/**
 * Forget a person: every value in Concord's own state that equals the key a user gives (an email,
 * compared trimmed and without regard to case) is removed — link bases and match keys, journal
 * payloads, activity entries, conflicts, failed records, run errors, workflow-action deliveries — and each pair that held one
 * gets one activity entry saying a record was forgotten, never what it held.
 *
 * What "remove" means per table: a row that holds the key in a value is deleted (a link, a journal
 * row, an activity entry, a conflict, a failed record); a run keeps its row and has the key cut
 * out of its error text. A deleted link means Concord no longer knows the two records belong
 * together: if the person is still in the apps, the next sync matches them again by key (as a first
 * sync would) and learns their values again — forget after they are gone from the apps.
 *
 * Invariants:
 * - One synchronous transaction: no run's step interleaves with it in this process, and it is
 *   refused while a pair that holds the key is running, or has an unfinished journal write for it
 *   (crash recovery needs that row; the next sync finishes it).
 * - `PRAGMA secure_delete` is on (store/db.ts), so deleted rows' bytes are zeroed in their pages;
 *   afterwards the WAL is checkpointed and truncated, so no copy of the old pages stays in it.
 */
import { ApiError } from '../api/errors';
import type { Db } from '../store/db';
import { timeOrderedId } from '../store/time-ordered-id';

import type { ForgetResult } from '../api/model';

const norm = (s: string) => s.trim().toLocaleLowerCase('en-US');

/** Whether a JSON text holds the key as a whole value anywhere (a string, or an element of a list), or a plain text equals it. */
function holds(text: string | null, key: string): boolean {
  if (text === null || !text.toLocaleLowerCase('en-US').includes(key)) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return holdsInText(text, key);
  }
  const walk = (v: unknown): boolean =>
    typeof v === 'string' ? norm(v) === key || holdsInText(v, key) : Array.isArray(v) ? v.some(walk) : v !== null && typeof v === 'object' ? Object.values(v).some(walk) : false;
  return walk(parsed);
}
/** A label like "email=ann@x.com · name=Ann" or "Ann <ann@x.com>": the key as a whole word in it. */
function holdsInText(text: string, key: string): boolean {
  const lower = text.toLocaleLowerCase('en-US');
  for (let at = lower.indexOf(key); at >= 0; at = lower.indexOf(key, at + 1)) {
    const before = lower[at - 1];
    const after = lower[at + key.length];
    if ((before === undefined || !/[\p{L}\p{N}._%+-]/u.test(before)) && (after === undefined || !/[\p{L}\p{N}_-]/u.test(after) || (after === '.' && !/[\p{L}\p{N}]/u.test(lower[at + key.length + 1] ?? '')))) return true;
  }
  return false;
}
const unique = <T extends { id: string }>(rows: T[]): T[] => [...new Map(rows.map((r) => [r.id, r])).values()];
const inText = (text: string | null, key: string) => text !== null && holdsInText(text, key);
const cutOut = (text: string, key: string) => text.replace(new RegExp(key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu'), '(forgotten)');

export function forgetPerson(db: Db, rawKey: string, at: () => string = () => new Date().toISOString()): ForgetResult {
  const key = norm(rawKey);
  if (key.length < 3) throw new ApiError('invalid-input', 'Give the value that identifies the person (e.g. their email address), at least 3 characters.', [{ path: 'key', message: 'at least 3 characters' }]);
  // A LIKE narrows each table to the rows that mention the key (ASCII case-insensitive); the exact check is in JS.
  const like = `%${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const candidates = <T>(sql: string): T[] => db.prepare(sql).all({ like }) as T[];
  const result: ForgetResult = { pairs: 0, links: 0, activity: 0, conflicts: 0, failed: 0, journal: 0, runErrors: 0, walCleared: false };
  const touched = new Set<string>();

  db.transaction(() => {
    const links = candidates<{ id: number; pair_id: string; left_id: string | null; right_id: string | null; base_json: string; left_key: string | null; right_key: string | null }>(
      "SELECT id, pair_id, left_id, right_id, base_json, left_key, right_key FROM links WHERE base_json LIKE @like ESCAPE '\\' OR left_key LIKE @like ESCAPE '\\' OR right_key LIKE @like ESCAPE '\\'",
    ).filter((l) => holds(l.base_json, key) || inText(l.left_key, key) || inText(l.right_key, key));
    const journal = candidates<{ id: number; pair_id: string; status: string; payload_json: string; error: string | null }>("SELECT id, pair_id, status, payload_json, error FROM journal WHERE payload_json LIKE @like ESCAPE '\\' OR error LIKE @like ESCAPE '\\'").filter(
      (j) => holds(j.payload_json, key) || inText(j.error, key),
    );
    const busy = [...new Set([...links, ...journal].map((r) => r.pair_id))].filter((p) => db.prepare("SELECT 1 FROM runs WHERE pair_id = ? AND status = 'running'").get(p) !== undefined);
    if (busy.length > 0) throw new ApiError('conflict', `A sync of ${pairNames(db, busy)} is running. Forget the person when it has finished.`);
    const unfinished = journal.filter((j) => j.status === 'pending' || j.status === 'unknown');
    if (unfinished.length > 0) throw new ApiError('conflict', `${pairNames(db, [...new Set(unfinished.map((j) => j.pair_id))])} has a write for this person that an interrupted sync has not finished. Run "Sync now" on it first, then forget the person.`);

    // Records of the person, by id, so their activity, conflicts and failures go even where a label shows only an id.
    const ids = new Map<string, { left: Set<string>; right: Set<string> }>();
    for (const l of links) {
      const e = ids.get(l.pair_id) ?? { left: new Set<string>(), right: new Set<string>() };
      if (l.left_id !== null) e.left.add(l.left_id);
      if (l.right_id !== null) e.right.add(l.right_id);
      ids.set(l.pair_id, e);
    }
    /** Rows of the person's records found by their ids (an activity entry's record_id may be either side's id). */
    const byRecordId = <T>(sql: string): T[] => {
      const stmt = db.prepare(sql);
      return [...ids].flatMap(([pairId, { left, right }]) => [...left, ...right].flatMap((id) => stmt.all(pairId, id) as T[]));
    };
    const bySideId = <T>(leftSql: string, rightSql: string): T[] => {
      const l = db.prepare(leftSql);
      const r = db.prepare(rightSql);
      return [...ids].flatMap(([pairId, { left, right }]) => [...[...left].flatMap((id) => l.all(pairId, id) as T[]), ...[...right].flatMap((id) => r.all(pairId, id) as T[])]);
    };

    const del = (table: string, idColumn: string, rows: { pair_id: string; [k: string]: unknown }[]) => {
      const stmt = db.prepare(`DELETE FROM ${table} WHERE ${idColumn} = ?`);
      for (const r of rows) {
        stmt.run(r[idColumn]);
        touched.add(r.pair_id);
      }
      return rows.length;
    };
    result.links = del('links', 'id', links);
    result.journal = del('journal', 'id', journal);

    type ActivityRow = { id: string; pair_id: string; record: string; record_id: string | null; before_json: string | null; after_json: string | null; reason: string };
    const activityCols = 'id, pair_id, record, record_id, before_json, after_json, reason';
    const activity = unique([
      ...candidates<ActivityRow>(`SELECT ${activityCols} FROM activity WHERE record LIKE @like ESCAPE '\\' OR before_json LIKE @like ESCAPE '\\' OR after_json LIKE @like ESCAPE '\\' OR reason LIKE @like ESCAPE '\\'`).filter(
        (a) => inText(a.record, key) || holds(a.before_json, key) || holds(a.after_json, key) || inText(a.reason, key),
      ),
      ...byRecordId<ActivityRow>(`SELECT ${activityCols} FROM activity WHERE pair_id = ? AND record_id = ?`),
    ]);
    result.activity = del('activity', 'id', activity);

    type ConflictRow = { id: string; pair_id: string; record: string; fields_json: string; data_json: string; search_text: string | null; resolution_json: string | null };
    const conflictCols = 'id, pair_id, record, fields_json, data_json, search_text, resolution_json';
    const conflicts = unique([
      ...candidates<ConflictRow>(`SELECT ${conflictCols} FROM conflicts WHERE record LIKE @like ESCAPE '\\' OR data_json LIKE @like ESCAPE '\\' OR search_text LIKE @like ESCAPE '\\' OR resolution_json LIKE @like ESCAPE '\\' OR fields_json LIKE @like ESCAPE '\\'`).filter(
        (c) => inText(c.record, key) || holds(c.data_json, key) || holds(c.fields_json, key) || holds(c.resolution_json, key) || inText(c.search_text, key),
      ),
      ...bySideId<ConflictRow>(`SELECT ${conflictCols} FROM conflicts WHERE pair_id = ? AND left_id = ?`, `SELECT ${conflictCols} FROM conflicts WHERE pair_id = ? AND right_id = ?`),
    ]);
    result.conflicts = del('conflicts', 'id', conflicts);

    type FailedRow = { id: string; pair_id: string; record: string; error: string };
    const failed = unique([
      ...candidates<FailedRow>("SELECT id, pair_id, record, error FROM failed WHERE record LIKE @like ESCAPE '\\' OR error LIKE @like ESCAPE '\\'").filter((f) => inText(f.record, key) || inText(f.error, key)),
      ...bySideId<FailedRow>('SELECT id, pair_id, record, error FROM failed WHERE pair_id = ? AND left_id = ?', 'SELECT id, pair_id, record, error FROM failed WHERE pair_id = ? AND right_id = ?'),
    ]);
    result.failed = del('failed', 'id', failed);

    // Real-time events: a fat event carried the record. A finished one goes; a pending one keeps
    // its place in the queue but not the record (its run reads the app instead).
    type EventRow = { seq: number; pair_id: string; state: string; payload_json: string | null; detail_json: string | null };
    const events = [...new Map([
      ...candidates<EventRow>("SELECT seq, pair_id, state, payload_json, detail_json FROM events WHERE payload_json LIKE @like ESCAPE '\\' OR detail_json LIKE @like ESCAPE '\\'").filter((e) => holds(e.payload_json, key) || inText(e.detail_json, key)),
      ...bySideId<EventRow>("SELECT seq, pair_id, state, payload_json, detail_json FROM events WHERE pair_id = ? AND side = 'left' AND record_id = ?", "SELECT seq, pair_id, state, payload_json, detail_json FROM events WHERE pair_id = ? AND side = 'right' AND record_id = ?"),
    ].map((e) => [e.seq, e] as const)).values()];
    const emptyEvent = db.prepare('UPDATE events SET payload_json = NULL, detail_json = NULL WHERE seq = ?');
    const dropEvent = db.prepare('DELETE FROM events WHERE seq = ?');
    for (const e of events) {
      (e.state === 'pending' ? emptyEvent : dropEvent).run(e.seq);
      touched.add(e.pair_id);
    }
    result.events = events.length;

    const runs = candidates<{ id: string; pair_id: string; error: string }>("SELECT id, pair_id, error FROM runs WHERE error LIKE @like ESCAPE '\\'");
    for (const r of runs) {
      db.prepare('UPDATE runs SET error = ? WHERE id = ?').run(cutOut(r.error, key), r.id);
      touched.add(r.pair_id);
    }
    result.runErrors = runs.length;
    // Workflow actions' deliveries name records (conflicts, failures): one that names the person goes, sent or not (with its attempts).
    const deliveries = candidates<{ id: string; pair_id: string; data_json: string }>("SELECT id, pair_id, data_json FROM action_deliveries WHERE data_json LIKE @like ESCAPE '\\' AND pair_id IN (SELECT id FROM pairs)").filter((d) => holds(d.data_json, key));
    del('action_deliveries', 'id', deliveries);
    // A run's working state (TEMP tables) is cleared when the next run starts; clear the person's rows now.
    db.prepare("DELETE FROM temp.run_staged WHERE rec_json LIKE @like ESCAPE '\\' OR match_key LIKE @like ESCAPE '\\'").run({ like });

    // One entry per pair: that a record was forgotten, and nothing of what it held.
    const note = db.prepare("INSERT INTO activity (id, pair_id, run_id, record, record_id, side, action, field, before_json, after_json, reason, at, restorable) VALUES (?, ?, NULL, '(forgotten record)', NULL, 'left', 'forgotten', NULL, NULL, NULL, ?, ?, 0)");
    for (const pairId of touched) note.run(timeOrderedId(), pairId, 'A record was forgotten on request: its values were removed from Concord’s history, conflicts and links.', at());
  })();

  result.pairs = touched.size;
  // The WAL still holds the pages as they were before: copy the new ones into the file and empty it.
  const [checkpoint] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
  result.walCleared = checkpoint?.busy === 0;
  return result;
}

function pairNames(db: Db, pairIds: string[]): string {
  return pairIds.map((id) => `"${(db.prepare('SELECT name FROM pairs WHERE id = ?').pluck().get(id) as string | undefined) ?? id}"`).join(', ');
}
