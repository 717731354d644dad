// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiArgs } from '../../../src-main/engine/api/contract';
import { fakeBridgeForTests, type FakeBridge, type FakeHandlers } from '../../api/fake-bridge-for-tests';
import { App } from '../../components/App';
import { connectEngineEvents } from '../../store/engine-events';
import { StoreContext } from '../../store/react';
import type { PairTab } from '../../store/route';
import { createConcordStore } from '../../store/store';
import { EVENTS_PAGE } from '../../store/realtime-slice';
import { activityEntry, pairSummary, syncEvent } from '../pairs/pairs.fixture';

afterEach(cleanup);

async function mountDetail(tab: PairTab, handlers: FakeHandlers = {}, queued = 0) {
  const bridge = fakeBridgeForTests({ 'pairs/list': () => [pairSummary({ webhooks: ['left'], queue: { depth: queued, oldestAt: null, retrying: 0 } })], ...handlers });
  const store = createConcordStore(bridge);
  connectEngineEvents(store, bridge);
  await store.getState().loadPairs();
  store.getState().navigate({ name: 'pair', pairId: 'p1', tab });
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
  );
  return { bridge, store };
}

const argsOf = <M extends 'events/list' | 'activity/list'>(bridge: FakeBridge, method: M) => bridge.calls.filter((c) => c.method === method).map((c) => c.args as ApiArgs<M>);
const rows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1);

