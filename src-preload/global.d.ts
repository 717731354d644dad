/** `window.concord`, exposed by the preload; the renderer's only way to reach the engine. */
import type { ConcordBridge } from '../src-main/engine/api/contract';

declare global {
  interface Window {
    readonly concord: ConcordBridge;
  }
}

export {};
