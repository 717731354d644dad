import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataDirLocked, LOCK_FILE, lockDataDir } from './data-dir-lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('refuses a second engine on the same data folder while the first one lives, naming it', async () => {
  // A real other process holds the lock.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: holder.pid, purpose: 'concord serve' }));
    expect(() => lockDataDir(dir, 'concord sync')).toThrow(DataDirLocked);
    expect(() => lockDataDir(dir, 'concord sync')).toThrow(/concord serve, process \d+.*--data-dir/);
  } finally {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
  }
  // The holder is gone (killed): its stale lock is taken over.
  const lock = lockDataDir(dir, 'concord sync');
  lock.release();
  expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
});

it('takes over an unreadable lock file', () => {
  writeFileSync(join(dir, LOCK_FILE), '{half');
  const lock = lockDataDir(dir, 'concord serve');
  expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  lock.release();
});
