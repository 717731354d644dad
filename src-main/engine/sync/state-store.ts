/**
 * Store access for a pair's sync state: links (with the base), cursors and the journal. The write
 * choke point is `commit` in apply.ts: it marks a journal row done and moves the link's base and
 * versions in ONE `transaction`, so a crash can never leave a write done without its base (which
 * would make the next run see Concord's own write as a user change).
 */
import type { CanonicalValue, Side } from '../api/model';
import type { CanonicalRecord } from '../core/canonical';
import type { Cursor, OwnWrite } from '../connectors/types';
import type { Link } from '../core/link';
import { matchKey } from '../core/matching';
import type { Overwrite } from '../core/merge';
import { statementCache, type Db } from '../store/db';

export type { Link } from '../core/link';

type LinkRow = {
  id: number;
  left_id: string | null;
  right_id: string | null;
  base_json: string;
  left_version: string | null;
  right_version: string | null;
  deleted_side: Side | null;
  left_key: string | null;
  right_key: string | null;
  left_stamp: string | null;
  right_stamp: string | null;
};

const LINK_COLUMNS = ['left_id', 'right_id', 'base_json', 'left_version', 'right_version', 'deleted_side', 'left_key', 'right_key', 'left_stamp', 'right_stamp'] as const;

const toLink = (r: LinkRow): Link => ({
  id: r.id,
  leftId: r.left_id,
  rightId: r.right_id,
  base: JSON.parse(r.base_json) as CanonicalRecord,
  leftVersion: r.left_version,
  rightVersion: r.right_version,
  deletedSide: r.deleted_side,
  leftKey: r.left_key,
  rightKey: r.right_key,
  leftStamp: r.left_stamp,
  rightStamp: r.right_stamp,
});

/** A side's stamp as stored: only beside a version (without one the record is compared, so it must be read). */
const stamp = (l: Omit<Link, 'id'>, side: Side): string | null => (side === 'left' ? (l.leftVersion !== null ? (l.leftStamp ?? null) : null) : l.rightVersion !== null ? (l.rightStamp ?? null) : null);

/** The pair's match-key settings as one text: links' stored keys were computed under it. */
export const keySignature = (c: { matchKeys: string[]; fallbackKeys?: string[] }): string => JSON.stringify([c.matchKeys, c.fallbackKeys ?? []]);

/** An update journaled by an interrupted run: done or still pending, with what each side held when it was planned. */
export type InterruptedUpdate = { side: Side; targetId: string; done: boolean; values: CanonicalRecord; seen: Record<Side, CanonicalRecord>; overwrites?: Overwrite[]; label?: string };

export const now = (): string => new Date().toISOString();

