/**
 * One engine that writes per data folder. Two engines on one folder would each run the same
 * pairs (runs are serialized only within a process) and race on the apps. `concord serve`, the
 * desktop engine and `concord sync` take this lock; read-only commands do not need it.
 * A lock left by a process that is gone (killed, crashed) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'concord.lock';

export type DataDirLock = { release(): void };

export class DataDirLocked extends Error {
  override name = 'DataDirLocked';
  constructor(
    readonly dataDir: string,
    readonly holder: { pid: number; purpose: string },
  ) {
    super(
      `Another Concord (${holder.purpose}, process ${holder.pid}) is using the data folder ${dataDir}. ` +
        'Use that one (its UI runs every action), stop it first, or point this one at another folder with --data-dir.',
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string, purpose: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { pid: number; purpose: string } | null = null;
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; purpose?: unknown };
        if (typeof parsed.pid === 'number') holder = { pid: parsed.pid, purpose: String(parsed.purpose ?? 'engine') };
      } catch {
        holder = null; // unreadable or half-written: treat as stale
      }
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new DataDirLocked(dataDir, holder);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock the data folder ${dataDir}; remove ${path} if no Concord is running.`);
}
