/**
 * Store access for a pair's sync state: links (with the base), cursors and the journal. The write
 * choke point is `commit` in apply.ts: it marks a journal row done and moves the link's base and
 * versions in ONE `transaction`, so a crash can never leave a write done without its base (which
 * would make the next run see Concord's own write as a user change).
 */
import type { CanonicalValue, Side } from '../api/model';
import type { CanonicalRecord } from '../core/canonical';
import type { Cursor } from '../connectors/types';
import { statementCache, type Db } from '../store/db';

export type Link = {
  id: number;
  leftId: string | null;
  rightId: string | null;
  base: CanonicalRecord;
  leftVersion: string | null;
  rightVersion: string | null;
  /** Tombstone: this side's record was deleted and the delete was not propagated. */
  deletedSide: Side | null;
};

type LinkRow = {
  id: number;
  left_id: string | null;
  right_id: string | null;
  base_json: string;
  left_version: string | null;
  right_version: string | null;
  deleted_side: Side | null;
};

const toLink = (r: LinkRow): Link => ({
  id: r.id,
  leftId: r.left_id,
  rightId: r.right_id,
  base: JSON.parse(r.base_json) as CanonicalRecord,
  leftVersion: r.left_version,
  rightVersion: r.right_version,
  deletedSide: r.deleted_side,
});

/** An update journaled by an interrupted run: done or still pending, with what each side held when it was planned. */
export type InterruptedUpdate = { side: Side; targetId: string; done: boolean; values: CanonicalRecord; seen: Record<Side, CanonicalRecord> };

export const now = (): string => new Date().toISOString();

