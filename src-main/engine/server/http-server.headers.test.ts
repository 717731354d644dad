// Issue 13 §2, "Responses miss headers": every answer of the headless server — the page, the
// API, the login redirect and every refusal or failure — carries the security headers, and the
// answers that are not static files are never cached. A real engine and server on 127.0.0.1.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createEngine, type Engine } from '../engine';
import { startServer, type RunningServer } from './http-server';

const TOKEN = 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6';
let dir: string;
let ui: string;
let engine: Engine;
let server: RunningServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-headers-'));
  ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Concord</title>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
  engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: () => undefined });
  server = await startServer({ engine, token: TOKEN, staticDir: ui, port: 0 });
});
afterEach(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };

function expectSecurityHeaders(headers: Headers, what: string, cache: 'no-store' | 'any' = 'no-store'): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp, what).toMatch(/default-src 'self'/);
  expect(csp, what).toMatch(/script-src 'self'(;|$)/);
  expect(csp, what).toMatch(/frame-ancestors 'none'/);
  expect(csp, what).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
  expect(headers.get('cross-origin-resource-policy'), what).toBe('same-origin');
  if (cache === 'no-store') expect(headers.get('cache-control'), what).toBe('no-store');
}

/** A raw request, for what fetch cannot send (a foreign Host, a broken request line). */
function raw(request: string): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.on('data', (c) => (text += String(c)));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Headers();
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers });
    });
  });
}

it('every status carries the security headers: 200, 302, 400, 401, 403, 404, 405, 413, 415', async () => {
  const page = await fetch(server.url, { headers: auth });
  expect(page.status).toBe(200);
  expectSecurityHeaders(page.headers, 'the page', 'any');
  const asset = await fetch(`${server.url}assets/app.js`, { headers: auth });
  expectSecurityHeaders(asset.headers, 'an asset', 'any');

  const cases: [number, string, Promise<Response>][] = [
    [200, 'an API answer', fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{}' })],
    [302, 'the login redirect', fetch(`${server.url}?token=${TOKEN}`, { redirect: 'manual' })],
    [400, 'a malformed escape', fetch(`${server.url}%E0%A4%A`, { headers: auth })],
    [400, 'bad JSON', fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{oops' })],
    [401, 'no token (page)', fetch(server.url)],
    [401, 'no token (API)', fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })],
    [404, 'an unknown endpoint', fetch(`${server.url}api/nothing`, { headers: auth })],
    [405, 'GET on the API', fetch(`${server.url}api/invoke/app/info`, { headers: auth })],
    [405, 'DELETE on a page', fetch(server.url, { method: 'DELETE', headers: auth })],
    [413, 'a body too large', fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: 'x'.repeat(6 * 1024 * 1024) })],
    [415, 'a wrong content type', fetch(`${server.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: '{}' })],
  ];
  for (const [status, what, pending] of cases) {
    const res = await pending;
    expect(res.status, what).toBe(status);
    expectSecurityHeaders(res.headers, what);
  }

  const foreign = await raw(`GET / HTTP/1.1\r\nhost: evil.example:${server.port}\r\nauthorization: Bearer ${TOKEN}\r\nconnection: close\r\n\r\n`);
  expect(foreign.status).toBe(403);
  expectSecurityHeaders(foreign.headers, 'a foreign Host');
  const broken = await raw('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nbad header line\r\n\r\n');
  expect(broken.status).toBe(400);
  expectSecurityHeaders(broken.headers, 'an unparsable request');
  const socket = await raw(`GET /api/events HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  expect(socket.status).toBe(401);
  expectSecurityHeaders(socket.headers, 'a refused WebSocket');
});

it('a 500 from a failing engine carries them too', async () => {
  const failing = await startServer({
    // A stand-in engine whose every call throws: the real one has no way to fail on demand.
    engine: { access: engine.access, dispatch: () => Promise.reject(new Error('disk on fire')), onEvent: () => () => undefined },
    token: TOKEN,
    staticDir: ui,
    port: 0,
  });
  try {
    const res = await fetch(`${failing.url}api/invoke/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{}' });
    expect(res.status).toBe(500);
    expectSecurityHeaders(res.headers, 'a server failure');
  } finally {
    await failing.close();
  }
});
