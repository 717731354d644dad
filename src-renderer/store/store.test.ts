import { describe, expect, it } from 'vitest';
import type { BulkJob, ConflictDetail, ConflictPage, ConflictSummary, PairConfig, RunSummary } from '../../src-main/engine/api/model';
import { ApiCallError } from '../api/call';
import { fakeBridgeForTests } from '../api/fake-bridge-for-tests';
import { formatDuration } from '../screens/pair-detail/PairDetailScreen';
import { attentionReason, describeRun, describeSchedule } from '../screens/pairs/PairCard';
import { pairSummary } from '../screens/pairs/pairs.fixture';
import { connectEngineEvents } from './engine-events';
import { loadedRows } from './inbox-rows';
import { hashToRoute, routeToHash } from './route';
import { createConcordStore } from './store';

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: 'r1',
  pairId: 'p1',
  trigger: 'manual',
  mode: 'incremental',
  status: 'succeeded',
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:01Z',
  durationMs: 1000,
  counts: { read: 3, created: 1, updated: 1, deleted: 0, conflicts: 0, failed: 0, skipped: 1 },
  error: null,
  ...over,
});

const pair = pairSummary;

const conflict = (id: string): ConflictSummary => ({
  id,
  pairId: 'p1',
  pairName: 'CRM ⇄ Billing',
  kind: 'field',
  record: `rec-${id}`,
  fields: ['email'],
  status: 'open',
  detectedAt: '2026-01-01T00:00:00Z',
});

describe('pairs slice', () => {
  it('loads pairs and keeps an unavailable engine as a typed error, not an empty list', async () => {
    const bridge = fakeBridgeForTests();
    const store = createConcordStore(bridge);
    await store.getState().loadPairs();
    const { pairsError, pairsLoaded } = store.getState();
    expect(pairsLoaded).toBe(true);
    expect(pairsError).toBeInstanceOf(ApiCallError);
    expect(pairsError?.code).toBe('unavailable');
    expect(pairsError?.method).toBe('pairs/list');

    bridge.handlers['pairs/list'] = () => [pair()];
    await store.getState().loadPairs();
    expect(store.getState().pairs.map((p) => p.id)).toEqual(['p1']);
    expect(store.getState().pairsError).toBeNull();
  });

  it('records a failed Sync now on that pair with the engine\'s message and issues', async () => {
    const bridge = fakeBridgeForTests({
      'pairs/sync-now': () => {
        throw new ApiCallError('invalid-input', 'pairId is missing', 'pairs/sync-now', [{ path: 'pairId', message: 'Required' }]);
      },
    });
    const store = createConcordStore(bridge);
    await store.getState().syncNow('p1');
    const error = store.getState().pairErrors['p1'];
    expect(error?.code).toBe('invalid-input');
    expect(error?.issues).toEqual([{ path: 'pairId', message: 'Required' }]);
    expect(store.getState().pending['p1']).toBeUndefined();
  });

  it('cancels the running run of a pair by its id', async () => {
    const bridge = fakeBridgeForTests({ 'pairs/list': () => [pair({ running: run({ id: 'r9', status: 'running' }) })], 'runs/cancel': () => ({ cancelled: true }) });
    const store = createConcordStore(bridge);
    await store.getState().loadPairs();
    await store.getState().cancelRun('p1');
    expect(bridge.calls.at(-1)).toEqual({ method: 'runs/cancel', args: { runId: 'r9' } });
  });

  it('loads older activity on request and keeps that many after a restore reloads the log', async () => {
    const bridge = fakeBridgeForTests({ 'activity/list': () => [], 'activity/restore': () => ({ restored: true as const }) });
    const store = createConcordStore(bridge);
    await store.getState().loadActivity('p1');
    expect(bridge.calls.at(-1)).toEqual({ method: 'activity/list', args: { pairId: 'p1', limit: 200 } });
    await store.getState().loadActivity('p1', 400);
    await store.getState().restoreActivity('p1', 'a1');
    expect(bridge.calls.slice(-2)).toEqual([
      { method: 'activity/restore', args: { activityId: 'a1' } },
      { method: 'activity/list', args: { pairId: 'p1', limit: 400 } },
    ]);
  });
});

