// The renderer's browser transport (src-renderer/api/http-bridge.ts) against the real headless
// server and a real engine (a SQLite file in a temp folder): the same bridge the UI runs in
// Chromium, here under Node with the `ws` client standing in for the browser's WebSocket (Node 20
// has none) and a Bearer header standing in for the session cookie.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHttpBridge, UNAUTHORIZED_MESSAGE } from '../../../src-renderer/api/http-bridge';
import { createFileCredentialStore } from '../credentials/file-store';
import { createEngine, type Engine } from '../engine';
import { startServer, type RunningServer } from './http-server';

const TOKEN = 'browser-transport-token-0123456789';
let dir: string;
let engine: Engine;
let server: RunningServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-bridge-'));
  const ui = join(dir, 'ui');
  mkdirSync(ui, { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Concord</title>');
  const dataDir = join(dir, 'data');
  engine = createEngine({ dataDir, credentials: createFileCredentialStore({ dataDir, env: { CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' } }), log: () => undefined });
  server = await startServer({ engine, token: TOKEN, staticDir: ui, port: 0 });
});

afterEach(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const bridge = (token: string | null, onUnauthorized?: () => void) =>
  createHttpBridge({
    baseUrl: server.url.replace(/\/$/, ''),
    fetchImpl: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) } }),
    openSocket: (url) => new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {}) as unknown as globalThis.WebSocket,
    ...(onUnauthorized ? { onUnauthorized } : {}),
  });

it('invokes the API and receives the engine events through the real server', async () => {
  const b = bridge(TOKEN);
  const info = await b.invoke('app/info', {});
  expect(info).toMatchObject({ ok: true, value: { name: 'Concord', dataDir: join(dir, 'data') } });
  expect(await b.invoke('pairs/list', {})).toEqual({ ok: true, value: [] });
  const bad = await b.invoke('pairs/get', { pairId: 7 } as never);
  expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input', issues: [{ path: 'pairId' }] } });

  const connected = new Promise<void>((resolve) => b.onConnectionState((s) => s === 'connected' && resolve()));
  const received = new Promise<unknown>((resolve) => b.on('conflicts/changed', resolve));
  await connected;
  engine.context.emit('conflicts/changed', { open: 2, byPair: { p: 2 } });
  expect(await received).toEqual({ open: 2, byPair: { p: 2 } });
});

it('without the token every call is an unauthorized envelope with what to do, and the UI is told', async () => {
  let told = 0;
  const b = bridge(null, () => told++);
  expect(await b.invoke('app/info', {})).toEqual({ ok: false, error: { code: 'unauthorized', message: UNAUTHORIZED_MESSAGE } });
  expect(told).toBe(1);
});

it('a server that is gone is an unavailable envelope, not a thrown error', async () => {
  const b = bridge(TOKEN);
  await server.close();
  const answer = await b.invoke('app/info', {});
  expect(answer).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/Cannot reach the Concord server/) } });
  server = await startServer({ engine, token: TOKEN, staticDir: join(dir, 'ui'), port: 0 }); // for afterEach
});
