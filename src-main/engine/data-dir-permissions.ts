/**
 * The data folder holds every synced record (the database and its WAL hold whole emails and
 * addresses), so only its owner may read it. At the start of a server or engine process:
 * - the process umask becomes 077, so every file Concord or SQLite creates later is the owner's
 *   only (SQLite gives the WAL and shared-memory files the database's own mode);
 * - the folder is created 0700, and an existing one that others could read (a folder made by an
 *   older Concord, 0755, with a 0644 database) is tightened, with one line in the log saying so.
 * Nothing is ever loosened: a folder already stricter than 0700 is left as it is.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CREDENTIALS_FILE } from './credentials/file-store';
import { LEGACY_LOCK_FILE, LOCK_FILE, LOCK_INFO_FILE } from './data-dir-lock';
import { DATABASE_FILE } from './store/db';

/** The files of the data folder that hold data or say who runs: owner read/write only. */
export const PRIVATE_FILES = [
  DATABASE_FILE,
  `${DATABASE_FILE}-wal`,
  `${DATABASE_FILE}-shm`,
  `${DATABASE_FILE}-journal`,
  LOCK_FILE,
  `${LOCK_FILE}-journal`,
  LOCK_INFO_FILE,
  LEGACY_LOCK_FILE,
  CREDENTIALS_FILE,
] as const;

/** For the start of a server or engine process (never inside a library call: the umask is process-wide). */
export function restrictUmask(): void {
  process.umask(0o077);
}

export type Tightened = { path: string; was: number; now: number };

/** Creates the folder 0700, or tightens it and its private files; returns what changed. */
export function secureDataDir(dataDir: string): Tightened[] {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const changed: Tightened[] = [];
  const tighten = (path: string, max: number) => {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      return; // not there (yet): the umask covers it when it is created
    }
    const now = mode & max;
    if (now === mode) return;
    chmodSync(path, now);
    changed.push({ path, was: mode, now });
  };
  tighten(dataDir, 0o700);
  for (const name of PRIVATE_FILES) tighten(join(dataDir, name), 0o600);
  return changed;
}

/** The one log line for what `secureDataDir` changed, or null when nothing did. */
export function describeTightened(dataDir: string, changed: readonly Tightened[]): string | null {
  if (changed.length === 0) return null;
  const octal = (m: number) => m.toString(8).padStart(4, '0');
  const list = changed.map((c) => `${c.path === dataDir ? 'the folder' : c.path.slice(dataDir.length + 1)} ${octal(c.was)} → ${octal(c.now)}`).join(', ');
  return `Concord made its data folder ${dataDir} private to its owner (other users could read it): ${list}.`;
}