describe('engine events', () => {
  it('turn progress, finished runs, pair changes and conflict counts into state', async () => {
    const bridge = fakeBridgeForTests({ 'pairs/list': () => [pair()] });
    const store = createConcordStore(bridge);
    await store.getState().loadPairs();
    const off = connectEngineEvents(store, bridge);

    bridge.emit('run/progress', { pairId: 'p1', runId: 'r1', phase: 'reading', read: 5, total: 10, written: 0 });
    expect(store.getState().progress['p1']?.read).toBe(5);

    bridge.emit('run/finished', run());
    expect(store.getState().progress['p1']).toBeUndefined();
    expect(store.getState().pairs[0]?.lastRun?.id).toBe('r1');

    bridge.emit('pairs/changed', pair({ health: 'failing', healthReason: 'Field `email` no longer exists' }));
    expect(store.getState().pairs[0]?.health).toBe('failing');
    bridge.emit('pairs/changed', pair({ id: 'p2', name: 'Second' }));
    expect(store.getState().pairs).toHaveLength(2);
    bridge.emit('pairs/removed', { pairId: 'p2' });
    expect(store.getState().pairs).toHaveLength(1);

    bridge.emit('conflicts/changed', { open: 4, byPair: { p1: 4 } });
    expect(store.getState().openCount).toBe(4);

    off();
    expect(bridge.listenerCount()).toBe(0);
  });
});

const pageOf = (items: ConflictSummary[]): ConflictPage => ({ items, total: items.length, offset: 0 });
const facets = { total: 0, pairs: [], fields: [] };
const job = (over: Partial<BulkJob>): BulkJob => ({ id: 'j1', take: 'master', status: 'running', total: 3, done: 0, resolved: 0, failed: 0, skipped: 0, failures: [], error: null, startedAt: '', finishedAt: null, ...over });

describe('conflicts slice', () => {
  it('drops a resolved conflict from the open list and keeps a failed one with its outcome', async () => {
    const bridge = fakeBridgeForTests({
      'conflicts/list': () => pageOf([conflict('a'), conflict('b')]),
      'conflicts/facets': () => facets,
      'conflicts/resolve': ({ conflictId }) =>
        conflictId === 'a'
          ? { conflictId, status: 'resolved', wrote: { left: 0, right: 1 }, error: null }
          : { conflictId, status: 'failed', wrote: { left: 0, right: 0 }, error: 'Billing answered 500' },
    });
    const store = createConcordStore(bridge);
    await store.getState().loadConflicts();
    await store.getState().resolveConflict('a', { kind: 'fields', fields: { email: { take: 'left' } } });
    await store.getState().resolveConflict('b', { kind: 'fields', fields: { email: { take: 'right' } } });
    expect(loadedRows(store.getState().conflictRows).map((c) => c.id)).toEqual(['b']);
    expect(store.getState().outcomes['b']?.error).toBe('Billing answered 500');
  });

  it('holds as many rows as the engine counts, and fetches only the ones the list shows', async () => {
    const all = Array.from({ length: 5000 }, (_, i) => conflict(`c${i}`));
    const bridge = fakeBridgeForTests({
      'conflicts/list': ({ offset = 0, limit = 100 }) => ({ items: all.slice(offset, offset + limit), total: all.length, offset }),
      'conflicts/facets': () => ({ ...facets, total: all.length }),
    });
    const store = createConcordStore(bridge);
    await store.getState().loadConflicts();
    expect(store.getState().conflictRows).toHaveLength(5000);
    expect(loadedRows(store.getState().conflictRows)).toHaveLength(100);
    await store.getState().loadConflictRows(2400, 2430);
    const rows = store.getState().conflictRows;
    expect(rows[2400]?.id).toBe('c2400');
    expect(rows[2429]?.id).toBe('c2429');
    expect(rows[1000]).toBeUndefined();
    // Rows already there are not asked for again.
    const calls = bridge.calls.length;
    await store.getState().loadConflictRows(2410, 2420);
    expect(bridge.calls.length).toBe(calls);
    const asked = bridge.calls.filter((c) => c.method === 'conflicts/list').map((c) => c.args as { limit?: number });
    expect(asked.every((a) => (a.limit ?? 0) <= 1000)).toBe(true);
  });

  it('a bulk job: progress from its events, Cancel asks the engine, the end reloads the list', async () => {
    let open = [conflict('a'), conflict('b'), conflict('c')];
    const bridge = fakeBridgeForTests({
      'conflicts/list': () => pageOf(open),
      'conflicts/facets': () => facets,
      'conflicts/resolve-bulk': () => job({}),
      'conflicts/bulk-cancel': () => job({ done: 1 }),
      'conflicts/bulk-get': () => job({ done: 1 }),
    });
    const store = createConcordStore(bridge);
    const off = connectEngineEvents(store, bridge);
    await store.getState().loadConflicts();
    const started = await store.getState().resolveBulk('matching', 'master');
    expect(started?.status).toBe('running');
    expect(bridge.calls.find((c) => c.method === 'conflicts/resolve-bulk')?.args).toEqual({ take: 'master', filter: { status: 'open' } });
    bridge.emit('conflicts/bulk-progress', job({ done: 2, resolved: 2 }));
    expect(store.getState().bulkJob?.done).toBe(2);
    await store.getState().cancelBulk();
    expect(bridge.calls.some((c) => c.method === 'conflicts/bulk-cancel')).toBe(true);
    // An older state (a poll's answer) never moves the bar back.
    store.getState().applyBulkProgress(job({ done: 1 }));
    expect(store.getState().bulkJob?.done).toBe(2);
    open = [conflict('c')];
    const ended = store.getState().waitBulk('j1');
    bridge.emit('conflicts/bulk-progress', job({ status: 'cancelled', done: 2, resolved: 2 }));
    expect((await ended).status).toBe('cancelled');
    expect(loadedRows(store.getState().conflictRows).map((c) => c.id)).toEqual(['c']);
    off();
  });

  it('an unauthorized answer flips the app to the token screen', async () => {
    const bridge = fakeBridgeForTests({
      'conflicts/count': () => {
        throw new ApiCallError('unauthorized', 'no token', 'conflicts/count');
      },
    });
    const store = createConcordStore(bridge);
    await store.getState().loadConflictCount();
    expect(store.getState().unauthorized).toBe(true);
  });
});

