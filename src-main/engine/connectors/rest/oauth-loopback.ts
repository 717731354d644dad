/**
 * Signing in with the OAuth 2 authorization code flow, PKCE and a loopback redirect (RFC 8252),
 * with oauth4webapi: the engine listens once on 127.0.0.1 on a port the OS picks, hands out the
 * authorization URL (S256 challenge, random state) for the UI to open in a browser, receives the
 * redirect, checks the state, exchanges the code with the verifier, and stores the refresh token
 * through the secret handle it was given (a saved connection's, or a wizard draft's).
 *
 * Invariants:
 * - the listener binds 127.0.0.1 only, serves one sign-in, and closes after it (or on timeout or
 *   cancel); a redirect with the wrong state is refused and the listener keeps waiting for the
 *   right one (a stray or forged request must not end the user's sign-in);
 * - only the refresh token is stored (with the client secret, for a confidential client: one
 *   secret, oauth-secret.ts); the access token goes to the in-memory cache (oauth.ts);
 * - the page the browser gets back holds no token or code, and tells the user what to do next.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { ConnectorError } from '../errors';
import type { SecretHandle } from '../types';
import { authorizationServer, checkedUrl, codeFlowClientAuth, rememberAccessToken, requestOptions, tokenRequest, type OAuthAuthorizationCode } from './oauth';
import { encodeSignInSecret, isConfidential } from './oauth-secret';
import { RESERVED_AUTHORIZATION_PARAMS } from './profile';

export const CALLBACK_PATH = '/callback';
/** How long the user has to finish signing in, by default. */
export const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export type LoopbackFlow = {
  /** What the UI opens in the browser. */
  authorizationUrl: string;
  /** `http://127.0.0.1:<port>/callback`. */
  redirectUri: string;
  /** When the listener gives up (ms since the epoch). */
  expiresAt: number;
  /** Resolves once the refresh token is stored; rejects with a ConnectorError saying what to do. */
  done: Promise<void>;
  /** Closes the listener now; `done` rejects with "cancelled" unless it has settled. */
  cancel(): void;
};