export function createStateStore(db: Db) {
  const prepare = statementCache(db);
  const linkBy = (side: Side) => prepare(`SELECT * FROM links WHERE pair_id = ? AND ${side === 'left' ? 'left_id' : 'right_id'} = ?`);
  const q = {
    linkByLeft: linkBy('left'),
    linkByRight: linkBy('right'),
    linkById: prepare('SELECT * FROM links WHERE id = ?'),
  };
  const store = {
    linkFor(pairId: string, side: Side, id: string): Link | null {
      const row = (side === 'left' ? q.linkByLeft : q.linkByRight).get(pairId, id) as LinkRow | undefined;
      return row ? toLink(row) : null;
    },
    link(id: number): Link | null {
      const row = q.linkById.get(id) as LinkRow | undefined;
      return row ? toLink(row) : null;
    },
    links(pairId: string): Link[] {
      return (prepare('SELECT * FROM links WHERE pair_id = ?').all(pairId) as LinkRow[]).map(toLink);
    },
    linkedCount(pairId: string): number {
      return prepare('SELECT count(*) FROM links WHERE pair_id = ? AND deleted_side IS NULL').pluck().get(pairId) as number;
    },
    /** Creates or replaces the link of a record pair (ids unique per side within the pair). */
    upsertLink(pairId: string, l: Omit<Link, 'id'> & { id?: number }): number {
      if (l.id !== undefined) {
        prepare(
          'UPDATE links SET left_id = ?, right_id = ?, base_json = ?, left_version = ?, right_version = ?, deleted_side = ?, updated_at = ? WHERE id = ?',
        ).run(l.leftId, l.rightId, JSON.stringify(l.base), l.leftVersion, l.rightVersion, l.deletedSide, now(), l.id);
        return l.id;
      }
      const res = prepare(
          'INSERT INTO links (pair_id, left_id, right_id, base_json, left_version, right_version, deleted_side, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(pairId, l.leftId, l.rightId, JSON.stringify(l.base), l.leftVersion, l.rightVersion, l.deletedSide, now());
      return Number(res.lastInsertRowid);
    },
    deleteLink(id: number): void {
      prepare('DELETE FROM links WHERE id = ?').run(id);
    },
    cursor(pairId: string, side: Side): Cursor | null {
      const json = prepare('SELECT cursor_json FROM cursors WHERE pair_id = ? AND side = ?').pluck().get(pairId, side) as string | undefined;
      return json ? (JSON.parse(json) as Cursor) : null;
    },
    setCursor(pairId: string, side: Side, cursor: Cursor): void {
      prepare(
        'INSERT INTO cursors (pair_id, side, cursor_json, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(pair_id, side) DO UPDATE SET cursor_json = excluded.cursor_json, updated_at = excluded.updated_at',
      ).run(pairId, side, JSON.stringify(cursor), now());
    },
    clearCursors(pairId: string): void {
      prepare('DELETE FROM cursors WHERE pair_id = ?').run(pairId);
    },
    journalAdd(e: { pairId: string; runId: string; side: Side; op: string; targetId: string | null; sourceId: string | null; payload: unknown }): number {
      const res = prepare('INSERT INTO journal (pair_id, run_id, side, op, target_id, source_id, payload_json, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(e.pairId, e.runId, e.side, e.op, e.targetId, e.sourceId, JSON.stringify(e.payload), 'pending', now());
      return Number(res.lastInsertRowid);
    },
    /**
     * `unknown`: the write's batch failed as a whole (the app or the network went away), so the
     * app may have committed it: a create in that state is looked up before it is repeated, like a
     * pending one (PITFALLS 15).
     */
    journalFinish(id: number, status: 'done' | 'failed' | 'unknown', error: string | null = null): void {
      prepare('UPDATE journal SET status = ?, error = ?, finished_at = ? WHERE id = ?').run(status, error, now(), id);
    },
    /** Creates an interrupted run left pending, or whose outcome is unknown: a rerun looks their records up before creating again. */
    pendingCreates(pairId: string): { id: number; side: Side; sourceId: string | null; payload: CanonicalRecord }[] {
      const rows = prepare("SELECT id, side, source_id, payload_json FROM journal WHERE pair_id = ? AND status IN ('pending', 'unknown') AND op = 'create'")
        .all(pairId) as { id: number; side: Side; source_id: string | null; payload_json: string }[];
      return rows.map((r) => ({ id: r.id, side: r.side, sourceId: r.source_id, payload: (JSON.parse(r.payload_json) as { values: CanonicalRecord }).values }));
    },
    /**
     * The update rows of an interrupted run (one that left rows pending), done ones included: a
     * rerun finishes their decisions (core/resume.ts). Rows without `seen` (a steward's) are left out.
     */
    interruptedUpdates(pairId: string): InterruptedUpdate[] {
      type Row = { id: number; run_id: string; side: Side; target_id: string | null; status: string; op: string; payload_json: string };
      type Payload = { values: CanonicalRecord; index?: number; seen?: Record<Side, CanonicalRecord> };
      const pending = prepare("SELECT id, run_id, payload_json FROM journal WHERE pair_id = ? AND status = 'pending'").all(pairId) as Row[];
      // A run journals its whole plan in one transaction, so its rows are contiguous and row
      // `index` of the plan has id first + index: reading from `first` on by primary key finds its
      // done rows too without scanning the pair's whole history.
      const firstOf = new Map<string, number>();
      for (const r of pending) {
        const index = (JSON.parse(r.payload_json) as Payload).index;
        if (index !== undefined) firstOf.set(r.run_id, Math.min(firstOf.get(r.run_id) ?? Infinity, r.id - index));
      }
      const out: InterruptedUpdate[] = [];
      const q = prepare("SELECT side, target_id, status, payload_json FROM journal WHERE id >= ? AND run_id = ? AND op = 'update' AND status IN ('pending', 'done')");
      for (const [runId, first] of firstOf) {
        for (const r of q.all(first, runId) as Row[]) {
          const p = JSON.parse(r.payload_json) as Payload;
          if (p.seen && r.target_id !== null) out.push({ side: r.side, targetId: r.target_id, done: r.status === 'done', values: p.values, seen: p.seen });
        }
      }
      return out;
    },
    /** Closes journal rows left pending by an interrupted run once a later run has re-planned them. */
    supersedePending(pairId: string, runId: string): void {
      prepare("UPDATE journal SET status = 'failed', error = ?, finished_at = ? WHERE pair_id = ? AND status IN ('pending', 'unknown') AND run_id <> ?").run(
        `interrupted; re-planned by run ${runId}`,
        now(),
        pairId,
        runId,
      );
    },
    pendingCount(pairId: string): number {
      return prepare("SELECT count(*) FROM journal WHERE pair_id = ? AND status = 'pending'").pluck().get(pairId) as number;
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
  };
  return store;
}

export type StateStore = ReturnType<typeof createStateStore>;

/** Base update for a committed write: the written fields (and fields no pending patch covers) take the decided values. */
export function mergeBase(stored: CanonicalRecord, decided: CanonicalRecord, written: string[], stillPending: string[]): CanonicalRecord {
  const out: CanonicalRecord = { ...stored };
  for (const [f, v] of Object.entries(decided)) {
    if (written.includes(f) || !stillPending.includes(f)) out[f] = v satisfies CanonicalValue;
  }
  return out;
}
