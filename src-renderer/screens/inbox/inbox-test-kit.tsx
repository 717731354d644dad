// Shared by the inbox's component tests (*.test.tsx beside it); never imported by the app.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, vi } from 'vitest';
import type { BulkJob, ConflictDetail, ConflictPage, ConflictQuery, ConflictSort, ConflictSummary, ResolveOutcome } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { fakeBridgeForTests, type FakeBridge, type FakeHandlers } from '../../api/fake-bridge-for-tests';
import { StoreContext, useConcord } from '../../store/react';
import type { Route } from '../../store/route';
import { createConcordStore, type ConcordStore } from '../../store/store';
import { InboxScreen } from './InboxScreen';

const HOUR = 3_600_000;
const ago = (hours: number): string => new Date(Date.now() - hours * HOUR).toISOString();

const CRM = { pairId: 'p-crm', pairName: 'CRM ⇄ Billing' };
const SHOP = { pairId: 'p-shop', pairName: 'Shop ⇄ Sheet' };

/** Four open conflicts over two pairs and all three kinds; newest first: carol, alice, bob, dave. */
export const summaries = {
  alice: { id: 'c-alice', ...CRM, kind: 'field', record: 'alice@example.com', fields: ['phone', 'plan', 'seats'], status: 'open', detectedAt: ago(2) },
  bob: { id: 'c-bob', ...CRM, kind: 'update-delete', record: 'bob@example.com', fields: ['city', 'name'], status: 'open', detectedAt: ago(5) },
  // A duplicate names no fields (the whole record is in question).
  carol: { id: 'c-carol', ...SHOP, kind: 'duplicate', record: 'carol@example.com', fields: [], status: 'open', detectedAt: ago(1) },
  dave: { id: 'c-dave', ...SHOP, kind: 'field', record: 'dave@example.com', fields: ['plan'], status: 'open', detectedAt: ago(30) },
} satisfies Record<string, ConflictSummary>;

/** The engine's order differs from every sort the tests ask for, so a sort that does nothing shows. */
export const engineOrder: ConflictSummary[] = [summaries.dave, summaries.bob, summaries.alice, summaries.carol];

const detailOf = (s: ConflictSummary, rest: Pick<ConflictDetail, 'masterSide' | 'fields'> & Partial<ConflictDetail>): ConflictDetail => {
  const { fields: _names, ...summary } = s;
  return { ...summary, leftId: 'l-1', rightId: 'r-1', leftLabel: 'CRM', rightLabel: 'Billing', ...rest };
};

export const details: Record<string, ConflictDetail> = {
  // The master is the RIGHT side (Billing): "take master" must become { take: 'right' }.
  [summaries.alice.id]: detailOf(summaries.alice, {
    masterSide: 'right',
    fields: [
      { name: 'email', type: 'string', base: 'alice@example.com', left: 'alice@example.com', right: 'alice@example.com', inConflict: false },
      { name: 'phone', type: 'string', base: '555-0100', left: '555-0101', right: '555-0199', inConflict: true },
      { name: 'plan', type: 'string', base: 'free', left: 'pro', right: 'team', inConflict: true },
      { name: 'seats', type: 'number', base: 3, left: 5, right: 4, inConflict: true },
      { name: 'city', type: 'string', base: 'Paris', left: 'Lyon', right: 'Paris', inConflict: false },
    ],
  }),
  [summaries.dave.id]: detailOf(summaries.dave, {
    masterSide: 'left',
    fields: [{ name: 'plan', type: 'string', base: 'free', left: 'pro', right: 'team', inConflict: true }],
  }),
  // CRM (left) deleted bob; Billing (right) changed him.
  [summaries.bob.id]: detailOf(summaries.bob, {
    masterSide: 'left',
    leftId: null,
    deletedSide: 'left',
    fields: [
      { name: 'city', type: 'string', base: 'Oslo', left: undefined, right: 'Bergen', inConflict: true },
      { name: 'name', type: 'string', base: 'Bob', left: undefined, right: 'Robert', inConflict: true },
    ],
  }),
  // Carol in Billing (right) matched two CRM records; the second is already linked to another.
  [summaries.carol.id]: detailOf(summaries.carol, {
    masterSide: 'left',
    leftId: null,
    fields: [],
    duplicate: {
      side: 'right',
      record: { email: 'carol@example.com', name: 'Carol King' },
      candidates: [
        { id: 'crm-7', fields: { email: 'carol@example.com', name: 'Carol King', phone: '555-0700' } },
        { id: 'crm-9', fields: { email: 'carol@example.com', name: 'C. King' }, linkedTo: 'bill-3' },
      ],
    },
  }),
};

