// @vitest-environment happy-dom
// The inbox's list: what it shows, how filters, search and sorting narrow and order it, and the
// bulk actions. The merge panel and the keys have their own files.
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConflictPage } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { fakeBridgeForTests } from '../../api/fake-bridge-for-tests';
import { StoreContext } from '../../store/react';
import { createConcordStore } from '../../store/store';
import { InboxScreen } from './InboxScreen';
import { callsOf, conflictTable, giveTheListAHeight, inboxHandlers, listedRecords, listedRows, mountInbox, panelTitle, summaries } from './inbox-test-kit';

beforeAll(giveTheListAHeight);
afterEach(cleanup);

const { alice, bob, carol, dave } = summaries;
const filters = () => within(screen.getByRole('search', { name: 'Filter conflicts' }));
const shownCount = () => screen.getByText(/^\d+ shown/).textContent;
const header = (name: string) => within(conflictTable()).getByRole('columnheader', { name });

describe('Conflict inbox list', () => {
  it('lists every open conflict with its pair, record, fields, kind and age, newest first', async () => {
    await mountInbox();
    await waitFor(() => expect(listedRows()).toEqual([
      ['Shop ⇄ Sheet', 'carol@example.com', 'whole record', 'Duplicate', '1 h ago'],
      ['CRM ⇄ Billing', 'alice@example.com', 'phone, plan, seats', 'Values', '2 h ago'],
      ['CRM ⇄ Billing', 'bob@example.com', 'city, name', 'Edit/delete', '5 h ago'],
      ['Shop ⇄ Sheet', 'dave@example.com', 'plan', 'Values', 'yesterday'],
    ]));
    expect(header('Detected').getAttribute('aria-sort')).toBe('descending');
    // The age is relative; the machine-readable time is the engine's.
    const times = conflictTable().querySelectorAll('time');
    expect([...times].map((t) => t.dateTime)).toEqual([carol, alice, bob, dave].map((c) => c.detectedAt));
    await waitFor(() => expect(shownCount()).toBe('4 shown'));
  });

  it('says there is nothing to decide when no conflict is open', async () => {
    await mountInbox({}, { name: 'conflicts' }, []);
    expect(screen.getByRole('heading', { name: 'No open conflicts' })).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('the pair, kind and field filters each narrow the list, and combine', async () => {
    const { user } = await mountInbox();
    await user.selectOptions(filters().getByRole('combobox', { name: /^Pair/ }), 'Shop ⇄ Sheet');
    await waitFor(() => expect(listedRecords()).toEqual([carol.record, dave.record]));
    await user.selectOptions(filters().getByRole('combobox', { name: /^Kind/ }), 'Field values');
    await waitFor(() => expect(listedRecords()).toEqual([dave.record]));
    await user.selectOptions(filters().getByRole('combobox', { name: /^Pair/ }), 'All pairs');
    await waitFor(() => expect(listedRecords()).toEqual([alice.record, dave.record]));
    await user.selectOptions(filters().getByRole('combobox', { name: /^Field/ }), 'seats');
    await waitFor(() => expect(listedRecords()).toEqual([alice.record]));
    await waitFor(() => expect(shownCount()).toBe('1 shown'));
    await user.selectOptions(filters().getByRole('combobox', { name: /^Kind/ }), 'Edit vs delete');
    await user.selectOptions(filters().getByRole('combobox', { name: /^Field/ }), 'city');
    await waitFor(() => expect(listedRecords()).toEqual([bob.record]));
  });

  it('offers each pair and field of the open conflicts once, in order', async () => {
    await mountInbox();
    const options = (name: RegExp) => within(filters().getByRole('combobox', { name })).getAllByRole('option').map((o) => o.textContent);
    expect(options(/^Pair/)).toEqual(['All pairs', 'CRM ⇄ Billing', 'Shop ⇄ Sheet']);
    expect(options(/^Kind/)).toEqual(['All kinds', 'Field values', 'Edit vs delete', 'Duplicate match']);
    expect(options(/^Field/)).toEqual(['All fields', 'city', 'name', 'phone', 'plan', 'seats']);
  });

  it('opened from a pair card, the list is filtered to that pair', async () => {
    await mountInbox({}, { name: 'conflicts', pairId: 'p-crm' });
    await waitFor(() => expect(listedRecords()).toEqual([alice.record, bob.record]));
    expect((filters().getByRole('combobox', { name: /^Pair/ }) as HTMLSelectElement).value).toBe('p-crm');
  });

  it('search matches record, pair and field names in any case', async () => {
    const { user } = await mountInbox();
    const search = filters().getByRole('searchbox', { name: /^Search/ });
    await user.type(search, 'BOB');
    await waitFor(() => expect(listedRecords()).toEqual([bob.record]));
    await user.clear(search);
    await user.type(search, 'shop');
    await waitFor(() => expect(listedRecords()).toEqual([carol.record, dave.record]));
    await user.clear(search);
    await user.type(search, 'seats');
    await waitFor(() => expect(listedRecords()).toEqual([alice.record]));
  });

  it('a search that matches nothing says so, and Clear the filters brings the list back', async () => {
    const { user } = await mountInbox();
    await user.selectOptions(filters().getByRole('combobox', { name: /^Kind/ }), 'Duplicate match');
    await user.type(filters().getByRole('searchbox', { name: /^Search/ }), 'zebra');
    await waitFor(() => expect(listedRecords()).toEqual([]));
    const noMatch = screen.getAllByRole('status').find((s) => s.textContent?.startsWith('No conflict matches'));
    if (!noMatch) throw new Error('no "No conflict matches" status');
    expect(within(noMatch).getByText(/^No conflict matches/, { selector: 'p' }).textContent).toBe(
      'No conflict matches “zebra”, of kind Duplicate match. 4 open conflicts are hidden by the filters.',
    );
    await user.click(within(noMatch).getByRole('button', { name: 'Clear the filters' }));
    await waitFor(() => expect(listedRecords()).toHaveLength(4));
    expect((filters().getByRole('searchbox') as HTMLInputElement).value).toBe('');
    expect((filters().getByRole('combobox', { name: /^Kind/ }) as HTMLSelectElement).value).toBe('');
  });

  it('a column header sorts by its column, and a second press reverses the order', async () => {
    const { user } = await mountInbox();
    await user.click(within(conflictTable()).getByRole('button', { name: 'Record' }));
    await waitFor(() => expect(listedRecords()).toEqual([alice.record, bob.record, carol.record, dave.record]));
    expect(header('Record').getAttribute('aria-sort')).toBe('ascending');
    expect(header('Detected').getAttribute('aria-sort')).toBeNull();
    await user.click(within(conflictTable()).getByRole('button', { name: 'Record' }));
    await waitFor(() => expect(listedRecords()).toEqual([dave.record, carol.record, bob.record, alice.record]));
    expect(header('Record').getAttribute('aria-sort')).toBe('descending');
    await user.click(within(conflictTable()).getByRole('button', { name: 'Kind' }));
    await waitFor(() => expect(listedRows().map((cells) => cells[3])).toEqual(['Duplicate', 'Edit/delete', 'Values', 'Values']));
  });
});

describe('Conflict inbox: first looks', () => {
  it('the first press on Detected reverses the newest-first order, it does not drop the sort', async () => {
    const { user } = await mountInbox();
    expect(header('Detected').getAttribute('aria-sort')).toBe('descending');
    const newestFirst = listedRecords();
    await user.click(within(conflictTable()).getByRole('button', { name: /^Detected/ }));
    expect(header('Detected').getAttribute('aria-sort')).toBe('ascending');
    await waitFor(() => expect(listedRecords()).toEqual([...newestFirst].reverse()));
  });

  it('while the list loads, or when it cannot, no "No conflict matches" appears', async () => {
    let answer: (v: ConflictPage) => void = () => {};
    const bridge = fakeBridgeForTests(inboxHandlers({ 'conflicts/list': () => new Promise<ConflictPage>((r) => (answer = r)), 'conflicts/facets': () => ({ total: 0, pairs: [], fields: [] }) }));
    const store = createConcordStore(bridge);
    store.getState().navigate({ name: 'conflicts' });
    render(
      <StoreContext.Provider value={store}>
        <InboxScreen conflictId={null} />
      </StoreContext.Provider>,
    );
    await waitFor(() => expect(bridge.calls.some((c) => c.method === 'conflicts/list')).toBe(true));
    expect(screen.queryByText(/No conflict matches/)).toBeNull();
    answer({ items: [], total: 0, offset: 0 });
    await screen.findByRole('heading', { name: 'No open conflicts' });
    cleanup();

    await mountInbox({
      'conflicts/list': () => {
        throw new ApiCallError('unavailable', 'The engine is restarting.', 'conflicts/list');
      },
    });
    expect((await screen.findByRole('alert')).textContent).toContain('The engine is restarting.');
    expect(screen.queryByText(/No conflict matches/)).toBeNull();
  });
});

describe('Conflict inbox bulk actions', () => {
  it('take master for the selected conflicts sends exactly their ids and reports what failed', async () => {
    const { bridge, user } = await mountInbox((engine) => ({
      'conflicts/resolve-bulk': (req) => {
        const ids = 'conflictIds' in req ? req.conflictIds : [];
        return engine.finishedJob(req.take, ids.filter((id) => id !== dave.id), ids.includes(dave.id) ? [{ conflictId: dave.id, error: 'Sheet answered 500' }] : []);
      },
    }));
    const takeMaster = screen.getByRole('button', { name: 'Take master for selected' });
    expect((takeMaster as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole('checkbox', { name: `Select ${alice.record}` }));
    await user.click(screen.getByRole('checkbox', { name: `Select ${dave.record}` }));
    await waitFor(() => expect(shownCount()).toBe('4 shown, 2 selected'));
    // It asks first, naming how many; Cancel writes nothing.
    await user.click(takeMaster);
    const dialog = screen.getByRole('dialog', { name: "Take the master's values for 2 conflicts?" });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(callsOf(bridge, 'conflicts/resolve-bulk')).toHaveLength(0);
    await user.click(takeMaster);
    await user.click(within(screen.getByRole('dialog', { name: "Take the master's values for 2 conflicts?" })).getByRole('button', { name: 'Take master for 2' }));

    await waitFor(() => expect(screen.getByText(/resolved/, { selector: '[role=status]' }).textContent).toBe(`1 resolved, 1 failed (still selected): ${dave.record}: Sheet answered 500`));
    const [args] = callsOf(bridge, 'conflicts/resolve-bulk') as { conflictIds: string[]; take: string }[];
    expect(callsOf(bridge, 'conflicts/resolve-bulk')).toHaveLength(1);
    expect(args?.take).toBe('master');
    expect([...(args?.conflictIds ?? [])].sort()).toEqual([alice.id, dave.id]);
    // The resolved one leaves the list; the failed one stays, still selected for another try.
    await waitFor(() => expect(listedRecords()).toEqual([carol.record, bob.record, dave.record]));
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: `Select ${dave.record}` }).checked).toBe(true);
    await waitFor(() => expect(shownCount()).toBe('3 shown, 1 selected'));
  });

  it('take slave after "select all shown" acts on the filtered conflicts only, and never on a duplicate (it needs its own choice)', async () => {
    const { bridge, user } = await mountInbox();
    await user.selectOptions(filters().getByRole('combobox', { name: /^Pair/ }), 'Shop ⇄ Sheet');
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: `Select ${carol.record}` }).disabled).toBe(true);
    await user.click(screen.getByRole('checkbox', { name: 'Select all shown conflicts' }));
    await waitFor(() => expect(shownCount()).toBe('2 shown, 1 selected'));
    await user.click(screen.getByRole('button', { name: 'Take slave for selected' }));
    await user.click(screen.getByRole('button', { name: 'Take slave for 1' }));
    await waitFor(() => expect(screen.getByText(/resolved/, { selector: '[role=status]' }).textContent).toBe('1 resolved'));
    const [args] = callsOf(bridge, 'conflicts/resolve-bulk') as { conflictIds: string[]; take: string }[];
    expect(args?.take).toBe('slave');
    expect(args?.conflictIds).toEqual([dave.id]);
    await user.selectOptions(filters().getByRole('combobox', { name: /^Pair/ }), 'All pairs');
    await waitFor(() => expect(listedRecords()).toEqual([carol.record, alice.record, bob.record]));
  });

  it('a bulk action the engine refuses shows its error and resolves nothing', async () => {
    const { user } = await mountInbox({
      'conflicts/resolve-bulk': () => {
        throw new ApiCallError('unavailable', 'The engine is restarting — try again in a few seconds.', 'conflicts/resolve-bulk');
      },
    });
    await user.click(screen.getByRole('checkbox', { name: `Select ${bob.record}` }));
    await user.click(screen.getByRole('button', { name: 'Take master for selected' }));
    await user.click(screen.getByRole('button', { name: 'Take master for 1' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The engine is restarting — try again in a few seconds.');
    await waitFor(() => expect(listedRecords()).toHaveLength(4));
  });

  it('a bulk action that resolves the open conflict gives its panel to a conflict still open', async () => {
    const { store, user } = await mountInbox({}, { name: 'conflicts', conflictId: alice.id });
    expect(panelTitle()).toBe(alice.record);
    await user.click(screen.getByRole('checkbox', { name: `Select ${alice.record}` }));
    await user.click(screen.getByRole('checkbox', { name: `Select ${bob.record}` }));
    await user.click(screen.getByRole('button', { name: 'Take master for selected' }));
    await user.click(screen.getByRole('button', { name: 'Take master for 2' }));
    await waitFor(() => expect(panelTitle()).not.toBe(alice.record));
    const route = store.getState().route;
    const open = route.name === 'conflicts' ? route.conflictId : undefined;
    expect([carol.id, dave.id]).toContain(open);
    expect([carol.record, dave.record]).toContain(panelTitle());
  });
});
