// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { ApiCallError } from '../../api/call';
import { SECRET, argsOf, backButton, connectBoth, expectStep, fillAppA, methods, mountWizard, nextButton, wizardEngine } from './wizard-test-kit';

afterEach(cleanup);

/** The calls that would test or save a connection (connectors/list is the wizard loading its choices). */
const connectionCalls = (m: string[]): string[] => m.filter((x) => x.startsWith('connections/'));

describe('wizard, connecting App A', () => {
  it('renders the form the chosen connector describes: labels, optional fields, a password box for the secret, a choice, a checkbox, a group and a field shown only for one choice', async () => {
    const w = mountWizard();
    await expectStep(1, 'App A');
    const kinds = await screen.findByRole('group', { name: 'Which app is App A?' });
    expect(within(kinds).getAllByRole('radio')).toHaveLength(2);
    expect(screen.queryByRole('group', { name: 'CRM API settings' })).toBeNull();

    await w.user.click(screen.getByRole('radio', { name: /^CRM API/ }));
    const form = screen.getByRole('group', { name: 'CRM API settings' });
    expect(within(form).getByRole('textbox', { name: 'Connection name' })).toBeTruthy();
    expect(within(form).getByRole('textbox', { name: 'Base URL' })).toBeTruthy();
    expect(within(form).getByText('The address of your CRM, e.g. https://crm.example.com.')).toBeTruthy();
    const pageSize = within(form).getByRole('spinbutton', { name: 'Page size (optional)' });
    expect([pageSize.getAttribute('min'), pageSize.getAttribute('max'), pageSize.getAttribute('step'), pageSize.getAttribute('placeholder')]).toEqual(['1', '500', '1', '100']);
    const region = within(form).getByRole('combobox', { name: 'Region (optional)' });
    expect(within(region).getAllByRole('option').map((o) => [o.textContent, o.getAttribute('value')])).toEqual([
      ['(choose)', ''],
      ['Europe', 'eu'],
      ['United States', 'us'],
    ]);
    const token = within(form).getByLabelText('API token');
    expect(token.getAttribute('type')).toBe('password');
    expect(token.getAttribute('autocomplete')).toBe('off');
    expect(within(form).getByRole('checkbox', { name: 'Include archived contacts' })).toHaveProperty('checked', false);
    // A choice with a default shows it chosen, and the CA file shows only for verify-full.
    const security = within(form).getByRole('group', { name: 'Security' });
    const tls = within(security).getByRole('combobox', { name: 'TLS (optional)' });
    expect((tls as HTMLSelectElement).value).toBe('require');
    expect(within(security).queryByRole('textbox', { name: 'CA file (optional)' })).toBeNull();
    await w.user.selectOptions(tls, 'verify-full');
    expect(within(security).getByRole('textbox', { name: 'CA file (optional)' })).toBeTruthy();

    // Another kind of app brings its own form, without the first one's fields.
    await w.user.click(screen.getByRole('radio', { name: /^SQLite table/ }));
    const sqlite = screen.getByRole('group', { name: 'SQLite table settings' });
    expect(within(sqlite).getByRole('textbox', { name: 'Database file' })).toBeTruthy();
    expect(within(sqlite).getByRole('textbox', { name: 'Last-modified column (optional)' })).toBeTruthy();
    expect(screen.queryByLabelText('API token')).toBeNull();
    expect(screen.queryByRole('textbox', { name: 'Base URL' })).toBeNull();
  });

  it('a value the engine refuses shows its message on that field, the secret\'s on the password box; the checkbox and choices reach the engine as values', async () => {
    const w = mountWizard(
      wizardEngine({
        'connections/test': () => {
          throw new ApiCallError('invalid-input', 'The CRM API settings need attention: Page size must be at most 500. The API token is not valid.', 'connections/test', [
            { path: 'config.pageSize', message: 'Page size must be at most 500.' },
            { path: 'secret', message: 'The API token is not valid.' },
          ]);
        },
      }),
    );
    await fillAppA(w);
    await w.user.type(screen.getByRole('spinbutton', { name: 'Page size (optional)' }), '9000');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Region (optional)' }), 'Europe');
    await w.user.click(screen.getByRole('checkbox', { name: 'Include archived contacts' }));
    await w.user.click(nextButton());

    const alert = await screen.findByRole('alert');
    const pageSize = screen.getByRole('spinbutton', { name: 'Page size (optional)' });
    expect(pageSize.getAttribute('aria-invalid')).toBe('true');
    const described = (el: HTMLElement) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described(pageSize)).toContain('Page size must be at most 500.');
    const token = screen.getByLabelText('API token');
    expect(token.getAttribute('aria-invalid')).toBe('true');
    expect(described(token)).toContain('The API token is not valid.');
    // The error says where to look, in the form's words; nothing was saved and the step stays.
    expect(alert.textContent).toContain('Look at “Page size”.');
    expect(alert.textContent).toContain('Look at “API token”.');
    await expectStep(1, 'App A');
    expect(argsOf(w.bridge, 'connections/test')[0]).toEqual({ connector: 'crm-api', config: { baseUrl: 'https://crm.example.com', pageSize: 9000, region: 'eu', archived: true }, secret: SECRET });
    expect(methods(w.bridge)).not.toContain('connections/create');
  });

  it('Next with a required value missing says which one and calls nothing', async () => {
    const w = mountWizard();
    await w.user.click(nextButton());
    expect((await screen.findByRole('alert')).textContent).toBe('Choose which kind of app this is.');

    await w.user.click(screen.getByRole('radio', { name: /^CRM API/ }));
    // The message follows the edits once shown.
    expect(screen.getByRole('alert').textContent).toBe('Give this connection a name (for example "Sales CRM").');
    await w.user.type(screen.getByRole('textbox', { name: 'Connection name' }), 'Sales CRM');
    expect(screen.getByRole('alert').textContent).toBe('Fill in Base URL, API token.');
    // The empty required fields point a screen reader at the message; a filled one does not.
    const url = screen.getByRole('textbox', { name: 'Base URL' });
    expect(url.getAttribute('aria-invalid')).toBe('true');
    expect(url.getAttribute('aria-describedby')?.split(' ')).toContain(screen.getByRole('alert').id);
    expect(screen.getByRole('textbox', { name: 'Connection name' }).getAttribute('aria-invalid')).toBeNull();
    await w.user.type(screen.getByRole('textbox', { name: 'Base URL' }), 'https://crm.example.com');
    expect(url.getAttribute('aria-invalid')).toBeNull();
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe('Fill in API token.');

    await expectStep(1, 'App A');
    expect(connectionCalls(methods(w.bridge))).toEqual([]);
  });

  it('Next tests the connection; a failed test keeps the user on App A with the engine’s words and saves nothing', async () => {
    const bridge = wizardEngine({
      'connections/test': () => {
        throw new ApiCallError('connector-error', 'The CRM refused the token: 401 Unauthorized — create a new token in the CRM’s settings.', 'connections/test', [
          { path: 'config.baseUrl', message: 'answered 401' },
        ]);
      },
    });
    const w = mountWizard(bridge);
    await fillAppA(w);
    await w.user.click(nextButton());

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The CRM refused the token: 401 Unauthorized');
    // The issue is named by the field's label, not its key (the raw path waits under Details).
    expect(within(alert).getAllByRole('list')[0]?.textContent).toBe('“Base URL”: answered 401');
    await expectStep(1, 'App A');
    expect(connectionCalls(methods(bridge))).toEqual(['connections/test']);
    // What was typed stays, so the user can fix the token and try again.
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Base URL' }).value).toBe('https://crm.example.com');
    expect(screen.getByLabelText<HTMLInputElement>('API token').value).toBe(SECRET);
    expect(nextButton().hasAttribute('disabled')).toBe(false);
  });

  it('sends the secret in connections/test and connections/create, and never shows it back', async () => {
    const w = mountWizard();
    await fillAppA(w);
    await w.user.click(nextButton());
    await expectStep(2, 'App B');

    const config = { baseUrl: 'https://crm.example.com' };
    expect(argsOf(w.bridge, 'connections/test')).toEqual([{ connector: 'crm-api', config, secret: SECRET }]);
    expect(argsOf(w.bridge, 'connections/create')).toEqual([{ name: 'Sales CRM', connector: 'crm-api', config, secret: SECRET }]);
    // App B's form starts empty: A's token is not offered to B.
    await w.user.click(screen.getByRole('radio', { name: /^CRM API/ }));
    expect(screen.getByLabelText<HTMLInputElement>('API token').value).toBe('');

    await w.user.click(backButton());
    await expectStep(1, 'App A');
    expect(screen.getByText(/credential saved in the keychain/).textContent).toBe('Connected to Sales CRM (crm-api, credential saved in the keychain).');
    expect(screen.queryByLabelText('API token')).toBeNull();
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(JSON.stringify(w.store.getState())).not.toContain(SECRET);
  });

  it('Test connection sends the draft with its secret and reports what it found until the settings change', async () => {
    const w = mountWizard(wizardEngine({ 'connections/test': () => ({ ok: true, collections: 1 }) }));
    await fillAppA(w);
    await w.user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByRole('status')).textContent).toBe('Connection works: 1 collection found.');
    expect(argsOf(w.bridge, 'connections/test')).toEqual([{ connector: 'crm-api', config: { baseUrl: 'https://crm.example.com' }, secret: SECRET }]);
    expect(methods(w.bridge)).not.toContain('connections/create');

    await w.user.type(screen.getByRole('textbox', { name: 'Base URL' }), '/v2');
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('a connection whose collections cannot be read is deleted again, and the step stays', async () => {
    const w = mountWizard(
      wizardEngine({
        'connections/describe': () => {
          throw new ApiCallError('connector-error', 'The CRM has no contacts API on this plan.', 'connections/describe');
        },
      }),
    );
    await fillAppA(w);
    await w.user.click(nextButton());
    expect((await screen.findByRole('alert')).textContent).toContain('The CRM has no contacts API on this plan.');
    await expectStep(1, 'App A');
    expect(connectionCalls(methods(w.bridge))).toEqual(['connections/test', 'connections/create', 'connections/describe', 'connections/delete']);
    // Still the form (not "Connected to…"), with the token kept for the retry.
    expect(screen.getByLabelText<HTMLInputElement>('API token').value).toBe(SECRET);
  });
});

