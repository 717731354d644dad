/** The machine and the code a bench ran on, for the head of BENCHMARKS.md. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type as osType, arch } from 'node:os';
import { join, resolve } from 'node:path';
import type { Machine } from './markdown';

const REPO = resolve(__dirname, '..');

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return `${pretty}, ${osType()} ${release()} ${arch()}`;
  } catch {
    // Not Linux: the kernel's name alone.
  }
  return `${osType()} ${release()} ${arch()}`;
}

function packageVersion(name: string): string {
  try {
    const json: unknown = JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8'));
    return typeof json === 'object' && json !== null && 'version' in json && typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'not installed';
  }
}

export function machine(): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    ramBytes: totalmem(),
    os: osName(),
    node: process.versions.node,
    betterSqlite3: packageVersion('better-sqlite3'),
  };
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/** The commit checked out, and whether tracked files differ from it (untracked files, such as a worktree's node_modules link, do not count). */
export function gitState(): { commit: string; dirty: boolean | null } {
  try {
    const commit = git('log', '-1', '--format=%h (%cs)');
    return { commit, dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: null };
  }
}
