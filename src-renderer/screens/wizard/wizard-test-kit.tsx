/**
 * What the wizard's component tests share: two connectors (one with a secret), the collections
 * each app describes, a fake engine answering the calls the wizard makes, and drivers that walk
 * the steps the way a user does (roles and accessible names, typed with user-event).
 * Only DOM tests import this: it mounts the screen on `fakeBridgeForTests`.
 */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect } from 'vitest';
import type { ApiArgs, ApiMethod } from '../../../src-main/engine/api/contract';
import type { CollectionInfo, ConnectionSummary, ConnectorInfo, PairConfig, PairDetail, PairPreview } from '../../../src-main/engine/api/model';
import { fakeBridgeForTests, type FakeBridge, type FakeHandlers } from '../../api/fake-bridge-for-tests';
import { connectEngineEvents } from '../../store/engine-events';
import { StoreContext } from '../../store/react';
import { createConcordStore, type ConcordStore } from '../../store/store';
import { WizardScreen } from './WizardScreen';
import { pairSummary } from '../pairs/pairs.fixture';

export const SECRET = 'tok-7f3a-very-secret';

export const CONNECTORS: ConnectorInfo[] = [
  {
    kind: 'crm-api',
    label: 'CRM API',
    description: 'Contacts of a CRM, over its REST API.',
    // As the engine derives it from a schema (config-schema.ts): a secret, a number, a choice,
    // a checkbox, and a CA file that shows only for one TLS mode.
    configFields: [
      { key: 'baseUrl', label: 'Base URL', kind: 'text', required: true, help: 'The address of your CRM, e.g. https://crm.example.com.' },
      { key: 'apiToken', label: 'API token', kind: 'secret', required: true },
      { key: 'pageSize', label: 'Page size', kind: 'number', required: false, min: 1, max: 500, integer: true, default: 100 },
      { key: 'region', label: 'Region', kind: 'select', required: false, options: ['eu', 'us'], optionLabels: { eu: 'Europe', us: 'United States' } },
      { key: 'tlsMode', label: 'TLS', kind: 'select', required: false, options: ['require', 'verify-full'], default: 'require', group: 'Security' },
      { key: 'caFile', label: 'CA file', kind: 'path', required: false, group: 'Security', showWhen: { key: 'tlsMode', in: ['verify-full'] } },
      { key: 'archived', label: 'Include archived contacts', kind: 'boolean', required: false, default: false },
    ],
    capabilities: { changeDetection: ['cursor'], deletes: 'reported', optimisticWrites: false },
  },
  {
    kind: 'sqlite-table',
    label: 'SQLite table',
    description: 'Any table with a primary key in a SQLite database file.',
    configFields: [
      { key: 'path', label: 'Database file', kind: 'path', required: true, help: 'The .sqlite / .db file.' },
      { key: 'updatedAtColumn', label: 'Last-modified column', kind: 'text', required: false },
    ],
    capabilities: { changeDetection: ['cursor', 'flag', 'hash'], deletes: 'by-scan', optimisticWrites: true },
  },
];

const field = (name: string, type: CollectionInfo['fields'][number]['type'] = 'string', extra: Partial<CollectionInfo['fields'][number]> = {}) => ({ name, type, nullable: true, ...extra });

/** App A (the CRM): `contacts` holds what the mapping suggestions are tested on. */
export const CRM_COLLECTIONS: CollectionInfo[] = [
  {
    name: 'contacts',
    fields: [field('id', 'string', { key: true }), field('email'), field('first_name'), field('age', 'number'), field('tags', 'set'), field('updated_at', 'datetime', { managed: 'updated-at' })],
    primaryKey: ['id'],
    changeDetection: ['cursor'],
  },
  { name: 'companies', fields: [field('id', 'string', { key: true }), field('name')], primaryKey: ['id'], changeDetection: ['cursor'] },
];

/** App B (the shop's database): names differ in case and punctuation; `age` is text here. */
export const SHOP_COLLECTIONS: CollectionInfo[] = [
  { name: 'orders', fields: [field('order_id', 'number', { key: true }), field('total', 'number')], primaryKey: ['order_id'], changeDetection: ['hash'] },
  {
    name: 'customers',
    fields: [
      field('customer_id', 'number', { key: true }),
      field('E-mail'),
      field('FirstName'),
      field('age'),
      field('tags', 'set'),
      field('notes'),
      field('id'),
      field('modified_at', 'datetime', { managed: 'updated-at' }),
    ],
    primaryKey: ['customer_id'],
    changeDetection: ['cursor', 'hash'],
  },
];

export const PREVIEW: PairPreview = {
  leftTotal: 12,
  rightTotal: 9,
  matched: 6,
  createOnLeft: 2,
  createOnRight: 4,
  conflicts: 3,
  ambiguous: 1,
  sharedKeys: [{ side: 'left', key: 'email=twin@example.com', count: 2 }],
  examples: {
    matched: [{ key: 'ann@example.com', left: { email: 'ann@example.com' }, right: { email: 'ann@example.com' } }],
    createOnLeft: [{ key: 'bob@example.com', right: { email: 'bob@example.com', first_name: 'Bob' } }],
    createOnRight: [{ key: 'cy@example.com', left: { email: 'cy@example.com', tags: ['vip', 'eu'] } }],
    conflicts: [{ key: 'dee@example.com', left: { first_name: 'Dee' }, right: { first_name: 'Deirdre' } }],
    ambiguous: [
      {
        key: 'shared@example.com',
        right: { email: 'shared@example.com', first_name: null },
        candidates: [
          { email: 'shared@example.com', first_name: 'Sam' },
          { email: 'shared@example.com', first_name: 'Sue' },
        ],
      },
    ],
  },
};

