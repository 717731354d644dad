/**
 * A pair's `notify` workflow actions (the engine's `actions/notify` event): a notice in the window
 * always, and in a browser (the headless server's UI) a desktop notification too, once allowed.
 * The desktop app's main process shows the OS notification itself (src-main/shell/notifications.ts),
 * as it does for failing pairs. "Pair starts failing" is never among a notify action's events (the
 * engine refuses it): failure-alerts.ts already alerts it, so it never shows twice.
 */
import type { ConcordBridge } from '../../src-main/engine/api/contract';
import type { ShowDesktopAlert } from './failure-alerts';
import type { ConcordStore } from './store';

export function watchActionNotifications(store: ConcordStore, bridge: ConcordBridge, showDesktop?: ShowDesktopAlert): () => void {
  return bridge.on('actions/notify', (n) => {
    store.getState().notify('info', `${n.title.replace(/^Concord: /, '')}: ${n.body}`);
    // One tag per delivery: a redelivered one replaces itself, other events do not replace each other.
    showDesktop?.({ pairId: n.pairId, title: n.title, body: n.body, tag: `concord-action-${n.deliveryId}` });
  });
}
