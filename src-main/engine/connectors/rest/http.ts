/**
 * The REST connector's one way to the app: fetch with the call's signal, the profile's auth, the
 * app's rate limit, and errors turned into what the engine acts on.
 *
 * - Spacing: requests wait their turn in a budget of the profile's `requestsPerSecond`, shared by
 *   every connector on the same base URL in this process (one account's limit); and when an answer
 *   says `X-RateLimit-Remaining: 0`, the next request waits for `X-RateLimit-Reset`.
 * - A 429, or a 503 that says when to come back (Retry-After: an outage, a maintenance window), is
 *   waited out once in place when the app asks for a short pause (≤ `maxWaitMs`); otherwise it
 *   throws `RateLimitedError` (reason 'rate-limited', `retryAfterMs`), which the engine turns
 *   into a pause of the side (PITFALLS 8). A 503 without Retry-After is an answer like any 5xx.
 * - A network failure is ConnectorError 'unavailable'; 401/403 ConnectorError 'auth' with what
 *   to fix. Every other status is returned for the caller to judge (404, 409, 412, 422…).
 * - A read (GET, HEAD) that meets a network failure or a 500/502/503/504 is sent again, up to
 *   TRANSIENT_RETRIES more times with exponential backoff and jitter, under the call's signal
 *   (so within its time limit). A write is never repeated here: a create the app took but whose
 *   answer was lost would be made twice (the engine's journal finds it instead, PITFALLS 15).
 */
import { ConnectorError, errorMessage } from '../errors';
import { requestBudget, type RequestBudget } from '../../connections/request-budget';
import type { SecretHandle } from '../types';
import { getAccessToken, invalidateAccessToken } from './oauth';
import type { Auth, Profile } from './profile';

