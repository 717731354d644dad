/**
 * Real time in the renderer (issue 12): a pair's events (the Events tab: newest first, searched,
 * filtered by state, paged by `beforeSeq`), where its webhooks are received, and its secret.
 * The engine is the source of truth; this caches what the Events tab and the webhook settings show.
 */
import type { EventState, SyncEvent, WebhookInfo } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import type { Outcome, SliceCreator } from './store';

/** Events loaded at a time. */
export const EVENTS_PAGE = 50;

export type EventRow = SyncEvent & { seq: number };
export type EventsQuery = { search: string; state: EventState | null };

export type PairEvents = {
  query: EventsQuery;
  items: EventRow[] | null;
  /** The last page came back full: there may be older events ("Load more"). */
  more: boolean;
  error: ApiCallError | null;
};

export type RealtimeSlice = {
  events: Record<string, PairEvents | undefined>;
  webhookInfo: Record<string, WebhookInfo | undefined>;
  webhookInfoError: Record<string, ApiCallError | undefined>;
  /**
   * Loads the newest events matching `query` (default: the query shown now). `keep`: reload as many
   * as are shown (a refresh while events are applied), so a list paged further back does not shrink.
   */
  loadEvents(pairId: string, query?: EventsQuery, options?: { keep?: boolean }): Promise<void>;
  /** The next page, older than the oldest shown. */
  loadMoreEvents(pairId: string): Promise<void>;
  loadWebhookInfo(pairId: string): Promise<void>;
  /** Sets the app's secret (pasted), or makes one when none is given; the answer is the only time it is shown. */
  setWebhookSecret(pairId: string, secret?: string): Promise<Outcome<{ secret: string }>>;
};

const noQuery: EventsQuery = { search: '', state: null };

export const createRealtimeSlice: SliceCreator<RealtimeSlice> = (set, get, { call, guard }) => {
  const patch = (pairId: string, p: Partial<PairEvents>): void => {
    const now = get().events[pairId] ?? { query: noQuery, items: null, more: false, error: null };
    set({ events: { ...get().events, [pairId]: { ...now, ...p } } });
  };
  const args = (pairId: string, query: EventsQuery, limit: number, beforeSeq?: number) => ({
    pairId,
    limit,
    ...(query.search.trim() ? { search: query.search.trim() } : {}),
    ...(query.state ? { state: query.state } : {}),
    ...(beforeSeq !== undefined ? { beforeSeq } : {}),
  });

  return {
    events: {},
    webhookInfo: {},
    webhookInfoError: {},

    async loadEvents(pairId, query, options = {}) {
      const current = get().events[pairId];
      const q = query ?? current?.query ?? noQuery;
      const limit = options.keep ? Math.max(EVENTS_PAGE, current?.items?.length ?? 0) : EVENTS_PAGE;
      // A new query is kept at once; its rows replace the old ones when they come.
      if (current?.query !== q) patch(pairId, { query: q });
      const result = await guard('events/list', () => call('events/list', args(pairId, q, limit)));
      // An answer to a query the user has since changed is dropped: the later one is on its way.
      if (get().events[pairId]?.query !== q) return;
      if (result.ok) patch(pairId, { items: result.value, more: result.value.length >= limit, error: null });
      else patch(pairId, { error: result.error });
    },
    async loadMoreEvents(pairId) {
      const current = get().events[pairId];
      const last = current?.items?.at(-1);
      if (!current || !last) return;
      const result = await guard('events/list', () => call('events/list', args(pairId, current.query, EVENTS_PAGE, last.seq)));
      const now = get().events[pairId];
      if (now?.query !== current.query || !now.items) return;
      if (!result.ok) return patch(pairId, { error: result.error });
      // Rows already shown (a refresh brought them meanwhile) are not listed twice.
      const seen = new Set(now.items.map((e) => e.seq));
      patch(pairId, { items: [...now.items, ...result.value.filter((e) => !seen.has(e.seq))], more: result.value.length >= EVENTS_PAGE, error: null });
    },
    async loadWebhookInfo(pairId) {
      const result = await guard('webhooks/info', () => call('webhooks/info', { pairId }));
      if (result.ok) set({ webhookInfo: { ...get().webhookInfo, [pairId]: result.value }, webhookInfoError: { ...get().webhookInfoError, [pairId]: undefined } });
      else set({ webhookInfoError: { ...get().webhookInfoError, [pairId]: result.error } });
    },
    async setWebhookSecret(pairId, secret) {
      const result = await guard('webhooks/set-secret', () => call('webhooks/set-secret', secret === undefined ? { pairId } : { pairId, secret }));
      if (result.ok) {
        const info = get().webhookInfo[pairId];
        if (info) set({ webhookInfo: { ...get().webhookInfo, [pairId]: { ...info, hasSecret: true } } });
      }
      return result;
    },
  };
};