const detail = (id: string, values: { phone: [string, string]; plan: [string, string] }): ConflictDetail => ({
  id,
  pairId: 'p1',
  pairName: 'CRM ⇄ Billing',
  kind: 'field',
  record: `rec-${id}`,
  status: 'open',
  detectedAt: '2026-01-01T00:00:00Z',
  masterSide: 'left',
  leftId: 'l1',
  rightId: 'r1',
  leftLabel: 'CRM',
  rightLabel: 'Billing',
  fields: [
    { name: 'email', type: 'string', base: 'a@x', left: 'a@x', right: 'a@x', inConflict: false },
    { name: 'phone', type: 'string', base: '1', left: values.phone[0], right: values.phone[1], inConflict: true },
    { name: 'plan', type: 'string', base: 'free', left: values.plan[0], right: values.plan[1], inConflict: true },
  ],
});

describe('merge drafts', () => {
  const before = { phone: ['+1 555', '+1 556'], plan: ['pro', 'business'] } satisfies Record<string, [string, string]>;

  it('keeps the choices and typed values of a conflict while the steward looks at another one', async () => {
    const bridge = fakeBridgeForTests({ 'conflicts/get': ({ conflictId }) => detail(conflictId, before) });
    const store = createConcordStore(bridge);
    await store.getState().loadConflict('a');
    store.getState().setPick('a', 'phone', { take: 'slave' });
    store.getState().setPick('a', 'plan', { value: 'enterprise', text: 'enterprise' });
    await store.getState().loadConflict('b');
    store.getState().setPick('b', 'phone', { take: 'master' });
    await store.getState().loadConflict('a'); // back to the first: the engine is asked again
    expect(store.getState().mergeDrafts['a']?.picks).toEqual({ phone: { take: 'slave' }, plan: { value: 'enterprise', text: 'enterprise' } });
    expect(store.getState().mergeDrafts['a']?.changed).toEqual([]);
    expect(store.getState().mergeDrafts['b']?.picks).toEqual({ phone: { take: 'master' } });
  });

  it('drops the choice of a field whose values the engine refreshed, names it, and keeps the others', async () => {
    let values: typeof before = before;
    const bridge = fakeBridgeForTests({ 'conflicts/get': ({ conflictId }) => detail(conflictId, values) });
    const store = createConcordStore(bridge);
    await store.getState().loadConflict('a');
    store.getState().setPicks('a', { phone: { take: 'master' }, plan: { take: 'slave' } });
    values = { ...before, plan: ['pro', 'enterprise'] }; // the slave app changed plan again
    await store.getState().loadConflict('a');
    expect(store.getState().mergeDrafts['a']?.picks).toEqual({ phone: { take: 'master' } });
    expect(store.getState().mergeDrafts['a']?.changed).toEqual(['plan']);
    // Choosing the field again clears the notice for it.
    store.getState().setPick('a', 'plan', { take: 'slave' });
    expect(store.getState().mergeDrafts['a']?.changed).toEqual([]);
  });

  it('forgets the draft once the conflict is resolved, and when it leaves the open list', async () => {
    const bridge = fakeBridgeForTests({
      'conflicts/get': ({ conflictId }) => detail(conflictId, before),
      'conflicts/list': () => pageOf([conflict('b')]),
      'conflicts/facets': () => facets,
      'conflicts/resolve': ({ conflictId }) => ({ conflictId, status: 'resolved', wrote: { left: 1, right: 1 }, error: null }),
    });
    const store = createConcordStore(bridge);
    for (const id of ['a', 'b', 'c']) {
      await store.getState().loadConflict(id);
      store.getState().setPick(id, 'phone', { take: 'master' });
    }
    await store.getState().resolveConflict('a', { kind: 'fields', fields: { phone: { take: 'left' } } });
    expect(store.getState().mergeDrafts['a']).toBeUndefined();
    await store.getState().loadConflicts(); // c was resolved elsewhere
    expect(Object.keys(store.getState().mergeDrafts)).toEqual(['b']);
  });
});