export class RateLimitedError extends Error {
  readonly reason = 'rate-limited' as const;
  constructor(
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

export type HttpAnswer = { status: number; headers: Headers; body: unknown; text: string; url: string; /** The OAuth access token the request carried. */ accessToken?: string };
export type RequestInit2 = { query?: Record<string, string>; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined };

/** Budgets per base URL: one account's limit is shared by every connector on it. */
const budgets = new Map<string, RequestBudget>();
/** When the app said its quota is used up, per base URL: no request before this (ms). */
const pausedUntil = new Map<string, number>();

const DEFAULT_RETRY_AFTER_MS = 60_000;
/** Repeats of a read lost to the network or a 5xx, and the first backoff (then doubled, ±50 % jitter). */
const TRANSIENT_RETRIES = 3;
const TRANSIENT_BASE_MS = 100;
const SAFE_METHODS = new Set(['GET', 'HEAD']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

/** Retry-After (seconds or an HTTP date), else X-RateLimit-Reset, in ms from now; `serverNow` from the Date header. */
export function retryAfterMs(headers: Headers, serverNow: number): number | undefined {
  const ra = headers.get('retry-after');
  if (ra !== null) {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.ceil(Number(ra) * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - serverNow);
  }
  return resetMs(headers, serverNow);
}

function resetMs(headers: Headers, serverNow: number): number | undefined {
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset');
  if (reset === null || !/^\d+(\.\d+)?$/.test(reset.trim())) return undefined;
  const n = Number(reset);
  // Epoch seconds (a time) or seconds from now (a delay): APIs use both; a time is far larger.
  // The Date header has whole seconds, so the wait may be up to a second long: late is safe.
  return n > 1e9 ? Math.max(0, n * 1000 - Math.floor(serverNow / 1000) * 1000) : Math.ceil(n * 1000);
}

/** The app's own "now" from its Date header (never the local clock for the app's times: PITFALLS 5). */
export function serverDate(headers: Headers): number | null {
  const d = headers.get('date');
  const t = d ? Date.parse(d) : NaN;
  return Number.isNaN(t) ? null : t;
}

/** The app's error message out of an answer: `error`, `message`, `errors[0].message`, or the text. */
export function appMessage(a: HttpAnswer): string {
  const b = a.body as Record<string, unknown> | null;
  const pick = (v: unknown): string | undefined => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string' ? (v as { message: string }).message : undefined);
  const msg = (b && typeof b === 'object' && (pick(b.error) ?? pick(b.message) ?? (Array.isArray(b.errors) ? pick(b.errors[0]) : undefined) ?? pick(b.detail))) || a.text.slice(0, 300);
  return `${a.status}${msg ? `: ${msg}` : ''}`;
}

const SECRET_WORDS: Record<Auth['kind'], string> = {
  none: 'credentials',
  'api-key': 'API key',
  bearer: 'token',
  basic: 'password',
  'oauth2-client-credentials': 'OAuth client secret',
  'oauth2-authorization-code': 'OAuth sign-in (token)',
};

export type Http = ReturnType<typeof createHttp>;

export function createHttp(opts: { profile: Profile; baseUrl: string; secret: SecretHandle; maxWaitMs?: number; appName?: string }) {
  const { profile, secret } = opts;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const app = opts.appName ?? profile.name;
  const maxWaitMs = opts.maxWaitMs ?? 2000;
  const budgetKey = `${base} ${profile.requestsPerSecond ?? 0}`;
  let budget = budgets.get(budgetKey);
  if (!budget) {
    budget = requestBudget({ ...(profile.requestsPerSecond ? { requestsPerSecond: profile.requestsPerSecond } : {}) });
    budgets.set(budgetKey, budget);
  }
  const spacing = budget;
  const word = SECRET_WORDS[profile.auth.kind];

  /** Sets the request's credentials; answers the OAuth access token it sent, if any (a 401 invalidates it). */
  async function authorize(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<string | undefined> {
    const auth = profile.auth;
    if (auth.kind === 'none') return undefined;
    if (auth.kind === 'oauth2-client-credentials' || auth.kind === 'oauth2-authorization-code') {
      const token = await getAccessToken(auth, secret, signal);
      headers.authorization = `Bearer ${token}`;
      return token;
    }
    const value = await secret.get();
    if (!value) throw new ConnectorError('auth', `No ${word} is stored for this ${app} connection: enter it in the connection's settings.`);
    if (auth.kind === 'api-key') {
      if (auth.in === 'header') headers[auth.name] = value;
      else url.searchParams.set(auth.name, value);
    } else if (auth.kind === 'bearer') headers.authorization = `Bearer ${value}`;
    else headers.authorization = `Basic ${Buffer.from(`${auth.username}:${value}`).toString('base64')}`;
    return undefined;
  }

  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(done, ms);
      function done() {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      function onAbort() {
        clearTimeout(t);
        reject(signal?.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError'));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  /** Waits out a quota the app said is used up; too long a wait is the engine's to make (a paused side). */
  async function respectQuota(signal?: AbortSignal): Promise<void> {
    const until = pausedUntil.get(base) ?? 0;
    const wait = until - Date.now();
    if (wait <= 0) return;
    if (wait > maxWaitMs) throw new RateLimitedError(wait, `${app} said its request quota is used up for ${Math.ceil(wait / 1000)} s.`);
    await sleep(wait, signal);
  }

  async function once(method: string, target: string, init: RequestInit2): Promise<HttpAnswer> {
    const url = new URL(/^https?:\/\//.test(target) ? target : base + target);
    // A Link header or a token may point anywhere; credentials go only to the profile's own origin.
    if (url.origin !== origin) throw new ConnectorError('invalid', `${app} pointed Concord to ${url.origin}, outside ${origin}: Concord sends its credentials only to the profile's base URL.`);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json', ...profile.headers, ...init.headers };
    const accessToken = await authorize(url, headers, init.signal);
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    await respectQuota(init.signal);
    let res: Response;
    let text: string;
    try {
      res = await spacing.run(() => fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), ...(init.signal ? { signal: init.signal } : {}) }), init.signal);
      text = await res.text();
    } catch (e) {
      if (init.signal?.aborted) throw init.signal.reason instanceof Error ? init.signal.reason : e;
      throw new ConnectorError('unavailable', `Could not reach ${app} at ${origin} (${errorMessage((e as { cause?: unknown }).cause ?? e)}). Check the address and the network; Concord tries again on the next run.`, { cause: e });
    }
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    const answer: HttpAnswer = { status: res.status, headers: res.headers, body: parsed, text, url: url.toString(), ...(accessToken !== undefined ? { accessToken } : {}) };
    const now = serverDate(res.headers) ?? Date.now();
    if (res.headers.get('x-ratelimit-remaining')?.trim() === '0') {
      const wait = resetMs(res.headers, now);
      if (wait !== undefined) pausedUntil.set(base, Date.now() + wait);
    }
    return answer;
  }

  return {
    base,
    /** One request; a short 429 (or 503 with Retry-After) is retried once. Throws for auth, rate limits and the network; returns every other answer. */
    async request(method: string, target: string, init: RequestInit2 = {}): Promise<HttpAnswer> {
      let transient = 0;
      /** Whether a read lost to the network or a 5xx goes again (after its backoff). */
      const again = async (): Promise<boolean> => {
        if (!SAFE_METHODS.has(method.toUpperCase()) || transient >= TRANSIENT_RETRIES || init.signal?.aborted) return false;
        await sleep(Math.round(TRANSIENT_BASE_MS * 2 ** transient++ * (0.5 + Math.random())), init.signal);
        return true;
      };
      for (let attempt = 0; ; attempt++) {
        // `attempt` counts the 429 and 401 repeats only: a transient repeat (below) gives it back.
        let a: HttpAnswer;
        try {
          a = await once(method, target, init);
        } catch (e) {
          if (e instanceof ConnectorError && e.reason === 'unavailable' && (await again())) {
            attempt--;
            continue;
          }
          throw e;
        }
        if (TRANSIENT_STATUS.has(a.status) && !(a.status === 503 && a.headers.get('retry-after') !== null) && (await again())) {
          attempt--;
          continue;
        }
        const outageUntil = a.status === 503 && a.headers.get('retry-after') !== null ? retryAfterMs(a.headers, serverDate(a.headers) ?? Date.now()) : undefined;
        if (a.status === 429 || outageUntil !== undefined) {
          const wait = outageUntil ?? retryAfterMs(a.headers, serverDate(a.headers) ?? Date.now()) ?? DEFAULT_RETRY_AFTER_MS;
          if (attempt === 0 && wait <= maxWaitMs) {
            await sleep(wait, init.signal);
            continue;
          }
          const why = a.status === 429 ? 'asked Concord to slow down (429)' : 'is unavailable for now (503)';
          throw new RateLimitedError(wait, `${app} ${why}; it allows requests again in ${Math.ceil(wait / 1000)} s.`);
        }
        // An OAuth access token the app no longer takes (revoked, expired early): one retry with a
        // fresh one — getAccessToken refreshes single-flight (PITFALLS 9); a second 401 is an answer.
        if (a.status === 401 && a.accessToken !== undefined && attempt === 0) {
          invalidateAccessToken(a.accessToken);
          continue;
        }
        if (a.status === 401 || a.status === 403) {
          const what = a.status === 401 ? `refused the ${word}` : `says the ${word} may not do this`;
          throw new ConnectorError('auth', `${app} ${what} (${appMessage(a)}). Check the ${word} in the connection's settings${a.status === 403 ? ' and its permissions (scopes) in the app' : ', or make a new one in the app'}.`);
        }
        return a;
      }
    },
  };
}
