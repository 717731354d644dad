/**
 * The SaaS stand-in's OAuth 2 authorization server (issue 11 §3): a real one, as a plain Node
 * request handler the stand-in mounts (or `oauth-standalone.ts` serves on its own). It is a
 * stand-in for a web app's sign-in, written for Concord's tests, not a server to deploy.
 *
 * What it enforces, because Concord's client must cope with servers that do:
 * - authorization code with PKCE S256 only (no plain, no missing challenge); the code is single-use
 *   and bound to its client, redirect URI and challenge;
 * - redirect URIs checked against the client's registration, where a loopback IP literal
 *   (`http://127.0.0.1/callback`) matches any port (RFC 8252 §7.3) and nothing else;
 * - refresh token ROTATION: each refresh answers a new refresh token and invalidates the old one;
 *   presenting a used one again revokes that whole sign-in (RFC 9700 §4.14.2) — so two concurrent
 *   refreshes by a client log it out, which is what single-flight refreshes exist to prevent;
 * - client credentials with client_secret_basic or client_secret_post; a confidential client
 *   (one registered with a secret) must present it with every grant, authorization code included;
 * - short-lived access tokens (`accessTokenSeconds`, fractions allowed) and `revokeAll()`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type OAuthClientRegistration = {
  clientId: string;
  /**
   * Confidential clients have one, and every token request of theirs — client credentials, code
   * exchange, refresh — must present it (Basic or in the body), as HubSpot's, Notion's, Pipedrive's
   * and Google's token endpoints require; a public client (PKCE in an app) has none.
   */
  clientSecret?: string;
  /** Registered redirect URIs; an `http://127.0.0.1/…` entry matches that path on any port. */
  redirectUris?: string[];
  /** Grants this client may use (default: authorization_code and refresh_token, plus client_credentials when it has a secret). */
  grants?: Grant[];
};

type Grant = 'authorization_code' | 'refresh_token' | 'client_credentials';

export type OAuthServerOptions = {
  clients: OAuthClientRegistration[];
  /** Where the endpoints live (default `/oauth`): `/oauth/authorize`, `/oauth/token`. */
  pathPrefix?: string;
  /** Access token lifetime in seconds (default 3600; 2 in tests that watch expiry). */
  accessTokenSeconds?: number;
  /** 'form': a one-click consent page a browser submits (default); 'auto': redirects at once. */
  consent?: 'form' | 'auto';
  /** Prepended to every token and code it issues, so a secret scan can search for them. */
  tokenPrefix?: string;
  /** Whether a refresh answers a new refresh token (default true: rotation). */
  rotateRefreshTokens?: boolean;
};

export type OAuthServerStats = { authorizationCode: number; refreshToken: number; clientCredentials: number; refused: number };

export type OAuthServer = {
  /** Answers the request if it is for one of the OAuth endpoints; false leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Whether `token` is an access token it issued that has neither expired nor been revoked. */
  validateBearer(token: string): boolean;
  /** Revokes every token and code issued so far (the user removed the app's access). */
  revokeAll(): void;
  /** Ends every access token now, before its announced expiry; refresh tokens stay valid (an app that rotated its signing keys). */
  expireAccessTokens(): void;
  /** How many grants it answered, by type, and how many token requests it refused. */
  readonly stats: OAuthServerStats;
  /** The endpoints' URLs under `baseUrl` (the server's origin). */
  endpoints(baseUrl: string): { authorizationUrl: string; tokenUrl: string };
  /** Changes the access token lifetime for tokens issued from now on. */
  setAccessTokenSeconds(seconds: number): void;
};

type PendingAuthorization = { clientId: string; redirectUri: string; challenge: string; state: string | null; scope: string | null };
type Code = PendingAuthorization & { family: string; expiresAt: number };
type RefreshToken = { clientId: string; scope: string | null; family: string; used: boolean };

const CODE_SECONDS = 60;
const MAX_BODY = 64 * 1024;

const random = (bytes = 24): string => randomBytes(bytes).toString('base64url');
const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** RFC 8252 §7.3: a loopback IP literal redirect matches the registration on any port. */
export function redirectUriMatches(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  let r: URL;
  let p: URL;
  try {
    r = new URL(registered);
    p = new URL(presented);
  } catch {
    return false;
  }
  const loopback = r.protocol === 'http:' && (r.hostname === '127.0.0.1' || r.hostname === '[::1]');
  return loopback && p.protocol === 'http:' && p.hostname === r.hostname && p.pathname === r.pathname && p.search === r.search && p.hash === '' && p.username === '' && p.password === '';
}

