// Issue 13 §2, "The data folder is readable by every local user": a new folder is 0700, an old
// 0755 folder with a 0644 database (and WAL, shared memory, lock) is tightened on start and the
// log says so once; the real `concord` entry runs under umask 077, so the files SQLite creates
// are the owner's only.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeTightened, PRIVATE_FILES, secureDataDir } from './data-dir-permissions';
import { DATABASE_FILE } from './store/db';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-perms-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

it('creates a missing data folder 0700 and reports nothing', () => {
  const dataDir = join(dir, 'a', 'data');
  expect(secureDataDir(dataDir)).toEqual([]);
  expect(mode(dataDir)).toBe(0o700);
});

it('tightens an existing 0755 folder and its 0644 database, WAL, shared memory and lock files, once, and says so', () => {
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755);
  for (const name of PRIVATE_FILES) {
    writeFileSync(join(dataDir, name), 'x');
    chmodSync(join(dataDir, name), 0o644);
  }
  writeFileSync(join(dataDir, 'notes.txt'), 'the user’s own file is not Concord’s to change');
  chmodSync(join(dataDir, 'notes.txt'), 0o644);
  const changed = secureDataDir(dataDir);
  expect(mode(dataDir)).toBe(0o700);
  for (const name of PRIVATE_FILES) expect(mode(join(dataDir, name))).toBe(0o600);
  expect(mode(join(dataDir, 'notes.txt'))).toBe(0o644);
  expect(describeTightened(dataDir, changed)).toMatch(/made its data folder .* private to its owner .*the folder 0755 → 0700, concord\.sqlite 0644 → 0600, concord\.sqlite-wal 0644 → 0600/);
  // A second start finds nothing to say.
  expect(secureDataDir(dataDir)).toEqual([]);
});

it('never loosens: a stricter folder or file stays as it is', () => {
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o500);
  expect(secureDataDir(dataDir)).toEqual([]);
  expect(mode(dataDir)).toBe(0o500);
  chmodSync(dataDir, 0o700);
});

it('the concord entry runs under umask 077: a new data folder, its database and files root are the owner’s only', { timeout: 60_000 }, () => {
  const dataDir = join(dir, 'fresh');
  const repo = resolve(__dirname, '../..');
  const result = spawnSync(process.execPath, ['--import', 'tsx', resolve(repo, 'src-main/cli.ts'), 'pairs', '--data-dir', dataDir], {
    cwd: repo,
    env: { ...process.env, CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'a test key that is long enough, 0123456789' },
    encoding: 'utf8',
  });
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.status).toBe(0);
  expect(mode(dataDir)).toBe(0o700);
  expect(mode(join(dataDir, DATABASE_FILE))).toBe(0o600);
  expect(mode(join(dataDir, 'files'))).toBe(0o700);
});
