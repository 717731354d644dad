/**
 * Webhook verification (issue 12 §1): an HMAC-SHA256 signature with the pair's secret in the
 * scheme the side's settings name, and a replay window on the signed timestamp. Pure: the
 * receiver refuses a body that fails here before anything of it is stored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookScheme, WebhookSideSettings } from '../../api/model';

export const DEFAULT_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER: Record<WebhookScheme, string> = { github: 'X-Hub-Signature-256', stripe: 'Stripe-Signature', hex: 'X-Signature' };

export type Verified = { ok: true; /** The signed time (unix seconds), when the scheme signs one. */ timestamp: number | null } | { ok: false; message: string };

const hmacHex = (secret: string, ...parts: (string | Buffer)[]): string => {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Compares two hex digests in constant time (a mismatch in length is a mismatch, said at once). */
function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.trim().toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

const header = (headers: IncomingHttpHeaders, name: string): string | null => {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
};

/** Signs a body the way `scheme` expects: for the tests, the bench and the README's examples. */
export function signBody(scheme: WebhookScheme, secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  if (scheme === 'github') return { [SIGNATURE_HEADER.github]: `sha256=${hmacHex(secret, body)}` };
  if (scheme === 'stripe') return { [SIGNATURE_HEADER.stripe]: `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.`, body)}` };
  return { [SIGNATURE_HEADER.hex]: hmacHex(secret, `${timestamp}.`, body), 'X-Timestamp': String(timestamp) };
}

export function verifySignature(settings: WebhookSideSettings, secret: string, headers: IncomingHttpHeaders, body: Buffer): Verified {
  const name = settings.signatureHeader ?? SIGNATURE_HEADER[settings.scheme];
  const given = header(headers, name);
  if (!given) return { ok: false, message: `The request has no ${name} header: sign the webhook with the pair's secret (${settings.scheme} scheme).` };
  const bad: Verified = { ok: false, message: `The ${name} signature does not match the body: check that the app signs with the pair's current webhook secret, in the ${settings.scheme} scheme.` };
  if (settings.scheme === 'github') {
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(given.trim());
    return m?.[1] && sameHex(hmacHex(secret, body), m[1]) ? { ok: true, timestamp: null } : bad;
  }
  if (settings.scheme === 'stripe') {
    const parts = given.split(',').map((p) => p.trim().split('='));
    const t = parts.find(([k]) => k === 't')?.[1];
    const v1 = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
    if (!t || !/^\d{1,12}$/.test(t) || v1.length === 0) return { ok: false, message: `The ${name} header is not "t=<unix time>,v1=<hex digest>".` };
    const expected = hmacHex(secret, `${t}.`, body);
    return v1.some((v) => sameHex(expected, v)) ? { ok: true, timestamp: Number(t) } : bad;
  }
  const digest = given.trim().replace(/^sha256=/i, '');
  const tsName = settings.timestampHeader;
  if (tsName) {
    const ts = header(headers, tsName);
    if (!ts || !/^\d{1,12}$/.test(ts.trim())) return { ok: false, message: `The request has no ${tsName} header with the signed time (unix seconds).` };
    return sameHex(hmacHex(secret, `${ts.trim()}.`, body), digest) ? { ok: true, timestamp: Number(ts.trim()) } : bad;
  }
  return sameHex(hmacHex(secret, body), digest) ? { ok: true, timestamp: null } : bad;
}

/** Null when `timestamp` (unix seconds) lies within the window around now; else why not. */
export function outsideWindow(timestamp: number, toleranceSeconds: number, nowMs = Date.now()): string | null {
  const skew = nowMs / 1000 - timestamp;
  if (Math.abs(skew) <= toleranceSeconds) return null;
  return skew > 0
    ? `The event was signed ${Math.round(skew)} s ago, outside the ${toleranceSeconds} s replay window: a replayed or long-delayed call is refused. If the app's clock is wrong, fix it or widen the window in the pair's settings.`
    : `The event is signed ${Math.round(-skew)} s in the future, outside the ${toleranceSeconds} s replay window: check the app's clock (or this machine's).`;
}