describe('wizard slice', () => {
  it('sends the secret once in connections/create and never keeps it in the store', async () => {
    const bridge = fakeBridgeForTests({
      'connections/test': () => ({ ok: true, collections: 1 }),
      'connections/create': (a) => ({ id: 'c1', name: a.name, connector: a.connector, config: a.config, hasCredential: a.secret !== undefined, createdAt: '' }),
      'connections/describe': () => [{ name: 'contacts', fields: [], primaryKey: ['id'], changeDetection: ['hash'] }],
    });
    const store = createConcordStore(bridge);
    store.getState().patchSide('left', { connector: 'rest', name: 'CRM', config: { url: 'http://x' } });
    expect(await store.getState().saveConnection('left', 's3cret-value')).toBe(true);
    expect(bridge.calls.find((c) => c.method === 'connections/create')).toMatchObject({ args: { secret: 's3cret-value' } });
    expect(JSON.stringify(store.getState())).not.toContain('s3cret-value');
    expect(store.getState().draft.left.collection).toBe('contacts');
    // Passing the step again reuses the saved connection instead of creating a second one.
    await store.getState().saveConnection('left', 's3cret-value');
    expect(bridge.calls.filter((c) => c.method === 'connections/create')).toHaveLength(1);
  });
});

describe('wizard connections', () => {
  const created = (a: { name: string; connector: string; config: Record<string, string | number | boolean> }) => ({ id: 'c1', name: a.name, connector: a.connector, config: a.config, hasCredential: false, createdAt: '' });

  it('Next with a connection whose test fails saves nothing and keeps the error for the step', async () => {
    const bridge = fakeBridgeForTests({
      'connections/test': () => {
        throw new ApiCallError('connector-error', 'The file /tmp/nope.db does not exist — check the path, or create the database first.', 'connections/test');
      },
      'connections/create': created,
    });
    const store = createConcordStore(bridge);
    store.getState().patchSide('left', { connector: 'sqlite-table', name: 'Shop DB', config: { path: '/tmp/nope.db' } });
    expect(await store.getState().saveConnection('left', undefined)).toBe(false);
    expect(bridge.calls.map((c) => c.method)).toEqual(['connections/test']);
    expect(store.getState().draft.left.connection).toBeNull();
    expect(store.getState().wizardError?.message).toContain('/tmp/nope.db does not exist');
  });

  it('a connection that cannot be described right after it was saved is deleted again', async () => {
    const bridge = fakeBridgeForTests({
      'connections/test': () => ({ ok: true, collections: 1 }),
      'connections/create': created,
      'connections/describe': () => {
        throw new ApiCallError('connector-error', 'The table went away.', 'connections/describe');
      },
      'connections/delete': () => ({ deleted: true }),
    });
    const store = createConcordStore(bridge);
    store.getState().patchSide('right', { connector: 'csv-file', name: 'Sheet', config: { path: '/tmp/x.csv' } });
    expect(await store.getState().saveConnection('right', undefined)).toBe(false);
    expect(bridge.calls.at(-1)).toEqual({ method: 'connections/delete', args: { connectionId: 'c1' } });
    expect(store.getState().draft.right.connection).toBeNull();
    expect(store.getState().wizardError?.message).toBe('The table went away.');
  });
});