describe('Pair detail: events (issue 12)', () => {
  it('lists the events newest first with their source, record, kind and what became of each', async () => {
    const events = [
      syncEvent({ seq: 4, correlationId: 'evt_pending', state: 'pending', attempts: 2, nextAttemptAt: '2026-01-01T09:05:00Z', finishedAt: null, detail: { error: 'CRM answered 503: try again later' }, fat: true }),
      syncEvent({ seq: 3, correlationId: 'evt_failed', state: 'failed', recordId: '43', detail: { error: 'score must not be negative' } }),
      syncEvent({ seq: 2, correlationId: 'evt_conflict', state: 'conflict', recordId: '44', detail: { conflictId: 'c9' } }),
      syncEvent({ seq: 1, correlationId: 'evt_applied', kind: 'changed', source: 'notify', side: 'right', recordId: null }),
    ];
    await mountDetail('events', { 'events/list': () => events });
    const table = await screen.findByRole('table', { name: 'Events' });
    const [pending, failed, conflict, applied] = rows(table);
    expect(pending?.textContent).toContain('Webhook · CRM');
    expect(pending?.textContent).toContain('fat: the record came with it');
    expect(pending?.textContent).toContain('CRM answered 503: try again later');
    expect(pending?.textContent).toContain('2 attempts so far; next at');
    expect(failed?.textContent).toContain('score must not be negative');
    expect(failed?.textContent).toContain('thin: read from the app');
    expect(within(conflict as HTMLElement).getByRole('link', { name: 'Open the conflict in the inbox' }).getAttribute('href')).toBe('#/conflicts/c9?pair=p1');
    expect(applied?.textContent).toContain('Database notification · Billing');
    expect(applied?.textContent).toContain('any changed record');
    expect(applied?.textContent).toContain('updated in Billing: name');
    expect(within(applied as HTMLElement).getByRole('button', { name: 'Copy the correlation id evt_applied' })).toBeTruthy();
  });

  it('finds an event by the correlation id a steward pastes, filters by state, and pages back by seq', async () => {
    const page = Array.from({ length: EVENTS_PAGE }, (_, i) => syncEvent({ seq: 200 - i, correlationId: `evt_${200 - i}` }));
    const { bridge } = await mountDetail('events', {
      'events/list': ({ search, state, beforeSeq }) => {
        if (state === 'failed') return [];
        if (search === 'evt_XYZ') return [syncEvent({ seq: 7, correlationId: 'evt_XYZ' })];
        return beforeSeq === undefined ? page : [syncEvent({ seq: 10, correlationId: 'evt_10' })];
      },
    });
    const table = await screen.findByRole('table', { name: 'Events' });
    expect(rows(table)).toHaveLength(EVENTS_PAGE);
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(rows(screen.getByRole('table', { name: 'Events' }))).toHaveLength(EVENTS_PAGE + 1));
    expect(argsOf(bridge, 'events/list').at(-1)).toEqual({ pairId: 'p1', limit: EVENTS_PAGE, beforeSeq: 151 });
    // The last page was short: nothing more to load.
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    fireEvent.change(screen.getByRole('searchbox', { name: 'Correlation id or record id' }), { target: { value: '  evt_XYZ ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(rows(screen.getByRole('table', { name: 'Events' }))).toHaveLength(1));
    expect(argsOf(bridge, 'events/list').at(-1)).toEqual({ pairId: 'p1', limit: EVENTS_PAGE, search: 'evt_XYZ' });

    fireEvent.change(screen.getByRole('combobox', { name: 'State' }), { target: { value: 'failed' } });
    await screen.findByText(/No event matches/);
    expect(argsOf(bridge, 'events/list').at(-1)).toEqual({ pairId: 'p1', limit: EVENTS_PAGE, search: 'evt_XYZ', state: 'failed' });
    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    await waitFor(() => expect(rows(screen.getByRole('table', { name: 'Events' }))).toHaveLength(EVENTS_PAGE));
  });

  it('refreshes as the engine reports the queue moving (an event applied shows as applied)', async () => {
    let state: 'pending' | 'applied' = 'pending';
    const { bridge } = await mountDetail('events', { 'events/list': () => [syncEvent({ state, finishedAt: null, detail: null })] }, 1);
    const table = await screen.findByRole('table', { name: 'Events' });
    expect(rows(table)[0]?.textContent).toContain('pending');
    state = 'applied';
    act(() => bridge.emit('pairs/changed', pairSummary({ webhooks: ['left'], queue: { depth: 0, oldestAt: null, retrying: 0 }, revision: 5 })));
    await waitFor(() => expect(rows(screen.getByRole('table', { name: 'Events' }))[0]?.textContent).toContain('applied'));
  });

  it('drops an answer to a search the steward has typed over since', async () => {
    const slow: { resolve: (v: ReturnType<typeof syncEvent>[]) => void }[] = [];
    const { store } = await mountDetail('events', {
      'events/list': ({ search }) => (search === 'old' ? new Promise((resolve) => slow.push({ resolve })) : [syncEvent({ correlationId: 'evt_new' })]),
    });
    await screen.findByRole('table', { name: 'Events' });
    const first = store.getState().loadEvents('p1', { search: 'old', state: null });
    await act(() => store.getState().loadEvents('p1', { search: 'new', state: null }));
    slow[0]?.resolve([syncEvent({ correlationId: 'evt_old' })]);
    await act(() => first);
    expect(store.getState().events.p1?.items?.map((e) => e.correlationId)).toEqual(['evt_new']);
  });
});

describe('Pair detail: activity with correlation ids (issue 12)', () => {
  it('shows the correlation id of a write a webhook caused, and searches the activity by it', async () => {
    const { bridge } = await mountDetail('activity', {
      'activity/list': ({ record }) => (record === 'evt_ABC' ? [activityEntry({ correlationId: 'evt_ABC' })] : [activityEntry({ id: 'a2', correlationId: 'evt_ABC' }), activityEntry({ id: 'a3', record: 'bob@example.com' })]),
    });
    const table = await screen.findByRole('table', { name: 'Activity' });
    expect(rows(table)[0]?.textContent).toContain('event evt_ABC');
    expect(within(rows(table)[0] as HTMLElement).getByRole('button', { name: 'Copy the correlation id evt_ABC' })).toBeTruthy();
    expect(rows(table)[1]?.textContent).not.toContain('event ');
    fireEvent.change(screen.getByRole('searchbox', { name: 'Record or correlation id' }), { target: { value: 'evt_ABC' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(rows(screen.getByRole('table', { name: 'Activity' }))).toHaveLength(1));
    expect(argsOf(bridge, 'activity/list').at(-1)).toMatchObject({ pairId: 'p1', record: 'evt_ABC' });
    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    await waitFor(() => expect(rows(screen.getByRole('table', { name: 'Activity' }))).toHaveLength(2));
    expect(argsOf(bridge, 'activity/list').at(-1)).not.toHaveProperty('record');
  });
});
