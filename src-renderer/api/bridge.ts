import type { ConcordBridge } from '../../src-main/engine/api/contract';
import { createHttpBridge, type BrowserBridge, type HttpBridgeOptions } from './http-bridge';

/** The desktop preload's bridge when present; otherwise the browser transport of `concord serve`. */
export function pickBridge(options: HttpBridgeOptions = {}): ConcordBridge | BrowserBridge {
  const host: Window & { concord?: ConcordBridge } = window;
  return host.concord ?? createHttpBridge(options);
}

export function isBrowserBridge(bridge: ConcordBridge | BrowserBridge): bridge is BrowserBridge {
  return 'onReconnect' in bridge;
}
