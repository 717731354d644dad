/**
 * Records released from the inbox by a steward: what an open duplicate conflict held and its
 * resolution neither linked nor deleted (migration 11). The next run reads them by id, whatever
 * its sides' change detection, so they are matched like new records — a cursor or flag side never
 * shows an unchanged record again, and an unread survivor left the next copy of its key to be
 * created beside it (issue 13 §1). A run removes the ids it read once it has matched them.
 */
import type { Side } from '../api/model';
import { statementCache, type Db } from '../store/db';

export function createReleased(db: Db) {
  const prepare = statementCache(db);
  return {
    add(pairId: string, side: Side, ids: Iterable<string>): void {
      const ins = prepare('INSERT OR IGNORE INTO released (pair_id, side, app_id) VALUES (?, ?, ?)');
      for (const id of ids) ins.run(pairId, side, id);
    },
    /** The pair's released ids per side (a handful: one conflict's records each). */
    list(pairId: string): Record<Side, string[]> {
      const out: Record<Side, string[]> = { left: [], right: [] };
      for (const r of prepare('SELECT side, app_id FROM released WHERE pair_id = ? ORDER BY side, app_id').all(pairId) as { side: Side; app_id: string }[]) out[r.side].push(r.app_id);
      return out;
    },
    remove(pairId: string, side: Side, ids: Iterable<string>): void {
      const del = prepare('DELETE FROM released WHERE pair_id = ? AND side = ? AND app_id = ?');
      for (const id of ids) del.run(pairId, side, id);
    },
  };
}
