/**
 * A run's working state (sync/run/working-state.ts), as TEMP tables of the engine's connection:
 * - run_staged: the unlinked records a run read, waiting for the matching stage (by key; crash
 *   recovery compares content within a key);
 * - run_seen: the ids a complete scan saw (deletes by absence), with the version a flag read saw;
 * - run_gone: linked records a run found gone, held until the mass-delete guard has counted them
 *   (replaced: the app gave the record's id to another record, e.g. a reused row id).
 *
 * Nothing here needs to survive the process: a run clears its pair's rows when it starts, and a
 * cursor moves only when a run finishes, so a killed run's state is simply read again. As TEMP
 * tables they live in a file of their own that SQLite never syncs and deletes on close; nothing of
 * them passes through the WAL of concord.sqlite (a 100k first sync wrote 140 MB of it there).
 * They stay on disk, not in memory, once past the page cache: a million staged records fit.
 * No foreign keys: a TEMP table cannot refer to the main file's tables (rows of a deleted pair
 * are cleared by its next run, or go with the connection).
 */
import type { Db } from './db';

export function createRunTables(db: Db): void {
  db.exec(`
    CREATE TEMP TABLE IF NOT EXISTS run_staged (
      pair_id TEXT NOT NULL,
      side TEXT NOT NULL,
      app_id TEXT NOT NULL,
      match_key TEXT,
      content_key TEXT NOT NULL,
      rec_json TEXT NOT NULL,
      PRIMARY KEY (pair_id, side, app_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS temp.run_staged_key ON run_staged(pair_id, match_key, side);
    CREATE TEMP TABLE IF NOT EXISTS run_seen (
      pair_id TEXT NOT NULL,
      side TEXT NOT NULL,
      app_id TEXT NOT NULL,
      version TEXT,
      PRIMARY KEY (pair_id, side, app_id)
    ) WITHOUT ROWID;
    CREATE TEMP TABLE IF NOT EXISTS run_gone (
      pair_id TEXT NOT NULL,
      link_id INTEGER NOT NULL,
      side TEXT NOT NULL,
      replaced INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (pair_id, link_id, side)
    ) WITHOUT ROWID;`);
}
