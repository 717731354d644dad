/**
 * OAuth 2 access tokens for the REST connector (issue 11 §3), with oauth4webapi.
 *
 * What the connection's secret handle holds is exactly the secret: the client secret (client
 * credentials) or the refresh token (authorization code) — with the client secret beside it, as
 * JSON, for a confidential client (oauth-secret.ts). Access tokens live only in this
 * module's memory, keyed by a digest of (settings, secret), so every connector of one connection
 * shares them and a rotated refresh token starts a new entry; they are never stored, logged or
 * put in an error.
 *
 * Errors: oauth4webapi attaches the response body (tokens included) or the callback parameters
 * (the code) to its errors' `cause`. So no oauth4webapi error is ever passed on as a cause: the
 * messages here are built from the OAuth error code, its description and the HTTP status only.
 */
import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { ConnectorError } from '../errors';
import type { OAuthSignInSettings } from '../../api/model';
import type { SecretHandle } from '../types';
import { untilAborted } from '../../connections/calls';

/** `promise`, or the signal's reason as soon as it aborts (the work behind it goes on for others). */
const whileNotAborted = <T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> => (signal ? untilAborted(promise, signal) : promise);
import { decodeSignInSecret, encodeSignInSecret, isConfidential, type SignInSecret } from './oauth-secret';

export type OAuthClientCredentials = {
  kind: 'oauth2-client-credentials';
  tokenUrl: string;
  clientId: string;
  scope?: string;
  /** How the client secret is sent: HTTP Basic (default) or in the form body. */
  clientAuth?: 'basic' | 'post';
};

/** The profile's authorization-code auth: the sign-in settings the API takes (api/model.ts), with its kind. */
export type OAuthAuthorizationCode = { kind: 'oauth2-authorization-code' } & OAuthSignInSettings;

export type OAuthAuth = OAuthClientCredentials | OAuthAuthorizationCode;

type Cached = { token: string; refreshAt: number };

/** Access tokens by `cacheKey`: in memory only. */
const cache = new Map<string, Cached>();
/** Client-credentials requests in flight (the secret handle's `refresh` would write the client secret back). */
const inFlight = new Map<string, Promise<string>>();

/** A token is renewed this long before it expires: a quarter of its life, at most a minute. */
const renewMargin = (lifetimeMs: number): number => Math.min(60_000, lifetimeMs / 4);
/** A token whose answer says nothing of its lifetime is kept until the API refuses it (then `invalidateAccessToken`). */
const UNKNOWN_LIFETIME_MS = 3_600_000;
/**
 * A token request runs on its own time limit, never on one caller's signal: aborting a refresh
 * after the server rotated the token but before the new one is stored would sign the user out.
 * A caller whose signal aborts stops waiting; the request finishes for the others.
 */
const TOKEN_REQUEST_MS = 60_000;

const cacheKey = (auth: OAuthAuth, secret: string): string =>
  createHash('sha256').update(JSON.stringify([auth.kind, auth.tokenUrl, auth.clientId, auth.scope ?? '', secret])).digest('hex');

function fresh(key: string): string | null {
  const hit = cache.get(key);
  if (!hit) return null;
  if (Date.now() < hit.refreshAt) return hit.token;
  cache.delete(key);
  return null;
}

/** Keeps an access token for (auth, secret) until shortly before `expiresIn` seconds pass. */
export function rememberAccessToken(auth: OAuthAuth, secret: string, token: string, expiresIn: number | undefined): void {
  const lifetime = expiresIn === undefined ? UNKNOWN_LIFETIME_MS : expiresIn * 1000;
  // Entries of rotated refresh tokens are never looked up again: drop the expired ones as new ones come.
  const now = Date.now();
  for (const [key, hit] of cache) if (hit.refreshAt <= now) cache.delete(key);
  cache.set(cacheKey(auth, secret), { token, refreshAt: Date.now() + lifetime - renewMargin(lifetime) });
}

/**
 * Forgets an access token the API refused (a 401): the next `getAccessToken` fetches a new one.
 * Only that token: if another caller already replaced it, the newer one is kept.
 */
export function invalidateAccessToken(token: string): void {
  for (const [key, hit] of cache) if (hit.token === token) cache.delete(key);
}

/** The authorization server as oauth4webapi wants it; the profile names endpoints, not an issuer. */
export function authorizationServer(auth: OAuthAuth): oauth.AuthorizationServer {
  const tokenUrl = checkedUrl(auth.tokenUrl, 'token URL');
  return {
    issuer: tokenUrl.origin,
    token_endpoint: tokenUrl.href,
    ...(auth.kind === 'oauth2-authorization-code' ? { authorization_endpoint: checkedUrl(auth.authorizationUrl, 'authorization URL').href } : {}),
  };
}