/** How the fake engine says a conflict it resolved was resolved. */
export const RESOLVED_BY_ANN = { at: '2026-03-02T09:30:00.000Z', by: 'ann', what: "a steward resolved the conflict: plan = CRM's value" };

export const resolved = (conflictId: string, wrote = { left: 1, right: 1 }): ResolveOutcome => ({ conflictId, status: 'resolved', wrote, error: null });

const KIND_ORDER: Record<ConflictSummary['kind'], number> = { duplicate: 0, 'update-delete': 1, field: 2 };
const sortValue = (c: ConflictSummary, by: ConflictSort['by']): string | number =>
  by === 'kind' ? KIND_ORDER[c.kind] : by === 'fields' ? (c.fields.join(', ') || 'whole record').toLowerCase() : by === 'detectedAt' ? c.detectedAt : c[by].toLowerCase();

/**
 * A stand-in for the engine's conflict listing, for component tests only (the DOM tests cannot
 * run the engine; its SQL listing is tested in conflict-list.test.ts and e2e): it filters,
 * searches, sorts and pages a fixed set of summaries as the engine does, and forgets what a
 * resolve or a bulk job resolved. `open` is the set, in the engine's order.
 */
export function fakeInboxEngineForTests(initial: ConflictSummary[]) {
  const open = [...initial];
  /** Resolved here: `conflicts/get` answers them as resolved, as the engine does. */
  const resolvedIds = new Set<string>();
  const matching = (q: ConflictQuery) => {
    const needle = q.search?.trim().toLowerCase();
    return open.filter(
      (c) =>
        (!q.pairId || c.pairId === q.pairId) &&
        (!q.kind || c.kind === q.kind) &&
        (!q.field || c.fields.includes(q.field)) &&
        (!needle || [c.record, c.pairName, ...c.fields].some((t) => t.toLowerCase().includes(needle))),
    );
  };
  const resolve = (ids: Iterable<string>) => {
    for (const id of ids) {
      const i = open.findIndex((c) => c.id === id);
      if (i !== -1) open.splice(i, 1);
      resolvedIds.add(id);
    }
  };
  /** A bulk job that has already ended: `resolved` leave the open set, `failed` stay with their reasons. */
  const finishedJob = (take: 'master' | 'slave', resolvedIds: string[], failed: { conflictId: string; error: string }[] = []): BulkJob => {
    resolve(resolvedIds);
    const failures = failed.map((f) => ({ ...f, record: initial.find((c) => c.id === f.conflictId)?.record ?? f.conflictId }));
    const total = resolvedIds.length + failed.length;
    return { id: `job-${Math.random()}`, take, status: 'done', total, done: total, resolved: resolvedIds.length, failed: failed.length, skipped: 0, failures, error: null, startedAt: ago(0), finishedAt: ago(0) };
  };
  const handlers: FakeHandlers = {
    'conflicts/list': (q): ConflictPage => {
      const sort = q.sort ?? { by: 'detectedAt', desc: true };
      const order = new Map(open.map((c, i) => [c.id, i]));
      const all = matching(q).sort((a, b) => {
        const [x, y] = [sortValue(a, sort.by), sortValue(b, sort.by)];
        const byValue = x < y ? -1 : x > y ? 1 : (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0);
        return sort.desc ? -byValue : byValue;
      });
      const offset = q.offset ?? 0;
      return { items: all.slice(offset, offset + (q.limit ?? 100)), total: all.length, offset };
    },
    'conflicts/facets': () => ({
      total: open.length,
      pairs: [...new Map(open.map((c) => [c.pairId, c.pairName]))].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
      fields: [...new Set(open.flatMap((c) => c.fields))].sort(),
    }),
    'conflicts/resolve': ({ conflictId }) => {
      resolve([conflictId]);
      return resolved(conflictId);
    },
    'conflicts/resolve-bulk': (req) => finishedJob(req.take, ('conflictIds' in req ? req.conflictIds : matching(req.filter).map((c) => c.id)).filter((id) => open.find((c) => c.id === id)?.kind !== 'duplicate')),
  };
  return { open, handlers, finishedJob, resolve, resolvedIds };
}
export type FakeInboxEngine = ReturnType<typeof fakeInboxEngineForTests>;

