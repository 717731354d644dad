import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEngineProcess } from './engine-process';
import { mock } from './mock-electron';

vi.mock('electron', async () => (await import('./mock-electron')).mock.module);

const ENTRY = new URL('../engine/process-entry.ts', import.meta.url).pathname;

describe('engine process client ↔ the REAL engine entry, with a MOCK electron utilityProcess (Electron cannot run here)', () => {
  let dataDir = '';
  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('speaks process-protocol.ts with the real engine: ready, invoke, result, shutdown, closed', async () => {
    mock.reset();
    dataDir = await mkdtemp(join(tmpdir(), 'concord-engine-proc-'));
    // utilityProcess.fork stand-in: a real Node child (Node's IPC instead of Electron's parentPort).
    mock.module.utilityProcess.fork = (modulePath: string, args: string[]) => {
      const child = fork(modulePath, args, {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, VITEST: '', CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' },
        stdio: 'inherit',
      });
      const proc = Object.assign(new EventEmitter(), {
        postMessage: (m: unknown) => void child.send(m as object),
        kill: () => child.kill(),
      });
      child.on('message', (m) => proc.emit('message', m));
      child.on('exit', (code) => proc.emit('exit', code ?? 1));
      return proc as never; // the client only uses on/postMessage/kill, which this adapter has
    };
    const engine = createEngineProcess({ modulePath: ENTRY, dataDir, startTimeoutMs: 20_000 });
    engine.start();
    const info = await engine.invoke('app/info', {});
    expect(info).toMatchObject({ ok: true, value: { name: 'Concord', dataDir } });
    expect(await engine.invoke('pairs/list', {})).toEqual({ ok: true, value: [] });
    expect(await engine.invoke('pairs/get', { pairId: '' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await engine.shutdown()).toEqual({ clean: true });
  });
});