/** Plain http only to this machine (the test server, a local app): anywhere else it would send secrets in the clear. */
export function checkedUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConnectorError('config', `The OAuth ${what} "${value}" is not a URL — copy it from the app's API documentation.`);
  }
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new ConnectorError('config', `The OAuth ${what} must start with https:// (${url.protocol}// would send the app's secrets unencrypted).`);
  }
  return url;
}

/** oauth4webapi's options for one request: http only where `checkedUrl` allowed it. */
export function requestOptions(auth: OAuthAuth): { signal: AbortSignal; [oauth.allowInsecureRequests]?: boolean } {
  const insecure = new URL(auth.tokenUrl).protocol === 'http:';
  return { signal: AbortSignal.timeout(TOKEN_REQUEST_MS), ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}) };
}

/**
 * A valid access token for `auth`: from memory while it has time left, else from the token
 * endpoint. Client credentials: the secret is the client secret. Authorization code: the secret
 * is the refresh token; a refresh goes through `secret.refresh`, so concurrent callers of one
 * connection make one request, and the rotated refresh token is stored before anyone uses it.
 * Throws ConnectorError 'auth' when the app refuses the secret (wording says what to do),
 * 'unavailable' when it cannot be reached, 'config' when the settings are wrong.
 */
export async function getAccessToken(auth: OAuthAuth, secret: SecretHandle, signal?: AbortSignal): Promise<string> {
  const current = await secret.get();
  if (current) {
    const hit = fresh(cacheKey(auth, current));
    if (hit) return hit;
  }
  if (auth.kind === 'oauth2-client-credentials') {
    if (!current) throw new ConnectorError('auth', 'Concord has no client secret for this connection — enter it in the connection\'s settings.');
    const key = cacheKey(auth, current);
    let request = inFlight.get(key);
    if (!request) {
      request = clientCredentials(auth, current).finally(() => inFlight.delete(key));
      inFlight.set(key, request);
    }
    return whileNotAborted(request, signal);
  }
  if (!current) throw notSignedIn();
  // Resolves to the secret stored after the refresh (holding the rotated refresh token, or the same when the app does not rotate).
  const stored = await whileNotAborted(
    secret.refresh(async (latest) => {
      if (!latest) throw notSignedIn();
      // Another caller refreshed between our read and this refresh: use its token, spend no refresh token.
      if (fresh(cacheKey(auth, latest))) return latest;
      return refresh(auth, decodeSignInSecret(latest));
    }),
    signal,
  );
  const token = fresh(cacheKey(auth, stored));
  // Only if the new token's whole life is shorter than this round trip: the caller's request will say 401.
  if (!token) throw new ConnectorError('auth', 'The app issued an access token that expired at once — check the machine\'s clock, then sign in again.');
  return token;
}

/**
 * Runs `request` with a valid access token; when the API answers 401, forgets that token, gets a
 * new one (a refresh, single-flight) and runs `request` once more (PITFALLS 9). A second 401 is
 * returned as it is: the connector reports it as ConnectorError 'auth'.
 */
export async function withAccessToken(auth: OAuthAuth, secret: SecretHandle, signal: AbortSignal | undefined, request: (token: string) => Promise<Response>): Promise<Response> {
  const token = await getAccessToken(auth, secret, signal);
  const first = await request(token);
  if (first.status !== 401) return first;
  await first.body?.cancel();
  invalidateAccessToken(token);
  return request(await getAccessToken(auth, secret, signal));
}

const notSignedIn = (): ConnectorError => new ConnectorError('auth', 'Concord is not signed in to this app — sign in again in the connection\'s settings.');

async function clientCredentials(auth: OAuthClientCredentials, clientSecret: string): Promise<string> {
  const as = authorizationServer(auth);
  const client: oauth.Client = { client_id: auth.clientId };
  const clientAuth = auth.clientAuth === 'post' ? oauth.ClientSecretPost(clientSecret) : oauth.ClientSecretBasic(clientSecret);
  const parameters: Record<string, string> = auth.scope ? { scope: auth.scope } : {};
  const result = await tokenRequest(auth, 'client', async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, parameters, requestOptions(auth));
    return oauth.processClientCredentialsResponse(as, client, response);
  });
  rememberAccessToken(auth, clientSecret, result.access_token, result.expires_in);
  return result.access_token;
}

/**
 * How the client authenticates at the token endpoint in the authorization-code flow: none (PKCE
 * only) for a public client; the client secret by Basic or in the body for a confidential one,
 * which fails 'auth' when the connection's secret has no client secret (signed in before the
 * profile said the client is confidential).
 */
