// OAuth 2 sign-ins through the engine API (connections/oauth-start, -wait, -cancel), over the
// headless server as the browser UI calls it, against the SaaS stand-in's authorization server.
// Every token the stand-in issues starts with a canary: none may show up in an API answer, an
// event, a log line or a file of the data folder (the refresh token is kept, encrypted, by the
// credential store only).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OAuthFlow } from '../api/model';
import { createFileCredentialStore } from '../credentials/file-store';
import type { CredentialStore } from '../credentials/types';
import { createEngine, type Engine } from '../engine';
import { startServer, type RunningServer } from '../server/http-server';
import { signInLikeABrowser } from '../testing/saas-standin/oauth-browser';
import { startOAuthStandin, type OAuthStandin } from '../testing/saas-standin/oauth-standalone';

const MARK = 'cnry';
const TOKEN = 'Zk4nQw8rT2vYp6xLm0cJ3hBf9sGd1aEu';
/** A confidential client's secret: a canary too, so the same search finds it. */
const CLIENT_SECRET = `${MARK}ClientS3cretQ8vL`;

let dir: string;
let dataDir: string;
let credentials: CredentialStore;
let engine: Engine;
let server: RunningServer;
let standin: OAuthStandin;
const seen: string[] = [];

beforeEach(async () => {
  seen.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'concord-oauth-flows-'));
  dataDir = join(dir, 'data');
  mkdirSync(join(dir, 'ui'));
  writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><title>Concord</title>');
  credentials = createFileCredentialStore({ dataDir, env: { CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' } });
  engine = createEngine({ dataDir, credentials, log: (message, error) => seen.push(`log ${message} ${error instanceof Error ? `${error.message} ${error.stack} ${String(error.cause)}` : String(error)}`) });
  engine.onEvent((event) => seen.push(`event ${JSON.stringify(event)}`));
  server = await startServer({ engine, token: TOKEN, staticDir: join(dir, 'ui'), port: 0 });
  standin = await startOAuthStandin({
    clients: [
      { clientId: 'concord', redirectUris: ['http://127.0.0.1/callback'] },
      { clientId: 'concord-conf', clientSecret: CLIENT_SECRET, redirectUris: ['http://127.0.0.1/callback'] },
    ],
    tokenPrefix: MARK,
  });
});
afterEach(async () => {
  await server.close();
  await engine.close();
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
async function invoke(method: string, args: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}api/invoke/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(args) });
  const text = await res.text();
  seen.push(`answer ${method} ${text}`);
  return JSON.parse(text) as Answer;
}
async function value<T>(method: string, args: unknown): Promise<T> {
  const r = await invoke(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}
const auth = () => ({ authorizationUrl: standin.authorizationUrl, tokenUrl: standin.tokenUrl, clientId: 'concord', scope: 'contacts' });
/** A connector that takes a secret; creating a connection does not connect, so no server is needed. */
const postgresDraft = { connector: 'postgres', config: { host: '127.0.0.1', port: 5432, database: 'crm', user: 'concord' } };

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => (statSync(join(root, name)).isDirectory() ? filesUnder(join(root, name)) : [join(root, name)]));
}

