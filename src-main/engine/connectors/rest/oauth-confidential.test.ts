// The authorization-code flow for a confidential client (HubSpot, Notion, Pipedrive and Google
// want a client secret at their token endpoint), against the stand-in's authorization server with
// a client registered with a secret, which it then requires on every grant. The client secret is
// kept only inside the connection's one secret, beside the refresh token (oauth-secret.ts), and the
// secret handle's single-flight refresh still makes one refresh for concurrent callers (PITFALLS 9).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileCredentialStore } from '../../credentials/file-store';
import { createSecretHandles, memorySecretHandle } from '../../credentials/secret-handle';
import { signInLikeABrowser } from '../../testing/saas-standin/oauth-browser';
import { startOAuthStandin, type OAuthStandin } from '../../testing/saas-standin/oauth-standalone';
import { getAccessToken, invalidateAccessToken, type OAuthAuthorizationCode } from './oauth';
import { startLoopbackFlow } from './oauth-loopback';
import { decodeSignInSecret, encodeSignInSecret } from './oauth-secret';

const CLIENT_SECRET = 'cnry-conf-secret-7Hq2';
let standin: OAuthStandin;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-oauth-conf-'));
  standin = await startOAuthStandin({ clients: [{ clientId: 'concord-conf', clientSecret: CLIENT_SECRET, redirectUris: ['http://127.0.0.1/callback'] }], tokenPrefix: 'cnry' });
});
afterEach(async () => {
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = (token: string) => fetch(standin.resourceUrl, { headers: { authorization: `Bearer ${token}` } });
const auth = (clientAuth: OAuthAuthorizationCode['clientAuth']): OAuthAuthorizationCode => ({
  kind: 'oauth2-authorization-code',
  authorizationUrl: standin.authorizationUrl,
  tokenUrl: standin.tokenUrl,
  clientId: 'concord-conf',
  scope: 'contacts',
  clientAuth,
  authorizationParams: { access_type: 'offline', prompt: 'consent' },
});
const handles = () => createSecretHandles(createFileCredentialStore({ dataDir: dir, env: { CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' } }));
const failureOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error & { reason?: string });

describe('authorization code with a confidential client', () => {
  it.each(['basic', 'post'] as const)('client secret by %s: signs in, keeps the secret beside the refresh token, and refreshes once for concurrent callers', async (clientAuth) => {
    const secrets = handles();
    const secret = secrets.handle('connection:crm');
    const flow = await startLoopbackFlow(auth(clientAuth), secret, { clientSecret: CLIENT_SECRET });
    const url = new URL(flow.authorizationUrl);
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
    // The client secret goes to the token endpoint only, never into the browser's address bar.
    expect(flow.authorizationUrl).not.toContain(CLIENT_SECRET);
    await signInLikeABrowser(flow.authorizationUrl);
    await flow.done;
    const stored = decodeSignInSecret((await secret.get())!);
    expect(stored).toEqual({ clientSecret: CLIENT_SECRET, refreshToken: expect.stringMatching(/^cnryrt_/) });

    const first = await getAccessToken(auth(clientAuth), secret);
    expect((await api(first)).status).toBe(200);
    invalidateAccessToken(first);
    const other = secrets.handle('connection:crm');
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => getAccessToken(auth(clientAuth), i % 2 ? other : secret)));
    expect(new Set(tokens).size).toBe(1);
    expect(standin.oauth.stats.refreshToken).toBe(1);
    expect((await api(tokens[0]!)).status).toBe(200);
    const rotated = decodeSignInSecret((await secret.get())!);
    expect(rotated.clientSecret).toBe(CLIENT_SECRET);
    expect(rotated.refreshToken).not.toBe(stored.refreshToken);
  });

  it('the stand-in requires the secret: a public sign-in with this client is refused at the code exchange, and nothing is stored', async () => {
    const secret = memorySecretHandle(null);
    const flow = await startLoopbackFlow(auth('none'), secret);
    await signInLikeABrowser(flow.authorizationUrl);
    const error = await failureOf(flow.done);
    expect(error).toMatchObject({ reason: 'auth', message: expect.stringContaining('invalid_client') });
    expect(await secret.get()).toBeNull();
  });

  it('a wrong client secret is refused with what to check, and the message holds no secret', async () => {
    const secret = memorySecretHandle(null);
    const flow = await startLoopbackFlow(auth('post'), secret, { clientSecret: 'cnry-wrong-secret' });
    await signInLikeABrowser(flow.authorizationUrl);
    const error = await failureOf(flow.done);
    expect(error).toMatchObject({ reason: 'auth', message: expect.stringContaining('sign in again with the right client secret') });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('cnry');
    expect(await secret.get()).toBeNull();
  });

  it('refuses before it listens: no secret for a confidential client, a secret for a public one, a client id left as {clientId}, a protocol parameter in the extras', async () => {
    await expect(startLoopbackFlow(auth('basic'), memorySecretHandle(null))).rejects.toMatchObject({ reason: 'auth', message: expect.stringContaining('client secret') });
    await expect(startLoopbackFlow(auth('none'), memorySecretHandle(null), { clientSecret: CLIENT_SECRET })).rejects.toMatchObject({ reason: 'config', message: expect.stringContaining('clientAuth') });
    await expect(startLoopbackFlow({ ...auth('post'), clientId: '{clientId}' }, memorySecretHandle(null), { clientSecret: CLIENT_SECRET })).rejects.toMatchObject({ reason: 'config', message: expect.stringContaining('still hold {clientId}') });
    await expect(startLoopbackFlow({ ...auth('basic'), authorizationParams: { redirect_uri: 'https://evil.example/cb' } }, memorySecretHandle(null), { clientSecret: CLIENT_SECRET })).rejects.toMatchObject({ reason: 'config', message: expect.stringContaining('redirect_uri') });
  });

  it('a connection signed in before its profile said the client is confidential is asked to sign in again with the secret', async () => {
    const secret = memorySecretHandle(encodeSignInSecret({ refreshToken: 'cnryrt_old' }));
    await expect(getAccessToken(auth('basic'), secret)).rejects.toMatchObject({ reason: 'auth', message: expect.stringContaining('enter the client secret') });
    expect(standin.oauth.stats.refused).toBe(0);
  });

  it('the stored form: a bare refresh token stays bare; the JSON form only with a client secret', () => {
    expect(encodeSignInSecret({ refreshToken: 'rt' })).toBe('rt');
    expect(decodeSignInSecret('rt')).toEqual({ refreshToken: 'rt' });
    expect(decodeSignInSecret(encodeSignInSecret({ refreshToken: 'rt', clientSecret: 's' }))).toEqual({ refreshToken: 'rt', clientSecret: 's' });
    expect(decodeSignInSecret('{not json')).toEqual({ refreshToken: '{not json' });
  });
});
