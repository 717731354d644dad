// The engine process as main runs it, in a real child process (Node's IPC channel stands in for
// Electron's parentPort, which needs the Electron binary): ready → invoke → result → shutdown → closed.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { lockDataDir } from './data-dir-lock';
import type { EngineToMain } from './process-protocol';

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('serves the API in its own process and closes the database on shutdown', async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-proc-'));
  const child = fork(join(__dirname, 'process-entry.ts'), ['--data-dir', dir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, VITEST: '', CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: EngineToMain[] = [];
  // Waits on the child's messages themselves, however long a busy machine takes (the test's own
  // timeout bounds it): a poll with a deadline of its own failed under load.
  const next = (type: EngineToMain['type'], match: (m: EngineToMain) => boolean = () => true) =>
    new Promise<EngineToMain>((resolve, reject) => {
      const found = messages.find((m) => m.type === type && match(m));
      if (found) return resolve(found);
      const onMessage = (m: EngineToMain) => {
        if (m.type === type && match(m)) {
          child.off('message', onMessage);
          resolve(m);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`engine exited with ${code} before "${type}"`)));
    });
  child.on('message', (m: EngineToMain) => messages.push(m));

  await next('ready');
  child.send({ type: 'invoke', id: 1, method: 'app/info', args: {} });
  const result = await next('result', (m) => m.type === 'result' && m.id === 1);
  expect(result).toMatchObject({ type: 'result', id: 1, response: { ok: true, value: { dataDir: dir } } });

  child.send({ type: 'invoke', id: 2, method: 'pairs/get', args: {} });
  expect(await next('result', (m) => m.type === 'result' && m.id === 2)).toMatchObject({ response: { ok: false, error: { code: 'invalid-input' } } });

  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.send({ type: 'shutdown' });
  child.send({ type: 'invoke', id: 3, method: 'pairs/list', args: {} });
  await next('closed');
  // A call that arrives after shutdown began is refused cleanly, never run against a closing store.
  // Its refusal may follow 'closed': the engine can read the call after the store has closed.
  expect(await next('result', (m) => m.type === 'result' && m.id === 3)).toMatchObject({ response: { ok: false, error: { code: 'unavailable' } } });
  expect(await exited).toBe(0);
  // A clean close checkpoints the WAL and removes it.
  expect(existsSync(join(dir, 'concord.sqlite-wal'))).toBe(false);
});

it('an engine that cannot open its store says why to main, then exits 1', async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-proc-'));
  const child = fork(join(__dirname, 'process-entry.ts'), ['--data-dir', dir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, VITEST: '', CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6', CONCORD_SQLITE_BINDING: join(dir, 'missing', 'better_sqlite3.node') },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const messages: EngineToMain[] = [];
  child.on('message', (m: EngineToMain) => messages.push(m));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(messages).toEqual([{ type: 'failed', message: expect.stringMatching(/could not start: Concord's SQLite library \(better-sqlite3 at .*missing.*\) is not built for Node .*npm rebuild better-sqlite3/) }]);
  // The data-folder lock was released: the next start is not refused.
  lockDataDir(dir, 'the next start').release();
});

// Issue 12 §1: the desktop app receives webhooks too (127.0.0.1; here on the port the environment names).
it('starts the webhook receiver with the desktop engine', async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-proc-'));
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const child = fork(join(__dirname, 'process-entry.ts'), ['--data-dir', dir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, VITEST: '', CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6', CONCORD_WEBHOOK_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve) => child.on('message', (m: EngineToMain) => m.type === 'ready' && resolve()));
    // `ready` comes before the receiver listens: ask until it answers (the test's timeout bounds it).
    let res: Response | null = null;
    while (!res) res = await fetch(`http://127.0.0.1:${port}/hooks/no-such-pair/left`, { method: 'POST', body: '{}' }).catch(() => null);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/No webhook endpoint here/) });
  } finally {
    child.send({ type: 'shutdown' });
    expect(await exited).toBe(0);
  }
});
