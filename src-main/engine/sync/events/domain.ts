/**
 * Real time's part of the API and the webhook receiver's life: the receiver starts with the
 * engine when the entry point asks for it (`concord serve`, the desktop engine), on the port it
 * names or the one this data folder used last (so the URLs given to apps stay valid), else a free one.
 * Each pair's webhook secret lives in the credential store (account `webhook:<pairId>`), read
 * once and cached; a deleted pair's goes with it.
 */
import { randomBytes } from 'node:crypto';
import type { Handler } from '../../api/dispatch';
import { ApiError, notFound } from '../../api/errors';
import type { Side } from '../../api/model';
import type { Domain, EngineContext } from '../../context';
import type { PairStore } from '../pair-store';
import type { SlowClientLimits } from '../../server/slow-clients';
import { createWebhookReceiver, type WebhookReceiver } from './receiver';
import type { EventStore } from './store';
import type { EventWorker } from './worker';

export type RealtimeMethods = 'events/list' | 'events/get' | 'webhooks/info' | 'webhooks/set-secret';
export type WebhookListenOptions = {
  /** Where the receiver listens (default 127.0.0.1: expose it through a tunnel or a reverse proxy). */
  host?: string;
  /** Default: the port this data folder's receiver used last, else a free one (kept for next time). */
  port?: number;
  /** The receiver's address as the apps reach it (a tunnel's or proxy's URL), shown in the pair's settings. */
  publicUrl?: string;
  /** Test seam: how long a client may take to send a request (server/slow-clients.ts). */
  limits?: SlowClientLimits;
};

const PORT_KEY = 'webhooks.port';
export const webhookAccount = (pairId: string) => `webhook:${pairId}`;

export function createRealtimeDomain(
  ctx: EngineContext,
  deps: { pairs: Pick<PairStore, 'get'>; events: EventStore; worker: EventWorker | null },
  listen: WebhookListenOptions | null,
): Domain<{ [M in RealtimeMethods]: Handler<M> }> & { receiver: WebhookReceiver | null; ready: Promise<void>; error(): string | null; forgetPair(pairId: string): Promise<void> } {
  const secrets = new Map<string, Promise<string | null>>();
  const secret = (pairId: string) => {
    let s = secrets.get(pairId);
    if (!s) {
      s = ctx.credentials.get(webhookAccount(pairId));
      secrets.set(pairId, s);
      s.catch(() => secrets.delete(pairId));
    }
    return s;
  };
  const worker = deps.worker;
  const receiver = worker ? createWebhookReceiver({ pairs: deps.pairs, events: deps.events, worker, secret, log: ctx.log, ...(listen?.limits ? { limits: listen.limits } : {}) }) : null;
  let error: string | null = null;
  const setting = () => ctx.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(PORT_KEY) as string | undefined;
  const ready = (async () => {
    if (!receiver || !listen) return;
    const host = listen.host ?? '127.0.0.1';
    const remembered = Number(setting() ?? 0);
    try {
      let address;
      try {
        address = await receiver.listen(host, listen.port ?? remembered);
      } catch (e) {
        // The remembered port is taken now: another free one (the pair's settings show the new URLs).
        if (listen.port !== undefined || remembered === 0) throw e;
        ctx.log(`webhook port ${remembered} is taken; listening on another`, e);
        address = await receiver.listen(host, 0);
      }
      ctx.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(PORT_KEY, String(address.port));
    } catch (e) {
      error = `The webhook receiver could not listen on ${host}:${listen.port ?? remembered}: ${e instanceof Error ? e.message : String(e)}`;
      ctx.log(error);
    }
  })();

  const base = (): string | null => {
    if (listen?.publicUrl) return listen.publicUrl.replace(/\/+$/, '');
    const a = receiver?.address();
    if (!a) return null;
    const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  };
  const pairOf = (pairId: string) => deps.pairs.get(pairId) ?? (() => { throw notFound('Pair', pairId); })();

  return {
    receiver,
    ready,
    /** Why the receiver does not listen, once `ready` resolved (null while it listens or was never asked to). */
    error: () => error,
    async forgetPair(pairId: string) {
      secrets.delete(pairId);
      await ctx.credentials.delete(webhookAccount(pairId));
    },
    handlers: {
      'events/list': ({ pairId, state, search, limit, beforeSeq }) => {
        pairOf(pairId);
        return deps.events.list({ pairId, ...(state ? { state } : {}), ...(search ? { search } : {}), limit: limit ?? 100, ...(beforeSeq !== undefined ? { beforeSeq } : {}) }).map(({ record: _r, ...e }) => e);
      },
      'events/get': ({ correlationId }) => {
        const e = deps.events.get(correlationId);
        if (!e) throw notFound('Event', correlationId);
        const { record: _r, seq: _s, ...rest } = e;
        return rest;
      },
      'webhooks/info': async ({ pairId }) => {
        const p = pairOf(pairId);
        const b = base();
        const endpoints: Partial<Record<Side, string>> = {};
        for (const side of ['left', 'right'] as const) if (b && p.config.webhooks?.[side]?.enabled) endpoints[side] = `${b}/hooks/${pairId}/${side}`;
        const listening = receiver?.address() != null;
        return {
          listening,
          error: listening ? null : (error ?? (listen ? 'The webhook receiver is starting.' : 'This engine receives no webhooks (start it with `concord serve`, or the desktop app).')),
          endpoints,
          statusUrl: b ? `${b}/hooks/${pairId}/<side>/events/<correlation id>` : null,
          hasSecret: (await secret(pairId)) !== null,
        };
      },
      'webhooks/set-secret': async ({ pairId, secret: given }) => {
        pairOf(pairId);
        const value = given ?? `whsec_${randomBytes(32).toString('base64url')}`;
        if (given !== undefined && given.trim() !== given) throw new ApiError('invalid-input', 'The secret starts or ends with a space: paste it exactly as the app shows it.');
        await ctx.credentials.set(webhookAccount(pairId), value);
        secrets.set(pairId, Promise.resolve(value));
        return { secret: value };
      },
    },
    async close() {
      await receiver?.close();
    },
  };
}
