/**
 * The workflow-actions domain (issue 12 §4): actions per pair, the outbox worker, and the API. The
 * sync domain calls `announceRun` inside the transaction that records a run's end (announce.ts);
 * the worker sends what that wrote (worker.ts).
 *
 * Signing secrets: generated here, kept only in the credential store under `action:<id>`, and
 * answered once (create, rotate). The secret goes in before the row that needs it, and out after
 * the row is gone: a failing keychain never leaves an action that cannot sign.
 */
import { randomUUID } from 'node:crypto';
import type { Handler } from '../api/dispatch';
import { ApiError, notFound } from '../api/errors';
import type { ActionInfo, DeliveryInfo, RunSummary } from '../api/model';
import type { EventMessage } from '../api/contract';
import type { Domain, EngineContext } from '../context';
import { NOTIFY_FAILING } from '../api/action-schemas';
import { createAnnouncer } from './announce';
import { newSigningSecret } from './signing';
import { createActionStore, type ActionRow, type DeliveryRow } from './store';
import { createDeliveryWorker, DEFAULT_MAX_ATTEMPTS, type DeliveryTiming } from './worker';

export type ActionMethods = 'actions/list' | 'actions/create' | 'actions/update' | 'actions/delete' | 'actions/rotate-secret' | 'actions/deliveries' | 'actions/redeliver' | 'actions/test';
export type ActionHandlers = { [M in ActionMethods]: Handler<M> };

export type ActionOptions = DeliveryTiming & {
  /** Aborts calls in flight when the engine stops (they stay pending, and are sent after the next start). */
  shutdown: AbortSignal;
  /** An engine that only looks (read-only CLI): no worker, nothing sent. */
  passive?: boolean;
};

export const secretAccount = (actionId: string): string => `action:${actionId}`;

export function createActionsDomain(ctx: EngineContext, options: ActionOptions): Domain<ActionHandlers> & {
  announceRun(run: RunSummary): void;
  onEngineEvent(message: EventMessage): void;
  /** Looks for due deliveries now. */
  worker: { wake(): void };
} {
  const { db, credentials } = ctx;
  const store = createActionStore(db);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const announcer = createAnnouncer(db, store, { maxAttempts });
  const worker = createDeliveryWorker(ctx, store, (id) => credentials.get(secretAccount(id)), options);

  const info = async (a: ActionRow): Promise<ActionInfo> => ({ ...a, hasSecret: a.kind === 'url' ? await credentials.has(secretAccount(a.id)).catch(() => false) : false });
  const actionRow = (id: string): ActionRow => store.get(id) ?? (() => { throw notFound('Action', id); })();
  const pairName = (pairId: string): string => {
    const p = db.prepare('SELECT name FROM pairs WHERE id = ?').get(pairId) as { name: string } | undefined;
    if (!p) throw notFound('Pair', pairId);
    return p.name;
  };
  const deliveryInfo = (rows: DeliveryRow[]): DeliveryInfo[] => {
    const attempts = store.attempts(rows.map((r) => r.id));
    return rows.map(({ pairName: _n, attemptCount: _c, maxAttempts: _m, ...d }) => ({ ...d, attempts: attempts.get(d.id) ?? [] }));
  };
  const oneDelivery = (id: string): DeliveryInfo => {
    const d = store.delivery(id);
    if (!d) throw notFound('Delivery', id);
    return deliveryInfo([d])[0] as DeliveryInfo;
  };
  const written = (list: { pairId: string; deliveryId: string }[]) => {
    for (const w of list) ctx.emit('actions/delivery', { ...w, status: 'pending' });
    if (list.length > 0 && !options.passive) worker.wake();
  };

  /** Deletes the actions of pairs that are gone, then their secrets (a pair deleted while the engine was down too). */
  async function sweepOrphans(): Promise<void> {
    for (const a of store.orphans()) {
      store.delete(a.id);
      if (a.kind === 'url') await credentials.delete(secretAccount(a.id)).catch((e: unknown) => ctx.log(`the signing secret of deleted action ${a.id} could not be removed`, e));
    }
  }
  if (!options.passive) {
    void sweepOrphans();
    worker.wake(); // what was pending when the engine stopped (or was killed)
  }

  const handlers: ActionHandlers = {
    'actions/list': async ({ pairId }) => {
      pairName(pairId);
      return Promise.all(store.list(pairId).map(info));
    },
    'actions/create': async ({ pairId, action }) => {
      pairName(pairId);
      const id = randomUUID();
      let secret: string | null = null;
      if (action.kind === 'url') {
        secret = newSigningSecret();
        await credentials.set(secretAccount(id), secret);
      }
      const row = store.create({ id, pairId, kind: action.kind, url: action.kind === 'url' ? action.url : null, events: action.events, enabled: action.enabled ?? true, secretRotatedAt: secret ? new Date().toISOString() : null });
      return { action: await info(row), secret };
    },
    'actions/update': async ({ actionId, url, events, enabled }) => {
      const before = actionRow(actionId);
      if (url !== undefined && before.kind !== 'url') throw new ApiError('invalid-input', 'A notification action has no URL; add a URL action instead.');
      if (before.kind === 'notify' && events?.includes('pair.failing')) throw new ApiError('invalid-input', NOTIFY_FAILING);
      return info(store.update(actionId, { ...(url !== undefined ? { url } : {}), ...(events ? { events } : {}), ...(enabled !== undefined ? { enabled } : {}) }));
    },
    'actions/delete': async ({ actionId }) => {
      const a = actionRow(actionId);
      store.delete(actionId);
      if (a.kind === 'url') await credentials.delete(secretAccount(actionId));
      return { deleted: true as const };
    },
    'actions/rotate-secret': async ({ actionId }) => {
      const a = actionRow(actionId);
      if (a.kind !== 'url') throw new ApiError('invalid-input', 'A notification action is not signed: only URL actions have a secret.');
      const secret = newSigningSecret();
      await credentials.set(secretAccount(actionId), secret);
      return { action: await info(store.update(actionId, { secretRotatedAt: new Date().toISOString() })), secret };
    },
    'actions/deliveries': ({ pairId, actionId, offset, limit }) => {
      pairName(pairId);
      const page = store.page({ pairId, ...(actionId ? { actionId } : {}), offset: offset ?? 0, limit: limit ?? 50 });
      return { total: page.total, items: deliveryInfo(page.rows) };
    },
    'actions/redeliver': async ({ deliveryId }) => {
      oneDelivery(deliveryId);
      await worker.attemptNow(deliveryId, true);
      return oneDelivery(deliveryId);
    },
    'actions/test': async ({ actionId }) => {
      const a = actionRow(actionId);
      const at = new Date().toISOString();
      const deliveryId = store.enqueue({ actionId, pairId: a.pairId, pairName: pairName(a.pairId), event: 'test', occurredAt: at, data: { message: 'A test event from Concord: this action works.' }, maxAttempts: 1 });
      ctx.emit('actions/delivery', { pairId: a.pairId, deliveryId, status: 'pending' });
      await worker.attemptNow(deliveryId, false);
      return oneDelivery(deliveryId);
    },
  };

  return {
    handlers,
    worker,
    announceRun(run) {
      // A savepoint inside the caller's transaction: a failure here is logged and leaves the run's end committed.
      try {
        const list = db.transaction(() => announcer(run))();
        written(list);
      } catch (e) {
        ctx.log(`the workflow actions of run ${run.id} could not be written`, e);
      }
    },
    onEngineEvent(message) {
      if (message.event === 'pairs/removed' && !options.passive) void sweepOrphans();
    },
    async close() {
      await worker.close();
    },
  };
}
