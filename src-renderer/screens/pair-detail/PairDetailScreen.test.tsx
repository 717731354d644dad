// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionInfo, ConnectionSummary, ConnectorInfo, PairSummary } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { fakeBridgeForTests, type FakeBridge, type FakeHandlers } from '../../api/fake-bridge-for-tests';
import { App } from '../../components/App';
import { connectEngineEvents } from '../../store/engine-events';
import { StoreContext } from '../../store/react';
import type { PairTab } from '../../store/route';
import { createConcordStore } from '../../store/store';
import { activityEntry, deferred, failedRecord, pairConfig, pairDetail, pairSummary, runSummary } from '../pairs/pairs.fixture';

afterEach(cleanup);

/** The app on one tab of pair p1's detail, the list loaded first (as at start-up). */
async function mountDetail(tab: PairTab, handlers: FakeHandlers = {}, pair: PairSummary = pairSummary()) {
  const bridge = fakeBridgeForTests({ 'pairs/list': () => [pair], ...handlers });
  const store = createConcordStore(bridge);
  connectEngineEvents(store, bridge);
  await store.getState().loadPairs();
  store.getState().navigate({ name: 'pair', pairId: pair.id, tab });
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
  );
  return { bridge, store };
}

const callsOf = (bridge: FakeBridge, method: string) => bridge.calls.filter((c) => c.method === method);
const panel = (name: string): HTMLElement => screen.getByRole('tabpanel', { name });
/** The text of each cell of a table's body rows. */
const cells = (table: HTMLElement): string[][] =>
  within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('cell').map((c) => c.textContent ?? ''));

const collection = (name: string, fields: string[]): CollectionInfo => ({
  name,
  fields: fields.map((f) => ({ name: f, type: 'string', nullable: true })),
  primaryKey: ['id'],
  changeDetection: ['hash'],
});
/** The settings tab's engine: pairs/get and each app's columns; `update` answers pairs/update. */
const settingsHandlers = (update: FakeHandlers['pairs/update']): FakeHandlers => ({
  'pairs/get': () => pairDetail(),
  'connections/describe': ({ connectionId }) => (connectionId === 'c1' ? [collection('contacts', ['email', 'name', 'nickname'])] : [collection('customers', ['mail', 'full_name'])]),
  // Editing a connection pauses the pair while it is checked, and resumes it after.
  'pairs/pause': () => pairSummary({ paused: true, health: 'paused' }),
  'pairs/resume': () => pairSummary(),
  ...(update ? { 'pairs/update': update } : {}),
});

describe('Pair detail: runs', () => {
  it('lists each run with its trigger, result counts, duration and error', async () => {
    const runs = [
      runSummary({ id: 'r4', trigger: 'schedule', status: 'failed', durationMs: 12_340, counts: { read: 4, created: 0, updated: 0, deleted: 0, conflicts: 0, failed: 2, skipped: 0 }, error: 'Field `email` no longer exists in HubSpot contacts — re-map it in the pair\'s settings.' }),
      runSummary({ id: 'r3', trigger: 'full-resync', mode: 'full', durationMs: 125_000 }),
      runSummary({ id: 'r2', trigger: 'first-sync', mode: 'full', durationMs: 340 }),
      runSummary({ id: 'r1', trigger: 'manual', status: 'running', finishedAt: null, durationMs: null }),
    ];
    const { bridge } = await mountDetail('runs', { 'runs/list': () => runs });
    const table = await within(panel('Runs')).findByRole('table', { name: 'Runs' });
    expect(callsOf(bridge, 'runs/list')).toEqual([{ method: 'runs/list', args: { pairId: 'p1', limit: 50 } }]);
    const rows = cells(table).map(([, trigger, result, duration, error]) => [trigger, result, duration, error]);
    expect(rows).toEqual([
      ['Schedule', 'failed · 4 read, 0 created, 0 updated, 0 deleted, 2 records failed', '12.3 s', 'Field `email` no longer exists in HubSpot contacts — re-map it in the pair\'s settings.'],
      ['Full resync', 'succeeded · 3 read, 1 created, 1 updated, 0 deleted', '2 min 5 s', ''],
      // A full read the user did not ask for by name says so.
      ['First sync · full', 'succeeded · 3 read, 1 created, 1 updated, 0 deleted', '340 ms', ''],
      ['Sync now', 'running · 3 read, 1 created, 1 updated, 0 deleted', 'running…', ''],
    ]);
  });

  it('a run that finishes while the tab is open comes first', async () => {
    const { bridge } = await mountDetail('runs', { 'runs/list': () => [runSummary()] });
    const table = await screen.findByRole('table', { name: 'Runs' });
    act(() => bridge.emit('run/finished', runSummary({ id: 'r5', trigger: 'webhook', counts: { read: 9, created: 0, updated: 9, deleted: 0, conflicts: 1, failed: 0, skipped: 0 } })));
    expect(cells(table).map((row) => row[2])).toEqual(['succeeded · 9 read, 0 created, 9 updated, 0 deleted, 1 conflict', 'succeeded · 3 read, 1 created, 1 updated, 0 deleted']);
  });

  it('with no runs, says to press Sync now', async () => {
    await mountDetail('runs', { 'runs/list': () => [] });
    expect(await within(panel('Runs')).findByText('No runs yet. Press "Sync now" to run this pair for the first time.')).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Runs' })).toBeNull();
    // The card above the tabs has the button the sentence names.
    expect(within(screen.getByRole('article', { name: 'CRM ⇄ Billing status' })).getByRole('button', { name: 'Sync now' })).toBeTruthy();
  });

  it("shows why the runs could not load", async () => {
    await mountDetail('runs', {
      'runs/list': () => {
        throw new ApiCallError('internal', 'The run history could not be read: database is locked.', 'runs/list');
      },
    });
    expect((await within(panel('Runs')).findByRole('alert')).textContent).toContain('The run history could not be read: database is locked.');
  });
});

