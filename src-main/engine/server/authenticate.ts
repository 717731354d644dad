/**
 * Who a request is: a token (Bearer header, or `?token=` on the first visit and on a WebSocket),
 * checked against the access store behind the per-address backoff; else the session cookie.
 */
import type { IncomingMessage } from 'node:http';
import type { AccessStore } from '../access/store';
import type { Caller } from '../api/request-context';
import { bearer, readCookie } from './auth';
import type { LoginBackoff } from './login-backoff';

export type AuthOutcome = { kind: 'ok'; caller: Caller } | { kind: 'none' } | { kind: 'wrong' } | { kind: 'wait'; retryAfterS: number };

export const clientAddress = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

export function authenticate(
  req: IncomingMessage,
  deps: { access: Pick<AccessStore, 'verifyToken' | 'verifySession'>; backoff: LoginBackoff; cookieName: string },
  /** A token from the address (the first visit's `?token=`, a socket's), tried when no Bearer header is sent. */
  tokenInAddress: string | null,
): AuthOutcome {
  const token = bearer(req) ?? tokenInAddress;
  if (token !== null) {
    const address = clientAddress(req);
    const wait = deps.backoff.retryAfter(address);
    if (wait > 0) return { kind: 'wait', retryAfterS: wait };
    const caller = deps.access.verifyToken(token);
    if (!caller) {
      deps.backoff.failed(address);
      return { kind: 'wrong' };
    }
    deps.backoff.succeeded(address);
    return { kind: 'ok', caller };
  }
  const caller = deps.access.verifySession(readCookie(req, deps.cookieName));
  return caller ? { kind: 'ok', caller } : { kind: 'none' };
}
