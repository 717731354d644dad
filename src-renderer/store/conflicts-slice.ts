import type { BulkJob, ConflictDetail, ConflictFacets, ConflictSort, Resolution, ResolveOutcome } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import { CONFLICT_PAGE, loadedRows, missingIn, noFilter, toQuery, withPage, withoutIds, type InboxFilter, type Rows } from './inbox-rows';
import { reconcileDraft, withPick, type MergeDraft, type Pick } from './merge-drafts';
import type { SliceCreator } from './store';

export type ConflictsSlice = {
  openCount: number;
  openByPair: Record<string, number>;
  /** The inbox's query: the engine filters, searches, sorts and pages; the store holds what is shown. */
  inboxFilter: InboxFilter;
  inboxSort: ConflictSort;
  /** The conflicts matching the query, at the engine's positions; fetched as the list scrolls (see inbox-rows.ts). */
  conflictRows: Rows;
  conflictFacets: ConflictFacets;
  conflictsLoaded: boolean;
  conflictsError: ApiCallError | null;
  conflictDetails: Record<string, ConflictDetail | undefined>;
  conflictErrors: Record<string, ApiCallError | undefined>;
  /** The last outcome of Apply per conflict, so the panel can say what was written. */
  outcomes: Record<string, ResolveOutcome | undefined>;
  /** The bulk job this window started: its progress while it runs, then its result. */
  bulkJob: BulkJob | null;
  /**
   * The steward's unapplied choices per conflict, kept while they look at other conflicts; dropped
   * when the conflict is resolved or leaves the open list, and per field when its values change.
   */
  mergeDrafts: Record<string, MergeDraft | undefined>;
  setPick(conflictId: string, field: string, pick: Pick | undefined): void;
  setPicks(conflictId: string, picks: Record<string, Pick>): void;
  loadConflictCount(): Promise<void>;
  /** A new filter or sort: the list starts again from its top. */
  setInboxQuery(q: { filter?: InboxFilter; sort?: ConflictSort }): Promise<void>;
  /**
   * A visit to the inbox: every open conflict newest first (or one pair's). Asked at start-up when
   * the app opens on the inbox, before anything else, so its rows are the engine's first answer;
   * the screen's own visit then finds it under way and does not ask again.
   */
  openInbox(pairId: string | null, from: 'start-up' | 'screen'): Promise<void>;
  /** Fetches the rows in view again (and the filter menus), e.g. after the engine's conflicts changed. */
  loadConflicts(): Promise<void>;
  /** The list shows rows [from, to): fetches those not fetched yet. */
  loadConflictRows(from: number, to: number): Promise<void>;
  loadConflict(conflictId: string): Promise<void>;
  resolveConflict(conflictId: string, resolution: Resolution): Promise<ResolveOutcome | null>;
  /** Starts a bulk job on the chosen conflicts or on every one matching the filter; null when the engine refused. */
  resolveBulk(target: { conflictIds: string[] } | 'matching', take: 'master' | 'slave'): Promise<BulkJob | null>;
  /** Resolves when the job has ended and the list shows what it left open. */
  waitBulk(jobId: string): Promise<BulkJob>;
  cancelBulk(): Promise<void>;
  applyBulkProgress(job: BulkJob): void;
  applyConflictCount(count: { open: number; byPair: Record<string, number> }): void;
};

const MAX_FETCH = 1000;
/** While a job runs without its events arriving (a reconnect), the store asks for it this often. */
const BULK_POLL_MS = 1000;

