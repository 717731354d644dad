// The headless transport against a real engine (real SQLite file in a temp folder) and a real
// HTTP server on 127.0.0.1: the token is required everywhere, and the API answers typed errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../engine';
import { createFileCredentialStore } from '../credentials/file-store';
import { connect } from 'node:net';
import { schemas } from '../api/schemas';
import { startServer, type RunningServer } from './http-server';

const TOKEN = 'test-token-0123456789abcdef';
let dir: string;
let engine: Engine;
let server: RunningServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-http-'));
  const ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Concord</title>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
  const dataDir = join(dir, 'data');
  engine = createEngine({ dataDir, credentials: createFileCredentialStore({ dataDir, env: { CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' } }) });
  server = await startServer({ engine, token: TOKEN, staticDir: ui, port: 0 });
});

afterEach(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };
const invoke = (method: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${server.url}api/invoke/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('headless server', () => {
  it('listens on 127.0.0.1 only by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('refuses every request without the token with 401', async () => {
    expect((await fetch(server.url)).status).toBe(401);
    expect((await fetch(`${server.url}assets/app.js`)).status).toBe(401);
    const api = await invoke('app/info', {}, {});
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await invoke('app/info', {}, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
  });

  it('trades the printed token for an HttpOnly session cookie and drops it from the address', async () => {
    const first = await fetch(server.loginUrl, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await fetch(server.url, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toContain('<title>Concord</title>');
    expect((await fetch(`${server.url}?token=nope`, { redirect: 'manual' })).status).toBe(401);
  });

  it('serves the API with the token and answers bad input with a typed error', async () => {
    const info = await (await invoke('app/info', {})).json();
    expect(info).toMatchObject({ ok: true, value: { name: 'Concord', dataDir: join(dir, 'data') } });
    const bad = await (await invoke('pairs/get', { pairId: 42 })).json();
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input', issues: [{ path: 'pairId' }] } });
    const unknown = await (await invoke('pairs/explode', {})).json();
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    const notJson = await fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{oops' });
    expect(notJson.status).toBe(400);
    const wrongType = await fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: '{}' });
    expect(wrongType.status).toBe(415);
  });

  it('rejects a foreign Host or Origin (DNS rebinding, cross-site requests)', async () => {
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{}');
      });
    expect(await status({ host: 'evil.example:80' })).toBe(403);
    expect(await status({ origin: 'http://evil.example' })).toBe(403);
    expect(await status({})).toBe(200);
  });

  it('streams events over a WebSocket only with the token', async () => {
    const wsUrl = `${server.url.replace('http', 'ws')}api/events`;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(200));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(401);

    const ws = new WebSocket(wsUrl, { headers: auth });
    await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
    const received = new Promise<unknown>((resolve) => ws.on('message', (data) => resolve(JSON.parse(String(data)))));
    engine.context.emit('conflicts/changed', { open: 3, byPair: { p1: 3 } });
    expect(await received).toEqual({ event: 'conflicts/changed', payload: { open: 3, byPair: { p1: 3 } } });
    ws.close();
  });

  it('serves every method of the contract (none answers unknown-method)', async () => {
    for (const method of Object.keys(schemas)) {
      const answer = (await (await invoke(method, {})).json()) as { ok: boolean; error?: { code: string } };
      expect(answer.error?.code, method).not.toBe('unknown-method');
    }
  });

  it('survives hostile requests before authentication: a malformed cookie or request line is refused, never a crash', async () => {
    // A raw request, so the request line and cookie can be what no well-behaved client sends.
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.on('data', (chunk) => (answer += String(chunk)));
        socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
      });
    const upgrade = 'connection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const host = `host: 127.0.0.1:${server.port}\r\n`;
    expect(await raw(`GET /api/events HTTP/1.1\r\n${host}cookie: concord_session_${server.port}=%E0\r\n${upgrade}\r\n`)).toMatch(/^HTTP\/1\.1 401/);
    expect(await raw(`GET http://[ HTTP/1.1\r\n${host}${upgrade}\r\n`)).toMatch(/^HTTP\/1\.1 40[01]/);
    expect(await raw(`GET / HTTP/1.1\r\n${host}cookie: concord_session_${server.port}=%E0\r\nconnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 401/);
    // Still serving.
    expect((await invoke('app/info', {})).status).toBe(200);
  });

  it('answers a malformed percent-escape in the address with 400 and says what is wrong, never 500', async () => {
    for (const path of ['api/%E0%A4%A', 'api/invoke/%E0%A4%A', 'api/invoke/app%2Finfo%', '%E0%A4%A']) {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{}' });
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).toMatch(/malformed percent-escape/);
    }
    const page = await fetch(`${server.url}%E0%A4%A`, { headers: auth });
    expect(page.status).toBe(400);
    expect((await invoke('app/info', {})).status).toBe(200);
  });

  it('answers a body over 5 MB with 413 and says what to do: the client receives the answer, never a reset', async () => {
    // Several times: a reset that races the answer shows up only now and then.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: 'x'.repeat(6 * 1024 * 1024) });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/larger than 5 MB/) } });
    }
    // A raw client that sends its whole (chunked) body before it reads the answer gets it too.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write(`POST /api/invoke/app/info HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\nauthorization: ${auth.authorization}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
        const chunk = 'y'.repeat(1024 * 1024);
        for (let i = 0; i < 7; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        socket.end('0\r\n\r\n');
      });
      let text = '';
      socket.on('data', (c) => (text += String(c)));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toMatch(/larger than 5 MB/);
    expect((await invoke('app/info', {})).status).toBe(200);
  });
});
