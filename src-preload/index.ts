/**
 * The preload: exposes `window.concord` (the contract's `ConcordBridge`) and nothing else.
 * Raw `ipcRenderer` never reaches the page; the IpcRendererEvent (which carries the sender) is
 * not passed to listeners either. Runs sandboxed: it may import only `electron`'s renderer
 * modules, and types.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiResponse, ConcordBridge, EventName, Events } from '../src-main/engine/api/contract';

const INVOKE_CHANNEL = 'concord:invoke';
const EVENT_CHANNEL = 'concord:event';

export const bridge: ConcordBridge = {
  invoke(method, args) {
    // The envelope type is the contract's; main and the engine check method and args again.
    const response: Promise<ApiResponse<typeof method>> = ipcRenderer.invoke(INVOKE_CHANNEL, method, args);
    return response;
  },
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    const handler = (_event: IpcRendererEvent, name: unknown, payload: Events[E]): void => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('concord', bridge);
