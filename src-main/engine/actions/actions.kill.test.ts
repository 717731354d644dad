// A delivery in flight when the engine process is SIGKILLed is sent after the next start: the
// outbox row was committed with the run's end, before any call, and nothing about it lives only
// in memory. The engine runs as the desktop app runs it (process-entry.ts, in a real child process).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ApiMethod } from '../api/contract';
import { createFileCredentialStore } from '../credentials/file-store';
import { createEngine, type Engine } from '../engine';
import type { EngineToMain } from '../process-protocol';
import { appInsert, basePairConfig, createApp, until } from '../sync/test-kit.fixture';
import { startReceiver, type Receiver } from './receiver.fixture';

const env = { CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' };
let dir: string | null = null;
let receiver: Receiver | null = null;
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.close();
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('a delivery in flight when the engine is SIGKILLed is delivered, with the same id, after it starts again', async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-actions-kill-'));
  const dataDir = join(dir, 'data');
  const left = join(dir, 'left.sqlite');
  const right = join(dir, 'right.sqlite');
  createApp(left);
  createApp(right);
  appInsert(left, { email: 'ann@example.com', name: 'Ann', score: 1 });
  receiver = await startReceiver();
  const r = receiver;
  r.hang = true; // the receiver holds the call: it is in flight when the kill comes

  const child = fork(join(__dirname, '..', 'process-entry.ts'), ['--data-dir', dataDir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, VITEST: '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let nextId = 0;
  const ready = new Promise<void>((resolve) => child.on('message', (m: EngineToMain) => m.type === 'ready' && resolve()));
  const call = <T>(method: ApiMethod, args: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      const onMessage = (m: EngineToMain) => {
        if (m.type !== 'result' || m.id !== id) return;
        child.off('message', onMessage);
        if (m.response.ok) resolve(m.response.value as T);
        else reject(new Error(`${method}: ${m.response.error.message}`));
      };
      child.on('message', onMessage);
      child.send({ type: 'invoke', id, method, args });
    });
  await ready;
  const l = await call<{ id: string }>('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const rc = await call<{ id: string }>('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: right } });
  const pair = await call<{ id: string }>('pairs/create', { config: basePairConfig(l.id, rc.id) });
  const made = await call<{ secret: string }>('actions/create', { pairId: pair.id, action: { kind: 'url', url: r.url, events: ['run.finished'] } });
  r.secret = made.secret;
  await call('pairs/sync-now', { pairId: pair.id });
  await until(() => r.received.length === 1);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  r.hang = false;
  engine = createEngine({ dataDir, credentials: createFileCredentialStore({ dataDir, env }), log: () => {}, schedulerTickMs: 3_600_000, feeds: false });
  const restarted = engine;
  const delivered = await until(async () => {
    const page = await restarted.dispatch('actions/deliveries', { pairId: pair.id });
    const d = page.ok ? (page.value as { items: { id: string; status: string }[] }).items[0] : undefined;
    return d?.status === 'delivered' && d;
  });
  expect(r.received.map((x) => [x.json.id, x.json.event, x.answered, x.signatureOk])).toEqual([
    [delivered.id, 'run.finished', 0, true],
    [delivered.id, 'run.finished', 200, true],
  ]);
}, 60_000);
