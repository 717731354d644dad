import type { ConcordBridge } from '../../src-main/engine/api/contract';
import { isBrowserBridge } from '../api/bridge';
import type { BrowserBridge } from '../api/http-bridge';
import type { ConcordStore } from './store';

/** Refetches everything the screens show; used at start and after the event stream reconnects. */
export async function refreshAll(store: ConcordStore): Promise<void> {
  const s = store.getState();
  // Opened on the inbox (a reload there, a link): its rows are asked for first; the engine answers one call at a time.
  if (!s.conflictsLoaded && s.route.name === 'conflicts') {
    await s.openInbox(s.route.pairId ?? null, 'start-up');
    await Promise.all([s.loadPairs(), s.loadConflictCount()]);
    return;
  }
  const loads = [s.loadPairs(), s.loadConflictCount()];
  if (s.conflictsLoaded) loads.push(s.loadConflicts());
  await Promise.all(loads);
}

/**
 * The one subscription that turns engine events into store updates. Returns the unsubscribe.
 * While the inbox is loaded, a change in the open count refetches its list (and the open conflict),
 * so a conflict resolved elsewhere (another window, the CLI) disappears and a new one appears.
 */
export function connectEngineEvents(store: ConcordStore, bridge: ConcordBridge | BrowserBridge): () => void {
  const get = store.getState;
  let listTimer: ReturnType<typeof setTimeout> | null = null;
  const offs = [
    bridge.on('run/progress', (p) => get().applyProgress(p)),
    bridge.on('run/finished', (run) => get().applyRunFinished(run)),
    bridge.on('pairs/changed', (pair) => get().applyPairChanged(pair)),
    bridge.on('pairs/removed', ({ pairId }) => get().applyPairRemoved(pairId)),
    bridge.on('conflicts/bulk-progress', (job) => get().applyBulkProgress(job)),
    bridge.on('actions/delivery', ({ pairId }) => get().applyDelivery(pairId)),
    bridge.on('conflicts/changed', (count) => {
      get().applyConflictCount(count);
      if (!get().conflictsLoaded || listTimer !== null) return;
      // Many changes arrive in a burst during a run: refetch once per burst.
      listTimer = setTimeout(() => {
        listTimer = null;
        void get().loadConflicts().then(() => {
          // The open conflict may have new values (a run re-detected it): refetch it, which also
          // drops the steward's unapplied choices for the fields that changed.
          const route = get().route;
          if (route.name === 'conflicts' && route.conflictId && get().conflictRows.some((c) => c?.id === route.conflictId)) void get().loadConflict(route.conflictId);
        });
      }, 250);
    }),
  ];
  if (isBrowserBridge(bridge)) {
    offs.push(bridge.onReconnect(() => void refreshAll(store)));
    offs.push(bridge.onConnectionState((state) => get().setConnection(state)));
  }
  return () => {
    offs.forEach((off) => off());
    if (listTimer !== null) clearTimeout(listTimer);
  };
}
