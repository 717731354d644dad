/**
 * A run's working state, in SQLite (migration 6), so a run never holds a whole side in memory:
 * - staged: the unlinked records it read, waiting for the matching stage;
 * - seen: the ids a complete scan saw (a linked record it did not see was deleted), and the
 *   versions a flag read saw (flags are cleared only on records still at that version);
 * - gone: linked records found gone, held until the mass-delete guard has counted them.
 * Cleared when a run starts: what a killed run left there means nothing (the journal is what
 * survives a crash).
 */
import type { Side } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import { statementCache, type Db } from '../../store/db';

export type StagedRecord = AppRecord & { side: Side };

/** Rows removed per statement when the working state is cleared (tens of milliseconds). */
const CLEAR_SLICE = 20_000;
/** Match keys from `from` (inclusive) to `below` (exclusive): one key, or every key with one main part. */
export type KeyRange = { from: string; below: string };

export function createWorkingState(db: Db, pairId: string) {
  const prepare = statementCache(db);
  const parse = (side: Side, json: string): StagedRecord => ({ ...(JSON.parse(json) as AppRecord), side });
  const ids = (list: string[]) => JSON.stringify(list);
  return {
    /**
     * Empties the pair's working state a slice at a time, with a turn of the event loop between
     * slices: in one statement, a million staged and two million seen records took the server
     * away for seconds at the end of a first sync.
     */
    async clear(): Promise<void> {
      const tables = [
        ['run_staged', 'side, app_id'],
        ['run_seen', 'side, app_id'],
        ['run_gone', 'link_id, side'],
      ] as const;
      for (const [t, key] of tables) {
        const slice = prepare(`DELETE FROM ${t} WHERE pair_id = @pairId AND (${key}) IN (SELECT ${key} FROM ${t} WHERE pair_id = @pairId LIMIT ${CLEAR_SLICE})`);
        while (slice.run({ pairId }).changes > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },
    stage(side: Side, records: { rec: AppRecord; key: string | null; content: string }[]): void {
      const ins = prepare('INSERT OR REPLACE INTO run_staged (pair_id, side, app_id, match_key, content_key, rec_json) VALUES (?, ?, ?, ?, ?, ?)');
      for (const r of records) ins.run(pairId, side, r.rec.id, r.key, r.content, JSON.stringify(r.rec));
    },
    unstage(side: Side, appIds: string[]): void {
      if (appIds.length > 0) prepare('DELETE FROM run_staged WHERE pair_id = ? AND side = ? AND app_id IN (SELECT value FROM json_each(?))').run(pairId, side, ids(appIds));
    },
    stagedCount(side?: Side): number {
      return prepare('SELECT count(*) FROM run_staged WHERE pair_id = @pairId AND (@side IS NULL OR side = @side)').pluck().get({ pairId, side: side ?? null }) as number;
    },
    staged(side: Side, appIds: string[]): Map<string, StagedRecord> {
      const out = new Map<string, StagedRecord>();
      if (appIds.length === 0) return out;
      const rows = prepare('SELECT app_id, rec_json FROM run_staged WHERE pair_id = ? AND side = ? AND app_id IN (SELECT value FROM json_each(?))').all(pairId, side, ids(appIds)) as { app_id: string; rec_json: string }[];
      for (const r of rows) out.set(r.app_id, parse(side, r.rec_json));
      return out;
    },
    /**
     * Staged records of a side with this content and key, in id order (crash recovery's surest sign
     * of its own create). Found through the key index; content is compared within the key.
     */
    stagedByContent(side: Side, key: string | null, content: string): StagedRecord[] {
      return (
        prepare('SELECT rec_json FROM run_staged WHERE pair_id = @pairId AND side = @side AND match_key IS @key AND content_key = @content ORDER BY app_id').all({ pairId, side, key, content }) as { rec_json: string }[]
      ).map((r) => parse(side, r.rec_json));
    },
    stagedByKey(side: Side | null, key: string): StagedRecord[] {
      return (
        prepare('SELECT side, rec_json FROM run_staged WHERE pair_id = @pairId AND match_key = @key AND (@side IS NULL OR side = @side)').all({ pairId, key, side }) as { side: Side; rec_json: string }[]
      ).map((r) => parse(r.side, r.rec_json));
    },
    /** The next keys of staged records in key order (keyset paging: `after`), for the matching stage. */
    stagedKeys(after: string | null, limit: number): string[] {
      // Two statements, not `(? IS NULL OR match_key > ?)`: an OR keeps SQLite from seeking the index, and every page scanned from the start.
      if (after === null) return prepare('SELECT DISTINCT match_key FROM run_staged WHERE pair_id = ? AND match_key IS NOT NULL ORDER BY match_key LIMIT ?').pluck().all(pairId, limit) as string[];
      return prepare('SELECT DISTINCT match_key FROM run_staged WHERE pair_id = ? AND match_key > ? ORDER BY match_key LIMIT ?').pluck().all(pairId, after, limit) as string[];
    },
    /** The staged records whose keys lie from `first` to `last` (a page of `stagedKeys`): one range scan of the key index. */
    stagedWithKeys(first: string, last: string): StagedRecord[] {
      return (
        prepare('SELECT side, rec_json FROM run_staged WHERE pair_id = ? AND match_key >= ? AND match_key <= ?').all(pairId, first, last) as { side: Side; rec_json: string }[]
      ).map((r) => parse(r.side, r.rec_json));
    },
    /** A page of staged records without a key (or every staged record: `keyless` false), keyset by (side, id). */
    stagedPage(keyless: boolean, after: { side: Side; id: string } | null, limit: number): StagedRecord[] {
      const where = `pair_id = @pairId${keyless ? ' AND match_key IS NULL' : ''}${after ? ' AND (side, app_id) > (@side, @id)' : ''}`;
      const rows = prepare(`SELECT side, app_id, rec_json FROM run_staged WHERE ${where} ORDER BY side, app_id LIMIT @limit`).all({
        pairId,
        limit,
        ...(after ? { side: after.side, id: after.id } : {}),
      }) as { side: Side; rec_json: string }[];
      return rows.map((r) => parse(r.side, r.rec_json));
    },
    markSeen(side: Side, records: { id: string; version: string | null }[]): void {
      const ins = prepare('INSERT OR REPLACE INTO run_seen (pair_id, side, app_id, version) VALUES (?, ?, ?, ?)');
      for (const r of records) ins.run(pairId, side, r.id, r.version);
    },
    seenPage(side: Side, after: string | null, limit: number): { id: string; version: string | null }[] {
      return prepare(`SELECT app_id AS id, version FROM run_seen WHERE pair_id = @pairId AND side = @side${after === null ? '' : ' AND app_id > @after'} ORDER BY app_id LIMIT @limit`).all({
        pairId,
        side,
        limit,
        ...(after === null ? {} : { after }),
      }) as {
        id: string;
        version: string | null;
      }[];
    },
    /** Links of a side whose record a complete scan did not see (and that are not a tombstone of that side), by link id. */
    unseenLinkIds(side: Side, afterId: number, upTo: number): number[] {
      const col = side === 'left' ? 'left_id' : 'right_id';
      return prepare(
        `SELECT l.id FROM links l WHERE l.id > @afterId AND l.id <= @upTo AND l.pair_id = @pairId AND l.${col} IS NOT NULL AND (l.deleted_side IS NULL OR l.deleted_side <> @side)
           AND NOT EXISTS (SELECT 1 FROM run_seen s WHERE s.pair_id = @pairId AND s.side = @side AND s.app_id = l.${col}) ORDER BY l.id`,
      ).pluck().all({ pairId, afterId, upTo, side }) as number[];
    },
    /** The highest link id there is (any pair's): where a walk of the links by id windows ends. */
    lastLinkId(): number {
      return (prepare('SELECT max(id) FROM links').pluck().get() as number | null) ?? 0;
    },
    /** `replaced`: the app now holds another record under the gone record's id (a reused row id). */
    markGone(side: Side, linkIds: number[], replaced = false): void {
      const ins = prepare('INSERT INTO run_gone (pair_id, link_id, side, replaced) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET replaced = max(replaced, excluded.replaced)');
      for (const id of linkIds) ins.run(pairId, id, side, replaced ? 1 : 0);
    },
    /**
     * Takes a reused id off the gone link that held it (its record is gone; another record has the
     * id now), so the id can be linked again. Only links this run found replaced are touched.
     */
    releaseReplacedId(side: Side, appId: string): void {
      const col = side === 'left' ? 'left_id' : 'right_id';
      // The key stays: the link's record may still turn up under another id (relinkReplaced).
      prepare(
        `UPDATE links SET ${col} = NULL WHERE pair_id = @pairId AND ${col} = @appId AND id IN (SELECT link_id FROM run_gone WHERE pair_id = @pairId AND side = @side AND replaced = 1)`,
      ).run({ pairId, appId, side });
    },
    /** A gone link found after all (relinked): every side of it, or just `side`. */
    unmarkGone(linkId: number, side?: Side): void {
      if (side) prepare('DELETE FROM run_gone WHERE pair_id = ? AND link_id = ? AND side = ?').run(pairId, linkId, side);
      else prepare('DELETE FROM run_gone WHERE pair_id = ? AND link_id = ?').run(pairId, linkId);
    },
    /** A page of gone links: the link id, which sides are gone, and which of those had their id reused. */
    gonePage(afterId: number, limit: number): { linkId: number; sides: Side[]; replaced: Side[] }[] {
      const rows = prepare(
        "SELECT link_id, group_concat(side) AS sides, group_concat(CASE WHEN replaced = 1 THEN side END) AS replaced FROM run_gone WHERE pair_id = ? AND link_id > ? GROUP BY link_id ORDER BY link_id LIMIT ?",
      ).all(pairId, afterId, limit) as { link_id: number; sides: string; replaced: string | null }[];
      return rows.map((r) => ({ linkId: r.link_id, sides: r.sides.split(',') as Side[], replaced: (r.replaced?.split(',') ?? []) as Side[] }));
    },
    /** Linked records gone from each app whose other record is still there (what the mass-delete guard counts). */
    goneCounts(): Record<Side, number> {
      const rows = prepare(
        'SELECT side, count(*) AS n FROM run_gone g WHERE pair_id = @pairId AND NOT EXISTS (SELECT 1 FROM run_gone o WHERE o.pair_id = @pairId AND o.link_id = g.link_id AND o.side <> g.side) GROUP BY side',
      ).all({ pairId }) as { side: Side; n: number }[];
      const out = { left: 0, right: 0 };
      for (const r of rows) out[r.side] = r.n;
      return out;
    },
    /** The open field conflict of each of these links (a plan resolves it when both apps agree again), by index. */
    openFieldConflicts(linkIds: number[]): Map<number, string> {
      const out = new Map<number, string>();
      if (linkIds.length === 0) return out;
      const rows = prepare("SELECT id, link_id FROM conflicts WHERE link_id IN (SELECT value FROM json_each(?)) AND status = 'open' AND kind = 'field' AND pair_id = ?").all(JSON.stringify(linkIds), pairId) as {
        id: string;
        link_id: number;
      }[];
      for (const r of rows) out.set(r.link_id, r.id);
      return out;
    },
    /** Gone links of a side whose stored key lies in `range` (a replaced record is relinked only when exactly one is gone). */
    goneWithKey(side: Side, range: KeyRange): number[] {
      const col = side === 'left' ? 'left_key' : 'right_key';
      return prepare(`SELECT g.link_id FROM run_gone g JOIN links l ON l.id = g.link_id WHERE g.pair_id = @pairId AND g.side = @side AND l.${col} >= @from AND l.${col} < @below`)
        .pluck()
        .all({ pairId, side, ...range }) as number[];
    },
    /** How many staged records of a side have no match key. */
    stagedKeylessCount(side: Side): number {
      return prepare('SELECT count(*) FROM run_staged WHERE pair_id = ? AND side = ? AND match_key IS NULL').pluck().get(pairId, side) as number;
    },
    stagedInRange(side: Side, range: KeyRange): StagedRecord[] {
      return (
        prepare('SELECT rec_json FROM run_staged WHERE pair_id = @pairId AND match_key >= @from AND match_key < @below AND side = @side').all({ pairId, side, ...range }) as { rec_json: string }[]
      ).map((r) => parse(side, r.rec_json));
    },
  };
}

export type WorkingState = ReturnType<typeof createWorkingState>;
