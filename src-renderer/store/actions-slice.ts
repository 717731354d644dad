/**
 * A pair's workflow actions and their deliveries (the pair detail's Actions tab). A signing secret
 * is held here only between the answer that carried it and the user's "Done": the engine never
 * sends it again.
 */
import type { ActionEventName, ActionInfo, ActionInput, DeliveryPage } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import type { Outcome, SliceCreator } from './store';

/** Deliveries loaded at a time (newest first); "Show older" raises it. */
export const DELIVERY_PAGE = 20;

export type PairActions = {
  actions: ActionInfo[] | null;
  deliveries: DeliveryPage | null;
  deliveriesLimit: number;
  /** The secret of the action just made or rotated, shown once. */
  secret: { actionId: string; secret: string } | null;
  error: ApiCallError | null;
};

export type ActionsSlice = {
  pairActions: Record<string, PairActions>;
  /** The pair's actions and its newest deliveries; `limit`: how many deliveries to hold. */
  loadActions(pairId: string, limit?: number): Promise<void>;
  createAction(pairId: string, action: ActionInput): Promise<Outcome<ActionInfo>>;
  updateAction(pairId: string, actionId: string, change: { url?: string; events?: ActionEventName[]; enabled?: boolean }): Promise<void>;
  deleteAction(pairId: string, actionId: string): Promise<void>;
  rotateSecret(pairId: string, actionId: string): Promise<void>;
  dismissSecret(pairId: string): void;
  redeliver(pairId: string, deliveryId: string): Promise<void>;
  sendTest(pairId: string, actionId: string): Promise<void>;
  /** Engine event: a delivery of this pair was written or attempted (refetch, if the tab has loaded). */
  applyDelivery(pairId: string): void;
};

const empty = (): PairActions => ({ actions: null, deliveries: null, deliveriesLimit: DELIVERY_PAGE, secret: null, error: null });

export const createActionsSlice: SliceCreator<ActionsSlice> = (set, get, { call, guard }) => {
  const patch = (pairId: string, change: Partial<PairActions>) =>
    set((s) => ({ pairActions: { ...s.pairActions, [pairId]: { ...(s.pairActions[pairId] ?? empty()), ...change } } }));
  /** Refetches in flight per pair: a burst of delivery events asks once more, not once each. */
  const refetching = new Map<string, 'running' | 'again'>();

  const reload = async (pairId: string) => {
    if (refetching.has(pairId)) {
      refetching.set(pairId, 'again');
      return;
    }
    refetching.set(pairId, 'running');
    try {
      do {
        refetching.set(pairId, 'running');
        await get().loadActions(pairId);
      } while (refetching.get(pairId) === 'again');
    } finally {
      refetching.delete(pairId);
    }
  };

  /** Runs a change; its error shows in the tab, and either way the lists are fetched again. */
  const change = async <T>(pairId: string, method: Parameters<typeof guard>[0], run: () => Promise<T>): Promise<Outcome<T>> => {
    const result = await guard(method, run);
    patch(pairId, { error: result.ok ? null : result.error });
    await reload(pairId);
    return result;
  };

  return {
    pairActions: {},
    async loadActions(pairId, limit) {
      const deliveriesLimit = limit ?? get().pairActions[pairId]?.deliveriesLimit ?? DELIVERY_PAGE;
      const result = await guard('actions/list', async () => ({
        actions: await call('actions/list', { pairId }),
        deliveries: await call('actions/deliveries', { pairId, limit: deliveriesLimit }),
      }));
      if (result.ok) patch(pairId, { ...result.value, deliveriesLimit });
      else patch(pairId, { error: result.error });
    },
    async createAction(pairId, action) {
      const result = await change(pairId, 'actions/create', () => call('actions/create', { pairId, action }));
      if (!result.ok) return result;
      const { action: made, secret } = result.value;
      if (secret) patch(pairId, { secret: { actionId: made.id, secret } });
      get().notify('success', made.kind === 'url' ? `Concord calls ${made.url} from now on.` : 'Concord shows a desktop notification from now on.');
      return { ok: true, value: made };
    },
    async updateAction(pairId, actionId, c) {
      await change(pairId, 'actions/update', () => call('actions/update', { actionId, ...c }));
    },
    async deleteAction(pairId, actionId) {
      const result = await change(pairId, 'actions/delete', () => call('actions/delete', { actionId }));
      if (result.ok && get().pairActions[pairId]?.secret?.actionId === actionId) patch(pairId, { secret: null });
    },
    async rotateSecret(pairId, actionId) {
      const result = await change(pairId, 'actions/rotate-secret', () => call('actions/rotate-secret', { actionId }));
      if (result.ok) patch(pairId, { secret: { actionId, secret: result.value.secret } });
    },
    dismissSecret(pairId) {
      patch(pairId, { secret: null });
    },
    async redeliver(pairId, deliveryId) {
      const result = await change(pairId, 'actions/redeliver', () => call('actions/redeliver', { deliveryId }));
      if (result.ok) get().notify(result.value.status === 'delivered' ? 'success' : 'error', result.value.status === 'delivered' ? 'Redelivered.' : `The redelivery failed: ${result.value.attempts.at(-1)?.error ?? 'no answer'}`);
    },
    async sendTest(pairId, actionId) {
      const result = await change(pairId, 'actions/test', () => call('actions/test', { actionId }));
      if (result.ok) get().notify(result.value.status === 'delivered' ? 'success' : 'error', result.value.status === 'delivered' ? 'The test event was delivered.' : `The test event failed: ${result.value.attempts.at(-1)?.error ?? 'no answer'}`);
    },
    applyDelivery(pairId) {
      if (get().pairActions[pairId]?.actions) void reload(pairId);
    },
  };
};
