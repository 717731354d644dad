import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataDirLocked, LEGACY_LOCK_FILE, LOCK_INFO_FILE, lockDataDir } from './data-dir-lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('refuses a second engine on the same data folder while the first one holds it, naming it; free again on release', () => {
  const first = lockDataDir(dir, 'concord serve');
  expect(() => lockDataDir(dir, 'concord sync')).toThrow(DataDirLocked);
  expect(() => lockDataDir(dir, 'concord sync')).toThrow(new RegExp(`Another Concord \\(concord serve, process ${process.pid}\\) is using the data folder .* since \\d{4}-.*--data-dir`));
  expect(JSON.parse(readFileSync(join(dir, LOCK_INFO_FILE), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'concord serve' });
  first.release();
  expect(existsSync(join(dir, LOCK_INFO_FILE))).toBe(false);
  const second = lockDataDir(dir, 'concord sync');
  second.release();
  second.release(); // twice is harmless
});

it('a lock held by a process that is SIGKILLed is free at once, without any stale file to clear', async () => {
  const holder = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing', 'lock-contender.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: holder.stdout })[Symbol.asyncIterator]();
  try {
    expect((await lines.next()).value).toBe('ready');
    holder.stdin.write(`try ${dir}\n`);
    expect((await lines.next()).value).toBe('won');
    expect(() => lockDataDir(dir, 'concord sync')).toThrow(new RegExp(`contender ${holder.pid}, process ${holder.pid}`));
  } finally {
    const dead = new Promise((r) => holder.once('exit', r));
    holder.kill('SIGKILL');
    await dead;
  }
  // The holder's info file is left behind; it decides nothing.
  expect(existsSync(join(dir, LOCK_INFO_FILE))).toBe(true);
  lockDataDir(dir, 'concord sync').release();
});

it('respects the lock file of an older Concord that is still running, and clears one whose process is gone or that is unreadable', async () => {
  const old = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, LEGACY_LOCK_FILE), JSON.stringify({ pid: old.pid, purpose: 'concord serve' }));
    expect(() => lockDataDir(dir, 'concord sync')).toThrow(/concord serve, process \d+/);
  } finally {
    old.kill('SIGKILL');
    await new Promise((r) => old.once('exit', r));
  }
  lockDataDir(dir, 'concord sync').release();
  expect(existsSync(join(dir, LEGACY_LOCK_FILE))).toBe(false);
  writeFileSync(join(dir, LEGACY_LOCK_FILE), '{half');
  lockDataDir(dir, 'concord serve').release();
  expect(existsSync(join(dir, LEGACY_LOCK_FILE))).toBe(false);
});