describe('wizard, Back and Next', () => {
  it('keep what was typed on App B, and App A’s saved connection is reused, not created twice', async () => {
    const w = mountWizard();
    await fillAppA(w);
    await w.user.click(nextButton());
    await expectStep(2, 'App B');
    await w.user.click(screen.getByRole('radio', { name: /^CRM API/ }));
    await w.user.type(screen.getByRole('textbox', { name: 'Connection name' }), 'Support CRM');
    await w.user.type(screen.getByRole('textbox', { name: 'Base URL' }), 'https://support.example.com');
    await w.user.type(screen.getByRole('spinbutton', { name: 'Page size (optional)' }), '50');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Region (optional)' }), 'us');
    await w.user.type(screen.getByLabelText('API token'), 'b-token');

    await w.user.click(backButton());
    await expectStep(1, 'App A');
    await w.user.click(nextButton());
    await expectStep(2, 'App B');

    expect(screen.getByRole<HTMLInputElement>('radio', { name: /^CRM API/ }).checked).toBe(true);
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Connection name' }).value).toBe('Support CRM');
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Base URL' }).value).toBe('https://support.example.com');
    expect(screen.getByRole<HTMLInputElement>('spinbutton', { name: 'Page size (optional)' }).value).toBe('50');
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Region (optional)' }).value).toBe('us');
    expect(screen.getByLabelText<HTMLInputElement>('API token').value).toBe('b-token');
    expect(argsOf(w.bridge, 'connections/create')).toHaveLength(1);

    await w.user.click(nextButton());
    await expectStep(3, 'Collections');
    expect(argsOf(w.bridge, 'connections/create').at(-1)).toEqual({
      name: 'Support CRM',
      connector: 'crm-api',
      config: { baseUrl: 'https://support.example.com', pageSize: 50, region: 'us' },
      secret: 'b-token',
    });
  });

  it('keep the chosen collections, the edited mapping, the match keys, the master side and the schedule', async () => {
    const w = mountWizard();
    await connectBoth(w);
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'App B · Shop DB' }), 'customers');
    await w.user.click(nextButton());
    await expectStep(4, 'Field mapping');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Direction of age' }), 'B → A only');
    await w.user.click(nextButton());
    await expectStep(5, 'Matching');
    await w.user.click(screen.getByRole('checkbox', { name: 'first_name' }));
    await w.user.click(nextButton());
    await expectStep(6, 'Master & policies');
    await w.user.click(screen.getByRole('radio', { name: 'App B (Shop DB) is the master' }));
    await w.user.click(nextButton());
    await expectStep(7, 'Schedule');
    await w.user.click(screen.getByRole('radio', { name: 'Every hour' }));

    const back = async (n: number, title: string): Promise<void> => {
      await w.user.click(backButton());
      await expectStep(n, title);
    };
    await back(6, 'Master & policies');
    expect(screen.getByRole<HTMLInputElement>('radio', { name: 'App B (Shop DB) is the master' }).checked).toBe(true);
    await back(5, 'Matching');
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'email' }).checked).toBe(true);
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'first_name' }).checked).toBe(true);
    await back(4, 'Field mapping');
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Direction of age' }).value).toBe('right-to-left');
    await back(3, 'Collections');
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'App A · Sales CRM' }).value).toBe('contacts');
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'App B · Shop DB' }).value).toBe('customers');

    // Forward again: Next on Collections keeps the edited mapping instead of suggesting a new one.
    for (const [n, title] of [[4, 'Field mapping'], [5, 'Matching'], [6, 'Master & policies'], [7, 'Schedule']] as const) {
      await w.user.click(nextButton());
      await expectStep(n, title);
    }
    expect(screen.getByRole<HTMLInputElement>('radio', { name: 'Every hour' }).checked).toBe(true);
    const { fields, matchKeys, masterSide, intervalSeconds } = w.store.getState().draft;
    expect({ age: fields.find((f) => f.name === 'age')?.direction, matchKeys, masterSide, intervalSeconds }).toEqual({ age: 'right-to-left', matchKeys: ['email', 'first_name'], masterSide: 'right', intervalSeconds: 3600 });
  });
});