export function createStateStore(db: Db) {
  const prepare = statementCache(db);
  const linkBy = (side: Side) => prepare(`SELECT * FROM links WHERE pair_id = ? AND ${side === 'left' ? 'left_id' : 'right_id'} = ?`);
  const q = {
    linkByLeft: linkBy('left'),
    linkByRight: linkBy('right'),
    linkById: prepare('SELECT * FROM links WHERE id = ?'),
  };
  // The match-key function of each pair, kept while its config text is the same (a link write
  // asks for it; parsing the config per write cost more than the write).
  // The config is read again at most once a second (a SELECT per link write was a tenth of a first
  // sync); a run recomputes every link's keys when its match keys changed (`refreshLinkKeys`).
  const keyFns = new Map<string, { config: string; at: number; keyOf: (c: CanonicalRecord) => string | null }>();
  const keyOfPair = (pairId: string): ((c: CanonicalRecord) => string | null) => {
    const cached = keyFns.get(pairId);
    const t = Date.now();
    if (cached && t - cached.at < 1000) return cached.keyOf;
    const config = prepare('SELECT config_json FROM pairs WHERE id = ?').pluck().get(pairId) as string | undefined;
    if (config === undefined) return () => null;
    if (cached && cached.config === config) {
      cached.at = t;
      return cached.keyOf;
    }
    const parsed = JSON.parse(config) as { matchKeys: string[]; fallbackKeys?: string[] };
    const keyOf = (c: CanonicalRecord) => matchKey(c, parsed.matchKeys, parsed.fallbackKeys);
    keyFns.set(pairId, { config, at: t, keyOf });
    return keyOf;
  };
  /**
   * The keys a link row stores: the base's, for each side that has a record (none for a gone side).
   * After a run both records hold the base's synced values; a key field in an open conflict keeps
   * the base's key until a steward decides.
   */
  const keysOf = (pairId: string, l: Omit<Link, 'id'>): [string | null, string | null] => {
    const key = keyOfPair(pairId)(l.base);
    return [l.leftId === null || l.deletedSide === 'left' ? null : key, l.rightId === null || l.deletedSide === 'right' ? null : key];
  };
  const byIds = (side: Side) => prepare(`SELECT * FROM links WHERE pair_id = ? AND ${side === 'left' ? 'left_id' : 'right_id'} IN (SELECT value FROM json_each(?))`);
  const store = {
    /** The store's database, for the run's working state (run/working-state.ts) in the same transactions. */
    db,
    linkFor(pairId: string, side: Side, id: string): Link | null {
      const row = (side === 'left' ? q.linkByLeft : q.linkByRight).get(pairId, id) as LinkRow | undefined;
      return row ? toLink(row) : null;
    },
    /** The links of a batch of one side's record ids, by index (one statement per batch). */
    linksFor(pairId: string, side: Side, ids: string[]): Map<string, Link> {
      const out = new Map<string, Link>();
      if (ids.length === 0) return out;
      for (const row of byIds(side).all(pairId, JSON.stringify(ids)) as LinkRow[]) {
        const l = toLink(row);
        const id = side === 'left' ? l.leftId : l.rightId;
        if (id !== null) out.set(id, l);
      }
      return out;
    },
    /** The links holding any of these match keys on either side (the matching stage's linked candidates), by index. */
    linksWithKeys(pairId: string, keys: string[]): Link[] {
      if (keys.length === 0) return [];
      const json = JSON.stringify(keys);
      return (
        prepare(
          'SELECT * FROM links WHERE pair_id = @pairId AND left_key IN (SELECT value FROM json_each(@json)) UNION SELECT * FROM links WHERE pair_id = @pairId AND right_key IN (SELECT value FROM json_each(@json))',
        ).all({ pairId, json }) as LinkRow[]
      ).map(toLink);
    },
    /** A page of the pair's links by id (keyset: `afterId`), for stages that walk every link. */
    linksPage(pairId: string, afterId: number, limit: number): Link[] {
      return (prepare('SELECT * FROM links WHERE pair_id = ? AND id > ? ORDER BY id LIMIT ?').all(pairId, afterId, limit) as LinkRow[]).map(toLink);
    },
    /** Every link of a pair: only for the preview of a pair's matching (a run streams its links). */
    allLinks(pairId: string): Link[] {
      return (prepare('SELECT * FROM links WHERE pair_id = ?').all(pairId) as LinkRow[]).map(toLink);
    },
    /** A record's version moved while its values did not (an app touched it, or Concord's own write echoed): the link keeps the new version. */
    setVersion(linkId: number, side: Side, version: string | null): void {
      // Read, not written: whatever stamp Concord's own write left no longer describes the record.
      prepare(`UPDATE links SET ${side === 'left' ? 'left_version = ?, left_stamp = NULL' : 'right_version = ?, right_stamp = NULL'} WHERE id = ?`).run(version, linkId);
    },
    link(id: number): Link | null {
      const row = q.linkById.get(id) as LinkRow | undefined;
      return row ? toLink(row) : null;
    },
    /**
     * Recomputes every link's stored keys when the pair's match keys changed (or were never
     * computed: links from before keys were stored), in pages. Returns true when it did.
     */
    refreshLinkKeys(pairId: string, signature: string): boolean {
      keyFns.delete(pairId); // a run starts from the config as it is now
      const stored = prepare('SELECT link_keys FROM pairs WHERE id = ?').pluck().get(pairId) as string | null | undefined;
      if (stored === signature) return false;
      const update = prepare('UPDATE links SET left_key = ?, right_key = ? WHERE id = ?');
      for (let after = 0; ; ) {
        const page = store.linksPage(pairId, after, 2000);
        if (page.length === 0) break;
        db.transaction(() => {
          for (const l of page) update.run(...keysOf(pairId, l), l.id);
        })();
        after = page[page.length - 1]?.id ?? after;
      }
      prepare('UPDATE pairs SET link_keys = ? WHERE id = ?').run(signature, pairId);
      return true;
    },
    hasLinks(pairId: string): boolean {
      return prepare('SELECT 1 FROM links WHERE pair_id = ? LIMIT 1').get(pairId) !== undefined;
    },
    linkedCount(pairId: string): number {
      // Both counts come from indexes alone: filtering on deleted_side read every link row (a second at a million).
      const all = prepare('SELECT count(*) FROM links INDEXED BY links_left WHERE pair_id = ?').pluck().get(pairId) as number;
      return all - (prepare('SELECT count(*) FROM links INDEXED BY links_tombstones WHERE pair_id = ? AND deleted_side IS NOT NULL').pluck().get(pairId) as number);
    },
    /** Creates or replaces the link of a record pair (ids unique per side within the pair). */
    upsertLink(pairId: string, l: Omit<Link, 'id'> & { id?: number }): number {
      const [leftKey, rightKey] = keysOf(pairId, l);
      if (l.id !== undefined) {
        const next: Omit<LinkRow, 'id'> = {
          left_id: l.leftId,
          right_id: l.rightId,
          base_json: JSON.stringify(l.base),
          left_version: l.leftVersion,
          right_version: l.rightVersion,
          deleted_side: l.deletedSide,
          left_key: leftKey,
          right_key: rightKey,
          left_stamp: stamp(l, 'left'),
          right_stamp: stamp(l, 'right'),
        };
        // Only the columns that change are assigned: SQLite rewrites an index's entry whenever one
        // of its columns is assigned, even to the value it holds, and at a million links each of
        // the six link indexes costs a page of its own per update (20k updates wrote 783 MiB).
        const current = q.linkById.get(l.id) as LinkRow | undefined;
        const changed = LINK_COLUMNS.filter((c) => current?.[c] !== next[c]);
        const sets = [...changed.map((c) => `${c} = @${c}`), 'updated_at = @updatedAt'].join(', ');
        prepare(`UPDATE links SET ${sets} WHERE id = @id`).run({ ...Object.fromEntries(changed.map((c) => [c, next[c]])), updatedAt: now(), id: l.id });
        return l.id;
      }
      const res = prepare(
          'INSERT INTO links (pair_id, left_id, right_id, base_json, left_version, right_version, deleted_side, left_key, right_key, left_stamp, right_stamp, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(pairId, l.leftId, l.rightId, JSON.stringify(l.base), l.leftVersion, l.rightVersion, l.deletedSide, leftKey, rightKey, stamp(l, 'left'), stamp(l, 'right'), now());
      return Number(res.lastInsertRowid);
    },
    /**
     * Records of a side that Concord wrote and that still hold what it wrote (a version beside the
     * stamp), stamped at or after `since`, in (stamp, id) order: `ChangesOptions.ownWrites`.
     */
    ownWrites(pairId: string, side: Side, since: string, after: OwnWrite | null, limit: number): OwnWrite[] {
      // A stamp is only ever stored beside a version (upsertLink, setVersion), so the stamp index
      // alone answers this: no link row is read.
      const [id, stampCol] = side === 'left' ? ['left_id', 'left_stamp'] : ['right_id', 'right_stamp'];
      // The index is sought from the later of `since` and the page's last stamp: the row value alone
      // would be checked row by row from `since` on every page (quadratic: 13 s at 733k own writes).
      const from = after && after.stamp > since ? after.stamp : since;
      const where = `pair_id = @pairId AND ${stampCol} >= @from AND ${id} IS NOT NULL${after ? ` AND (${stampCol}, ${id}) > (@stamp, @id)` : ''}`;
      return prepare(`SELECT ${id} AS id, ${stampCol} AS stamp FROM links WHERE ${where} ORDER BY ${stampCol}, ${id} LIMIT @limit`).all({
        pairId,
        from,
        limit,
        ...(after ? { stamp: after.stamp, id: after.id } : {}),
      }) as OwnWrite[];
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
    /** `correlationId`: the real-time events (space-separated) that brought the change, when any did. */
    journalAdd(e: { pairId: string; runId: string; side: Side; op: string; targetId: string | null; sourceId: string | null; payload: unknown; correlationId?: string | null }): number {
      const res = prepare('INSERT INTO journal (pair_id, run_id, side, op, target_id, source_id, payload_json, status, created_at, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(e.pairId, e.runId, e.side, e.op, e.targetId, e.sourceId, JSON.stringify(e.payload), 'pending', now(), e.correlationId ?? null);
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
      type Row = { side: Side; target_id: string | null; status: string; payload_json: string };
      type Payload = { values: CanonicalRecord; seen?: Record<Side, CanonicalRecord>; overwrites?: Overwrite[]; label?: string };
      const runs = prepare("SELECT DISTINCT run_id FROM journal WHERE pair_id = ? AND status = 'pending'").pluck().all(pairId) as string[];
      const out: InterruptedUpdate[] = [];
      // Done rows of such a run count too (which of a merge's two writes landed), found by run (indexed).
      const q = prepare("SELECT side, target_id, status, payload_json FROM journal WHERE run_id = ? AND pair_id = ? AND op = 'update' AND status IN ('pending', 'done')");
      for (const runId of runs) {
        for (const r of q.all(runId, pairId) as Row[]) {
          const p = JSON.parse(r.payload_json) as Payload;
          if (p.seen && r.target_id !== null) {
            out.push({ side: r.side, targetId: r.target_id, done: r.status === 'done', values: p.values, seen: p.seen, ...(p.overwrites ? { overwrites: p.overwrites, label: p.label ?? '' } : {}) });
          }
        }
      }
      return out;
    },
    /** A page of the creates an interrupted run left pending or unknown (keyset by journal id). */
    pendingCreatesPage(pairId: string, afterId: number, limit: number): { id: number; side: Side; sourceId: string | null; payload: CanonicalRecord }[] {
      const rows = prepare("SELECT id, side, source_id, payload_json FROM journal WHERE pair_id = ? AND status IN ('pending', 'unknown') AND op = 'create' AND id > ? ORDER BY id LIMIT ?")
        .all(pairId, afterId, limit) as { id: number; side: Side; source_id: string | null; payload_json: string }[];
      return rows.map((r) => ({ id: r.id, side: r.side, sourceId: r.source_id, payload: (JSON.parse(r.payload_json) as { values: CanonicalRecord }).values }));
    },
    hasPendingCreates(pairId: string, side: Side | null = null): boolean {
      return prepare("SELECT 1 FROM journal WHERE pair_id = @pairId AND status IN ('pending', 'unknown') AND op = 'create' AND (@side IS NULL OR side = @side) LIMIT 1").get({ pairId, side }) !== undefined;
    },
    /**
     * Once a run has finished its work: rows left by interrupted runs are closed (this run
     * re-planned their records), and every closed row is pruned. A create whose outcome this run
     * left unknown stays, for the next run to look up (PITFALLS 15).
     */
    closeAndPruneJournal(pairId: string, runId: string): void {
      db.transaction(() => {
        store.supersedePending(pairId, runId);
        prepare("DELETE FROM journal WHERE pair_id = ? AND status IN ('done', 'failed')").run(pairId);
      })();
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
