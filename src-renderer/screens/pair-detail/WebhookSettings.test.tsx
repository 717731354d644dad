// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionInfo, PairConfig, WebhookInfo } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { fakeBridgeForTests, type FakeHandlers } from '../../api/fake-bridge-for-tests';
import { App } from '../../components/App';
import { connectEngineEvents } from '../../store/engine-events';
import { StoreContext } from '../../store/react';
import { createConcordStore } from '../../store/store';
import { pairConfig, pairDetail, pairSummary } from '../pairs/pairs.fixture';

afterEach(cleanup);

const collection = (name: string, fields: string[]): CollectionInfo => ({ name, fields: fields.map((f) => ({ name: f, type: 'string', nullable: true })), primaryKey: ['id'], changeDetection: ['hash'] });
const ORIGIN = 'http://127.0.0.1:43817';

/** Pair p1's settings; `saved` is the config the engine holds (pairs/update replaces it), `secret` whether one is set. */
async function mountSettings(handlers: FakeHandlers = {}, start: PairConfig = pairConfig()) {
  let saved = start;
  let hasSecret = false;
  const info = (): WebhookInfo => ({
    listening: true,
    error: null,
    endpoints: Object.fromEntries((['left', 'right'] as const).filter((s) => saved.webhooks?.[s]?.enabled).map((s) => [s, `${ORIGIN}/hooks/p1/${s}`])),
    statusUrl: `${ORIGIN}/hooks/p1/<side>/events/<correlation id>`,
    hasSecret,
  });
  const bridge = fakeBridgeForTests({
    'pairs/list': () => [pairSummary()],
    'pairs/get': () => pairDetail({}, saved),
    'connections/describe': ({ connectionId }) => (connectionId === 'c1' ? [collection('contacts', ['email', 'name'])] : [collection('customers', ['mail', 'full_name'])]),
    'pairs/update': ({ config }) => {
      saved = config;
      return { pair: pairDetail({}, config), needsFullResync: false };
    },
    'webhooks/info': info,
    'webhooks/set-secret': ({ secret }) => {
      hasSecret = true;
      return { secret: secret ?? 'whsec_generated-once-0123456789abcdef' };
    },
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
  const form = await screen.findByRole('form', { name: 'Pair settings' });
  const section = within(form).getByRole('group', { name: 'Webhooks' });
  return { bridge, form, section, saved: () => saved };
}

describe('Pair settings: webhooks (issue 12)', () => {
  it('turned on for a side with a scheme, a replay window, a path and the synchronous mode, it is saved with the settings; then its URL shows with Copy', async () => {
    const { bridge, form, section, saved } = await mountSettings();
    expect(within(section).queryByRole('radiogroup')).toBeNull(); // nothing to answer while no side is on
    fireEvent.click(within(section).getByRole('checkbox', { name: 'Receive webhooks from App A · CRM' }));
    fireEvent.change(within(section).getByRole('combobox', { name: 'Signature scheme of App A' }), { target: { value: 'hex' } });
    fireEvent.change(within(section).getByRole('textbox', { name: 'Timestamp header of App A' }), { target: { value: 'X-Timestamp' } });
    fireEvent.change(within(section).getByRole('spinbutton', { name: 'Replay window of App A in seconds' }), { target: { value: '60' } });
    fireEvent.change(within(section).getByRole('textbox', { name: 'Record id path of App A' }), { target: { value: 'data.object.id' } });
    expect(within(section).getByText('Save settings to get the address App A sends its webhooks to.')).toBeTruthy();
    fireEvent.click(within(section).getByRole('radio', { name: /Answer after applying the change \(synchronous\)/ }));
    fireEvent.change(within(section).getByRole('spinbutton', { name: /Time limit of a synchronous answer/ }), { target: { value: '5' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(bridge.calls.filter((c) => c.method === 'pairs/update')).toHaveLength(1));
    expect(saved().webhooks).toEqual({
      mode: 'sync',
      syncTimeoutSeconds: 5,
      left: { enabled: true, scheme: 'hex', timestampHeader: 'X-Timestamp', toleranceSeconds: 60, paths: { recordId: 'data.object.id' } },
    });
    const url = await within(section).findByLabelText('Webhook URL of App A');
    expect(url).toHaveProperty('value', `${ORIGIN}/hooks/p1/left`);
    expect(within(section).getByRole('button', { name: 'Copy the webhook URL of App A' })).toBeTruthy();
    expect(within(section).getByText('The webhook receiver is listening.')).toBeTruthy();
    expect(within(section).getByText(`GET ${ORIGIN}/hooks/p1/<side>/events/<correlation id>`)).toBeTruthy();
  });

  it('“Generate secret” shows the new secret once, with the warning that it is not shown again; the app’s own secret can be pasted instead', async () => {
    const { bridge, section } = await mountSettings({}, pairConfig({ webhooks: { mode: 'async', syncTimeoutSeconds: 10, left: { enabled: true, scheme: 'github' } } }));
    const secret = within(section).getByRole('region', { name: 'Webhook secret' });
    await within(secret).findByText(/none yet — every webhook is refused/);
    fireEvent.click(within(secret).getByRole('button', { name: 'Generate secret' }));
    expect(await within(secret).findByLabelText('The new webhook secret')).toHaveProperty('value', 'whsec_generated-once-0123456789abcdef');
    expect(within(secret).getByText(/Concord will not show it again/)).toBeTruthy();
    expect(within(secret).getByRole('button', { name: 'Copy the webhook secret' })).toBeTruthy();
    expect(within(secret).getByText(/set \(kept in the keychain\)/)).toBeTruthy();
    fireEvent.click(within(secret).getByRole('button', { name: 'I have copied it' }));
    expect(within(secret).queryByLabelText('The new webhook secret')).toBeNull();

    fireEvent.click(within(secret).getByRole('button', { name: 'Use the app’s secret' }));
    const box = within(secret).getByLabelText(/The secret the app shows/);
    fireEvent.change(box, { target: { value: 'the-apps-own-secret-of-length' } });
    // Enter saves the secret alone, never the settings form around it.
    fireEvent.keyDown(box, { key: 'Enter' });
    await within(secret).findByText(/The app’s secret is saved/);
    expect(bridge.calls.filter((c) => c.method === 'webhooks/set-secret').map((c) => c.args)).toEqual([{ pairId: 'p1' }, { pairId: 'p1', secret: 'the-apps-own-secret-of-length' }]);
    expect(bridge.calls.filter((c) => c.method === 'pairs/update')).toHaveLength(0);
    expect(within(secret).queryByText('the-apps-own-secret-of-length')).toBeNull(); // a pasted secret is never echoed
  });

  it('a refused secret and a receiver that is not listening say why', async () => {
    const { section } = await mountSettings(
      {
        'webhooks/info': () => ({ listening: false, error: 'The webhook receiver could not listen on 127.0.0.1:43817: address in use', endpoints: {}, statusUrl: null, hasSecret: false }),
        'webhooks/set-secret': () => {
          throw new ApiCallError('invalid-input', 'The secret starts or ends with a space: paste it exactly as the app shows it.', 'webhooks/set-secret');
        },
      },
      pairConfig({ webhooks: { mode: 'async', syncTimeoutSeconds: 10, left: { enabled: true, scheme: 'stripe' } } }),
    );
    expect((await within(section).findByText(/could not listen on 127\.0\.0\.1:43817/)).textContent).toContain('address in use');
    expect(within(section).getByText('The address appears once the receiver listens.')).toBeTruthy();
    const secret = within(section).getByRole('region', { name: 'Webhook secret' });
    fireEvent.click(within(secret).getByRole('button', { name: 'Use the app’s secret' }));
    fireEvent.change(within(secret).getByLabelText(/The secret the app shows/), { target: { value: ' padded-secret-0123456789 ' } });
    fireEvent.click(within(secret).getByRole('button', { name: 'Save the app’s secret' }));
    expect((await within(secret).findByRole('alert')).textContent).toContain('paste it exactly as the app shows it');
  });

  it('a header name the engine refuses is named where the user set it', async () => {
    const { form, section } = await mountSettings({
      'pairs/update': () => {
        throw new ApiCallError('invalid-input', 'Invalid input for pairs/update', 'pairs/update', [{ path: 'config.webhooks.left.signatureHeader', message: 'a header name such as X-Signature' }]);
      },
    });
    fireEvent.click(within(section).getByRole('checkbox', { name: 'Receive webhooks from App A · CRM' }));
    fireEvent.click(within(section).getByText(/^Advanced: headers and the body’s paths/));
    fireEvent.change(within(section).getByRole('textbox', { name: 'Signature header of App A' }), { target: { value: 'X Sig' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect((await within(form).findByRole('alert')).textContent).toContain('The signature header of App A: a header name such as X-Signature');
  });
});