describe('pair settings drafts', () => {
  const config = (name: string): PairConfig => ({
    name,
    left: { connectionId: 'c1', collection: 'contacts' },
    right: { connectionId: 'c2', collection: 'customers' },
    fields: [],
    matchKeys: [],
    masterSide: 'left',
    conflictPolicy: 'manual',
    initialMatchPolicy: 'master',
    deletes: { propagate: true, massDeleteThreshold: 0.2 },
    schedule: { intervalSeconds: null },
  });

  it('an answer overtaken by a fresher event does not put the older state back: the feed listening stays listening after the save\'s answer', async () => {
    let release: () => void = () => {};
    const answered = new Promise<void>((r) => (release = r));
    const bridge = fakeBridgeForTests({
      'pairs/update': async (a) => {
        await answered;
        return { pair: { ...pair({ name: a.config.name, feed: { state: 'starting', error: null }, revision: 10 }), config: a.config, createdAt: '', updatedAt: '' }, needsFullResync: false };
      },
    });
    const store = createConcordStore(bridge);
    store.getState().applyPairChanged(pair({ feed: { state: 'starting', error: null }, revision: 5 }));
    const saving = store.getState().updatePair('p1', config('Renamed'));
    // The feed's event arrives before the save's answer.
    store.getState().applyPairChanged(pair({ name: 'Renamed', feed: { state: 'listening', error: null }, revision: 11 }));
    release();
    await saving;
    expect(store.getState().pairs.find((p) => p.id === 'p1')?.feed?.state).toBe('listening');
    expect(store.getState().extras['p1']?.detail).toMatchObject({ feed: { state: 'listening' }, config: { name: 'Renamed' } });
    // An older event is ignored; a newer one applies.
    store.getState().applyPairChanged(pair({ feed: { state: 'starting', error: null }, revision: 9 }));
    expect(store.getState().pairs.find((p) => p.id === 'p1')?.feed?.state).toBe('listening');
    store.getState().applyPairChanged(pair({ feed: { state: 'reconnecting', error: 'gone' }, revision: 12 }));
    expect(store.getState().pairs.find((p) => p.id === 'p1')?.feed?.state).toBe('reconnecting');
  });

  it('a pairs list on its way while a run finished does not bring the finished run back as running', async () => {
    let release: () => void = () => {};
    const answered = new Promise<void>((r) => (release = r));
    const bridge = fakeBridgeForTests({
      'pairs/list': async () => {
        await answered;
        return [pair({ running: run({ status: 'running', finishedAt: null }), revision: 20 })];
      },
    });
    const store = createConcordStore(bridge);
    const loading = store.getState().loadPairs();
    store.getState().applyPairChanged(pair({ running: null, revision: 21 }));
    release();
    await loading;
    expect(store.getState().pairs.find((p) => p.id === 'p1')?.running).toBeNull();
  });

  it('keeps an unsaved rename until it is saved', async () => {
    const bridge = fakeBridgeForTests({
      'pairs/update': (a) => ({ pair: { ...pair({ name: a.config.name }), config: a.config, createdAt: '', updatedAt: '' }, needsFullResync: false }),
    });
    const store = createConcordStore(bridge);
    store.getState().editSettings('p1', config('Renamed'));
    expect(store.getState().settingsDrafts['p1']?.name).toBe('Renamed');
    const result = await store.getState().updatePair('p1', config('Renamed'));
    expect(result.ok).toBe(true);
    expect(store.getState().settingsDrafts['p1']).toBeUndefined();
  });

  it('loads each side\'s fields for the settings\' pickers, and leaves free text when an app cannot be read', async () => {
    const col = (name: string, fields: string[]) => ({ name, fields: fields.map((f) => ({ name: f, type: 'string' as const, nullable: true })), primaryKey: ['id'], changeDetection: ['hash' as const] });
    let readable = true;
    const bridge = fakeBridgeForTests({
      'pairs/get': () => ({ ...pair(), config: config('P'), createdAt: '', updatedAt: '' }),
      'connections/describe': ({ connectionId }) => {
        if (!readable) throw new Error('The file is gone.');
        return connectionId === 'c1' ? [col('contacts', ['email', 'name'])] : [col('customers', ['mail'])];
      },
    });
    const store = createConcordStore(bridge);
    await store.getState().loadPairDetail('p1');
    expect(store.getState().extras['p1']?.appFields).toEqual({ left: ['email', 'name'], right: ['mail'] });
    readable = false;
    const other = createConcordStore(bridge);
    await other.getState().loadPairDetail('p1');
    expect(other.getState().extras['p1']?.appFields).toBeNull();
    expect(other.getState().extras['p1']?.detail?.name).toBe(pair().name);
  });
});

