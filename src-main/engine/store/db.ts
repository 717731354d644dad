/**
 * Concord's own state: one SQLite file in the data folder, WAL mode, schema versioned by a
 * migrations table. Migrations only ever append: a released migration is never edited.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from './migrations';

export type Db = Database.Database;

export const DATABASE_FILE = 'concord.sqlite';

export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  // WAL lets readers (UI queries) run beside a sync's writes; NORMAL is durable at each
  // checkpoint and safe against corruption, which the journal relies on.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): number {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(db.prepare('SELECT id FROM migrations').pluck().all() as number[]);
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...migrations.map((m) => m.id));
  if (newest > known) {
    throw new Error(
      `This data folder was written by a newer Concord (schema ${newest}, this build knows ${known}). Update Concord, or point it at another data folder.`,
    );
  }
  let count = 0;
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    // Each migration and its record commit together: a crash leaves the schema at a known version.
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, new Date().toISOString());
    })();
    count++;
  }
  return count;
}
