import { describe, expect, it, vi } from 'vitest';
import { createEngineProcess } from './engine-process';
import { mock, type MockUtilityProcess } from './mock-electron';

vi.mock('electron', async () => (await import('./mock-electron')).mock.module);

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const lastFork = (): MockUtilityProcess => {
  const child = mock.state.forks.at(-1);
  if (!child) throw new Error('no engine was started');
  return child;
};

function setup(options: { invokeTimeoutMs?: number; startTimeoutMs?: number; shutdownTimeoutMs?: number } = {}) {
  mock.reset();
  const logs: string[] = [];
  const engine = createEngineProcess({ modulePath: '/app/out/main/engine.js', dataDir: '/data', log: (m) => logs.push(m), ...options });
  return { engine, logs };
}

describe('engine process client with a MOCK electron module (Electron cannot run here)', () => {
  it('waits for ready before the first invoke is posted', async () => {
    const { engine } = setup();
    mock.state.engineAutoReady = false;
    engine.start();
    const answer = engine.invoke('pairs/list', {});
    await flush();
    expect(lastFork().posted).toEqual([]);
    lastFork().emit('message', { type: 'ready' });
    expect(await answer).toEqual({ ok: true, value: { echo: 'pairs/list', args: {} } });
  });

  it('an engine that never says ready gives an actionable unavailable error', async () => {
    const { engine } = setup({ startTimeoutMs: 30 });
    mock.state.engineAutoReady = false;
    expect(await engine.invoke('pairs/list', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/did not start/) } });
  });

  it('an engine that fails to start says why (its own message, not a bare timeout); the Electron build of SQLite reaches it by env', async () => {
    mock.reset();
    const engine = createEngineProcess({ modulePath: '/app/out/main/engine.js', dataDir: '/data', sqliteBinding: '/app/node_modules/.concord-electron/better_sqlite3.node', log: () => undefined });
    mock.state.engineAutoReady = false;
    engine.start();
    expect(lastFork().options).toMatchObject({ env: { CONCORD_SQLITE_BINDING: '/app/node_modules/.concord-electron/better_sqlite3.node' } });
    const answer = engine.invoke('pairs/list', {});
    await flush();
    lastFork().emit('message', { type: 'failed', message: "Concord's engine could not start: the SQLite library is not built for Electron 45.4.1." });
    expect(await answer).toEqual({ ok: false, error: { code: 'unavailable', message: "Concord's engine could not start: the SQLite library is not built for Electron 45.4.1." } });
  });

  it('matches answers by id when they come back out of order, and drops a late answer after a timeout', async () => {
    const { engine } = setup({ invokeTimeoutMs: 50 });
    const held: { id?: number; method?: string }[] = [];
    mock.state.engineScript = (message) => void held.push(message);
    engine.start();
    const a = engine.invoke('pairs/list', {});
    const b = engine.invoke('conflicts/count', {});
    await sleep(5);
    const [first, second] = held;
    lastFork().emit('message', { type: 'result', id: second?.id, response: { ok: true, value: 'B' } });
    lastFork().emit('message', { type: 'result', id: first?.id, response: { ok: true, value: 'A' } });
    expect(await a).toEqual({ ok: true, value: 'A' });
    expect(await b).toEqual({ ok: true, value: 'B' });

    const slow = engine.invoke('pairs/sync-now', { pairId: 'p1' });
    expect(await slow).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/did not answer pairs\/sync-now/) } });
    // The answer arriving after the timeout must not throw or resolve anything twice.
    lastFork().emit('message', { type: 'result', id: held[2]?.id, response: { ok: true, value: 'late' } });
  });

  it('a crash fails the calls in flight and the next call starts a new engine', async () => {
    const { engine, logs } = setup();
    mock.state.engineScript = () => undefined; // never answers
    engine.start();
    const inFlight = engine.invoke('pairs/list', {});
    await sleep(5);
    lastFork().exit(134);
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/exit code 134/) } });
    expect(logs.join('\n')).toMatch(/exited unexpectedly/);
    mock.state.engineScript = (await import('./mock-electron')).healthyEngine;
    expect(await engine.invoke('pairs/list', {})).toMatchObject({ ok: true });
    expect(mock.state.forks).toHaveLength(2);
  });

  it('ignores malformed messages from the engine', async () => {
    const { engine, logs } = setup();
    const events: unknown[] = [];
    engine.onEvent((e) => events.push(e));
    engine.start();
    for (const junk of [null, 'ready', 42, { type: 'result' }, { type: 'event' }, { type: 'nope' }]) lastFork().emit('message', junk);
    lastFork().emit('message', { type: 'event', event: 'pairs/removed', payload: { pairId: 'p1' } });
    expect(events).toEqual([{ event: 'pairs/removed', payload: { pairId: 'p1' } }]);
    expect(logs.filter((l) => l.includes('malformed'))).toHaveLength(6);
  });

  it('shutdown waits for closed and does not kill a well-behaved engine', async () => {
    const { engine } = setup();
    engine.start();
    await flush();
    expect(await engine.shutdown()).toEqual({ clean: true });
    expect(lastFork().posted).toEqual([{ type: 'shutdown' }]);
    expect(lastFork().killed).toBe(false);
  });

  it('shutdown kills an engine that does not close in time', async () => {
    const { engine, logs } = setup({ shutdownTimeoutMs: 40 });
    mock.state.engineScript = () => undefined;
    engine.start();
    await flush();
    const started = Date.now();
    expect(await engine.shutdown()).toEqual({ clean: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(lastFork().killed).toBe(true);
    expect(logs.join('\n')).toMatch(/killing it/);
    expect(await engine.invoke('pairs/list', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(mock.state.forks).toHaveLength(1); // no restart while quitting
  });
});
