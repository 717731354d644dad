// The authorization code flow with PKCE and a loopback redirect, against the SaaS stand-in's real
// authorization server, driven as a browser would (fetch follows the consent form and redirect).
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { signInLikeABrowser } from '../../testing/saas-standin/oauth-browser';
import { startOAuthStandin, type OAuthStandin } from '../../testing/saas-standin/oauth-standalone';
import { ConnectorError } from '../errors';
import { getAccessToken, type OAuthAuthorizationCode } from './oauth';
import { startLoopbackFlow } from './oauth-loopback';

let standin: OAuthStandin;
let auth: OAuthAuthorizationCode;

beforeEach(async () => {
  standin = await startOAuthStandin({ clients: [{ clientId: 'concord-desktop', redirectUris: ['http://127.0.0.1/callback'] }], tokenPrefix: 'cnry' });
  auth = { kind: 'oauth2-authorization-code', authorizationUrl: standin.authorizationUrl, tokenUrl: standin.tokenUrl, clientId: 'concord-desktop', scope: 'contacts' };
});
afterEach(async () => {
  await standin.close();
});

/** Whether something accepts TCP connections at host:port now. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
const portOf = (uri: string): number => Number(new URL(uri).port);

describe('signing in through the loopback redirect', () => {
  it('stores exactly the refresh token after the browser allows access, and answers the browser with a page that holds no token', async () => {
    const secret = memorySecretHandle(null);
    const flow = await startLoopbackFlow(auth, secret);
    const url = new URL(flow.authorizationUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(flow.redirectUri);
    expect(flow.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const visit = await signInLikeABrowser(flow.authorizationUrl);
    await flow.done;
    expect(visit.landing?.status).toBe(200);
    expect(visit.landing?.body).toContain('You can close this tab');
    expect(visit.landing?.body).not.toContain('cnry');
    const stored = await secret.get();
    expect(stored).toMatch(/^cnryrt_/);
    // The access token the exchange gave is used first: no refresh spent on the first call.
    const token = await getAccessToken(auth, secret);
    expect(standin.oauth.validateBearer(token)).toBe(true);
    expect(standin.oauth.stats.refreshToken).toBe(0);
    expect(await secret.get()).toBe(stored);
  });

  it('listens on 127.0.0.1 only, and closes after one sign-in', async () => {
    const flow = await startLoopbackFlow(auth, memorySecretHandle(null));
    const port = portOf(flow.redirectUri);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    // Any other address of this machine (when it has one) is not listened on.
    const others = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal);
    for (const other of others) expect(await accepts(other!.address, port)).toBe(false);
    expect(await accepts('::1', port)).toBe(false);

    await signInLikeABrowser(flow.authorizationUrl);
    await flow.done;
    expect(await accepts('127.0.0.1', port)).toBe(false);
  });

  it('refuses a redirect with the wrong state, keeps waiting, and finishes with the right one', async () => {
    const secret = memorySecretHandle(null);
    const flow = await startLoopbackFlow(auth, secret);
    const forged = await fetch(`${flow.redirectUri}?code=cnrycode_forged&state=not-the-state`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('does not belong to the sign-in');
    expect(await secret.get()).toBeNull();

    await signInLikeABrowser(flow.authorizationUrl);
    await flow.done;
    expect(await secret.get()).toMatch(/^cnryrt_/);
  });

  it('says access was not allowed when the user denies it, and stores nothing', async () => {
    const secret = memorySecretHandle(null);
    const flow = await startLoopbackFlow(auth, secret);
    const visit = await signInLikeABrowser(flow.authorizationUrl, { decision: 'deny' });
    await expect(flow.done).rejects.toMatchObject({ reason: 'auth', message: expect.stringMatching(/was not allowed \(access_denied.*sign in again and choose Allow/) });
    expect(visit.landing?.body).toContain('was not allowed');
    expect(await secret.get()).toBeNull();
  });

  it('gives up after its time limit and closes the listener', async () => {
    const flow = await startLoopbackFlow(auth, memorySecretHandle(null), { timeoutMs: 200 });
    const error = await flow.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ reason: 'auth', message: expect.stringContaining('start it again') });
    expect(await accepts('127.0.0.1', portOf(flow.redirectUri))).toBe(false);
  });

  it('closes the listener when cancelled', async () => {
    const flow = await startLoopbackFlow(auth, memorySecretHandle(null));
    flow.cancel();
    await expect(flow.done).rejects.toMatchObject({ reason: 'auth', message: expect.stringContaining('cancelled') });
    expect(await accepts('127.0.0.1', portOf(flow.redirectUri))).toBe(false);
  });

  it('refuses a plain-http authorization URL on another host before it opens anything', async () => {
    await expect(startLoopbackFlow({ ...auth, authorizationUrl: 'http://login.example.com/authorize' }, memorySecretHandle(null))).rejects.toMatchObject({ reason: 'config', message: expect.stringContaining('https://') });
  });
});

describe("the stand-in's authorization server", () => {
  /** Runs the browser part of a sign-in and returns the code, without letting the loopback redeem it. */
  async function codeFor(challenge: { verifier: string; redirectUri: string; authorizationUrl: string }) {
    const visit = await signInLikeABrowser(challenge.authorizationUrl, { follow: false });
    return visit.redirectedTo.searchParams.get('code') ?? '';
  }
  async function authorizationRequest() {
    const { calculatePKCECodeChallenge, generateRandomCodeVerifier } = await import('oauth4webapi');
    const verifier = generateRandomCodeVerifier();
    const redirectUri = 'http://127.0.0.1:9/callback';
    const url = new URL(standin.authorizationUrl);
    url.search = new URLSearchParams({ response_type: 'code', client_id: 'concord-desktop', redirect_uri: redirectUri, code_challenge: await calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's1' }).toString();
    return { verifier, redirectUri, authorizationUrl: url.href };
  }
  const redeem = (code: string, verifier: string, redirectUri: string) =>
    fetch(standin.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'concord-desktop', code, code_verifier: verifier, redirect_uri: redirectUri }) });

  it('refuses a wrong code_verifier, and a code used twice', async () => {
    const request = await authorizationRequest();
    const code = await codeFor(request);
    const wrong = await redeem(code, 'x'.repeat(43), request.redirectUri);
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('code_verifier') });
    // The failed attempt spent the code: a code is single-use whatever the outcome.
    expect((await redeem(code, request.verifier, request.redirectUri)).status).toBe(400);

    const again = await authorizationRequest();
    const code2 = await codeFor(again);
    expect((await redeem(code2, again.verifier, again.redirectUri)).status).toBe(200);
    expect((await redeem(code2, again.verifier, again.redirectUri)).status).toBe(400);
  });

  it('requires PKCE with S256', async () => {
    const request = await authorizationRequest();
    const plain = new URL(request.authorizationUrl);
    plain.searchParams.set('code_challenge_method', 'plain');
    const visit = await signInLikeABrowser(plain.href, { follow: false });
    expect(visit.redirectedTo.searchParams.get('error')).toBe('invalid_request');
    expect(visit.redirectedTo.searchParams.get('state')).toBe('s1');
  });

  it('accepts any port on the registered loopback redirect, and refuses other hosts and paths without redirecting', async () => {
    const request = await authorizationRequest();
    for (const redirectUri of ['http://127.0.0.1:9/other', 'http://localhost:9/callback', 'https://attacker.example/callback', 'http://127.0.0.1.attacker.example:9/callback']) {
      const url = new URL(request.authorizationUrl);
      url.searchParams.set('redirect_uri', redirectUri);
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status, redirectUri).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    const otherPort = new URL(request.authorizationUrl);
    otherPort.searchParams.set('redirect_uri', 'http://127.0.0.1:65000/callback');
    expect((await fetch(otherPort, { redirect: 'manual' })).status).toBe(200);
  });
});