describe('wizard, App B', () => {
  it('is connected the same way, with its own form and no secret', async () => {
    const w = mountWizard();
    await connectBoth(w);
    expect(argsOf(w.bridge, 'connections/create').at(-1)).toEqual({ name: 'Shop DB', connector: 'sqlite-table', config: { path: '/data/shop.db' } });
  });
});

describe('wizard, choosing the collections', () => {
  it('names what each app holds that Concord cannot sync, with the reason, where the collection is picked', async () => {
    const reason = 'it has no primary key, so its rows have no stable id to link by — add a PRIMARY KEY to sync it';
    const w = mountWizard(
      wizardEngine({ 'connections/test': (a) => ('connector' in a && a.connector === 'crm-api' ? { ok: true, collections: 2, leftOut: [{ name: 'public.audit_log', reason }] } : { ok: true, collections: 2 }) }),
    );
    await connectBoth(w);
    const leftOut = screen.getByRole('list', { name: 'Left out of App A' });
    expect(leftOut.textContent).toBe(`Left out: public.audit_log, because ${reason}.`);
    expect(screen.queryByRole('list', { name: 'Left out of App B' })).toBeNull();
  });
});

describe('wizard, "Try it"', () => {
  const sample = (collection: string) => ({
    collection,
    collections: ['contacts', 'companies'],
    records: [
      { id: 'c1', fields: { email: 'ann@x', name: 'Ann', 'address.city': 'Oslo' } },
      { id: 'c2', fields: { email: 'bob@x', name: null } },
    ],
    fields: [
      { name: 'email', type: 'string' as const, described: true, example: 'ann@x' },
      { name: 'name', type: 'string' as const, described: true, example: 'Ann' },
      { name: 'address.city', type: null, described: false, example: 'Oslo' },
    ],
  });

  it('shows the first records and the fields found with the settings as typed (and the secret), saves nothing, and reads another collection on request', async () => {
    const w = mountWizard(wizardEngine({ 'connections/try': (a) => sample(a.collection ?? 'contacts') }));
    await fillAppA(w);
    await w.user.click(screen.getByRole('button', { name: 'Try it' }));
    const found = await screen.findByRole('region', { name: 'What these settings read' });
    expect(within(found).getByRole('table').textContent).toContain('Oslo');
    expect(within(found).getAllByRole('row')).toHaveLength(3);
    const fieldsFound = within(found).getAllByRole('listitem').map((li) => li.textContent);
    expect(fieldsFound).toEqual(['email (string) e.g. ann@x', 'name (string) e.g. Ann', 'address.city e.g. Oslo — found in the records only']);
    expect(argsOf(w.bridge, 'connections/try')).toEqual([{ connector: 'crm-api', config: { baseUrl: 'https://crm.example.com' }, secret: SECRET }]);
    expect(connectionCalls(methods(w.bridge)).filter((m) => m !== 'connections/try')).toEqual([]);

    await w.user.selectOptions(within(found).getByRole('combobox', { name: 'First records of' }), 'companies');
    expect(argsOf(w.bridge, 'connections/try').at(-1)).toMatchObject({ collection: 'companies' });
    // An edit of the settings hides what the old ones read.
    await w.user.type(screen.getByRole('textbox', { name: 'Base URL' }), '/v2');
    expect(screen.queryByRole('region', { name: 'What these settings read' })).toBeNull();
  });

  it('an error reading shows the engine\'s message on the step, and no table', async () => {
    const w = mountWizard(
      wizardEngine({
        'connections/try': () => {
          throw new ApiCallError('connector-error', 'CRM API answered 404 at /v1/contacts: check the list path in the profile.', 'connections/try');
        },
      }),
    );
    await fillAppA(w);
    await w.user.click(screen.getByRole('button', { name: 'Try it' }));
    expect((await screen.findByRole('alert')).textContent).toContain('check the list path in the profile');
    expect(screen.queryByRole('region', { name: 'What these settings read' })).toBeNull();
  });
});