export const createConflictsSlice: SliceCreator<ConflictsSlice> = (set, get, { call, guard }) => {
  // Answers to an older query are dropped: each new query (or reload) bumps the generation.
  let generation = 0;
  // The rows the list last showed: what a reload fetches again.
  let view = { from: 0, to: CONFLICT_PAGE };
  const inflight = new Set<string>();
  let poll: ReturnType<typeof setInterval> | null = null;
  let startUpVisit: Promise<void> | null = null;
  // Ended jobs (their list reloaded) by id, and who waits for a job still running.
  const settled = new Map<string, Promise<BulkJob>>();
  const waiters = new Map<string, ((job: Promise<BulkJob>) => void)[]>();

  const query = () => ({ ...toQuery(get().inboxFilter), sort: get().inboxSort });

  async function fetchWindow(gen: number): Promise<void> {
    const offset = Math.max(0, Math.floor(view.from / CONFLICT_PAGE) * CONFLICT_PAGE);
    const limit = Math.min(MAX_FETCH, Math.max(CONFLICT_PAGE, Math.ceil((view.to - offset) / CONFLICT_PAGE) * CONFLICT_PAGE));
    // The rows first (the engine answers one call at a time), then the filter menus.
    const loadFacets = () =>
      guard('conflicts/facets', () => call('conflicts/facets', { status: 'open' })).then((r) => {
        if (gen !== generation) return;
        if (r.ok) set({ conflictFacets: r.value });
        else set({ conflictsError: r.error });
      });
    const page = await guard('conflicts/list', () => call('conflicts/list', { ...query(), offset, limit }));
    if (gen !== generation) return;
    if (!page.ok) {
      set({ conflictsError: page.error, conflictsLoaded: true });
      await loadFacets();
      return;
    }
    const rows = withPage([], page.value.total, page.value.offset, page.value.items);
    let mergeDrafts = get().mergeDrafts;
    // The whole open list is here: a conflict resolved elsewhere (another window, the CLI) takes its draft with it.
    if (page.value.offset === 0 && page.value.items.length === page.value.total && Object.keys(toQuery(get().inboxFilter)).length === 1) {
      const open = new Set(page.value.items.map((c) => c.id));
      mergeDrafts = Object.fromEntries(Object.entries(mergeDrafts).filter(([id]) => open.has(id)));
    }
    set({ conflictRows: rows, conflictsLoaded: true, conflictsError: null, mergeDrafts });
    await loadFacets();
  }

  function finishBulk(job: BulkJob): void {
    if (poll !== null) clearInterval(poll);
    poll = null;
    set({ bulkJob: job });
    const reloaded = get().loadConflicts().then(() => job);
    settled.set(job.id, reloaded);
    waiters.get(job.id)?.forEach((resolve) => resolve(reloaded));
    waiters.delete(job.id);
  }

  return {
    openCount: 0,
    openByPair: {},
    inboxFilter: noFilter,
    inboxSort: { by: 'detectedAt', desc: true },
    conflictRows: [],
    conflictFacets: { total: 0, pairs: [], fields: [] },
    conflictsLoaded: false,
    conflictsError: null,
    conflictDetails: {},
    conflictErrors: {},
    outcomes: {},
    bulkJob: null,
    mergeDrafts: {},

    setPick(conflictId, field, pick) {
      const drafts = get().mergeDrafts;
      set({ mergeDrafts: { ...drafts, [conflictId]: withPick(drafts[conflictId], get().conflictDetails[conflictId], field, pick) } });
    },
    setPicks(conflictId, picks) {
      const detail = get().conflictDetails[conflictId];
      const draft = Object.entries(picks).reduce<MergeDraft | undefined>((d, [field, pick]) => withPick(d, detail, field, pick), get().mergeDrafts[conflictId]);
      set({ mergeDrafts: { ...get().mergeDrafts, [conflictId]: draft } });
    },
    async loadConflictCount() {
      const result = await guard('conflicts/count', () => call('conflicts/count', {}));
      if (result.ok) get().applyConflictCount(result.value);
    },
    async setInboxQuery(q) {
      set({ ...(q.filter ? { inboxFilter: q.filter } : {}), ...(q.sort ? { inboxSort: q.sort } : {}) });
      view = { from: 0, to: CONFLICT_PAGE };
      await fetchWindow(++generation);
    },
    openInbox(pairId, from) {
      if (from === 'screen' && startUpVisit) {
        const visit = startUpVisit;
        startUpVisit = null;
        return visit;
      }
      const visit = get().setInboxQuery({ filter: { ...noFilter, pairId: pairId ?? '' }, sort: { by: 'detectedAt', desc: true } });
      if (from === 'start-up') startUpVisit = visit;
      return visit;
    },
    async loadConflicts() {
      await fetchWindow(++generation);
    },
    async loadConflictRows(from, to) {
      view = { from, to };
      const missing = missingIn(get().conflictRows, from, to);
      if (!missing) return;
      const gen = generation;
      const limit = Math.min(MAX_FETCH, Math.max(CONFLICT_PAGE, missing.to - missing.from));
      const key = `${gen}:${missing.from}:${limit}`;
      if (inflight.has(key)) return;
      inflight.add(key);
      try {
        const page = await guard('conflicts/list', () => call('conflicts/list', { ...query(), offset: missing.from, limit }));
        if (gen !== generation) return;
        if (page.ok) set({ conflictRows: withPage(get().conflictRows, page.value.total, page.value.offset, page.value.items) });
        else set({ conflictsError: page.error });
      } finally {
        inflight.delete(key);
      }
    },
    async loadConflict(conflictId) {
      const result = await guard('conflicts/get', () => call('conflicts/get', { conflictId }));
      if (result.ok) {
        set({
          conflictDetails: { ...get().conflictDetails, [conflictId]: result.value },
          conflictErrors: { ...get().conflictErrors, [conflictId]: undefined },
          mergeDrafts: { ...get().mergeDrafts, [conflictId]: reconcileDraft(get().mergeDrafts[conflictId], result.value) },
        });
      } else set({ conflictErrors: { ...get().conflictErrors, [conflictId]: result.error } });
    },
    async resolveConflict(conflictId, resolution) {
      set({ conflictErrors: { ...get().conflictErrors, [conflictId]: undefined } });
      const result = await guard('conflicts/resolve', () => call('conflicts/resolve', { conflictId, resolution }));
      if (!result.ok) {
        set({ conflictErrors: { ...get().conflictErrors, [conflictId]: result.error } });
        return null;
      }
      const outcome = result.value;
      set({ outcomes: { ...get().outcomes, [conflictId]: outcome } });
      // A resolved conflict leaves the open list (the rows after it move up, as in the engine); a failed one stays, with its outcome shown.
      if (outcome.status === 'resolved') {
        set({ conflictRows: withoutIds(get().conflictRows, new Set([conflictId])), mergeDrafts: { ...get().mergeDrafts, [conflictId]: undefined } });
        // Where the panel stays (the last conflict of a filter), it shows who resolved it, when and what.
        void get().loadConflict(conflictId);
      }
      return outcome;
    },
    async resolveBulk(target, take) {
      set({ bulkJob: null, conflictsError: null });
      const args = target === 'matching' ? { take, filter: toQuery(get().inboxFilter) } : { take, conflictIds: target.conflictIds };
      const result = await guard('conflicts/resolve-bulk', () => call('conflicts/resolve-bulk', args));
      if (!result.ok) {
        set({ conflictsError: result.error });
        return null;
      }
      const job = result.value;
      // Progress events may have overtaken the answer: keep the furthest state seen.
      const seen = get().bulkJob;
      if (seen?.id === job.id && seen.done >= job.done) return seen;
      if (job.status !== 'running') {
        finishBulk(job);
        return job;
      }
      set({ bulkJob: job });
      if (poll !== null) clearInterval(poll);
      poll = setInterval(() => {
        void guard('conflicts/bulk-get', () => call('conflicts/bulk-get', { jobId: job.id })).then((r) => {
          if (r.ok) get().applyBulkProgress(r.value);
        });
      }, BULK_POLL_MS);
      return job;
    },
    waitBulk(jobId) {
      const done = settled.get(jobId);
      if (done) return done;
      return new Promise<BulkJob>((resolve) => waiters.set(jobId, [...(waiters.get(jobId) ?? []), (p) => void p.then(resolve)]));
    },
    async cancelBulk() {
      const job = get().bulkJob;
      if (!job || job.status !== 'running') return;
      const result = await guard('conflicts/bulk-cancel', () => call('conflicts/bulk-cancel', { jobId: job.id }));
      if (!result.ok) set({ conflictsError: result.error });
    },
    applyBulkProgress(job) {
      const current = get().bulkJob;
      // Only this window's job; its states arrive in order, but a poll may bring an older one.
      if (current && current.id !== job.id) return;
      if (current && current.status !== 'running') return;
      if (current && job.status === 'running' && job.done < current.done) return;
      if (job.status !== 'running') finishBulk(job);
      else set({ bulkJob: job });
    },
    applyConflictCount(count) {
      set({ openCount: count.open, openByPair: count.byPair });
    },
  };
};

export { loadedRows };
