/**
 * One engine that writes per data folder. Two engines on one folder would each run the same
 * pairs (runs are serialized only within a process) and race on the apps. `concord serve`, the
 * desktop engine and `concord sync` take this lock; read-only commands do not need it.
 *
 * The lock is an exclusive SQLite transaction on a dedicated lock database, held open for the
 * life of the engine. Taking it is one atomic step in the OS (an fcntl lock), so of engines
 * starting together exactly one wins; the OS drops it when the holder dies however it dies
 * (SIGKILL, a crash, a power cut), so there is no stale lock to take over and no
 * check-then-write race in taking one over. The lock database is never deleted: a process that
 * opened the old file could otherwise lock it while another locks the new one.
 * Who holds it (pid, host, purpose, since) sits in a small JSON file beside it, written after the
 * lock is taken; it only words the message, it never decides anything.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { explainOpenFailure } from './store/db';

/** The lock database. */
export const LOCK_FILE = 'concord-lock.sqlite';
/** Who holds the lock, for the message a second engine shows. */
export const LOCK_INFO_FILE = 'concord-lock.json';
/** The lock file of Concord versions before the SQLite lock; an older engine may still hold it. */
export const LEGACY_LOCK_FILE = 'concord.lock';

export type DataDirLock = { release(): void };
export type LockHolder = { pid: number | null; purpose: string; host?: string; since?: string };

export class DataDirLocked extends Error {
  override name = 'DataDirLocked';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const who = holder.pid === null ? 'that is starting up' : `${holder.purpose}, process ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''}`;
    super(
      `Another Concord (${who}) is using the data folder ${dataDir}${holder.since ? ` since ${holder.since}` : ''}. ` +
        'Use that one (its UI runs every action), stop it first, or point this one at another folder with --data-dir.',
    );
  }
}

/** Locks held by this process: referenced here so a dropped handle is never collected (and unlocked). */
const held = new Set<Database.Database>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; purpose?: unknown; host?: unknown; since?: unknown };
    if (typeof parsed.pid !== 'number') return null;
    return {
      pid: parsed.pid,
      purpose: String(parsed.purpose ?? 'engine'),
      ...(typeof parsed.host === 'string' ? { host: parsed.host } : {}),
      ...(typeof parsed.since === 'string' ? { since: parsed.since } : {}),
    };
  } catch {
    return null; // missing, unreadable or half-written
  }
}

const isBusy = (error: unknown) => /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown } | null)?.code ?? ''));

/** `nativeBinding`: the better-sqlite3 addon the engine's store loads (see store/db.ts), for the same reason. */
export function lockDataDir(dataDir: string, purpose: string, options: { nativeBinding?: string } = {}): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const infoPath = join(dataDir, LOCK_INFO_FILE);
  let db: Database.Database;
  try {
    // timeout 0: a held lock answers "busy" at once instead of waiting for its holder to go.
    db = new Database(join(dataDir, LOCK_FILE), { timeout: 0, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) });
  } catch (error) {
    throw explainOpenFailure(error, options.nativeBinding);
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (!isBusy(error)) throw new Error(`Could not lock the data folder ${dataDir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    // The info of a holder that has died is left over from it; the live holder has not written its own yet.
    const holder = readHolder(infoPath);
    throw new DataDirLocked(dataDir, holder && holder.pid !== null && alive(holder.pid) ? holder : { pid: null, purpose: 'engine' });
  }
  held.add(db);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (readHolder(infoPath)?.pid === process.pid) rmSync(infoPath, { force: true });
    held.delete(db);
    db.close(); // closing the connection ends the transaction and drops the OS lock
  };
  try {
    // An engine of an older version locks with a plain file; it may still be running.
    const legacy = readHolder(join(dataDir, LEGACY_LOCK_FILE));
    if (legacy && legacy.pid !== null && legacy.pid !== process.pid && alive(legacy.pid)) throw new DataDirLocked(dataDir, legacy);
    rmSync(join(dataDir, LEGACY_LOCK_FILE), { force: true });
    const tmp = `${infoPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ pid: process.pid, purpose, host: hostname(), since: new Date().toISOString() }), { mode: 0o600 });
    renameSync(tmp, infoPath);
  } catch (error) {
    release();
    throw error;
  }
  return { release };
}
