// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CapturePlan, ChangeDetection, CollectionInfo } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { fakeBridgeForTests, type FakeHandlers } from '../../api/fake-bridge-for-tests';
import { App } from '../../components/App';
import { connectEngineEvents } from '../../store/engine-events';
import { StoreContext } from '../../store/react';
import { createConcordStore } from '../../store/store';
import { pairConfig, pairDetail, pairSummary } from '../pairs/pairs.fixture';

afterEach(cleanup);

const collection = (name: string, fields: string[], changeDetection: ChangeDetection[]): CollectionInfo => ({
  name,
  fields: fields.map((f) => ({ name: f, type: 'string', nullable: true })),
  primaryKey: ['id'],
  changeDetection,
});

const INSTALL = 'CREATE TABLE "public"."concord_changes_customers" (\n  seq bigserial PRIMARY KEY\n);\nCREATE TRIGGER concord_capture …;';
const REMOVE = 'DROP TRIGGER IF EXISTS concord_capture ON "public"."customers";\nDROP TABLE IF EXISTS "public"."concord_changes_customers";';
const plan = (installed: boolean): CapturePlan => ({ collection: 'customers', installed, installSql: INSTALL, installHash: 'a'.repeat(64), removeSql: REMOVE, removeHash: 'b'.repeat(64) });

/** The settings tab of pair p1: App A a table with cursor and hash, App B one that offers capture. */
async function mountSettings(handlers: FakeHandlers) {
  const bridge = fakeBridgeForTests({
    'pairs/list': () => [pairSummary()],
    'pairs/get': () => pairDetail(),
    'connections/describe': ({ connectionId }) =>
      connectionId === 'c1' ? [collection('contacts', ['email', 'name'], ['cursor', 'hash'])] : [collection('customers', ['mail', 'full_name'], ['hash', 'capture'])],
    ...handlers,
  });
  const store = createConcordStore(bridge);
  connectEngineEvents(store, bridge);
  await store.getState().loadPairs();
  store.getState().navigate({ name: 'pair', pairId: 'p1', tab: 'settings' });
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>,
  );
  return { bridge, form: await screen.findByRole('form', { name: 'Pair settings' }) };
}

describe('Pair settings: change detection', () => {
  it('choosing capture shows the exact SQL read-only with Install; installing sends the hash of that SQL, then offers Remove capture; the mode is saved with the settings', async () => {
    let installed = false;
    const { bridge, form } = await mountSettings({
      'connections/capture-plan': () => plan(installed),
      'connections/capture-install': () => plan((installed = true)),
      'connections/capture-remove': () => plan((installed = false)),
      'pairs/update': ({ config }) => ({ pair: pairDetail({}, config), needsFullResync: false }),
    });
    const b = await within(form).findByRole('combobox', { name: 'Change detection of App B' });
    expect([...(b as HTMLSelectElement).options].map((o) => o.textContent)).toEqual(['Compare every record', 'Capture (a trigger records every change)']);
    expect(within(form).queryByRole('region', { name: 'Capture for App B' })).toBeNull();

    fireEvent.change(b, { target: { value: 'capture' } });
    const panel = await within(form).findByRole('region', { name: 'Capture for App B' });
    const sql = await within(panel).findByLabelText('SQL that installs capture');
    expect(sql.tagName).toBe('PRE');
    expect(sql.textContent).toBe(INSTALL);
    expect(bridge.calls.filter((c) => c.method === 'connections/capture-plan')).toEqual([{ method: 'connections/capture-plan', args: { connectionId: 'c2', collection: 'customers' } }]);

    fireEvent.click(within(panel).getByRole('button', { name: 'Install' }));
    expect((await within(panel).findByLabelText('SQL that removes capture')).textContent).toBe(REMOVE);
    expect(bridge.calls.filter((c) => c.method === 'connections/capture-install')).toEqual([
      { method: 'connections/capture-install', args: { connectionId: 'c2', collection: 'customers', installHash: 'a'.repeat(64) } },
    ]);

    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(bridge.calls.filter((c) => c.method === 'pairs/update')).toHaveLength(1));
    const base = pairConfig();
    expect(bridge.calls.find((c) => c.method === 'pairs/update')?.args).toEqual({ pairId: 'p1', config: { ...base, right: { ...base.right, changeDetection: 'capture' } } });

    fireEvent.click(within(panel).getByRole('button', { name: 'Remove capture' }));
    expect((await within(panel).findByLabelText('SQL that installs capture')).textContent).toBe(INSTALL);
    expect(bridge.calls.filter((c) => c.method === 'connections/capture-remove').map((c) => c.args)).toEqual([{ connectionId: 'c2', collection: 'customers', removeHash: 'b'.repeat(64) }]);
  });

  it('a refused install shows the database’s reason inline, next to the SQL, and installs nothing', async () => {
    const refusal = 'Capture cannot be installed on "public.customers": Concord connects as "app_user", which needs the table\'s owner, role "postgres": connect as that role, or have it (or a superuser) run GRANT "postgres" TO "app_user";';
    const { form } = await mountSettings({
      'pairs/get': () => pairDetail({}, pairConfig({ right: { connectionId: 'c2', collection: 'customers', changeDetection: 'capture' } })),
      'connections/capture-plan': () => plan(false),
      'connections/capture-install': () => {
        throw new ApiCallError('connector-error', refusal, 'connections/capture-install');
      },
    });
    const panel = await within(form).findByRole('region', { name: 'Capture for App B' });
    await within(panel).findByLabelText('SQL that installs capture');
    fireEvent.click(within(panel).getByRole('button', { name: 'Install' }));
    expect((await within(panel).findByRole('alert')).textContent).toContain('GRANT "postgres" TO "app_user";');
    expect(within(panel).getByLabelText('SQL that installs capture').textContent).toBe(INSTALL);
    expect(within(panel).getByRole('button', { name: 'Install' })).toBeTruthy();
  });
});
