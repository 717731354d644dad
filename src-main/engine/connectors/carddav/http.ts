/**
 * The one way the CardDAV connector talks HTTP: fetch with the call's AbortSignal, the connection's
 * credentials (read from the keychain through the secret handle, once per connector: the engine
 * opens a fresh connector after a 401, which reads the secret again), and the error mapping every
 * request shares:
 * - the network fails (refused, reset, DNS) → ConnectorError 'unavailable';
 * - 401 → ConnectorError 'auth', saying what to fix;
 * - 429, or 503 with Retry-After → `RateLimitedError` (reason 'rate-limited', `retryAfterMs`), which
 *   the engine turns into a pause of the side;
 * - an aborted signal → the signal's reason, as is (never dressed up as 'unavailable').
 * Every other status is the caller's to judge (a 412 is 'stale' for a write, a 404 'not-found').
 */
import { ConnectorError, errorMessage } from '../errors';
import type { SecretHandle } from '../types';

export type AuthKind = 'basic' | 'bearer';
export type DavAuth = { kind: AuthKind; username: string; secret: SecretHandle };

/** A 429 (or a 503 that says when to come back): the engine pauses the side for `retryAfterMs`. */
export class RateLimitedError extends Error {
  readonly reason = 'rate-limited' as const;
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

const DEFAULT_RETRY_MS = 60_000;

/** Retry-After as seconds or an HTTP date → milliseconds from now (never negative). */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const s = header.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

export type RequestInit = { body?: string; headers?: Record<string, string>; signal?: AbortSignal | undefined; depth?: '0' | '1' };

export type DavHttp = {
  /** Sends one request; answers any status but 401 and rate limits (see the file's comment). */
  request(method: string, url: string, init?: RequestInit): Promise<Response>;
  /** The response body as text; a connection lost mid-body is 'unavailable' too. */
  text(res: Response, signal?: AbortSignal): Promise<string>;
};

const abortReason = (signal: AbortSignal | undefined): unknown => signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError');

export function davHttp(auth: DavAuth): DavHttp {
  let header: Promise<string> | null = null;
  const authorization = (): Promise<string> => {
    header ??= (async () => {
      const secret = await auth.secret.get();
      if (secret === null || secret === '') {
        throw new ConnectorError('auth', auth.kind === 'bearer' ? 'No access token is saved for this CardDAV connection — enter it in the connection’s settings.' : 'No password is saved for this CardDAV connection — enter it in the connection’s settings.');
      }
      return auth.kind === 'bearer' ? `Bearer ${secret}` : `Basic ${Buffer.from(`${auth.username}:${secret}`, 'utf8').toString('base64')}`;
    })();
    // A failed read of the keychain is tried again on the next request.
    header.catch(() => (header = null));
    return header;
  };

  const unreachable = (url: string, error: unknown): ConnectorError =>
    new ConnectorError('unavailable', `Cannot reach the CardDAV server at ${new URL(url).host}: ${errorMessage((error as { cause?: unknown }).cause ?? error)}. Check that it is running and the address is right; Concord tries again on the next run.`, { cause: error });

  return {
    async request(method, url, init = {}) {
      const headers: Record<string, string> = { Authorization: await authorization(), ...init.headers };
      if (init.depth !== undefined) headers.Depth = init.depth;
      if (init.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/xml; charset=utf-8';
      let res: Response;
      try {
        res = await fetch(url, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}), ...(init.signal ? { signal: init.signal } : {}), redirect: 'follow' });
      } catch (error) {
        if (init.signal?.aborted) throw abortReason(init.signal);
        throw unreachable(url, error);
      }
      if (res.status === 401) {
        await res.body?.cancel().catch(() => {});
        const what = auth.kind === 'bearer' ? 'the access token' : `the user name “${auth.username}” and its password`;
        throw new ConnectorError('auth', `The CardDAV server at ${new URL(url).host} refused ${what} (HTTP 401) — check the credentials in the connection’s settings.`);
      }
      const wait = retryAfterMs(res.headers.get('retry-after'));
      if (res.status === 429 || (res.status === 503 && wait !== null)) {
        await res.body?.cancel().catch(() => {});
        throw new RateLimitedError(`The CardDAV server at ${new URL(url).host} asked Concord to slow down (HTTP ${res.status}).`, wait ?? DEFAULT_RETRY_MS);
      }
      return res;
    },
    async text(res, signal) {
      try {
        return await res.text();
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        throw unreachable(res.url || 'http://unknown', error);
      }
    },
  };
}
