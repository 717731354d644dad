// @vitest-environment happy-dom
// The inbox's bulk actions at any size: "all N matching this filter", and a job's progress with
// Cancel (the engine's side is in src-main/engine/sync/sync.bulk-resolve.test.ts).
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BulkJob } from '../../../src-main/engine/api/model';
import { connectEngineEvents } from '../../store/engine-events';
import { callsOf, giveTheListAHeight, listedRecords, mountInbox, summaries } from './inbox-test-kit';

beforeAll(giveTheListAHeight);
afterEach(cleanup);

const { alice, bob, carol, dave } = summaries;
const filters = () => within(screen.getByRole('search', { name: 'Filter conflicts' }));
const job = (over: Partial<BulkJob>): BulkJob => ({ id: 'job-1', take: 'master', status: 'running', total: 2, done: 0, resolved: 0, failed: 0, skipped: 0, failures: [], error: null, startedAt: '', finishedAt: null, ...over });

describe('Inbox bulk actions on everything matching a filter', () => {
  it('offers "all N matching" only with a filter applied, and sends the filter, not ids', async () => {
    const { bridge, user } = await mountInbox();
    expect(screen.queryByRole('button', { name: /for all .* matching/ })).toBeNull();
    await user.selectOptions(filters().getByRole('combobox', { name: /^Pair/ }), 'CRM ⇄ Billing');
    const all = await screen.findByRole('button', { name: 'Take master for all 2 matching' });
    await user.click(all);
    const dialog = screen.getByRole('dialog', { name: "Take the master's values for all 2 conflicts?" });
    await user.click(within(dialog).getByRole('button', { name: 'Take master for all 2' }));
    await waitFor(() => expect(screen.getByText(/resolved/, { selector: '[role=status]' }).textContent).toBe('2 resolved'));
    expect(callsOf(bridge, 'conflicts/resolve-bulk')).toEqual([{ take: 'master', filter: { status: 'open', pairId: 'p-crm' } }]);
    // Both left the list; the other pair's are still there.
    await user.selectOptions(filters().getByRole('combobox', { name: /^Pair/ }), 'All pairs');
    await waitFor(() => expect(listedRecords()).toEqual([carol.record, dave.record]));
    expect([alice.record, bob.record].some((r) => listedRecords().includes(r))).toBe(false);
  });

  it('a running job shows its progress and Cancel; the actions wait; the end says what it did', async () => {
    const { bridge, store, user } = await mountInbox({ 'conflicts/resolve-bulk': () => job({}), 'conflicts/bulk-cancel': () => job({ done: 1, resolved: 1 }), 'conflicts/bulk-get': () => job({}) });
    const off = connectEngineEvents(store, bridge);
    await user.click(screen.getByRole('checkbox', { name: `Select ${alice.record}` }));
    await user.click(screen.getByRole('checkbox', { name: `Select ${dave.record}` }));
    await user.click(screen.getByRole('button', { name: 'Take master for selected' }));
    await user.click(screen.getByRole('button', { name: 'Take master for 2' }));
    const bar = await screen.findByRole('progressbar', { name: 'Bulk resolve progress' });
    act(() => bridge.emit('conflicts/bulk-progress', job({ done: 1, resolved: 1 })));
    expect(bar.getAttribute('value')).toBe('1');
    expect(screen.getByText('Resolving 1 of 2…')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Take master for selected' }) as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(callsOf(bridge, 'conflicts/bulk-cancel')).toEqual([{ jobId: 'job-1' }]);
    act(() => bridge.emit('conflicts/bulk-progress', job({ status: 'cancelled', done: 1, resolved: 1, finishedAt: 'now' })));
    await waitFor(() => expect(screen.getByText(/resolved/, { selector: '[role=status]' }).textContent).toBe('Cancelled after 1 of 2: 1 resolved; the rest are still open'));
    expect(screen.queryByRole('progressbar')).toBeNull();
    off();
  });
});
