// Issue 13 §2 through the real server: the browser holds a session, never the token; sessions and
// named tokens can be revoked at once; a named token acts under its name; wrong tokens from one
// address are slowed (429 with Retry-After), with an injected clock instead of real waits.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createEngine, type Engine } from '../engine';
import { startServer, type RunningServer } from './http-server';
import { createLoginBackoff } from './login-backoff';

const TOKEN = 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6';
let dir: string;
let engine: Engine;
let server: RunningServer;
let t: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-auth-'));
  const ui = join(dir, 'ui');
  mkdirSync(ui, { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Concord</title>');
  t = Date.parse('2026-12-01T08:00:00Z');
  engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: () => undefined });
  server = await startServer({ engine, token: TOKEN, staticDir: ui, port: 0, backoff: createLoginBackoff({ now: () => t, freeFailures: 2, baseDelayMs: 4000 }) });
});
afterEach(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const invoke = (method: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${server.url}api/invoke/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const login = async (token: string) => {
  const res = await fetch(`${server.url}?token=${encodeURIComponent(token)}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
};

it('the cookie carries a session id, not the token; it is HttpOnly, SameSite=Strict, Path=/ and expires', async () => {
  const res = await fetch(server.loginUrl, { redirect: 'manual' });
  const setCookie = res.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(new RegExp(`^concord_session_${server.port}=`));
  expect(setCookie).not.toContain(TOKEN);
  expect(setCookie).toMatch(/HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+/);
  const cookie = setCookie.split(';')[0]!;
  expect((await invoke('app/info', {}, { cookie })).status).toBe(200);
  // The session id is no token: it opens nothing as a Bearer header.
  expect((await invoke('app/info', {}, { authorization: `Bearer ${cookie.split('=')[1]}` })).status).toBe(401);
});

it('an admin lists and revokes sessions over the API; a revoked session gets 401 at once, on the API and the WebSocket', async () => {
  const admin = { authorization: `Bearer ${TOKEN}` };
  const cookie = await login(TOKEN);
  const sessions = (await (await invoke('access/sessions/list', {}, admin)).json()) as { value: { id: string; tokenName: string }[] };
  expect(sessions.value).toEqual([expect.objectContaining({ tokenName: 'operator' })]);
  const mine = (await (await invoke('access/sessions/list', {}, { cookie })).json()) as { value: { id: string; current: boolean }[] };
  expect(mine.value[0]?.current).toBe(true);
  expect((await invoke('access/sessions/revoke', { sessionId: sessions.value[0]!.id }, admin)).status).toBe(200);
  expect((await invoke('app/info', {}, { cookie })).status).toBe(401);
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}api/events`, { headers: { cookie } });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
  });
  expect(refused).toBe(401);
});

it('several named tokens: each acts under its name, only an admin manages access, and a revoked one stops with its sessions', async () => {
  const admin = { authorization: `Bearer ${TOKEN}` };
  const made = (await (await invoke('access/tokens/create', { name: 'ci-bot' }, admin)).json()) as { value: { token: string; info: { id: string } } };
  const bot = { authorization: `Bearer ${made.value.token}` };
  expect((await invoke('pairs/list', {}, bot)).status).toBe(200);
  const denied = (await (await invoke('access/tokens/list', {}, bot)).json()) as { ok: boolean; error: { code: string; message: string } };
  expect(denied).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/The token "ci-bot" may not manage access/) } });
  const botCookie = await login(made.value.token);
  const list = (await (await invoke('access/sessions/list', {}, admin)).json()) as { value: { tokenName: string }[] };
  expect(list.value.map((s) => s.tokenName)).toEqual(['ci-bot']);
  expect((await invoke('access/tokens/revoke', { token: 'ci-bot' }, admin)).status).toBe(200);
  expect((await invoke('pairs/list', {}, bot)).status).toBe(401);
  expect((await invoke('pairs/list', {}, { cookie: botCookie })).status).toBe(401);
});

it('wrong tokens from one address are slowed: 429 with Retry-After, even for the right token, until the wait is over', async () => {
  const wrong = { authorization: 'Bearer wrong-token-Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1a' };
  const cookie = await login(TOKEN);
  for (let i = 0; i < 3; i++) expect((await invoke('app/info', {}, wrong)).status).toBe(401);
  const slowed = await invoke('app/info', {}, { authorization: `Bearer ${TOKEN}` });
  expect(slowed.status).toBe(429);
  expect(slowed.headers.get('retry-after')).toBe('4');
  expect(await slowed.json()).toMatchObject({ ok: false, error: { message: expect.stringMatching(/try again in 4 s/) } });
  const page = await fetch(`${server.url}?token=${TOKEN}`, { redirect: 'manual' });
  expect(page.status).toBe(429);
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  // A session cookie is not a guess: a browser with one is not slowed by someone else's tries.
  expect((await invoke('app/info', {}, { cookie })).status).toBe(200);
  t += 4000;
  expect((await invoke('app/info', {}, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
});