/** `clientSecret`: a confidential client's (the profile's `clientAuth` 'basic' or 'post'), used for the code exchange and kept with the refresh token. */
export async function startLoopbackFlow(auth: OAuthAuthorizationCode, secret: SecretHandle, options: { timeoutMs?: number; clientSecret?: string } = {}): Promise<LoopbackFlow> {
  const as = authorizationServer(auth);
  const client: oauth.Client = { client_id: auth.clientId };
  const confidential = isConfidential(auth);
  if (!confidential && options.clientSecret !== undefined) {
    throw new ConnectorError('config', 'A client secret was given, but the sign-in settings say the client is public (clientAuth "none"): set auth.clientAuth to "basic" or "post" — how the app takes the secret — or leave the secret out.');
  }
  // A shipped profile's `{clientId}` not filled in yet: the app would show the user an error page.
  const left = [auth.clientId, auth.authorizationUrl, auth.tokenUrl].flatMap((v) => [...v.matchAll(/(?<!\{)\{(\w+)\}(?!\})/g)].map((m) => `{${m[1]}}`));
  if (left.length > 0) throw new ConnectorError('config', `The sign-in settings still hold ${left.join(', ')}: replace ${left.length > 1 ? 'them' : 'it'} with your own value (the client ID the app gave you) — the profile's notes say where to find it.`);
  const reserved = Object.keys(auth.authorizationParams ?? {}).filter((k) => RESERVED_AUTHORIZATION_PARAMS.includes(k));
  if (reserved.length > 0) throw new ConnectorError('config', `Concord sets ${reserved.join(', ')} of the authorization URL itself: leave ${reserved.length > 1 ? 'them' : 'it'} out of the authorization parameters.`);
  // Before anything listens: a confidential client without its secret could never finish.
  const clientAuth = codeFlowClientAuth(auth, options.clientSecret);
  const clientSecret = confidential ? options.clientSecret : undefined;
  const authorizationEndpoint = checkedUrl(auth.authorizationUrl, 'authorization URL');
  const timeoutMs = options.timeoutMs ?? SIGN_IN_TIMEOUT_MS;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const host = authorizationEndpoint.host;
  const expiresAt = Date.now() + timeoutMs;

  let settle: { resolve: () => void; reject: (error: ConnectorError) => void } | null = null;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be waiting yet (the UI asks later): a failure is not an unhandled rejection.
  done.catch(() => undefined);
  let handled = false;

  const server = createServer((req, res) => {
    void answer(req, res);
  });
  const finish = (error?: ConnectorError): void => {
    clearTimeout(timer);
    const s = settle;
    settle = null;
    if (s) {
      if (error) s.reject(error);
      else s.resolve();
    }
    // Closing waits for the answer in progress; no new connection is accepted from now on.
    server.close();
    server.closeIdleConnections();
  };
  const minutes = Math.max(1, Math.round(timeoutMs / 60_000));
  const timer = setTimeout(() => finish(new ConnectorError('auth', `The sign-in to ${host} was not finished within ${minutes} minute${minutes === 1 ? '' : 's'} — start it again.`)), timeoutMs);
  timer.unref();

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== CALLBACK_PATH) return page(res, 404, 'Not found', 'Nothing here. Return to Concord.');
    if (req.method !== 'GET') return page(res, 405, 'Not allowed', 'Return to Concord.');
    if (handled) return page(res, 409, 'Already handled', 'This sign-in has already been handled. Return to Concord.');
    const params = new URLSearchParams(url.searchParams);
    if (params.get('state') !== state) {
      return page(res, 400, 'Not this sign-in', 'This answer does not belong to the sign-in Concord is waiting for. Return to Concord and start the sign-in again if it does not finish.');
    }
    handled = true;
    // The user has answered: the exchange has its own time limit, and the sign-in must not time out under it.
    clearTimeout(timer);
    // The profile names endpoints, not an issuer: an `iss` parameter cannot be checked against
    // anything. The state (random, one flow) and the PKCE verifier already bind this answer to
    // the request Concord made to this server.
    params.delete('iss');
    try {
      const callback = validate(params);
      const result = await tokenRequest(auth, 'code', async () => {
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, callback, redirectUri, verifier, requestOptions(auth));
        return oauth.processAuthorizationCodeResponse(as, client, response);
      });
      if (!result.refresh_token) {
        throw new ConnectorError(
          'config',
          `${host} signed Concord in but gave no refresh token, so the sign-in would end within the hour — ask for offline access (add the scope the app's documentation names, such as offline_access) and sign in again.`,
        );
      }
      // Cancelled while the code was being exchanged: the user no longer wants this sign-in kept.
      if (!settle) return page(res, 400, 'Cancelled', 'This sign-in was cancelled in Concord. Return to Concord.');
      const stored = encodeSignInSecret({ refreshToken: result.refresh_token, ...(clientSecret !== undefined ? { clientSecret } : {}) });
      await secret.set(stored);
      rememberAccessToken(auth, stored, result.access_token, result.expires_in);
      page(res, 200, 'Signed in', `Concord is signed in to ${host}. You can close this tab and return to Concord.`);
      finish();
    } catch (error) {
      const failure = error instanceof ConnectorError ? error : new ConnectorError('unavailable', `Concord could not keep the sign-in to ${host}: ${error instanceof Error ? error.message : String(error)}. Sign in again.`);
      page(res, 400, 'Not signed in', `${failure.message} Return to Concord.`);
      finish(failure);
    }
  }

  function validate(params: URLSearchParams): URLSearchParams {
    try {
      return oauth.validateAuthResponse(as, client, params, state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        const said = `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
        if (error.error === 'access_denied') return fail('auth', `Access to ${host} was not allowed (${said}) — sign in again and choose Allow.`);
        return fail('config', `${host} refused the sign-in (${said}) — check the client ID, scope and URLs against the app's API documentation.`);
      }
      return fail('config', `${host} answered the sign-in in a way Concord cannot use (${error instanceof Error ? error.message : String(error)}).`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;

  const authorizationUrl = new URL(authorizationEndpoint);
  authorizationUrl.searchParams.set('response_type', 'code');
  authorizationUrl.searchParams.set('client_id', auth.clientId);
  authorizationUrl.searchParams.set('redirect_uri', redirectUri);
  authorizationUrl.searchParams.set('code_challenge', challenge);
  authorizationUrl.searchParams.set('code_challenge_method', 'S256');
  authorizationUrl.searchParams.set('state', state);
  if (auth.scope) authorizationUrl.searchParams.set('scope', auth.scope);
  // The profile's extras (Google: access_type=offline, prompt=consent); the protocol's own were refused above.
  for (const [k, v] of Object.entries(auth.authorizationParams ?? {})) authorizationUrl.searchParams.set(k, v);

  return {
    authorizationUrl: authorizationUrl.href,
    redirectUri,
    expiresAt,
    done,
    cancel: () => finish(new ConnectorError('auth', `The sign-in to ${host} was cancelled.`)),
  };
}

function fail(reason: 'auth' | 'config', message: string): never {
  throw new ConnectorError(reason, message);
}

function page(res: ServerResponse, status: number, title: string, message: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The address bar holds the code: no page this loads may learn it.
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  const text = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${text(title)} — Concord</title>` +
      `<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}</style></head>` +
      `<body><h1>${text(title)}</h1><p>${text(message)}</p></body></html>`,
  );
}