describe('route', () => {
  it('the inbox filtered to a pair round-trips through the address', () => {
    const hash = routeToHash({ name: 'conflicts', pairId: 'p 1' });
    expect(hash).toBe('#/conflicts?pair=p%201');
    expect(hashToRoute(hash)).toEqual({ name: 'conflicts', pairId: 'p 1' });
    expect(hashToRoute('#/conflicts/c9')).toEqual({ name: 'conflicts', conflictId: 'c9' });
    expect(hashToRoute('#/pairs/new')).toEqual({ name: 'wizard' });
  });
});

describe('run summaries', () => {
  it('count in words: 1 conflict, 2 records failed', () => {
    const text = describeRun(run({ status: 'partial', counts: { read: 3, created: 1, updated: 0, deleted: 0, conflicts: 1, failed: 2, skipped: 0 } }));
    expect(text).toBe('partial · 3 read, 1 created, 0 updated, 0 deleted, 1 conflict, 2 records failed');
  });

  it('durations read as ms, s or minutes; a run without one is still running', () => {
    expect([formatDuration(null), formatDuration(0.2), formatDuration(45), formatDuration(1234), formatDuration(125_000)]).toEqual(['running…', '1 ms', '45 ms', '1.2 s', '2 min 5 s']);
  });

  it('a schedule reads as the interval and the next run, or "Sync now only"', () => {
    expect(describeSchedule({ intervalSeconds: null, nextRunAt: null, paused: false })).toBe('Sync now only');
    expect(describeSchedule({ intervalSeconds: 3600, nextRunAt: null, paused: false })).toBe('every hour');
    expect(describeSchedule({ intervalSeconds: 3600, nextRunAt: '2026-12-01T10:00:00Z', paused: false })).toMatch(/^every hour · next \S+/);
    expect(describeSchedule({ intervalSeconds: 3600, nextRunAt: '2026-12-01T10:00:00Z', paused: true })).toBe('every hour');
    expect(describeSchedule({ intervalSeconds: 120, nextRunAt: null, paused: false })).toBe('every 120 s');
    // A change feed (capture mode) comes first: live, or reconnecting with the reason; paused says nothing of it.
    expect(describeSchedule({ intervalSeconds: null, nextRunAt: null, paused: false, feed: { state: 'listening', error: null } })).toBe('Live · otherwise Sync now only');
    expect(describeSchedule({ intervalSeconds: 3600, nextRunAt: null, paused: false, feed: { state: 'reconnecting', error: 'connection refused' } })).toBe('Live feed reconnecting (connection refused) · every hour');
    expect(describeSchedule({ intervalSeconds: 3600, nextRunAt: null, paused: true, feed: { state: 'listening', error: null } })).toBe('every hour');
  });

  it('a pair that needs attention says why: open conflicts, records that could not be written', () => {
    expect(attentionReason(pair({ health: 'needs-attention', openConflicts: 1 }))).toBe('1 conflict waits for a decision in the inbox.');
    expect(attentionReason(pair({ health: 'needs-attention', openConflicts: 3, failed: 2 }))).toBe('3 conflicts wait for a decision in the inbox; 2 records could not be written.');
    expect(attentionReason(pair({ health: 'needs-attention', healthReason: 'Paused by the CLI' }))).toBe('Paused by the CLI');
    expect(attentionReason(pair({ health: 'in-sync' }))).toBeNull();
    expect(attentionReason(pair({ health: 'needs-attention', queued: 77_700, lastRun: run({ status: 'cancelled' }) }))).toBe('The last run was cancelled; Sync now finishes the 77,700 writes it left.');
  });

  it('a run that failed before reading anything says so instead of listing zeros', () => {
    const none = { read: 0, created: 0, updated: 0, deleted: 0, conflicts: 0, failed: 0, skipped: 0 };
    expect(describeRun(run({ status: 'failed', counts: none }))).toBe('failed before reading anything');
    expect(describeRun(run({ status: 'succeeded', counts: none }))).toBe('succeeded · 0 read, 0 created, 0 updated, 0 deleted');
  });
});

