/**
 * The outbox worker: sends every pending delivery that is due, records each attempt, and backs off
 * between failed ones (exponential, with jitter) until the delivery is delivered or out of
 * attempts. Everything it needs is in SQLite, so a delivery pending when the engine stopped (or
 * was killed) is sent once it starts again. One engine per data folder (the data-folder lock), so
 * "in flight" is held in memory.
 */
import type { EngineContext } from '../context';
import type { DeliveryAttempt } from '../api/model';
import { notificationText } from './describe';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature } from './signing';
import type { ActionStore, DeliveryRow } from './store';

export type DeliveryTiming = {
  /** The wait after the first failed attempt; it doubles after each (default 30 s: 8 attempts span about an hour). */
  retryBaseMs?: number;
  /** Attempts of an event delivery before it is given up (default 8). */
  maxAttempts?: number;
  /** The jitter's random source (tests pin it). */
  random?: () => number;
  /** How long one call may take (default 10 s). */
  timeoutMs?: number;
};

export const DEFAULT_MAX_ATTEMPTS = 8;
const RESPONSE_KEEP_BYTES = 4096;
const CONCURRENCY = 4;
/** setTimeout's limit: a later due time is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The wait after the `failures`-th failed attempt: base · 2^(failures−1), ±25 % jitter so many receivers' retries spread out. */
export function retryDelayMs(failures: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** Math.max(0, failures - 1) * (0.75 + 0.5 * random()));
}

/** The JSON body of a delivery: the same bytes on every attempt (the signature covers them). */
export function deliveryBody(d: DeliveryRow): string {
  return JSON.stringify({ id: d.id, event: d.event, pairId: d.pairId, pairName: d.pairName, occurredAt: d.occurredAt, data: d.data });
}

/** The first few KB of an answer, as text; the rest is not read. */
async function responseStart(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_KEEP_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_KEEP_BYTES).toString('utf8');
}

const describeError = (e: unknown): string => {
  const error = e instanceof Error ? e : new Error(String(e));
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  if (error.name === 'TimeoutError') return 'The URL did not answer in time.';
  return `${error.message}${cause}`;
};

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

