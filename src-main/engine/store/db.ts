/**
 * Concord's own state: one SQLite file in the data folder, WAL mode, schema versioned by a
 * migrations table. Migrations only ever append: a released migration is never edited.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from './migrations';
import { createRunTables } from './run-tables';

export type Db = Database.Database;

export const DATABASE_FILE = 'concord.sqlite';

/**
 * `nativeBinding`: the better-sqlite3 addon to load instead of node_modules' own — the desktop
 * app's engine runs on Electron's runtime and loads a build made for it
 * (scripts/build-electron-native.sh); under plain Node it is not needed.
 */
export function openDatabase(dataDir: string, options: { nativeBinding?: string } = {}): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let db: Db;
  try {
    db = new Database(join(dataDir, DATABASE_FILE), options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (error) {
    throw explainOpenFailure(error, options.nativeBinding);
  }
  // WAL lets readers (UI queries) run beside a sync's writes; NORMAL is durable at each
  // checkpoint and safe against corruption, which the journal relies on.
  // Retention frees pages in the background with `incremental_vacuum` (privacy/retention.ts). The
  // mode can only be chosen before the first table; an older file is converted by retention once.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // Deleted content is overwritten with zeros, not left in free pages: a forgotten person's values
  // (privacy/forget.ts) and pruned history do not stay readable in the file.
  db.pragma('secure_delete = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  // TEMP tables (a run's working state, run-tables.ts) spill to a temporary file past the page
  // cache instead of growing the heap: a million staged records stay out of memory.
  db.pragma('temp_store = FILE');
  // 16 MiB of their pages stay in memory before any spill. Their rollback journal stays a file: in
  // memory it held every page a large transaction touched (clearing a million staged records took
  // the 1M first sync to 1.4 GiB).
  db.pragma('temp.cache_size = -16384');
  createRunTables(db);
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

/** A native module built for another runtime fails with a message only its maintainers can read. */
export function explainOpenFailure(error: unknown, nativeBinding: string | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version|invalid ELF header|Cannot find module|Could not locate the bindings file/.test(message)) {
    const runtime = process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.versions.node}`;
    const fix = process.versions.electron
      ? 'Run `bash scripts/build-electron-native.sh` (npm start does it), then start Concord again.'
      : 'Run `npm rebuild better-sqlite3` (or `bash scripts/setup.sh`), then start Concord again.';
    return new Error(`Concord's SQLite library (better-sqlite3${nativeBinding ? ` at ${nativeBinding}` : ''}) is not built for ${runtime}. ${fix} (${message})`, { cause: error });
  }
  return error instanceof Error ? error : new Error(message);
}

/**
 * `prepare` that compiles each SQL text once per connection. The stores run a few statements per
 * record written (journal, link, activity): compiling them again each time cost more than the
 * writes on a 100,000-record first sync. Only for fixed SQL texts (no values spliced in).
 */
export function statementCache(db: Db): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