describe('wizard draft', () => {
  const f = (name: string) => ({ name, type: 'string' as const, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });

  it('match keys follow a renamed field, leave with a removed one, and a changed mapping drops the stale preview', () => {
    const store = createConcordStore(fakeBridgeForTests());
    const s = store.getState;
    s().patchDraft({ fields: [f('email'), f('name')], matchKeys: ['email', 'name'] });
    store.setState({ preview: { leftTotal: 1, rightTotal: 1, matched: 1, createOnLeft: 0, createOnRight: 0, conflicts: 0, ambiguous: 0, examples: { matched: [], createOnLeft: [], createOnRight: [], conflicts: [], ambiguous: [] } } });
    s().patchDraft({ fields: [f('mail'), f('name')] });
    expect(s().draft.matchKeys).toEqual(['mail', 'name']);
    expect(s().preview).toBeNull();
    s().patchDraft({ fields: [f('name')] });
    expect(s().draft.matchKeys).toEqual(['name']);
    s().patchDraft({ fields: [f('name'), f('city')] });
    expect(s().draft.matchKeys).toEqual(['name']);
    s().patchDraft({ fields: [] });
    expect(s().draft.matchKeys).toEqual([]);
    // A rename that passes through another row's name keeps the key on the renamed row.
    let fields = [f('email'), f('name')];
    s().patchDraft({ fields, matchKeys: ['name'] });
    for (const typed of ['emai', 'email', 'emailx', 'full_name']) {
      fields = [fields[0]!, { ...fields[1]!, name: typed }];
      s().patchDraft({ fields });
    }
    expect(s().draft.matchKeys).toEqual(['full_name']);
    // Other edits keep the preview.
    store.setState({ preview: { leftTotal: 0, rightTotal: 0, matched: 0, createOnLeft: 0, createOnRight: 0, conflicts: 0, ambiguous: 0, examples: { matched: [], createOnLeft: [], createOnRight: [], conflicts: [], ambiguous: [] } } });
    s().patchDraft({ name: 'CRM ⇄ Shop' });
    expect(s().preview).not.toBeNull();
  });
});

describe('resolution outcomes in words', () => {
  it('say which apps were written and which already held the values', async () => {
    const { describeWrites } = await import('../screens/inbox/ConflictPanel');
    expect(describeWrites({ left: 1, right: 1 }, 'Shop', 'Sheet')).toBe('updated in Shop and in Sheet.');
    expect(describeWrites({ left: 0, right: 1 }, 'Shop', 'Sheet')).toBe('updated in Sheet; Shop already held these values.');
    expect(describeWrites({ left: 0, right: 0 }, 'Shop', 'Sheet')).toBe('both apps already held these values; nothing needed writing.');
  });
});

describe('connection test wording', () => {
  it('names what the app holds that Concord cannot sync, and why', async () => {
    const { describeLeftOut } = await import('../screens/wizard/ConnectionSteps');
    expect(describeLeftOut([])).toBe('');
    expect(describeLeftOut([{ name: 'notes', reason: 'it has no primary key' }])).toBe(' Left out: notes, because it has no primary key.');
  });
});