export function createDeliveryWorker(
  ctx: Pick<EngineContext, 'emit' | 'log' | 'version'>,
  store: ActionStore,
  secretOf: (actionId: string) => Promise<string | null>,
  options: DeliveryTiming & { shutdown: AbortSignal },
) {
  const baseMs = options.retryBaseMs ?? 30_000;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const inFlight = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  /** One try: a POST for a `url` action, the notification event for a `notify` one. */
  async function send(d: DeliveryRow): Promise<Omit<DeliveryAttempt, 'manual'> & { ok: boolean }> {
    const at = new Date().toISOString();
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    if (d.actionKind === 'notify') {
      ctx.emit('actions/notify', { pairId: d.pairId, deliveryId: d.id, event: d.event, ...notificationText(d.event, d.pairName, d.data) });
      return { ok: true, at, httpStatus: null, response: 'Shown as a desktop notification.', error: null, durationMs: took() };
    }
    const action = store.get(d.actionId);
    if (!action?.url) return { ok: false, at, httpStatus: null, response: null, error: 'The action has no URL.', durationMs: took() };
    let secret: string | null;
    try {
      secret = await secretOf(d.actionId);
    } catch (e) {
      return { ok: false, at, httpStatus: null, response: null, error: `The credential store could not be read: ${describeError(e)}`, durationMs: took() };
    }
    if (!secret) return { ok: false, at, httpStatus: null, response: null, error: 'The signing secret is missing from the credential store: rotate the secret, then redeliver.', durationMs: took() };
    const body = deliveryBody(d);
    try {
      const res = await fetch(action.url, {
        method: 'POST',
        // A redirect is not an answer: following it would send the signed event to another address.
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': `Concord/${ctx.version}`,
          [SIGNATURE_HEADER]: signature(secret, body, Math.floor(Date.now() / 1000)),
          [EVENT_HEADER]: d.event,
          [DELIVERY_HEADER]: d.id,
        },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), options.shutdown]),
      });
      const response = await responseStart(res).catch((e: unknown) => `(the answer could not be read: ${describeError(e)})`);
      const ok = res.status >= 200 && res.status < 300;
      return { ok, at, httpStatus: res.status, response, error: ok ? null : `The URL answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`, durationMs: took() };
    } catch (e) {
      return { ok: false, at, httpStatus: null, response: null, error: describeError(e), durationMs: took() };
    }
  }

  /** An attempt and its outcome, recorded together. A manual one (redeliver, test) never counts towards the limit. */
  async function attempt(deliveryId: string, manual: boolean): Promise<void> {
    const d = store.delivery(deliveryId);
    // An automatic attempt queued behind another one finds it settled: nothing more to do.
    if (!d || (!manual && d.status !== 'pending')) return;
    const result = await send(d);
    const { ok, ...rest } = result;
    let outcome: { status: 'pending' | 'delivered' | 'failed'; next: string | null; countsTowardsLimit: boolean };
    if (ok) outcome = { status: 'delivered', next: null, countsTowardsLimit: !manual };
    else if (options.shutdown.aborted && result.httpStatus === null) {
      // Stopped mid-call: not the receiver's fault. It stays due, and the next start sends it (same id).
      rest.error = 'Concord stopped during the call; it is sent again when Concord starts.';
      outcome = { status: d.status === 'failed' ? 'failed' : 'pending', next: d.status === 'failed' ? null : rest.at, countsTowardsLimit: false };
    }
    else if (manual) outcome = { status: d.status === 'delivered' ? 'delivered' : d.status, next: d.nextAttemptAt, countsTowardsLimit: false };
    else {
      const failures = d.attemptCount + 1;
      outcome = failures >= d.maxAttempts ? { status: 'failed', next: null, countsTowardsLimit: true } : { status: 'pending', next: new Date(Date.now() + retryDelayMs(failures, baseMs, random)).toISOString(), countsTowardsLimit: true };
    }
    store.recordAttempt(deliveryId, { ...rest, manual }, outcome);
    ctx.emit('actions/delivery', { pairId: d.pairId, deliveryId, status: outcome.status });
  }

  /** Runs `attempt` unless the delivery is being sent already (then waits for that one first). */
  async function track(deliveryId: string, manual: boolean): Promise<void> {
    for (let ahead = inFlight.get(deliveryId); ahead; ahead = inFlight.get(deliveryId)) await ahead;
    const work = attempt(deliveryId, manual)
      .catch((e: unknown) => ctx.log(`delivery ${deliveryId} could not be attempted`, e))
      .finally(() => {
        inFlight.delete(deliveryId);
        schedule();
      });
    inFlight.set(deliveryId, work);
    await work;
  }

  /** Starts what is due (up to the concurrency), then sleeps until the next one not in flight is due. */
  function schedule(): void {
    // Stopping: what is pending stays in the outbox for the next start.
    if (closed || options.shutdown.aborted) return;
    if (timer) clearTimeout(timer);
    timer = null;
    const now = Date.now();
    // The soonest pending ones; those in flight are among them at most, so one more is the next to wait for.
    for (const d of store.upcoming(inFlight.size + CONCURRENCY)) {
      if (inFlight.has(d.id)) continue;
      const wait = Date.parse(d.nextAttemptAt ?? '') - now;
      if (wait > 0) {
        timer = setTimeout(schedule, Math.min(MAX_TIMER_MS, wait));
        timer.unref();
        return;
      }
      if (inFlight.size >= CONCURRENCY) return; // an attempt that ends calls schedule again
      void track(d.id, false);
    }
  }

  return {
    /** Looks for due deliveries now (after new ones were written). */
    wake(): void {
      setImmediate(schedule);
    },
    /**
     * One attempt now; resolves when it is recorded. `manual` (redeliver): outside the backoff and
     * the attempt limit. Not manual (a test event, due at once): it counts like the worker's own.
     */
    attemptNow(deliveryId: string, manual: boolean): Promise<void> {
      return track(deliveryId, manual);
    },
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
