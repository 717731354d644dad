/**
 * Tells the user when a pair starts failing: a notice in the window always, and in a browser (the
 * headless server's UI) a desktop notification too, once the user allowed them. The desktop app's
 * main process shows its own OS notification (src-main/shell/notifications.ts), so the renderer
 * there only adds the notice.
 *
 * Only the transition into 'failing' alerts, compared with the last health this window saw: a pair
 * that was already failing when the window opened shows it on its card without an alert, and a
 * pair that stays failing through many `pairs/changed` events alerts once. A run in progress
 * ('syncing') is not a recovery: a scheduled pair that fails run after run alerts once. A pair
 * that alerted and then syncs again (in sync, or needing attention for its conflicts) says so.
 */
import type { PairSummary } from '../../src-main/engine/api/model';
import { routeToHash } from './route';
import type { ConcordStore } from './store';

/** `tag`: notifications with one tag replace each other (default: the pair's failing alert). */
export type FailureAlert = { pairId: string; title: string; body: string; tag?: string };

/** Shows one desktop notification; absent where the window cannot (or need not) show them. */
export type ShowDesktopAlert = (alert: FailureAlert) => void;

export function watchFailingPairs(store: ConcordStore, showDesktop?: ShowDesktopAlert): () => void {
  const lastHealth = new Map<string, PairSummary['health']>();
  /** Pairs this window alerted as failing and has not yet seen sync again (a pause or a run in progress is no recovery). */
  const alerted = new Set<string>();
  let loaded = false;
  const take = (pairs: PairSummary[]): { failing: PairSummary[]; recovered: PairSummary[] } => {
    const failing = pairs.filter((p) => p.health === 'failing' && lastHealth.has(p.id) && lastHealth.get(p.id) !== 'failing');
    const recovered = pairs.filter((p) => alerted.has(p.id) && (p.health === 'in-sync' || p.health === 'needs-attention'));
    for (const p of failing) alerted.add(p.id);
    for (const p of recovered) alerted.delete(p.id);
    const seen = new Map(lastHealth);
    lastHealth.clear();
    for (const p of pairs) lastHealth.set(p.id, p.health === 'syncing' ? (seen.get(p.id) ?? p.health) : p.health);
    return { failing, recovered };
  };
  return store.subscribe((state, previous) => {
    if (state.pairs === previous.pairs) return;
    // The first list is what the window found: it seeds the memory and alerts nothing.
    if (!loaded) {
      if (!state.pairsLoaded) return;
      loaded = true;
      take(state.pairs);
      return;
    }
    const { failing, recovered } = take(state.pairs);
    for (const pair of recovered) state.notify('success', `“${pair.name}” syncs again.`);
    for (const pair of failing) {
      const reason = pair.healthReason ?? 'Its last sync failed.';
      state.notify('error', `“${pair.name}” is failing: ${reason}`);
      showDesktop?.({ pairId: pair.id, title: `Concord: “${pair.name}” is failing`, body: pair.healthReason ?? 'Its last sync failed. Open Concord to see why.' });
    }
  });
}

/** What the browser lets this page do about desktop notifications. */
export type DesktopAlertState = 'granted' | 'denied' | 'default' | 'unsupported';

export function desktopAlertState(): DesktopAlertState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** The browser's Notification API; clicking one focuses the window on the failing pair. */
export const showBrowserNotification: ShowDesktopAlert = (alert) => {
  if (desktopAlertState() !== 'granted') return;
  const notification = new Notification(alert.title, { body: alert.body, tag: alert.tag ?? `concord-failing-${alert.pairId}` });
  notification.onclick = () => {
    window.focus();
    location.hash = routeToHash({ name: 'pair', pairId: alert.pairId, tab: 'runs' });
    notification.close();
  };
};
