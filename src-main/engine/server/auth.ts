/**
 * Access control for the headless server. Tokens (the one printed at start, and named ones made
 * with `concord token create`) are sent by scripts as a Bearer header; a browser trades one for a
 * session on its first visit (`/?token=…`) and from then on holds only the session id, in an
 * HttpOnly, SameSite=Strict cookie. Every request and socket without either is refused with 401;
 * wrong tokens from one address are slowed down (login-backoff.ts).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The session cookie's name carries the port: browsers send a cookie for 127.0.0.1 to every port,
 * so two servers on one machine would otherwise overwrite each other's session.
 */
export const sessionCookieName = (port: number): string => `concord_session_${port}`;

/** 256 random bits, 43 characters of base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

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

/** The session cookie: never readable by scripts, never sent cross-site, gone when the session's absolute limit is. */
export function sessionCookie(name: string, sessionId: string, maxAgeS: number): string {
  return `${name}=${encodeURIComponent(sessionId)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}`;
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
