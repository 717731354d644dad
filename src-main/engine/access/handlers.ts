/**
 * The access API: named tokens and browser sessions. Only an admin may manage them (the token
 * `serve` printed, a token made with --admin, the desktop app, the command line); any caller may
 * end its own session (signing out).
 */
import type { Handler } from '../api/dispatch';
import { ApiError } from '../api/errors';
import { currentCaller } from '../api/request-context';
import type { Domain } from '../context';
import type { AccessStore } from './store';

export type AccessMethods = 'access/tokens/list' | 'access/tokens/create' | 'access/tokens/revoke' | 'access/sessions/list' | 'access/sessions/revoke';
export type AccessHandlers = { [M in AccessMethods]: Handler<M> };

function requireAdmin(): void {
  const caller = currentCaller();
  if (caller && !caller.admin) {
    throw new ApiError('unauthorized', `The token "${caller.name}" may not manage access. Ask whoever runs the server for an admin token (\`concord token create --name NAME --admin\`).`);
  }
}

export function createAccessDomain(access: AccessStore): Domain<AccessHandlers> {
  return {
    handlers: {
      'access/tokens/list': () => {
        requireAdmin();
        return access.listTokens();
      },
      'access/tokens/create': ({ name, admin }) => {
        requireAdmin();
        return access.createToken({ name, admin: admin ?? false });
      },
      'access/tokens/revoke': ({ token }) => {
        requireAdmin();
        return access.revokeToken(token);
      },
      'access/sessions/list': () => {
        requireAdmin();
        return access.listSessions(currentCaller()?.sessionId);
      },
      'access/sessions/revoke': ({ sessionId }) => {
        if (currentCaller()?.sessionId !== sessionId) requireAdmin();
        access.revokeSession(sessionId);
        return { revoked: true };
      },
    },
  };
}