export function createOAuthServer(options: OAuthServerOptions): OAuthServer {
  const prefix = options.pathPrefix ?? '/oauth';
  const tokenPrefix = options.tokenPrefix ?? '';
  let accessSeconds = options.accessTokenSeconds ?? 3600;
  const consent = options.consent ?? 'form';
  const rotate = options.rotateRefreshTokens ?? true;
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  const pending = new Map<string, PendingAuthorization>();
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, RefreshToken>();
  const accessTokens = new Map<string, { expiresAt: number; family: string | null }>();
  const revokedFamilies = new Set<string>();
  const stats: OAuthServerStats = { authorizationCode: 0, refreshToken: 0, clientCredentials: 0, refused: 0 };

  const grantsOf = (c: OAuthClientRegistration): Grant[] => c.grants ?? (c.clientSecret ? ['authorization_code', 'refresh_token', 'client_credentials'] : ['authorization_code', 'refresh_token']);

  function revokeFamily(family: string): void {
    revokedFamilies.add(family);
    for (const [token, t] of accessTokens) if (t.family === family) accessTokens.delete(token);
    for (const [token, t] of refreshTokens) if (t.family === family) refreshTokens.delete(token);
  }

  function issue(clientId: string, scope: string | null, family: string | null, withRefresh: boolean): Record<string, string | number> {
    const access = `${tokenPrefix}at_${random()}`;
    accessTokens.set(access, { expiresAt: Date.now() + accessSeconds * 1000, family });
    const body: Record<string, string | number> = { access_token: access, token_type: 'Bearer', expires_in: accessSeconds };
    if (scope) body.scope = scope;
    if (withRefresh && family) {
      const refresh = `${tokenPrefix}rt_${random()}`;
      refreshTokens.set(refresh, { clientId, scope, family, used: false });
      body.refresh_token = refresh;
    }
    return body;
  }

  // ---- authorize ---------------------------------------------------------------------------

  function authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const client = clients.get(q.get('client_id') ?? '');
    const redirectUri = q.get('redirect_uri') ?? '';
    // RFC 6749 §4.1.2.1: with an unknown client or a redirect URI it cannot trust, the server must not redirect.
    if (!client) return page(res, 400, 'Unknown client', 'This app is not registered here (client_id).');
    if (!(client.redirectUris ?? []).some((r) => redirectUriMatches(r, redirectUri))) {
      return page(res, 400, 'Redirect URI not allowed', `The redirect URI ${redirectUri || '(none)'} is not registered for this app.`);
    }
    const state = q.get('state');
    const fail = (error: string, description: string) => redirect(res, redirectUri, { error, error_description: description, ...(state === null ? {} : { state }) });
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
    if (!grantsOf(client).includes('authorization_code')) return fail('unauthorized_client', 'this client may not use the authorization code grant');
    const challenge = q.get('code_challenge');
    if (!challenge || q.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail('invalid_request', 'code_challenge is not an S256 challenge');
    const request: PendingAuthorization = { clientId: client.clientId, redirectUri, challenge, state, scope: q.get('scope') };
    if (consent === 'auto') return approve(res, request);
    const ticket = random();
    pending.set(ticket, request);
    const html =
      `<h1>Allow access?</h1><p><strong>${escapeHtml(client.clientId)}</strong> asks to read and change your records${request.scope ? ` (${escapeHtml(request.scope)})` : ''}.</p>` +
      `<form method="post" action="${prefix}/authorize"><input type="hidden" name="ticket" value="${ticket}">` +
      `<button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></form>`;
    sendHtml(res, 200, 'Sign in to the SaaS stand-in', html);
  }

  async function consentAnswer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const ticket = form.get('ticket') ?? '';
    const request = pending.get(ticket);
    if (!request) return page(res, 400, 'Expired', 'This consent page has expired or was already answered. Start the sign-in again from the app.');
    pending.delete(ticket);
    if (form.get('decision') !== 'allow') {
      return redirect(res, request.redirectUri, { error: 'access_denied', error_description: 'the user denied access', ...(request.state === null ? {} : { state: request.state }) });
    }
    approve(res, request);
  }

  function approve(res: ServerResponse, request: PendingAuthorization): void {
    const code = `${tokenPrefix}code_${random()}`;
    codes.set(code, { ...request, family: random(12), expiresAt: Date.now() + CODE_SECONDS * 1000 });
    redirect(res, request.redirectUri, { code, ...(request.state === null ? {} : { state: request.state }) });
  }

  // ---- token ---------------------------------------------------------------------------------

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const refuse = (status: number, error: string, description: string, basic = false) => {
      stats.refused++;
      sendJson(res, status, { error, error_description: description }, basic ? { 'www-authenticate': 'Basic realm="saas-standin"' } : {});
    };
    // Client authentication: HTTP Basic (form-urlencoded id and secret, RFC 6749 §2.3.1) or the body.
    let clientId = form.get('client_id');
    let presentedSecret = form.get('client_secret');
    const authorization = req.headers.authorization ?? '';
    const usedBasic = authorization.toLowerCase().startsWith('basic ');
    if (usedBasic) {
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return refuse(401, 'invalid_client', 'malformed Basic credentials', true);
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      presentedSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
    const client = clients.get(clientId ?? '');
    if (!client) return refuse(401, 'invalid_client', 'unknown client', usedBasic);
    if (client.clientSecret !== undefined && presentedSecret !== client.clientSecret) return refuse(401, 'invalid_client', 'client authentication failed', usedBasic);
    const grant = form.get('grant_type') as Grant | null;
    if (!grant || !['authorization_code', 'refresh_token', 'client_credentials'].includes(grant)) return refuse(400, 'unsupported_grant_type', `grant_type ${grant ?? '(none)'} is not supported`);
    if (!grantsOf(client).includes(grant)) return refuse(400, 'unauthorized_client', `this client may not use ${grant}`);

    if (grant === 'client_credentials') {
      stats.clientCredentials++;
      return sendJson(res, 200, issue(client.clientId, form.get('scope'), null, false));
    }
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      // Single use: a second redemption is refused (and the sign-in it started is revoked, RFC 6749 §4.1.2).
      if (code) codes.delete(form.get('code') ?? '');
      if (!code || code.expiresAt < Date.now()) return refuse(400, 'invalid_grant', 'the authorization code is invalid, expired or already used');
      if (code.clientId !== client.clientId) return refuse(400, 'invalid_grant', 'the code was issued to another client');
      if (form.get('redirect_uri') !== code.redirectUri) return refuse(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
      const verifier = form.get('code_verifier') ?? '';
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || s256(verifier) !== code.challenge) return refuse(400, 'invalid_grant', 'PKCE verification failed (code_verifier)');
      stats.authorizationCode++;
      return sendJson(res, 200, issue(client.clientId, code.scope, code.family, true));
    }
    // refresh_token
    const presented = form.get('refresh_token') ?? '';
    const stored = refreshTokens.get(presented);
    if (!stored || stored.clientId !== client.clientId || revokedFamilies.has(stored.family)) return refuse(400, 'invalid_grant', 'the refresh token is invalid or revoked');
    if (stored.used) {
      // Reuse of a rotated token: someone holds a copy. Revoke everything issued from this sign-in.
      revokeFamily(stored.family);
      return refuse(400, 'invalid_grant', 'the refresh token was already used; this sign-in is revoked');
    }
    stats.refreshToken++;
    if (!rotate) return sendJson(res, 200, issue(client.clientId, stored.scope, stored.family, false));
    stored.used = true;
    sendJson(res, 200, issue(client.clientId, stored.scope, stored.family, true));
  }

  return {
    stats,
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://standin.invalid');
      if (url.pathname === `${prefix}/authorize` && req.method === 'GET') {
        authorize(url, res);
        return true;
      }
      const answer = (run: Promise<void>) => {
        run.catch((error: unknown) => {
          if (!res.headersSent) sendJson(res, 400, { error: 'invalid_request', error_description: error instanceof Error ? error.message : String(error) });
        });
        return true;
      };
      if (url.pathname === `${prefix}/authorize` && req.method === 'POST') return answer(consentAnswer(req, res));
      if (url.pathname === `${prefix}/token` && req.method === 'POST') return answer(token(req, res));
      return false;
    },
    validateBearer(tokenValue) {
      const t = accessTokens.get(tokenValue);
      if (!t) return false;
      if (t.expiresAt <= Date.now()) {
        accessTokens.delete(tokenValue);
        return false;
      }
      return true;
    },
    revokeAll() {
      for (const t of refreshTokens.values()) revokedFamilies.add(t.family);
      refreshTokens.clear();
      accessTokens.clear();
      codes.clear();
      pending.clear();
    },
    expireAccessTokens() {
      accessTokens.clear();
    },
    endpoints: (baseUrl) => ({ authorizationUrl: new URL(`${prefix}/authorize`, baseUrl).href, tokenUrl: new URL(`${prefix}/token`, baseUrl).href }),
    setAccessTokenSeconds(seconds) {
      accessSeconds = seconds;
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...NO_STORE, ...headers });
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, to: string, params: Record<string, string>): void {
  const url = new URL(to);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  res.writeHead(302, { location: url.href, ...NO_STORE });
  res.end();
}

function sendHtml(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...NO_STORE, 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`);
}

function page(res: ServerResponse, status: number, title: string, message: string): void {
  sendHtml(res, status, title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
