/**
 * TEST FIXTURE (not shipped code): a pair of SQLite apps (test-kit.fixture.ts) with webhooks on
 * its left side, an engine whose receiver listens on a free port, the pair's secret set, and the
 * left endpoint's URL once the receiver listens.
 */
import type { PairConfig, WebhookSettings, WebhookSideSettings } from '../../api/model';
import { setupPair, until } from '../test-kit.fixture';

export const WEBHOOK_SECRET = 'a-webhook-secret-of-some-length';

export async function webhookPair(side: WebhookSideSettings, o: { mode?: WebhookSettings['mode']; over?: Partial<PairConfig>; setup?: Parameters<typeof setupPair>[1] } = {}) {
  const setup = o.setup ?? {};
  const s = await setupPair({ webhooks: { mode: o.mode ?? 'async', syncTimeoutSeconds: 30, left: side }, ...o.over }, { ...setup, engine: { webhooks: { port: 0 }, events: { retryMs: 20 }, ...setup.engine } });
  await s.kit.call('webhooks/set-secret', { pairId: s.pairId, secret: WEBHOOK_SECRET });
  const info = await until(async () => {
    const i = await s.kit.call('webhooks/info', { pairId: s.pairId });
    return i.listening ? i : undefined;
  });
  const url = info.endpoints.left;
  if (!url) throw new Error('no left endpoint');
  return { ...s, url, origin: new URL(url).origin };
}
export type WebhookPair = Awaited<ReturnType<typeof webhookPair>>;

/** POSTs `body` with `headers` (a signature); the status and the JSON answer. */
export async function postHook(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