describe('wizard, starting from a preset and signing in to a confidential OAuth client', () => {
  const PROFILE = JSON.stringify({
    name: 'Acme',
    baseUrl: 'https://api.acme.test',
    auth: { kind: 'oauth2-authorization-code', authorizationUrl: 'https://acme.test/authorize', tokenUrl: 'https://acme.test/token', clientId: 'cid', clientAuth: 'post', authorizationParams: { access_type: 'offline' } },
    collections: [{ name: 'contacts', list: { path: '/contacts' }, get: { path: '/contacts/{id}' } }],
  });
  const restConnector = {
    kind: 'rest',
    label: 'Web app (REST/JSON)',
    description: 'Any web app.',
    configFields: [
      { key: 'profile', label: 'App profile (JSON)', kind: 'text' as const, required: true, multiline: true as const, editor: 'app-profile' as const },
      { key: 'secret', label: 'API key, token or password', kind: 'secret' as const, required: false },
    ],
    capabilities: { changeDetection: ['hash' as const], deletes: 'by-scan' as const, optimisticWrites: true },
    presets: [{ id: 'acme', label: 'Acme contacts', status: 'documentation' as const, notes: 'Fill in nothing.', config: { profile: PROFILE } }],
  };

  it('a preset fills the profile and says it is untested; Sign in asks for the client secret and sends it once with the sign-in, opening a tab on the click', async () => {
    const opened: string[] = [];
    const tab = { opener: {} as unknown, location: { href: '' } };
    const realOpen = window.open;
    onTestFinished(() => {
      window.open = realOpen;
    });
    window.open = ((url?: string | URL) => {
      opened.push(String(url));
      return tab as unknown as Window;
    }) as typeof window.open;
    const w = mountWizard(
      wizardEngine({
        'connectors/list': () => [restConnector],
        'connections/oauth-start': () => ({ flowId: 'flow-1', authorizationUrl: 'https://acme.test/authorize?x=1', redirectUri: 'http://127.0.0.1:1/callback', expiresAt: '2026-12-03T23:00:00Z' }),
        'connections/oauth-wait': () => ({ status: 'signed-in' as const }),
      }),
    );
    await w.user.click(await screen.findByRole('radio', { name: /^Web app/ }));
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Start from' }), 'acme');
    expect(screen.getByText(/Written from the app’s documentation, not tested against the live service\./)).toBeTruthy();
    expect((screen.getByLabelText('App name') as HTMLInputElement).value).toBe('Acme');
    // The OAuth sign-in keeps the secret: no box for one is drawn.
    expect(screen.queryByLabelText(/^API key, token or password/)).toBeNull();
    const signIn = screen.getByRole('button', { name: 'Sign in' });
    expect(signIn).toHaveProperty('disabled', true);
    await w.user.type(screen.getByLabelText('Client secret', { selector: 'input' }), 'shh-secret');
    await w.user.click(signIn);
    expect(await screen.findByText(/^Signed in\./)).toBeTruthy();
    expect(argsOf(w.bridge, 'connections/oauth-start')).toEqual([
      {
        auth: { authorizationUrl: 'https://acme.test/authorize', tokenUrl: 'https://acme.test/token', clientId: 'cid', clientAuth: 'post', authorizationParams: { access_type: 'offline' } },
        clientSecret: 'shh-secret',
      },
    ]);
    // The tab opened on the click, cut from the page, then sent to the app's sign-in.
    expect(opened).toEqual(['about:blank']);
    expect(tab).toEqual({ opener: null, location: { href: 'https://acme.test/authorize?x=1' } });
    // Test connection goes with the sign-in, not a secret.
    await w.user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(argsOf(w.bridge, 'connections/test').at(-1)).toMatchObject({ connector: 'rest', oauthFlowId: 'flow-1' });
    expect(JSON.stringify(w.bridge.calls.filter((c) => c.method !== 'connections/oauth-start'))).not.toContain('shh-secret');
    // A profile signed in with an API key asks for it.
    await w.user.selectOptions(screen.getByLabelText('Sign-in'), 'api-key');
    expect(screen.getByLabelText(/^API key, token or password/)).toBeTruthy();
  });
});