describe('Pair detail: failed records', () => {
  it("shows the app's error, and Retry calls the retry API for that record", async () => {
    let failed = [failedRecord(), failedRecord({ id: 'f2', record: 'bob@example.com', side: 'left', op: 'create', error: 'CRM says: name is required.', attempts: 1 })];
    const { bridge } = await mountDetail(
      'failed',
      {
        'failed/list': () => failed,
        'failed/retry': ({ failedId }) => {
          failed = failed.filter((f) => f.id !== failedId);
          return { status: 'done', error: null };
        },
      },
      pairSummary({ failed: 2 }),
    );
    const table = await within(panel('Failed records')).findByRole('table', { name: 'Failed records' });
    // The tab counts them, so they are found from the other tabs too.
    expect(within(screen.getByRole('tab', { name: /^Failed records/ })).getByText('2').className).toContain('badge');
    const rows = cells(table).map(([record, write, error, attempts]) => [record, write, error, attempts]);
    expect(rows).toEqual([
      ['ann@example.com', 'update in Billing', 'Billing refused the row: column "mail" must be unique.', '3'],
      ['bob@example.com', 'create in CRM', 'CRM says: name is required.', '1'],
    ]);

    fireEvent.click(within(table).getByRole('button', { name: 'Retry bob@example.com' }));
    expect(await screen.findByText('The record was written.')).toBeTruthy();
    expect(callsOf(bridge, 'failed/retry')).toEqual([{ method: 'failed/retry', args: { failedId: 'f2' } }]);
    // The list is read again: the record that was written is gone from it.
    await waitFor(() => expect(cells(table).map((row) => row[0])).toEqual(['ann@example.com']));
  });

  it("a retry that fails again says the app's new error", async () => {
    const { bridge } = await mountDetail('failed', {
      'failed/list': () => [failedRecord()],
      'failed/retry': () => ({ status: 'failed', error: 'Billing refused the row: the account is locked.' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Retry ann@example.com' }));
    expect(await screen.findByText('The retry failed again: Billing refused the row: the account is locked.')).toBeTruthy();
    expect(callsOf(bridge, 'failed/retry')).toEqual([{ method: 'failed/retry', args: { failedId: 'f1' } }]);
  });

  it('with none, says what would appear here', async () => {
    await mountDetail('failed', { 'failed/list': () => [] });
    expect(await within(panel('Failed records')).findByText('No failed records. Records an app refuses appear here with its error and a Retry button.')).toBeTruthy();
  });
});

describe('Pair detail: activity', () => {
  it('shows the overwritten and the new value, and Restore asks before it calls the restore API', async () => {
    const entries = [
      activityEntry(),
      activityEntry({ id: 'a2', record: 'bob@example.com', side: 'right', action: 'created', field: null, before: undefined, after: undefined, reason: 'new in CRM', restorable: false }),
    ];
    const { bridge } = await mountDetail('activity', { 'activity/list': () => entries, 'activity/restore': () => ({ restored: true }) });
    const table = await within(panel('Activity')).findByRole('table', { name: 'Activity' });
    const rows = cells(table).map(([, record, what, before, after]) => [record, what, before, after]);
    expect(rows).toEqual([
      ['ann@example.com', 'updated in CRM · namechanged in Billing', 'Ann Smith', 'Ann Jones'],
      ['bob@example.com', 'created in Billingnew in CRM', '', ''],
    ]);
    // Only an overwritten value can be restored.
    expect(within(table).getAllByRole('button', { name: /^Restore/ }).map((b) => b.getAttribute('aria-label'))).toEqual(['Restore name of ann@example.com']);

    fireEvent.click(within(table).getByRole('button', { name: 'Restore name of ann@example.com' }));
    let dialog = screen.getByRole('dialog', { name: 'Restore name of ann@example.com?' });
    expect(dialog.textContent).toContain('Concord writes Ann Smith back into CRM');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(callsOf(bridge, 'activity/restore')).toHaveLength(0);

    fireEvent.click(within(table).getByRole('button', { name: 'Restore name of ann@example.com' }));
    dialog = screen.getByRole('dialog', { name: 'Restore name of ann@example.com?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Restore' }));
    expect(await screen.findByText('The overwritten value was restored.')).toBeTruthy();
    expect(callsOf(bridge, 'activity/restore')).toEqual([{ method: 'activity/restore', args: { activityId: 'a1' } }]);
    // The log is read again, so the restore's own entry shows.
    await waitFor(() => expect(callsOf(bridge, 'activity/list')).toHaveLength(2));
  });

  it('a refused restore shows the engine\'s reason in the tab', async () => {
    await mountDetail('activity', {
      'activity/list': () => [activityEntry()],
      'activity/restore': () => {
        throw new ApiCallError('conflict', 'A sync of this pair is running, so nothing was written. Restore again when the sync has finished.', 'activity/restore');
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Restore name of ann@example.com' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Restore' }));
    expect((await within(panel('Activity')).findByRole('alert')).textContent).toContain('A sync of this pair is running, so nothing was written.');
    expect(screen.queryByText('The overwritten value was restored.')).toBeNull();
  });

  it('with none, says what will be listed', async () => {
    await mountDetail('activity', { 'activity/list': () => [] });
    expect(await within(panel('Activity')).findByText('No activity yet. Every write Concord makes, and every value it overwrites, is listed here.')).toBeTruthy();
  });
});

describe('Pair detail: settings', () => {
  it('saves an edited policy with the update API, and says the next run uses it', async () => {
    const { bridge } = await mountDetail(
      'settings',
      settingsHandlers(({ config }) => ({ pair: pairDetail({}, config), needsFullResync: false })),
    );
    const form = await screen.findByRole('form', { name: 'Pair settings' });
    const policy = within(form).getByRole('combobox', { name: /^When both sides change a field/ });
    expect((policy as HTMLSelectElement).value).toBe('manual');
    fireEvent.change(policy, { target: { value: 'newest' } });
    fireEvent.change(within(form).getByRole('combobox', { name: 'Schedule' }), { target: { value: '3600' } });
    // The unsaved edit is marked on the tab, so a look at another tab does not lose it unnoticed.
    expect(screen.getByRole('tab', { name: /Settings/ }).textContent).toBe('Settings · unsaved');

    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect(await within(form).findByText('Saved. The next run uses the new settings.')).toBeTruthy();
    expect(callsOf(bridge, 'pairs/update')).toEqual([
      { method: 'pairs/update', args: { pairId: 'p1', config: pairConfig({ conflictPolicy: 'newest', schedule: { intervalSeconds: 3600 } }) } },
    ]);
    expect(screen.getByRole('tab', { name: /Settings/ }).textContent).toBe('Settings');
    expect((within(form).getByRole('combobox', { name: /^When both sides change a field/ }) as HTMLSelectElement).value).toBe('newest');
  });

  it('a change that needs a full resync says so, and offers to run it', async () => {
    const { bridge } = await mountDetail('settings', {
      ...settingsHandlers(({ config }) => ({ pair: pairDetail({}, config), needsFullResync: true })),
      'pairs/full-resync': () => ({ runId: 'r7' }),
    });
    const form = await screen.findByRole('form', { name: 'Pair settings' });
    // A mapping change: "name" now reads another CRM column.
    fireEvent.change(await within(form).findByRole('combobox', { name: /^App A field for name/ }), { target: { value: 'nickname' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));

    const status = within(form).getByRole('status');
    await waitFor(() => expect(status.textContent).toContain('Saved. This change applies to existing records only after a full resync.'));
    expect(status.textContent).not.toContain('The next run uses the new settings.');
    const sent = callsOf(bridge, 'pairs/update')[0]?.args;
    expect(sent).toEqual({ pairId: 'p1', config: pairConfig({ fields: [pairConfig().fields[0]!, { ...pairConfig().fields[1]!, left: { fields: ['nickname'] } }] }) });

    // It asks first, as the card's Full resync does.
    fireEvent.click(within(status).getByRole('button', { name: 'Run full resync now' }));
    const dialog = screen.getByRole('dialog', { name: /^Full resync of/ });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(callsOf(bridge, 'pairs/full-resync')).toEqual([]);
    fireEvent.click(within(status).getByRole('button', { name: 'Run full resync now' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: /^Full resync of/ })).getByRole('button', { name: 'Start full resync' }));
    await waitFor(() => expect(callsOf(bridge, 'pairs/full-resync')).toEqual([{ method: 'pairs/full-resync', args: { pairId: 'p1' } }]));
  });

  it('Retry runs once at a time per record and says it is running', async () => {
    const answer = deferred<{ status: 'done' | 'failed'; error: string | null }>();
    const { bridge } = await mountDetail('failed', { 'failed/list': () => [failedRecord()], 'failed/retry': () => answer.promise }, pairSummary({ failed: 1 }));
    const retry = await screen.findByRole('button', { name: 'Retry ann@example.com' });
    fireEvent.click(retry);
    fireEvent.click(retry);
    await waitFor(() => expect(retry.textContent).toBe('Retrying…'));
    expect((retry as HTMLButtonElement).disabled).toBe(true);
    expect(callsOf(bridge, 'failed/retry')).toHaveLength(1);
    answer.resolve({ status: 'done', error: null });
    await waitFor(() => expect(retry.textContent).toBe('Retry'));
  });

  it('a refused save shows the engine\'s error, names the place to look, and keeps the edit', async () => {
    await mountDetail(
      'settings',
      settingsHandlers(() => {
        throw new ApiCallError('invalid-input', 'The pair\'s settings do not fit the apps — "mail" is not unique in Billing "customers".', 'pairs/update', [
          { path: 'config.fields.0.right.fields', message: '"mail" is not unique in Billing "customers".' },
        ]);
      }),
    );
    const form = await screen.findByRole('form', { name: 'Pair settings' });
    fireEvent.change(within(form).getByRole('combobox', { name: /^When both sides change a field/ }), { target: { value: 'master' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));

    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('"mail" is not unique in Billing "customers".');
    expect(within(alert).getByText('Look at the App B field for “email” (row 1 of the field mapping).')).toBeTruthy();
    expect(within(form).getByRole('status').textContent).toBe('');
    expect((within(form).getByRole('combobox', { name: /^When both sides change a field/ }) as HTMLSelectElement).value).toBe('master');
    expect(screen.getByRole('tab', { name: /Settings/ }).textContent).toBe('Settings · unsaved');
    expect(within(form).getByRole('button', { name: 'Save settings' })).toHaveProperty('disabled', false);
  });
});

describe('Pair detail: a pair the list does not know', () => {
  it("shows the engine's answer for it", async () => {
    const bridge = fakeBridgeForTests({
      'pairs/list': () => [],
      'pairs/get': ({ pairId }) => {
        throw new ApiCallError('not-found', `Pair "${pairId}" does not exist (it may have been deleted). Reload the list and try again.`, 'pairs/get');
      },
    });
    const store = createConcordStore(bridge);
    await store.getState().loadPairs();
    store.getState().navigate({ name: 'pair', pairId: 'gone', tab: 'runs' });
    render(
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>,
    );
    expect((await screen.findByRole('alert')).textContent).toContain('Pair "gone" does not exist (it may have been deleted).');
    expect(callsOf(bridge, 'runs/list')).toHaveLength(0);
  });
});

describe('Pair detail: the apps', () => {
  const csvConnector = {
    kind: 'csv-file',
    label: 'CSV file',
    description: 'A CSV file',
    configFields: [{ key: 'path', label: 'CSV file', kind: 'path' as const, required: true }],
    capabilities: { changeDetection: ['hash' as const], deletes: 'by-scan' as const, optimisticWrites: true },
  };
  const billing: ConnectionSummary = { id: 'c2', name: 'Billing', connector: 'csv-file', config: { path: '/data/customers.csv' }, hasCredential: false, createdAt: '2026-01-01T00:00:00Z' };
  const crm: ConnectionSummary = { id: 'c1', name: 'CRM', connector: 'csv-file', config: { path: '/data/contacts.csv' }, hasCredential: false, createdAt: '2026-01-01T00:00:00Z' };

  /**
   * The settings tab with an engine that saves Billing's connection as asked (`stored()` is what it
   * holds now); App B's connection form open with its path changed to `path` and "Test and save"
   * pressed. The engine checks the new settings itself (pairs/edit-connection, engine tests).
   */
  async function saveBillingPath(path: string, handlers: FakeHandlers = {}) {
    let stored = billing;
    const mounted = await mountDetail('settings', {
      ...settingsHandlers(undefined),
      'connectors/list': () => [csvConnector],
      'connections/list': () => [crm, stored],
      'pairs/edit-connection': ({ name, config }) => {
        stored = { ...stored, name, config };
        return { connection: stored, collections: 1, leftOut: [] };
      },
      ...handlers,
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit the connection of App B' }));
    const form = screen.getByRole('form', { name: 'Connection of App B' });
    fireEvent.change(within(form).getByRole('textbox', { name: 'CSV file' }), { target: { value: path } });
    fireEvent.click(within(form).getByRole('button', { name: 'Test and save' }));
    return { ...mounted, form, stored: () => stored };
  }

  it('saved: one call checks and saves the pair’s side, the card shows the new path, and a notice says what was found', async () => {
    const { bridge } = await saveBillingPath('/moved/customers.csv');
    expect(await screen.findByText('Saved “Billing”: 1 collection found. Press Sync now to sync with it.')).toBeTruthy();
    expect(callsOf(bridge, 'pairs/edit-connection').map((c) => c.args)).toEqual([{ pairId: 'p1', side: 'right', name: 'Billing', config: { path: '/moved/customers.csv' } }]);
    expect(screen.getByRole('button', { name: 'Edit the connection of App B' }).closest('.connection-card')?.textContent).toContain('/moved/customers.csv');
    // The pair is not paused around it: the engine holds its runs while it checks.
    expect(callsOf(bridge, 'pairs/pause')).toEqual([]);
  });

  it('settings the engine refuses (another app’s data) say why at the form, which stays open with them', async () => {
    const { form, stored } = await saveBillingPath('/other/customers.csv', {
      'pairs/edit-connection': () => {
        throw new ApiCallError('invalid-input', 'Only 2 of the 22 records Concord linked in “Billing” are there: it looks like another app\'s data, and the next sync would read the rest as deleted. The connection was left as it was.', 'pairs/edit-connection');
      },
    });
    expect((await within(form).findByRole('alert')).textContent).toContain('Only 2 of the 22 records Concord linked in “Billing” are there');
    expect((within(form).getByRole('textbox', { name: 'CSV file' }) as HTMLInputElement).value).toBe('/other/customers.csv');
    expect(stored().config.path).toBe('/data/customers.csv');
  });

  it('a connector with a secret and a choice: the card names the choice and never the secret; the form keeps the stored password when left empty and shows a refused value at its field', async () => {
    const serverConnector: ConnectorInfo = {
      kind: 'db-server',
      label: 'Database server',
      description: 'A database server (as the engine derives its form from a schema).',
      configFields: [
        { key: 'host', label: 'Host', kind: 'text', required: true },
        { key: 'port', label: 'Port', kind: 'number', required: false, min: 1, max: 65535, integer: true, default: 5432 },
        { key: 'password', label: 'Password', kind: 'secret', required: true },
        { key: 'tlsMode', label: 'TLS', kind: 'select', required: false, options: ['disable', 'require', 'verify-full'], optionLabels: { 'verify-full': 'Verify the server' }, default: 'require' },
        { key: 'caFile', label: 'CA file', kind: 'path', required: false, showWhen: { key: 'tlsMode', in: ['verify-full'] } },
      ],
      capabilities: { changeDetection: ['cursor'], deletes: 'by-scan', optimisticWrites: true },
    };
    const server: ConnectionSummary = { ...billing, connector: 'db-server', config: { host: 'db.example.com', tlsMode: 'verify-full', caFile: '/etc/ca.pem' }, hasCredential: true };
    const { bridge } = await mountDetail('settings', {
      ...settingsHandlers(undefined),
      'connectors/list': () => [csvConnector, serverConnector],
      'connections/list': () => [crm, server],
      'pairs/edit-connection': () => {
        throw new ApiCallError('invalid-input', 'The Database server settings need attention: Port must be at most 65535.', 'pairs/edit-connection', [{ path: 'config.port', message: 'Port must be at most 65535.' }]);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit the connection of App B' }));
    const card = screen.getByRole('form', { name: 'Connection of App B' }).closest('.connection-card') as HTMLElement;
    const form = within(card).getByRole('form', { name: 'Connection of App B' });
    expect((within(form).getByRole('combobox', { name: 'TLS (optional)' }) as HTMLSelectElement).value).toBe('verify-full');
    expect(within(form).getByRole('option', { name: 'Verify the server' })).toBeTruthy();
    expect((within(form).getByRole('textbox', { name: 'CA file (optional)' }) as HTMLInputElement).value).toBe('/etc/ca.pem');
    const password = within(form).getByLabelText('Password') as HTMLInputElement;
    expect([password.type, password.value]).toEqual(['password', '']);
    expect(within(form).getByText(/Leave empty to keep the one stored in your keychain/)).toBeTruthy();

    fireEvent.change(within(form).getByRole('spinbutton', { name: 'Port (optional)' }), { target: { value: '70000' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Test and save' }));
    await within(form).findByRole('alert');
    const port = within(form).getByRole('spinbutton', { name: 'Port (optional)' });
    expect(port.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(`${port.id}-message`)?.textContent).toBe('Port must be at most 65535.');
    // A stored secret is not sent back (nor asked for): the update goes without one, so the keychain keeps it.
    expect(callsOf(bridge, 'pairs/edit-connection').map((c) => c.args)).toEqual([{ pairId: 'p1', side: 'right', name: 'Billing', config: { host: 'db.example.com', tlsMode: 'verify-full', caFile: '/etc/ca.pem', port: 70000 } }]);
  });

  it('the card names a choice by its label and shows no secret', async () => {
    const connector: ConnectorInfo = {
      kind: 'db-server',
      label: 'Database server',
      description: 'A database server.',
      configFields: [
        { key: 'host', label: 'Host', kind: 'text', required: true },
        { key: 'password', label: 'Password', kind: 'secret', required: true },
        { key: 'tlsMode', label: 'TLS', kind: 'select', required: false, options: ['require', 'verify-full'], optionLabels: { 'verify-full': 'Verify the server' }, default: 'require' },
        { key: 'caFile', label: 'CA file', kind: 'path', required: false, showWhen: { key: 'tlsMode', in: ['verify-full'] } },
      ],
      capabilities: { changeDetection: ['cursor'], deletes: 'by-scan', optimisticWrites: true },
    };
    await mountDetail('settings', {
      ...settingsHandlers(undefined),
      'connectors/list': () => [csvConnector, connector],
      'connections/list': () => [crm, { ...billing, connector: 'db-server', config: { host: 'db.example.com', caFile: '/etc/ca.pem' }, hasCredential: true }],
    });
    const edit = await screen.findByRole('button', { name: 'Edit the connection of App B' });
    const facts = edit.closest('.connection-card')!.querySelector('dl')!.textContent;
    // The default choice is named; a CA file that counts only for verify-full is not shown; no password.
    expect(facts).toContain('TLSrequire');
    expect(facts).not.toContain('CA file');
    expect(facts).not.toContain('Password');
  });
});
