/**
 * Signing of outgoing workflow-action calls, Stripe style: `Concord-Signature: t=<unix seconds>,v1=<hex>`
 * where the hex is HMAC-SHA256, keyed with the action's secret (its UTF-8 text), of `<t>.<body>`.
 * A receiver recomputes it over the raw body, compares in constant time and refuses a `t` far
 * from its clock (a replayed call). `verifySignature` is what the README's snippet does.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Concord-Signature';
export const EVENT_HEADER = 'Concord-Event';
export const DELIVERY_HEADER = 'Concord-Delivery';

/** A new signing secret: 32 random bytes, base64url, with a prefix that says what it is. */
export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export function signature(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** Checks a `Concord-Signature` header against the raw body: true when it is Concord's, signed within `toleranceSeconds` of `nowSeconds`. */
export function verifySignature(secret: string, body: string, header: string, options: { nowSeconds?: number; toleranceSeconds?: number } = {}): boolean {
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(given)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
