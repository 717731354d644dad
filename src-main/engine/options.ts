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

/** Where the webhook receiver listens and how apps reach it (EngineOptions.webhooks). */
export type WebhookFlags = { host: string; port?: number; publicUrl?: string };

/**
 * The webhook receiver's options from flags, then the environment (CONCORD_WEBHOOK_HOST, _PORT,
 * _PUBLIC_URL), then defaults: 127.0.0.1, and no port (the engine reuses the port this data folder's
 * receiver had, so the URLs given to apps stay valid, else takes a free one).
 */
export function webhookFlags(values: Record<string, string | boolean | undefined>, env: EngineEnv): WebhookFlags {
  const pick = (flag: string, name: string): { raw: string; from: string } | null => {
    const v = values[flag];
    if (typeof v === 'string') return { raw: v, from: `--${flag}` };
    const e = env[name];
    return e ? { raw: e, from: name } : null;
  };
  const host = pick('webhook-host', 'CONCORD_WEBHOOK_HOST')?.raw.trim() || '127.0.0.1';
  const port = pick('webhook-port', 'CONCORD_WEBHOOK_PORT');
  const url = pick('webhook-public-url', 'CONCORD_WEBHOOK_PUBLIC_URL');
  return { host, ...(port ? { port: parsePort(port.raw, port.from) } : {}), ...(url ? { publicUrl: parsePublicUrl(url.raw, url.from) } : {}) };
}

/** The receiver's address as apps reach it: an http(s) URL without query or fragment (the endpoints are appended to it). */
function parsePublicUrl(raw: string, from: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`${from} must be the URL apps reach the webhook receiver at, such as https://hooks.example.com; got "${raw}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${from} must be an http:// or https:// URL; got "${raw}".`);
  if (url.search || url.hash || url.username || url.password) throw new UsageError(`${from} must be a plain URL without a query, fragment or user name (the endpoints /hooks/<pair id>/<side> are appended to it); got "${raw}".`);
  return url.href.replace(/\/+$/, '');
}