export function codeFlowClientAuth(auth: OAuthAuthorizationCode, clientSecret: string | undefined): oauth.ClientAuth {
  if (!isConfidential(auth)) return oauth.None();
  if (clientSecret === undefined || clientSecret === '') {
    throw new ConnectorError('auth', 'This app wants a client secret with every token request, and Concord has none for this connection — sign in again in the connection\'s settings and enter the client secret the app gave you.');
  }
  return auth.clientAuth === 'post' ? oauth.ClientSecretPost(clientSecret) : oauth.ClientSecretBasic(clientSecret);
}

/** One refresh grant: caches the access token under the secret it returns (the rotated refresh token, the client secret kept), which it returns. */
async function refresh(auth: OAuthAuthorizationCode, current: SignInSecret): Promise<string> {
  const as = authorizationServer(auth);
  const client: oauth.Client = { client_id: auth.clientId };
  const clientAuth = codeFlowClientAuth(auth, current.clientSecret);
  const result = await tokenRequest(auth, 'refresh', async () => {
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, current.refreshToken, requestOptions(auth));
    return oauth.processRefreshTokenResponse(as, client, response);
  });
  // An app that does not rotate answers no refresh token: the one we hold stays valid.
  const next = encodeSignInSecret({ ...current, refreshToken: result.refresh_token ?? current.refreshToken });
  rememberAccessToken(auth, next, result.access_token, result.expires_in);
  return next;
}

/**
 * Runs one token request and turns whatever goes wrong into a ConnectorError whose message
 * holds no token (see the header). `what`: which secret a refused grant means is bad.
 */
export async function tokenRequest<T>(auth: OAuthAuth, what: 'client' | 'refresh' | 'code', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw tokenError(auth, what, error);
  }
}

function tokenError(auth: OAuthAuth, what: 'client' | 'refresh' | 'code', error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const host = safeHost(auth.tokenUrl);
  if (error instanceof oauth.ResponseBodyError) {
    const said = `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
    if (error.error === 'invalid_grant' && what === 'refresh') {
      return new ConnectorError('auth', `${host} no longer accepts Concord's sign-in (${said}) — sign in again in the connection's settings.`);
    }
    if (error.error === 'invalid_grant') return new ConnectorError('auth', `${host} refused the sign-in (${said}) — start the sign-in again.`);
    if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
      const fix = clientFix(auth, what);
      return new ConnectorError('auth', `${host} refused the client (${said}) — ${fix}.`);
    }
    if (error.status >= 500) return new ConnectorError('unavailable', `${host} could not issue a token just now (HTTP ${error.status}, ${said}) — Concord will try again.`);
    return new ConnectorError('config', `${host} refused the token request (HTTP ${error.status}, ${said}) — check the OAuth settings against the app's API documentation.`);
  }
  // A 401 with a WWW-Authenticate challenge (HTTP Basic refused): the client's credentials.
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const fix = clientFix(auth, what);
    if (error.status === 401) return new ConnectorError('auth', `${host} refused the client (HTTP 401) — ${fix}.`);
    return new ConnectorError('config', `${host} refused the token request (HTTP ${error.status}) — check the OAuth settings against the app's API documentation.`);
  }
  if (error instanceof oauth.OperationProcessingError) {
    if (error.code === oauth.RESPONSE_IS_NOT_CONFORM && error.cause instanceof Response && error.cause.status >= 500) {
      return new ConnectorError('unavailable', `${host} could not issue a token just now (HTTP ${error.cause.status}) — Concord will try again.`);
    }
    return new ConnectorError('config', `${host} answered the token request in a way Concord cannot use (${error.message}) — check the token URL.`);
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ConnectorError('unavailable', `${host} did not answer the token request within ${TOKEN_REQUEST_MS / 1000} s — Concord will try again.`);
  }
  // fetch's own failures (refused, DNS): the message and its cause's code carry no secret.
  const cause = error instanceof Error ? error.cause : undefined;
  const code = cause instanceof Error ? ` (${'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message})` : '';
  return new ConnectorError('unavailable', `Concord could not reach ${host} for a token${code} — check the token URL and the network.`);
}

/** What to check when the token endpoint refuses the client itself. */
function clientFix(auth: OAuthAuth, what: 'client' | 'refresh' | 'code'): string {
  if (what === 'client') return 'check the client ID and client secret in the connection\'s settings';
  if (auth.kind === 'oauth2-authorization-code' && isConfidential(auth)) return 'check the client ID in the connection\'s settings, then sign in again with the right client secret';
  return 'check the client ID in the connection\'s settings, then sign in again';
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'The app';
  }
}