export function pairDetail(config: PairConfig, id = 'pair-1'): PairDetail {
  const side = (s: 'left' | 'right') => ({ connectionId: config[s].connectionId, connectionName: s === 'left' ? 'Sales CRM' : 'Shop DB', connector: s === 'left' ? 'crm-api' : 'sqlite-table', collection: config[s].collection });
  return {
    ...pairSummary({ id, name: config.name, left: side('left'), right: side('right'), masterSide: config.masterSide, health: 'never-run', intervalSeconds: config.schedule.intervalSeconds }),
    config,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

/** A fake engine that answers every call the wizard makes; `overrides` replace single methods. */
export function wizardEngine(overrides: FakeHandlers = {}): FakeBridge {
  const connections = new Map<string, ConnectionSummary>();
  return fakeBridgeForTests({
    'connectors/list': () => CONNECTORS,
    'connections/test': () => ({ ok: true, collections: 2 }),
    'connections/create': (a) => {
      const summary = { id: `conn-${connections.size + 1}`, name: a.name, connector: a.connector, config: a.config, hasCredential: a.secret !== undefined, createdAt: '2026-01-01T00:00:00Z' };
      connections.set(summary.id, summary);
      return summary;
    },
    'connections/describe': ({ connectionId }) => (connections.get(connectionId)?.connector === 'crm-api' ? CRM_COLLECTIONS : SHOP_COLLECTIONS),
    'connections/delete': ({ connectionId }) => {
      connections.delete(connectionId);
      return { deleted: true };
    },
    'pairs/preview': () => PREVIEW,
    'pairs/create': ({ config }) => pairDetail(config),
    'pairs/sync-now': () => ({ runId: 'run-1' }),
    ...overrides,
  });
}

export type Wizard = { store: ConcordStore; bridge: FakeBridge; user: ReturnType<typeof userEvent.setup> };

export function mountWizard(bridge: FakeBridge = wizardEngine()): Wizard {
  const store = createConcordStore(bridge);
  connectEngineEvents(store, bridge);
  render(
    <StoreContext.Provider value={store}>
      <WizardScreen />
    </StoreContext.Provider>,
  );
  return { store, bridge, user: userEvent.setup() };
}

export const nextButton = (): HTMLElement => screen.getByRole('button', { name: 'Next' });
export const backButton = (): HTMLElement => screen.getByRole('button', { name: 'Back' });

/** Waits for the step's heading ("Step 4 of 8: Field mapping"). */
export async function expectStep(n: number, title: string): Promise<void> {
  expect(await screen.findByRole('heading', { level: 2, name: `Step ${n} of 8: ${title}` })).toBeTruthy();
}

export const methods = (bridge: FakeBridge): string[] => bridge.calls.map((c) => c.method);

/** The arguments of every call of one method, in order (the fake bridge records them untyped). */
export function argsOf<M extends ApiMethod>(bridge: FakeBridge, method: M): ApiArgs<M>[] {
  return bridge.calls.filter((c) => c.method === method).map((c) => c.args as ApiArgs<M>);
}

/** Fills App A (the CRM, with its token) without pressing Next. */
export async function fillAppA({ user }: Wizard): Promise<void> {
  await user.click(await screen.findByRole('radio', { name: /^CRM API/ }));
  await user.type(screen.getByRole('textbox', { name: 'Connection name' }), 'Sales CRM');
  await user.type(screen.getByRole('textbox', { name: 'Base URL' }), 'https://crm.example.com');
  await user.type(screen.getByLabelText('API token'), SECRET);
}

/** Fills App B (the SQLite table) without pressing Next. */
export async function fillAppB({ user }: Wizard): Promise<void> {
  await user.click(await screen.findByRole('radio', { name: /^SQLite table/ }));
  await user.type(screen.getByRole('textbox', { name: 'Connection name' }), 'Shop DB');
  await user.type(screen.getByRole('textbox', { name: 'Database file' }), '/data/shop.db');
}

/** From the start to the Collections step, both apps connected. */
export async function connectBoth(w: Wizard): Promise<void> {
  await fillAppA(w);
  await w.user.click(nextButton());
  await expectStep(2, 'App B');
  await fillAppB(w);
  await w.user.click(nextButton());
  await expectStep(3, 'Collections');
}

/** From the start to the Field mapping step, with contacts ↔ customers chosen. */
export async function toMapping(w: Wizard): Promise<void> {
  await connectBoth(w);
  await w.user.selectOptions(screen.getByRole('combobox', { name: 'App B · Shop DB' }), 'customers');
  await w.user.click(nextButton());
  await expectStep(4, 'Field mapping');
}

/** From the start to the Matching step with the suggested mapping. */
export async function toMatching(w: Wizard): Promise<void> {
  await toMapping(w);
  await w.user.click(nextButton());
  await expectStep(5, 'Matching');
}
