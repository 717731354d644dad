/**
 * Access control for the headless server. One token, printed at start; the browser trades it for
 * an HttpOnly, SameSite=Strict cookie on its first visit (`/?token=…`), scripts send it as a
 * Bearer header. Every request and socket without it is refused with 401.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'concord_token';

/** 256 random bits, 43 characters of base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function sameToken(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeCookieValue(part.slice(eq + 1).trim());
  }
  return null;
}

/** A value that is not valid percent-encoding is not our token (it must not throw: the caller may be an unauthenticated socket). */
function decodeCookieValue(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : null;
}

/** The token a request carries, by header or cookie (never by query string, except the first visit). */
export function requestToken(req: IncomingMessage): string | null {
  return bearer(req) ?? readCookie(req, COOKIE_NAME);
}

export function sessionCookie(token: string): string {
  return `${COOKIE_NAME}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * DNS-rebinding guard: a page on another site may resolve its own name to 127.0.0.1, so the Host
 * header must name this server. Origin, when a browser sends it, must be this server as well.
 */
export function allowedHost(req: IncomingMessage, allowed: Set<string>): boolean {
  const host = req.headers.host?.toLowerCase();
  if (!host || !allowed.has(host)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return allowed.has(new URL(origin).host.toLowerCase());
  } catch {
    return false;
  }
}
