import { describe, expect, it } from 'vitest';
import type { PairSummary } from '../../src-main/engine/api/model';
import { fakeBridgeForTests } from '../api/fake-bridge-for-tests';
import { pairSummary } from '../screens/pairs/pairs.fixture';
import { connectEngineEvents } from './engine-events';
import { watchActionNotifications } from './action-alerts';
import { watchFailingPairs, type FailureAlert } from './failure-alerts';
import { createConcordStore } from './store';

const summary = (id: string, health: PairSummary['health'], healthReason: string | null = null): PairSummary =>
  pairSummary({ id, name: `Pair ${id}`, health, healthReason });

async function setUp(initial: PairSummary[]) {
  const bridge = fakeBridgeForTests({ 'pairs/list': () => initial });
  const store = createConcordStore(bridge);
  connectEngineEvents(store, bridge);
  const desktop: FailureAlert[] = [];
  watchFailingPairs(store, (a) => desktop.push(a));
  await store.getState().loadPairs();
  const notices = () => store.getState().notices.map((n) => `${n.tone}: ${n.text}`);
  return { bridge, desktop, notices };
}

describe('failure alerts', () => {
  it('alerts once when a pair turns failing, not for each failed run, and again after it recovered', async () => {
    const { bridge, desktop, notices } = await setUp([summary('a', 'in-sync')]);
    bridge.emit('pairs/changed', summary('a', 'syncing'));
    bridge.emit('pairs/changed', summary('a', 'failing', 'HubSpot answered 401'));
    expect(notices()).toEqual(['error: “Pair a” is failing: HubSpot answered 401']);
    expect(desktop).toEqual([{ pairId: 'a', title: 'Concord: “Pair a” is failing', body: 'HubSpot answered 401' }]);
    // The next scheduled run fails too: syncing is not a recovery.
    bridge.emit('pairs/changed', summary('a', 'syncing'));
    bridge.emit('pairs/changed', summary('a', 'failing', 'HubSpot answered 401'));
    expect(desktop).toHaveLength(1);
    bridge.emit('pairs/changed', summary('a', 'in-sync'));
    bridge.emit('pairs/changed', summary('a', 'failing', null));
    expect(desktop).toHaveLength(2);
    expect(desktop[1]?.body).toBe('Its last sync failed. Open Concord to see why.');
  });

  it('a pair already failing when the window opens, or first seen failing, shows on its card without an alert', async () => {
    const { bridge, desktop, notices } = await setUp([summary('a', 'failing', 'gone')]);
    bridge.emit('pairs/changed', summary('a', 'failing', 'gone'));
    bridge.emit('pairs/changed', summary('b', 'failing', 'new and failing'));
    expect(desktop).toEqual([]);
    expect(notices()).toEqual([]);
    // Other pairs' news does not hide this one's transition.
    bridge.emit('pairs/changed', summary('b', 'in-sync'));
    bridge.emit('pairs/changed', summary('b', 'failing', 'broke'));
    expect(desktop.map((a) => a.pairId)).toEqual(['b']);
  });

  it('a failing pair that recovers says so in the window (a pause or a run in progress is no recovery)', async () => {
    const { bridge, notices } = await setUp([summary('a', 'in-sync')]);
    bridge.emit('pairs/changed', summary('a', 'failing', 'Could not reach the app'));
    bridge.emit('pairs/changed', summary('a', 'syncing'));
    bridge.emit('pairs/changed', summary('a', 'paused'));
    expect(notices()).toEqual(['error: “Pair a” is failing: Could not reach the app']);
    bridge.emit('pairs/changed', summary('a', 'needs-attention'));
    expect(notices()).toEqual(['error: “Pair a” is failing: Could not reach the app', 'success: “Pair a” syncs again.']);
    bridge.emit('pairs/changed', summary('a', 'in-sync'));
    expect(notices()).toHaveLength(2);
  });
});

describe('notify actions', () => {
  it("shows a pair's notify action as a notice and a desktop notification of its own tag, beside the failing alert", async () => {
    const { bridge, desktop, notices } = await setUp([summary('a', 'in-sync')]);
    const store = createConcordStore(bridge);
    const shown: FailureAlert[] = [];
    watchActionNotifications(store, bridge, (a) => shown.push(a));
    bridge.emit('actions/notify', { pairId: 'a', deliveryId: 'd1', event: 'conflict.opened', title: 'Concord: “Pair a”', body: '2 conflicts opened. Open the inbox to decide.' });
    expect(shown).toEqual([{ pairId: 'a', title: 'Concord: “Pair a”', body: '2 conflicts opened. Open the inbox to decide.', tag: 'concord-action-d1' }]);
    expect(store.getState().notices.map((n) => `${n.tone}: ${n.text}`)).toEqual(['info: “Pair a”: 2 conflicts opened. Open the inbox to decide.']);
    // The failing-pair watcher is not involved: no failing alert from an action's notification.
    expect(desktop).toEqual([]);
    expect(notices()).toEqual([]);
  });
});
