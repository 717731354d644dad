import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConcordBridge } from '../src-main/engine/api/contract';
import { mock } from '../src-main/shell/mock-electron';

vi.mock('electron', async () => (await import('../src-main/shell/mock-electron')).mock.module);

async function loadPreload(): Promise<ConcordBridge> {
  mock.reset();
  vi.resetModules();
  await import('./index');
  const exposed = mock.state.exposed.concord;
  if (!exposed) throw new Error('the preload exposed no window.concord');
  return exposed as ConcordBridge;
}

describe('preload with a MOCK electron module (Electron cannot run here)', () => {
  let concord: ConcordBridge;
  beforeEach(async () => {
    concord = await loadPreload();
  });

  it('exposes exactly window.concord with exactly invoke and on — never ipcRenderer', () => {
    expect(Object.keys(mock.state.exposed)).toEqual(['concord']);
    expect(Object.keys(concord).sort()).toEqual(['invoke', 'on']);
    for (const value of Object.values(concord)) {
      expect(typeof value).toBe('function');
      expect(value).not.toBe(mock.module.ipcRenderer);
    }
  });

  it('invoke goes to concord:invoke with the method and args and returns main\'s envelope', async () => {
    const response = await concord.invoke('pairs/sync-now', { pairId: 'p1' });
    expect(response).toEqual({ ok: true, value: 'from main' });
    expect(mock.state.rendererInvokes).toEqual([['concord:invoke', 'pairs/sync-now', { pairId: 'p1' }]]);
  });

  it('on delivers only the named event, only its payload, and unsubscribes', () => {
    const seen: unknown[][] = [];
    const off = concord.on('conflicts/changed', (...args: unknown[]) => void seen.push(args));
    const ipc = mock.module.ipcRenderer;
    ipc.emit('concord:event', { senderId: 0 }, 'conflicts/changed', { open: 2, byPair: {} });
    ipc.emit('concord:event', { senderId: 0 }, 'pairs/removed', { pairId: 'p1' });
    ipc.emit('another-channel', { senderId: 0 }, 'conflicts/changed', { open: 9, byPair: {} });
    expect(seen).toEqual([[{ open: 2, byPair: {} }]]);
    off();
    ipc.emit('concord:event', { senderId: 0 }, 'conflicts/changed', { open: 3, byPair: {} });
    expect(seen).toHaveLength(1);
    expect(ipc.listenerCount('concord:event')).toBe(0);
  });
});
