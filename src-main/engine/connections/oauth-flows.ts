/**
 * The API side of OAuth 2 sign-ins (connections/oauth-start, -wait, -cancel): which loopback
 * flows are open, where each stores its refresh token, and the drafts' secrets.
 *
 * A sign-in for a saved connection stores the refresh token through that connection's secret
 * handle (the credential store). A sign-in for the wizard's draft stores it in a handle held here,
 * in memory, under the flow's id: `connections/test` uses that same handle (so a token the test
 * rotates is the one kept), and `connections/create` moves its value to the credential store and
 * forgets the draft. The renderer only ever holds the flow's id, never a token.
 *
 * A confidential client's secret (the settings' `clientAuth` 'basic' or 'post') is sent once with
 * oauth-start and kept only inside the secret the sign-in stores (oauth-secret.ts): no answer,
 * event or log holds it, and a saved connection signed in again reuses the one it keeps.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api/errors';
import type { Handler } from '../api/dispatch';
import type { Domain } from '../context';
import { ConnectorError } from '../connectors/errors';
import { startLoopbackFlow, type LoopbackFlow } from '../connectors/rest/oauth-loopback';
import { decodeSignInSecret, isConfidential } from '../connectors/rest/oauth-secret';
import type { SecretHandle } from '../connectors/types';
import { memorySecretHandle } from '../credentials/secret-handle';
import type { ConnectionStore } from './service';

export type OAuthMethods = 'connections/oauth-start' | 'connections/oauth-wait' | 'connections/oauth-cancel';
export type OAuthHandlers = { [M in OAuthMethods]: Handler<M> };

type Flow = {
  loopback: LoopbackFlow;
  status: 'pending' | 'signed-in' | 'failed';
  error: ConnectorError | null;
  /** The draft's secret; null when the sign-in is for a saved connection. */
  draft: SecretHandle | null;
};

export type OAuthFlowsOptions = {
  /** How long the user has to sign in (default 5 minutes). */
  timeoutMs?: number;
  /** How long a finished flow (and a draft's refresh token) is kept for -wait, -test and -create (default 1 hour). */
  keepMs?: number;
};

/** Each open sign-in holds a port: a UI that loops on oauth-start must not exhaust them. */
const MAX_OPEN = 8;
const DEFAULT_WAIT_MS = 25_000;

export type OAuthFlows = Domain<OAuthHandlers> & {
  /** The secret of a finished draft sign-in, for connections/test and -create. */
  draftSecret(flowId: string): SecretHandle;
  /** Forgets a draft once its refresh token is in the credential store. */
  forget(flowId: string): void;
};

export function createOAuthFlows(store: Pick<ConnectionStore, 'get' | 'secretHandle'>, options: OAuthFlowsOptions = {}): OAuthFlows {
  const flows = new Map<string, Flow>();
  const keepMs = options.keepMs ?? 3_600_000;

  const find = (flowId: string): Flow => {
    const flow = flows.get(flowId);
    if (!flow) throw new ApiError('not-found', 'This sign-in is over (it finished long ago, or Concord restarted) — sign in again.');
    return flow;
  };
  const failure = (error: ConnectorError): ApiError => new ApiError(error.reason === 'unavailable' ? 'unavailable' : 'connector-error', error.message);

  return {
    handlers: {
      'connections/oauth-start': async ({ auth, connectionId, clientSecret }) => {
        if (connectionId !== undefined) store.get(connectionId); // not-found for a connection that does not exist
        if ([...flows.values()].filter((f) => f.status === 'pending').length >= MAX_OPEN) {
          throw new ApiError('conflict', `${MAX_OPEN} sign-ins are already waiting for the browser — finish or cancel one first.`);
        }
        const draft = connectionId === undefined ? memorySecretHandle(null) : null;
        const secret = draft ?? store.secretHandle(connectionId!);
        const settings = { kind: 'oauth2-authorization-code' as const, ...auth };
        // A confidential client's secret: typed now, or — signing a saved connection in again — the one it keeps.
        let typed = clientSecret;
        if (typed === undefined && isConfidential(settings) && !draft) {
          const stored = await secret.get();
          typed = stored ? decodeSignInSecret(stored).clientSecret : undefined;
        }
        if (typed === undefined && isConfidential(settings)) {
          const message = `This app wants a client secret at its token endpoint (clientAuth "${auth.clientAuth ?? ''}") — enter the client secret the app gave you with its client ID.`;
          throw new ApiError('invalid-input', message, [{ path: 'clientSecret', message }]);
        }
        let loopback: LoopbackFlow;
        try {
          loopback = await startLoopbackFlow(settings, secret, { ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(typed !== undefined ? { clientSecret: typed } : {}) });
        } catch (error) {
          if (error instanceof ConnectorError) throw new ApiError('invalid-input', error.message, [{ path: clientSecret !== undefined && !isConfidential(settings) ? 'clientSecret' : 'auth', message: error.message }]);
          throw error;
        }
        const flowId = randomUUID();
        const flow: Flow = { loopback, status: 'pending', error: null, draft };
        flows.set(flowId, flow);
        const settled = (error: ConnectorError | null) => {
          flow.status = error ? 'failed' : 'signed-in';
          flow.error = error;
          setTimeout(() => {
            if (flows.get(flowId) === flow) flows.delete(flowId);
          }, keepMs).unref();
        };
        loopback.done.then(
          () => settled(null),
          (error: unknown) => settled(error instanceof ConnectorError ? error : new ConnectorError('unavailable', String(error))),
        );
        return { flowId, authorizationUrl: loopback.authorizationUrl, redirectUri: loopback.redirectUri, expiresAt: new Date(loopback.expiresAt).toISOString() };
      },
      'connections/oauth-wait': async ({ flowId, waitMs }) => {
        const flow = find(flowId);
        if (flow.status === 'pending') {
          let timer: NodeJS.Timeout | undefined;
          const waited = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, waitMs ?? DEFAULT_WAIT_MS);
          });
          await Promise.race([flow.loopback.done.catch(() => undefined), waited]);
          clearTimeout(timer);
        }
        if (flow.status === 'failed' && flow.error) throw failure(flow.error);
        return { status: flow.status === 'signed-in' ? 'signed-in' : 'pending' };
      },
      'connections/oauth-cancel': ({ flowId }) => {
        const flow = flows.get(flowId);
        if (!flow) return { cancelled: false };
        // Kept until its time is up like any finished flow: a wait still in progress learns it was cancelled.
        const pending = flow.status === 'pending';
        flow.loopback.cancel();
        return { cancelled: pending };
      },
    },
    draftSecret(flowId) {
      const flow = find(flowId);
      if (!flow.draft) throw new ApiError('invalid-input', 'This sign-in was for a saved connection, not for a new one — sign in again from the wizard.');
      if (flow.status === 'pending') throw new ApiError('conflict', 'The sign-in has not finished yet — finish it in the browser, then try again.');
      if (flow.status === 'failed' && flow.error) throw failure(flow.error);
      return flow.draft;
    },
    forget(flowId) {
      flows.delete(flowId);
    },
    close() {
      for (const flow of flows.values()) flow.loopback.cancel();
      flows.clear();
    },
  };
}