/** The handlers every inbox test needs, over `engine`; a test overrides the ones it is about. */
export function inboxHandlers(over: FakeHandlers = {}, engine: FakeInboxEngine = fakeInboxEngineForTests(engineOrder)): FakeHandlers {
  return {
    ...engine.handlers,
    'conflicts/get': ({ conflictId }) => {
      const detail = details[conflictId];
      if (!detail) throw new ApiCallError('not-found', `Conflict ${conflictId} no longer exists.`, 'conflicts/get');
      return engine.resolvedIds.has(conflictId) ? { ...detail, status: 'resolved', resolution: RESOLVED_BY_ANN } : detail;
    },
    ...over,
  };
}

/** The inbox as the app shows it: InboxScreen following the store's route. */
function RoutedInbox() {
  const route = useConcord((s) => s.route);
  return route.name === 'conflicts' ? <InboxScreen conflictId={route.conflictId ?? null} pairId={route.pairId ?? null} /> : null;
}

export type MountedInbox = { bridge: FakeBridge; store: ConcordStore; user: ReturnType<typeof userEvent.setup>; engine: FakeInboxEngine };

export async function mountInbox(
  over: FakeHandlers | ((engine: FakeInboxEngine) => FakeHandlers) = {},
  route: Extract<Route, { name: 'conflicts' }> = { name: 'conflicts' },
  conflicts: ConflictSummary[] = engineOrder,
): Promise<MountedInbox> {
  const engine = fakeInboxEngineForTests(conflicts);
  const bridge = fakeBridgeForTests(inboxHandlers(typeof over === 'function' ? over(engine) : over, engine));
  const store = createConcordStore(bridge);
  store.getState().navigate(route);
  const user = userEvent.setup();
  render(
    <StoreContext.Provider value={store}>
      <RoutedInbox />
    </StoreContext.Provider>,
  );
  await waitFor(() => expect(store.getState().conflictsLoaded).toBe(true));
  if (route.conflictId) await screen.findByRole('heading', { level: 2 });
  return { bridge, store, user, engine };
}

/**
 * happy-dom lays nothing out, so the list's scroll box is 0 px tall and the virtualizer would
 * render no row at all. Give that one box a browser-like height (all test rows fit in it).
 * Returns the restore function: `beforeAll(giveTheListAHeight)` restores it after the file.
 */
export function giveTheListAHeight(): () => void {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
  const spy = vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockImplementation(function (this: HTMLElement) {
    return this.classList.contains('conflict-table-scroll') ? 800 : (original?.get?.call(this) ?? 0);
  });
  return () => spy.mockRestore();
}

export const conflictTable = (): HTMLElement => screen.getByRole('table', { name: 'Open conflicts' });

/** The data rows of the conflict table, in display order, as the text of their cells (the checkbox cell left out). */
export function listedRows(): string[][] {
  const [, ...rows] = within(conflictTable()).getAllByRole('row');
  return rows.map((row) => within(row).getAllByRole('cell').slice(1).map((cell) => cell.textContent ?? ''));
}

/** The records the conflict table lists, in display order. */
export function listedRecords(): string[] {
  const [, ...rows] = within(conflictTable()).getAllByRole('row');
  return rows.map((row) => within(row).getAllByRole('button')[0]?.textContent ?? '');
}

export const panelTitle = (): string => screen.getByRole('heading', { level: 2 }).textContent ?? '';

/** The engine calls made with one method, their arguments in order. */
export function callsOf<M extends keyof FakeHandlers>(bridge: FakeBridge, method: M): unknown[] {
  return bridge.calls.filter((c) => c.method === method).map((c) => c.args);
}