describe('OAuth sign-in through the engine API', () => {
  it('signs a draft in, creates the connection with the refresh token as its only secret, and leaks no token anywhere', async () => {
    const flow = await value<OAuthFlow>('connections/oauth-start', { auth: auth() });
    expect(flow.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(await value('connections/oauth-wait', { flowId: flow.flowId, waitMs: 0 })).toEqual({ status: 'pending' });
    const creating = await invoke('connections/create', { name: 'CRM', ...postgresDraft, oauthFlowId: flow.flowId });
    expect(creating).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('not finished yet') } });

    const visit = await signInLikeABrowser(flow.authorizationUrl);
    expect(visit.landing?.body).toContain('You can close this tab');
    expect(await value('connections/oauth-wait', { flowId: flow.flowId })).toEqual({ status: 'signed-in' });

    const created = await value<{ id: string; hasCredential: boolean }>('connections/create', { name: 'CRM', ...postgresDraft, oauthFlowId: flow.flowId });
    expect(created.hasCredential).toBe(true);
    expect(await credentials.get(`connection:${created.id}`)).toMatch(/^cnryrt_/);
    // The draft's copy is gone once the credential store has it.
    expect(await invoke('connections/create', { name: 'CRM 2', ...postgresDraft, oauthFlowId: flow.flowId })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await value('connections/list', {});

    const leaks = seen.filter((s) => s.includes(MARK));
    for (const file of filesUnder(dataDir)) if (readFileSync(file).includes(MARK)) leaks.push(`file ${file}`);
    expect(leaks).toEqual([]);
  });

  it("replaces a saved connection's secret with the new refresh token", async () => {
    const saved = await value<{ id: string }>('connections/create', { name: 'CRM', ...postgresDraft, secret: 'an-old-refresh-token' });
    const flow = await value<OAuthFlow>('connections/oauth-start', { auth: auth(), connectionId: saved.id });
    await signInLikeABrowser(flow.authorizationUrl);
    expect(await value('connections/oauth-wait', { flowId: flow.flowId })).toEqual({ status: 'signed-in' });
    expect(await credentials.get(`connection:${saved.id}`)).toMatch(/^cnryrt_/);
    // That sign-in was not a draft: it cannot be used to create another connection.
    expect(await invoke('connections/create', { name: 'Other', ...postgresDraft, oauthFlowId: flow.flowId })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('answers a denied sign-in with what to do, and keeps nothing', async () => {
    const flow = await value<OAuthFlow>('connections/oauth-start', { auth: auth() });
    await signInLikeABrowser(flow.authorizationUrl, { decision: 'deny' });
    expect(await invoke('connections/oauth-wait', { flowId: flow.flowId })).toMatchObject({ ok: false, error: { code: 'connector-error', message: expect.stringContaining('choose Allow') } });
    expect(await invoke('connections/create', { name: 'CRM', ...postgresDraft, oauthFlowId: flow.flowId })).toMatchObject({ ok: false, error: { code: 'connector-error' } });
  });

  it('closes the listener on cancel and when the engine stops', async () => {
    const cancelled = await value<OAuthFlow>('connections/oauth-start', { auth: auth() });
    expect(await value('connections/oauth-cancel', { flowId: cancelled.flowId })).toEqual({ cancelled: true });
    expect(await accepts(Number(new URL(cancelled.redirectUri).port))).toBe(false);
    expect(await invoke('connections/oauth-wait', { flowId: cancelled.flowId })).toMatchObject({ ok: false, error: { message: expect.stringContaining('cancelled') } });

    const open = await value<OAuthFlow>('connections/oauth-start', { auth: auth() });
    const port = Number(new URL(open.redirectUri).port);
    expect(await accepts(port)).toBe(true);
    await engine.close();
    expect(await accepts(port)).toBe(false);
  });

  it('signs a draft in as a confidential client: the client secret goes in once, is kept with the refresh token as the one secret, and leaks nowhere', async () => {
    const conf = { ...auth(), clientId: 'concord-conf', clientAuth: 'post', authorizationParams: { access_type: 'offline', prompt: 'consent' } };
    expect(await invoke('connections/oauth-start', { auth: conf })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('enter the client secret') } });
    expect(await invoke('connections/oauth-start', { auth: { ...auth(), clientAuth: 'none' }, clientSecret: CLIENT_SECRET })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('clientAuth') } });
    const flow = await value<OAuthFlow>('connections/oauth-start', { auth: conf, clientSecret: CLIENT_SECRET });
    expect(new URL(flow.authorizationUrl).searchParams.get('access_type')).toBe('offline');
    await signInLikeABrowser(flow.authorizationUrl);
    expect(await value('connections/oauth-wait', { flowId: flow.flowId })).toEqual({ status: 'signed-in' });
    const created = await value<{ id: string; hasCredential: boolean }>('connections/create', { name: 'CRM', ...postgresDraft, oauthFlowId: flow.flowId });
    expect(created.hasCredential).toBe(true);
    expect(JSON.parse((await credentials.get(`connection:${created.id}`))!)).toEqual({ clientSecret: CLIENT_SECRET, refreshToken: expect.stringMatching(/^cnryrt_/) });

    // Signing the saved connection in again: the client secret it keeps is used, not asked again.
    const again = await value<OAuthFlow>('connections/oauth-start', { auth: conf, connectionId: created.id });
    await signInLikeABrowser(again.authorizationUrl);
    expect(await value('connections/oauth-wait', { flowId: again.flowId })).toEqual({ status: 'signed-in' });
    expect(standin.oauth.stats.authorizationCode).toBe(2);
    expect(JSON.parse((await credentials.get(`connection:${created.id}`))!)).toMatchObject({ clientSecret: CLIENT_SECRET });

    // A wrong secret: the sign-in fails saying what to check, and the message holds no secret.
    const wrong = await value<OAuthFlow>('connections/oauth-start', { auth: conf, clientSecret: `${MARK}WrongSecret` });
    await signInLikeABrowser(wrong.authorizationUrl);
    expect(await invoke('connections/oauth-wait', { flowId: wrong.flowId })).toMatchObject({ ok: false, error: { code: 'connector-error', message: expect.stringContaining('client secret') } });
    await value('connections/list', {});

    const leaks = seen.filter((x) => x.includes(MARK));
    for (const file of filesUnder(dataDir)) if (readFileSync(file).includes(MARK)) leaks.push(`file ${file}`);
    expect(leaks).toEqual([]);
  });

  it('refuses bad settings before it listens: plain http to another host, a secret and a sign-in at once, an unknown connection', async () => {
    expect(await invoke('connections/oauth-start', { auth: { ...auth(), tokenUrl: 'http://api.example.com/token' } })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('https://') } });
    expect(await invoke('connections/oauth-start', { auth: { ...auth(), authorizationUrl: 'javascript:alert(1)' } })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await invoke('connections/oauth-start', { auth: auth(), connectionId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await invoke('connections/create', { name: 'CRM', ...postgresDraft, secret: 'x', oauthFlowId: 'y' })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('not both') } });
  });
});
