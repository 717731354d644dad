// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PairSummary } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { fakeBridgeForTests, type FakeBridge, type FakeHandlers } from '../../api/fake-bridge-for-tests';
import { App } from '../../components/App';
import { formatTime } from '../../components/widgets';
import { connectEngineEvents } from '../../store/engine-events';
import { StoreContext } from '../../store/react';
import { createConcordStore } from '../../store/store';
import { deferred, pairSummary, runProgress, runSummary } from './pairs.fixture';

afterEach(cleanup);

/** The app on its pairs screen, with the engine answering `pairs/list` from `pairs` (the list the test may change). */
async function mountPairs(pairs: PairSummary[], handlers: FakeHandlers = {}) {
  const bridge = fakeBridgeForTests({ 'pairs/list': () => pairs, ...handlers });
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
const callsOf = (bridge: FakeBridge, method: string) => bridge.calls.filter((c) => c.method === method);
/** The value a pair card shows beside one of its stat terms ("Queued", "Failed"…). */
const stat = (article: HTMLElement, term: string): HTMLElement => {
  const dd = within(article).getByText(term, { selector: 'dt' }).nextElementSibling;
  if (!(dd instanceof HTMLElement)) throw new Error(`no value beside "${term}"`);
  return dd;
};

describe('Pair card', () => {
  it('shows each health with its reason: in sync, syncing, failing, paused', async () => {
    const running = runSummary({ id: 'r9', status: 'running', finishedAt: null, durationMs: null });
    await mountPairs([
      pairSummary({ id: 'ok', name: 'Healthy pair' }),
      // The summary still says in-sync: a run in flight is what makes the card say Syncing.
      pairSummary({ id: 'busy', name: 'Busy pair', running: { ...running, pairId: 'busy' } }),
      pairSummary({ id: 'bad', name: 'Broken pair', health: 'failing', healthReason: 'HubSpot refused the token — reconnect it under Connections.' }),
      pairSummary({ id: 'off', name: 'Resting pair', health: 'paused', paused: true, healthReason: 'Paused by you.' }),
    ]);

    const healthy = card('Healthy pair');
    expect(within(healthy).getByText('In sync')).toBeTruthy();
    expect(within(healthy).getByRole('button', { name: 'Sync now' })).toHaveProperty('disabled', false);

    const busy = card('Busy pair');
    expect(within(busy).getByText('Syncing')).toBeTruthy();
    expect(within(busy).queryByText('In sync')).toBeNull();
    expect(within(busy).getByRole('button', { name: 'Syncing…' })).toHaveProperty('disabled', true);
    expect(within(busy).getByRole('progressbar', { name: 'Sync progress for Busy pair' })).toBeTruthy();

    const broken = card('Broken pair');
    expect(within(broken).getByText('Failing')).toBeTruthy();
    expect(within(broken).getByText('HubSpot refused the token — reconnect it under Connections.')).toBeTruthy();

    const resting = card('Resting pair');
    expect(within(resting).getByText('Paused')).toBeTruthy();
    expect(within(resting).getByText('Paused by you.')).toBeTruthy();
    expect(within(resting).getByRole('button', { name: 'Sync now' })).toHaveProperty('disabled', true);
    expect(within(resting).getByRole('button', { name: 'Full resync' })).toHaveProperty('disabled', true);
    expect(within(resting).getByRole('button', { name: 'Resume' })).toHaveProperty('disabled', false);
  });

  it('a pair that needs attention says why even when the engine gave no reason', async () => {
    await mountPairs([
      pairSummary({ id: 'p1', name: 'Waiting pair', health: 'needs-attention', openConflicts: 2, failed: 1 }),
      pairSummary({ id: 'p2', name: 'Halted pair', health: 'needs-attention', lastRun: runSummary({ pairId: 'p2', status: 'halted' }) }),
    ]);
    const waiting = card('Waiting pair');
    expect(within(waiting).getByText('Needs attention')).toBeTruthy();
    expect(within(waiting).getByText('2 conflicts wait for a decision in the inbox; 1 record could not be written.')).toBeTruthy();
    expect(within(card('Halted pair')).getByText('The last run stopped before writing.')).toBeTruthy();
  });

  it('a pair waiting for a rate limit names the app that asked and until when; a pause that ended says nothing', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await mountPairs([
      pairSummary({ id: 'p1', name: 'Slowed pair', rateLimit: { until, side: 'right' } }),
      pairSummary({ id: 'p2', name: 'Restarted pair', rateLimit: { until, side: null } }),
      pairSummary({ id: 'p3', name: 'Done waiting', rateLimit: { until: new Date(Date.now() - 1000).toISOString(), side: 'left' } }),
    ]);
    const time = formatTime(until);
    expect(within(card('Slowed pair')).getByText(`Billing asked Concord to slow down: the pair waits until ${time}, then resumes on its own.`)).toBeTruthy();
    expect(within(card('Restarted pair')).getByText(`An app asked Concord to slow down: the pair waits until ${time}, then resumes on its own.`)).toBeTruthy();
    expect(within(card('Done waiting')).queryByText(/slow down/)).toBeNull();
  });

  it('shows the last run with its counts, and the open conflicts, queued and failed counts linked to where they are', async () => {
    const lastRun = runSummary({ status: 'partial', counts: { read: 40, created: 2, updated: 5, deleted: 1, conflicts: 3, failed: 1, skipped: 0 } });
    await mountPairs([
      pairSummary({ lastRun, openConflicts: 3, queued: 7, failed: 2 }),
      pairSummary({ id: 'p2', name: 'New pair', health: 'never-run' }),
    ]);

    const article = card('CRM ⇄ Billing');
    expect(stat(article, 'Last run').textContent).toContain('partial · 40 read, 2 created, 5 updated, 1 deleted, 3 conflicts, 1 record failed');
    expect(within(stat(article, 'Open conflicts')).getByRole('link', { name: '3' }).getAttribute('href')).toBe('#/conflicts?pair=p1');
    expect(stat(article, 'Queued').textContent).toBe('7');
    expect(within(stat(article, 'Failed')).getByRole('link', { name: '2' }).getAttribute('href')).toBe('#/pairs/p1/failed');
    expect(within(article).getByText('CRM · contacts')).toBeTruthy();
    expect(within(article).getByText('(master)').closest('.pair-side')?.textContent).toBe('CRM · contacts (master)');

    const fresh = card('New pair');
    expect(within(fresh).getByText('Never run')).toBeTruthy();
    expect(stat(fresh, 'Last run').textContent).toBe('Never');
    // Nothing to open: plain zeros, no links.
    expect(within(stat(fresh, 'Open conflicts')).queryByRole('link')).toBeNull();
    expect(stat(fresh, 'Failed').textContent).toBe('0');
  });

  it('Sync now calls the run API once, stays disabled while the run is in progress, shows its progress, and Cancel calls the cancel API', async () => {
    const idle = pairSummary({ lastRun: runSummary() });
    const running = runSummary({ id: 'r2', status: 'running', finishedAt: null, durationMs: null });
    const answer = deferred<{ runId: string }>();
    const { bridge } = await mountPairs([idle], {
      'pairs/sync-now': () => answer.promise,
      'runs/cancel': () => ({ cancelled: true }),
    });
    const article = card('CRM ⇄ Billing');

    // A double click: the second lands on a disabled button.
    const button = within(article).getByRole('button', { name: 'Sync now' });
    fireEvent.click(button);
    fireEvent.click(button);
    expect(callsOf(bridge, 'pairs/sync-now')).toEqual([{ method: 'pairs/sync-now', args: { pairId: 'p1' } }]);
    expect(button).toHaveProperty('disabled', true);
    expect(within(article).getByRole('button', { name: 'Full resync' })).toHaveProperty('disabled', true);

    // As the engine does: the run's summary is pushed before the call answers.
    await act(async () => {
      bridge.emit('pairs/changed', { ...idle, running });
      answer.resolve({ runId: 'r2' });
      await answer.promise;
    });
    expect(within(article).getByText('Syncing')).toBeTruthy();
    const syncing = within(article).getByRole('button', { name: 'Syncing…' });
    expect(syncing).toHaveProperty('disabled', true);
    fireEvent.click(syncing);
    expect(callsOf(bridge, 'pairs/sync-now')).toHaveLength(1);

    const bar = within(article).getByRole('progressbar', { name: 'Sync progress for CRM ⇄ Billing' });
    expect(within(article).getByText('starting…')).toBeTruthy();
    act(() => bridge.emit('run/progress', runProgress({ phase: 'reading', read: 40 })));
    expect(within(article).getByText('reading: 40 read, 0 written')).toBeTruthy();
    // No total on an incremental run: the bar is indeterminate (no value to announce).
    expect(bar.hasAttribute('value')).toBe(false);
    act(() => bridge.emit('run/progress', runProgress({ phase: 'writing', read: 40, written: 6 })));
    expect(within(article).getByText('writing: 40 read, 6 written')).toBeTruthy();
    // With the number of writes planned, the bar counts the writes.
    act(() => bridge.emit('run/progress', runProgress({ phase: 'writing', read: 40, written: 1500, toWrite: 2000 })));
    expect(within(article).getByText('writing: 1,500 / 2,000 written')).toBeTruthy();
    expect([bar.getAttribute('value'), bar.getAttribute('max')]).toEqual(['1500', '2000']);

    fireEvent.click(within(article).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(callsOf(bridge, 'runs/cancel')).toEqual([{ method: 'runs/cancel', args: { runId: 'r2' } }]));

    const cancelled = runSummary({ id: 'r2', status: 'cancelled', counts: { read: 40, created: 0, updated: 6, deleted: 0, conflicts: 0, failed: 0, skipped: 0 } });
    act(() => {
      bridge.emit('run/finished', cancelled);
      bridge.emit('pairs/changed', { ...idle, lastRun: cancelled });
    });
    expect(within(article).queryByRole('progressbar')).toBeNull();
    expect(within(article).queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(within(article).getByRole('button', { name: 'Sync now' })).toHaveProperty('disabled', false);
    expect(stat(article, 'Last run').textContent).toContain('cancelled · 40 read, 0 created, 6 updated, 0 deleted');
  });

  it('a Cancel that reaches the engine after the run ended says there was nothing to cancel', async () => {
    const running = runSummary({ id: 'r3', status: 'running', finishedAt: null, durationMs: null });
    const { bridge, store } = await mountPairs([pairSummary({ running })], { 'runs/cancel': () => ({ cancelled: false }) });
    fireEvent.click(within(card('CRM ⇄ Billing')).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(store.getState().notices.map((n) => n.text)).toEqual(['The run had already finished, so there was nothing to cancel.']));
    expect(callsOf(bridge, 'runs/cancel')).toEqual([{ method: 'runs/cancel', args: { runId: 'r3' } }]);
  });

  it("shows the engine's words on the card when Sync now is refused, and clears them on the next try", async () => {
    let refuse = true;
    const { bridge } = await mountPairs([pairSummary()], {
      'pairs/sync-now': () => {
        if (refuse) throw new ApiCallError('unavailable', '"CRM ⇄ Billing" is waiting for an app\'s rate limit until 10:05; it resumes on its own then.', 'pairs/sync-now');
        return { runId: 'r2' };
      },
    });
    const article = card('CRM ⇄ Billing');
    fireEvent.click(within(article).getByRole('button', { name: 'Sync now' }));
    const alert = await within(article).findByRole('alert');
    expect(alert.textContent).toContain("waiting for an app's rate limit until 10:05");
    expect(within(article).getByRole('button', { name: 'Sync now' })).toHaveProperty('disabled', false);

    refuse = false;
    fireEvent.click(within(article).getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(callsOf(bridge, 'pairs/sync-now')).toHaveLength(2));
    await waitFor(() => expect(within(article).queryByRole('alert')).toBeNull());
  });

  it('Full resync asks first: Cancel in the dialog starts nothing, confirming calls the full-resync API and the bar counts read / total', async () => {
    const idle = pairSummary();
    const { bridge } = await mountPairs([idle], {
      'pairs/full-resync': () => {
        bridge.emit('pairs/changed', { ...idle, running: runSummary({ id: 'r2', trigger: 'full-resync', mode: 'full', status: 'running', finishedAt: null, durationMs: null }) });
        return { runId: 'r2' };
      },
    });
    const article = card('CRM ⇄ Billing');

    fireEvent.click(within(article).getByRole('button', { name: 'Full resync' }));
    const dialog = screen.getByRole('dialog', { name: 'Full resync of CRM ⇄ Billing?' });
    expect(dialog.textContent).toContain('re-reads every record on both sides');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(callsOf(bridge, 'pairs/full-resync')).toHaveLength(0);

    fireEvent.click(within(article).getByRole('button', { name: 'Full resync' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Full resync of CRM ⇄ Billing?' })).getByRole('button', { name: 'Start full resync' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(callsOf(bridge, 'pairs/full-resync')).toEqual([{ method: 'pairs/full-resync', args: { pairId: 'p1' } }]));

    act(() => bridge.emit('run/progress', runProgress({ read: 50, total: 200 })));
    // A native <progress>: browsers announce its value and max as aria-valuenow / aria-valuemax
    // (Testing Library's `value` filter reads only the aria-* attributes, so the element is asked).
    const bar = within(article).getByRole('progressbar', { name: 'Sync progress for CRM ⇄ Billing' });
    if (!(bar instanceof HTMLProgressElement)) throw new Error('the bar is not a <progress>');
    expect([bar.value, bar.max]).toEqual([50, 200]);
    expect(within(article).getByText('reading: 50 / 200 read, 0 written')).toBeTruthy();
    act(() => bridge.emit('run/progress', runProgress({ read: 180, total: 200, phase: 'matching' })));
    expect([bar.value, bar.max]).toEqual([180, 200]);
    expect(within(article).getByText('matching: 180 / 200 read, 0 written')).toBeTruthy();
  });

  it('Pause and Resume call the API, and the button, health and actions follow', async () => {
    const active = pairSummary();
    const paused = pairSummary({ paused: true, health: 'paused', healthReason: 'Paused by you.' });
    const { bridge } = await mountPairs([active], { 'pairs/pause': () => paused, 'pairs/resume': () => active });
    const article = card('CRM ⇄ Billing');

    fireEvent.click(within(article).getByRole('button', { name: 'Pause' }));
    const resume = await within(article).findByRole('button', { name: 'Resume' });
    expect(callsOf(bridge, 'pairs/pause')).toEqual([{ method: 'pairs/pause', args: { pairId: 'p1' } }]);
    expect(within(article).getByText('Paused')).toBeTruthy();
    expect(within(article).getByText('Paused by you.')).toBeTruthy();
    expect(within(article).getByRole('button', { name: 'Sync now' })).toHaveProperty('disabled', true);
    expect(within(article).getByRole('button', { name: 'Full resync' })).toHaveProperty('disabled', true);

    fireEvent.click(resume);
    await within(article).findByRole('button', { name: 'Pause' });
    expect(callsOf(bridge, 'pairs/resume')).toEqual([{ method: 'pairs/resume', args: { pairId: 'p1' } }]);
    expect(within(article).getByText('In sync')).toBeTruthy();
    expect(within(article).queryByText('Paused by you.')).toBeNull();
    expect(within(article).getByRole('button', { name: 'Sync now' })).toHaveProperty('disabled', false);
  });
});

describe('Pair card awaiting delete confirmation', () => {
  it('asks, and "Apply these deletes (N)" confirms with N', async () => {
    const halted = pairSummary({
      health: 'needs-attention',
      healthReason: 'The last run stopped: 12 of 40 linked records are gone from Billing.',
      awaitingDeleteConfirmation: { gone: 12 },
    });
    const { bridge } = await mountPairs([halted], { 'pairs/sync-now': () => ({ runId: 'r3' }) });
    const article = card('CRM ⇄ Billing');
    expect(within(article).getByText('Needs attention')).toBeTruthy();
    expect(within(article).getByText('The last run stopped: 12 of 40 linked records are gone from Billing.')).toBeTruthy();

    fireEvent.click(within(article).getByRole('button', { name: 'Apply these deletes (12)' }));
    let dialog = screen.getByRole('dialog', { name: 'Apply the deletes of CRM ⇄ Billing?' });
    expect(dialog.textContent).toContain('The 12 records that are gone from CRM or Billing will be deleted in the other app');
    expect(dialog.textContent).toContain('Restore creates it again in both apps');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(callsOf(bridge, 'pairs/sync-now')).toHaveLength(0);

    fireEvent.click(within(article).getByRole('button', { name: 'Apply these deletes (12)' }));
    dialog = screen.getByRole('dialog', { name: 'Apply the deletes of CRM ⇄ Billing?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Apply the deletes and sync' }));
    await waitFor(() => expect(callsOf(bridge, 'pairs/sync-now')).toEqual([{ method: 'pairs/sync-now', args: { pairId: 'p1', confirmDeletes: 12 } }]));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('the plain Sync now does not confirm the deletes', async () => {
    const { bridge } = await mountPairs([pairSummary({ awaitingDeleteConfirmation: { gone: 1 } })], { 'pairs/sync-now': () => ({ runId: 'r3' }) });
    const article = card('CRM ⇄ Billing');
    expect(within(article).getByRole('button', { name: 'Apply these deletes (1)' })).toBeTruthy();
    fireEvent.click(within(article).getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(callsOf(bridge, 'pairs/sync-now')).toEqual([{ method: 'pairs/sync-now', args: { pairId: 'p1' } }]));
  });
});

describe('Pairs screen', () => {
  it('with no pairs, says what a pair is and how to begin', async () => {
    const { store } = await mountPairs([]);
    expect(screen.getByRole('heading', { name: 'No pairs yet' })).toBeTruthy();
    expect(screen.getByText(/A pair keeps the records of two apps in agreement/)).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Pairs' })).toBeNull();
    // One "Create a pair": the empty state's, not the header's as well.
    const create = screen.getAllByRole('button', { name: 'Create a pair' });
    expect(create).toHaveLength(1);
    fireEvent.click(create[0] as HTMLElement);
    expect(store.getState().route).toEqual({ name: 'wizard' });
  });

  it('a list that cannot load shows why, not the empty state, and Try again loads it', async () => {
    const pairs = [pairSummary()];
    let down = true;
    await mountPairs([], {
      'pairs/list': () => {
        if (down) throw new ApiCallError('unavailable', "Concord's engine did not answer. Restart Concord and try again.", 'pairs/list');
        return pairs;
      },
    });
    expect(screen.getByRole('alert').textContent).toContain("Concord's engine did not answer.");
    expect(screen.queryByRole('heading', { name: 'No pairs yet' })).toBeNull();

    down = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('article', { name: 'CRM ⇄ Billing' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(within(screen.getByRole('list', { name: 'Pairs' })).getAllByRole('listitem')).toHaveLength(1);
  });

  it('a pair pushed by the engine appears in the list, and a removed one leaves it', async () => {
    const { bridge } = await mountPairs([pairSummary()]);
    act(() => bridge.emit('pairs/changed', pairSummary({ id: 'p2', name: 'Shop ⇄ Sheet' })));
    expect(card('Shop ⇄ Sheet')).toBeTruthy();
    act(() => bridge.emit('pairs/removed', { pairId: 'p1' }));
    expect(screen.queryByRole('article', { name: 'CRM ⇄ Billing' })).toBeNull();
    expect(within(screen.getByRole('list', { name: 'Pairs' })).getAllByRole('listitem')).toHaveLength(1);
  });
});
