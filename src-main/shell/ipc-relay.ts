/**
 * The one IPC channel: `concord:invoke` from the preload, relayed to the engine process.
 *
 * Only our own page may call it: the main window's webContents, from its top frame (never an
 * iframe), showing our own renderer URL. Anything else gets an `unauthorized` envelope and is
 * not relayed. Unknown method names are refused here too, before they cross another process.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { ApiMethod, ApiResponse } from '../engine/api/contract';
import { isApiMethod } from '../engine/api/dispatch';
import type { EngineEvent } from '../engine/process-protocol';
import type { EngineProcess } from './engine-process';

export const INVOKE_CHANNEL = 'concord:invoke';
export const EVENT_CHANNEL = 'concord:event';

export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null, isOwnUrl: (url: string) => boolean): boolean {
  if (!window || window.isDestroyed()) return false;
  if (event.sender !== window.webContents) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame || frame.parent !== null) return false;
  return isOwnUrl(frame.url);
}

export function registerIpcRelay(options: {
  getWindow: () => BrowserWindow | null;
  isOwnUrl: (url: string) => boolean;
  engine: Pick<EngineProcess, 'invoke'>;
  log?: (message: string) => void;
}): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (event, method: unknown, args: unknown): Promise<ApiResponse<ApiMethod>> => {
    if (!isTrustedSender(event, options.getWindow(), options.isOwnUrl)) {
      options.log?.(`refused ${INVOKE_CHANNEL} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return { ok: false, error: { code: 'unauthorized', message: 'This page is not allowed to call Concord.' } };
    }
    if (!isApiMethod(method)) {
      return { ok: false, error: { code: 'unknown-method', message: `Unknown API method ${JSON.stringify(method)}.` } };
    }
    return options.engine.invoke(method, args);
  });
  return () => ipcMain.removeHandler(INVOKE_CHANNEL);
}

/** Sends one engine event to the window, if it is still there. */
export function forwardEvent(window: BrowserWindow | null, event: EngineEvent): void {
  if (!window || window.isDestroyed() || window.webContents.isDestroyed()) return;
  window.webContents.send(EVENT_CHANNEL, event.event, event.payload);
}
