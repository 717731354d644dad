/**
 * Where the headless engine keeps its data and how it listens: flags first, then environment,
 * then defaults. Shared by `concord serve` and the other commands so they find the same data.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type EngineEnv = Record<string, string | undefined>;

export function defaultDataDir(env: EngineEnv = process.env): string {
  if (env.CONCORD_DATA_DIR) return resolve(env.CONCORD_DATA_DIR);
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'concord');
}

export type ServeOptions = { dataDir: string; host: string; port: number; token: string | null; allowedHosts: string[] };

export function parsePort(raw: string, from: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${from} must be a port number from 0 to 65535 (0 picks a free port); got "${raw}".`);
  }
  return port;
}

/** A mistake in how a command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
