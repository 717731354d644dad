// @vitest-environment happy-dom
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PairSummary } from '../../../src-main/engine/api/model';
import { fakeBridgeForTests } from '../../api/fake-bridge-for-tests';
import { App } from '../../components/App';
import { connectEngineEvents } from '../../store/engine-events';
import { StoreContext } from '../../store/react';
import { createConcordStore } from '../../store/store';
import { pairSummary } from './pairs.fixture';

afterEach(cleanup);

async function mountPairs(pairs: PairSummary[]) {
  const bridge = fakeBridgeForTests({ 'pairs/list': () => pairs });
  const store = createConcordStore(bridge);
  connectEngineEvents(store, bridge);
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
  );
  await act(() => store.getState().loadPairs());
  return { bridge, store };
}

const card = (name: string): HTMLElement => screen.getByRole('article', { name });
const realtime = (article: HTMLElement): Element | null => within(article).queryByText('Real time', { selector: 'dt' })?.nextElementSibling ?? null;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('Pair card: real time (issue 12)', () => {
  it('shows the queue of a pair with webhooks (depth, oldest age, retrying), and nothing for a pair without real time', async () => {
    await mountPairs([
      pairSummary({ id: 'hooked', name: 'Hooked pair', webhooks: ['left'], queue: { depth: 3, oldestAt: minutesAgo(2), retrying: 1 } }),
      pairSummary({ id: 'quiet', name: 'Quiet hooked pair', webhooks: ['right'], queue: { depth: 0, oldestAt: null, retrying: 0 } }),
      pairSummary({ id: 'plain', name: 'Polled pair', queue: { depth: 0, oldestAt: null, retrying: 0 } }),
    ]);
    const hooked = realtime(card('Hooked pair'));
    expect(hooked?.textContent).toBe('Webhooks from CRM · 3 events waiting, oldest 2 min, 1 retrying');
    // The events themselves are one click away.
    if (!(hooked instanceof HTMLElement)) throw new Error('no real-time line');
    expect(within(hooked).getByRole('link').getAttribute('href')).toBe('#/pairs/hooked/events');
    expect(realtime(card('Quiet hooked pair'))?.textContent).toBe('Webhooks from Billing · No events waiting');
    expect(realtime(card('Polled pair'))).toBeNull();
  });

  it('follows pairs/changed as the queue fills and drains', async () => {
    const { bridge } = await mountPairs([pairSummary({ id: 'p1', name: 'Live pair', feed: { state: 'listening', error: null }, queue: { depth: 0, oldestAt: null, retrying: 0 } })]);
    expect(realtime(card('Live pair'))?.textContent).toBe('No events waiting');
    act(() => bridge.emit('pairs/changed', pairSummary({ id: 'p1', name: 'Live pair', feed: { state: 'listening', error: null }, queue: { depth: 12, oldestAt: minutesAgo(1), retrying: 0 }, revision: 2 })));
    expect(realtime(card('Live pair'))?.textContent).toBe('12 events waiting, oldest 1 min');
    act(() => bridge.emit('pairs/changed', pairSummary({ id: 'p1', name: 'Live pair', feed: { state: 'listening', error: null }, queue: { depth: 0, oldestAt: null, retrying: 0 }, revision: 3 })));
    expect(realtime(card('Live pair'))?.textContent).toBe('No events waiting');
    // The feed's own state stays where it was: in the schedule.
    expect(within(card('Live pair')).getByText(/^Live · otherwise Sync now only$/)).toBeTruthy();
  });
});
