// Access tokens for the REST connector against the SaaS stand-in's real authorization server:
// client credentials, and the authorization code flow's refresh with rotation, expiry, a 401 and
// revocation (PITFALLS 9: token expiry mid-sync — refresh once, one refresh at a time per credential).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileCredentialStore } from '../../credentials/file-store';
import { createSecretHandles, memorySecretHandle } from '../../credentials/secret-handle';
import { signInLikeABrowser } from '../../testing/saas-standin/oauth-browser';
import { startOAuthStandin, type OAuthStandin } from '../../testing/saas-standin/oauth-standalone';
import { freePort } from '../../testing/test-servers';
import { getAccessToken, invalidateAccessToken, withAccessToken, type OAuthAuthorizationCode, type OAuthClientCredentials } from './oauth';
import { startLoopbackFlow } from './oauth-loopback';

let standin: OAuthStandin;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-oauth-'));
  standin = await startOAuthStandin({
    clients: [
      { clientId: 'concord-desktop', redirectUris: ['http://127.0.0.1/callback'] },
      { clientId: 'concord-server', clientSecret: 'cnry-client-secret-1', grants: ['client_credentials'] },
    ],
    tokenPrefix: 'cnry',
  });
});
afterEach(async () => {
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The stand-in's protected resource, called with `token`. */
const api = (token: string) => fetch(standin.resourceUrl, { headers: { authorization: `Bearer ${token}` } });

describe('client credentials', () => {
  const auth = (): OAuthClientCredentials => ({ kind: 'oauth2-client-credentials', tokenUrl: standin.tokenUrl, clientId: 'concord-server', scope: 'contacts' });

  it('gets a token with the client secret sent by HTTP Basic, and reuses it while it is valid', async () => {
    const secret = memorySecretHandle('cnry-client-secret-1');
    const token = await getAccessToken(auth(), secret);
    expect((await api(token)).status).toBe(200);
    expect(await getAccessToken(auth(), secret)).toBe(token);
    expect(standin.oauth.stats.clientCredentials).toBe(1);
    // The handle still holds the client secret, nothing else.
    expect(await secret.get()).toBe('cnry-client-secret-1');
  });

  it('sends the client secret in the body when the profile says so', async () => {
    const token = await getAccessToken({ ...auth(), clientAuth: 'post' }, memorySecretHandle('cnry-client-secret-1'));
    expect((await api(token)).status).toBe(200);
  });

  it('makes one token request for concurrent callers', async () => {
    const secret = memorySecretHandle('cnry-client-secret-1');
    const tokens = await Promise.all(Array.from({ length: 5 }, () => getAccessToken(auth(), secret)));
    expect(new Set(tokens).size).toBe(1);
    expect(standin.oauth.stats.clientCredentials).toBe(1);
  });

  it("says to check the client secret when the app refuses it", async () => {
    await expect(getAccessToken(auth(), memorySecretHandle('cnry-wrong'))).rejects.toMatchObject({ reason: 'auth', message: expect.stringContaining('check the client ID and client secret') });
    await expect(getAccessToken({ ...auth(), clientAuth: 'post' }, memorySecretHandle('cnry-wrong'))).rejects.toMatchObject({ reason: 'auth', message: expect.stringContaining('invalid_client') });
  });

  it('says the app cannot be reached when nothing answers at the token URL, and refuses plain http to another host', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/oauth/token`;
    await expect(getAccessToken({ ...auth(), tokenUrl: closed }, memorySecretHandle('cnry-client-secret-1'))).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringContaining('could not reach') });
    await expect(getAccessToken({ ...auth(), tokenUrl: 'http://api.example.com/token' }, memorySecretHandle('cnry-client-secret-1'))).rejects.toMatchObject({ reason: 'config', message: expect.stringContaining('https://') });
  });
});

describe('authorization code: refresh tokens', () => {
  const auth = (): OAuthAuthorizationCode => ({ kind: 'oauth2-authorization-code', authorizationUrl: standin.authorizationUrl, tokenUrl: standin.tokenUrl, clientId: 'concord-desktop' });
  /** Handles over a real (encrypted file) credential store; two handles of one account are two connectors of one connection. */
  const handles = () => createSecretHandles(createFileCredentialStore({ dataDir: dir, env: { CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' } }));

  async function signedIn(secrets = handles()) {
    const secret = secrets.handle('connection:crm');
    const flow = await startLoopbackFlow(auth(), secret);
    await signInLikeABrowser(flow.authorizationUrl);
    await flow.done;
    const first = await getAccessToken(auth(), secret);
    return { secrets, secret, first, refreshToken: (await secret.get())! };
  }

  it('refreshes after a 401, stores the rotated refresh token, and the old one is refused', async () => {
    const { secret, first, refreshToken } = await signedIn();
    invalidateAccessToken(first);
    const second = await getAccessToken(auth(), secret);
    expect(second).not.toBe(first);
    expect((await api(second)).status).toBe(200);
    const rotated = await secret.get();
    expect(rotated).toMatch(/^cnryrt_/);
    expect(rotated).not.toBe(refreshToken);
    expect(standin.oauth.stats.refreshToken).toBe(1);
    const reuse = await fetch(standin.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'concord-desktop', refresh_token: refreshToken }) });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refreshes once and retries when the API answers 401 to a token it had not announced as expired (PITFALLS 9)', async () => {
    const { secret } = await signedIn();
    standin.oauth.expireAccessTokens();
    const sent: string[] = [];
    const response = await withAccessToken(auth(), secret, undefined, (token) => {
      sent.push(token);
      return api(token);
    });
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(2);
    expect(standin.oauth.stats.refreshToken).toBe(1);
    // An API that keeps refusing gets one retry, not a loop: the second 401 is the connector's to report.
    const always401 = await withAccessToken(auth(), secret, undefined, (token) => {
      sent.push(token);
      return Promise.resolve(new Response(null, { status: 401 }));
    });
    expect(always401.status).toBe(401);
    expect(sent).toHaveLength(4);
  });

  it('makes exactly one refresh for concurrent callers of two connectors of one connection (PITFALLS 9)', async () => {
    const { secrets, first } = await signedIn();
    const other = secrets.handle('connection:crm');
    invalidateAccessToken(first);
    const before = standin.oauth.stats.refreshToken;
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => getAccessToken(auth(), i % 2 ? other : secrets.handle('connection:crm'))));
    expect(standin.oauth.stats.refreshToken - before).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect((await api(tokens[0]!)).status).toBe(200);
    // Two refreshes with one rotated token would have revoked the sign-in: it still works.
    invalidateAccessToken(tokens[0]!);
    expect((await api(await getAccessToken(auth(), other))).status).toBe(200);
  });

  it('renews a token shortly before it expires, without waiting for a 401', async () => {
    standin.oauth.setAccessTokenSeconds(2);
    const { secret, first } = await signedIn();
    // The cached token is renewed from half a second before its end: wait until that point has passed.
    await vi.waitFor(async () => expect(await getAccessToken(auth(), secret)).not.toBe(first), { timeout: 20_000, interval: 100 });
    expect(standin.oauth.stats.refreshToken).toBeGreaterThanOrEqual(1);
    const next = await getAccessToken(auth(), secret);
    expect((await api(next)).status).toBe(200);
  });

  it('says to sign in again when the app has revoked the sign-in', async () => {
    const { secret, first, refreshToken } = await signedIn();
    standin.oauth.revokeAll();
    expect((await api(first)).status).toBe(401);
    invalidateAccessToken(first);
    const error = await getAccessToken(auth(), secret).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'auth', message: expect.stringContaining('sign in again') });
    // Neither the message nor anything the error carries holds a token.
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).cause ?? '')).not.toContain('cnry');
    // The refused refresh token stays as it was: nothing half-written.
    expect(await secret.get()).toBe(refreshToken);
  });

  it('says to sign in when there is no refresh token yet', async () => {
    await expect(getAccessToken(auth(), memorySecretHandle(null))).rejects.toMatchObject({ reason: 'auth', message: expect.stringContaining('sign in again') });
  });

  it('stops waiting when the caller aborts, while the refresh goes on for the others', async () => {
    const { secret, first } = await signedIn();
    invalidateAccessToken(first);
    const controller = new AbortController();
    const waiting = getAccessToken(auth(), secret, controller.signal);
    const other = getAccessToken(auth(), secret);
    controller.abort(new Error('Cancelled by the user.'));
    await expect(waiting).rejects.toThrow('Cancelled by the user.');
    expect((await api(await other)).status).toBe(200);
    expect(standin.oauth.stats.refreshToken).toBe(1);
  });
});
