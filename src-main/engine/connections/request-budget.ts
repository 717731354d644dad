/**
 * An app's request budget, as its connector's capabilities declare it (`requestsPerSecond`,
 * `maxConcurrentRequests`): the engine spaces its calls to fit, so a sync stays under the app's
 * rate limit instead of running into 429s. One budget per connection (its account's limit is
 * shared by every run, resolution and preview on it).
 *
 * Spacing is a token bucket in its "virtual scheduling" form (GCRA): each call reserves the next
 * free instant, at most `burst` calls ahead of the steady rate; reservations are FIFO, so callers
 * are served in the order they asked. Time comes from a `Clock`, so tests drive it without waiting.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { ConnectorCapabilities } from '../api/model';

export type Clock = { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> };

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, signal ? { signal } : {}),
};

export type RequestBudget = {
  /** Runs `fn` once the budget allows: a free instant under the rate, and a free slot under the concurrency cap. */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
};

/** A budget that never waits (a connector that declares none: a local file). */
export const unlimited: RequestBudget = { run: (fn) => fn() };

export function requestBudget(capabilities: Pick<ConnectorCapabilities, 'requestsPerSecond' | 'maxConcurrentRequests'>, clock: Clock = realClock): RequestBudget {
  const rps = capabilities.requestsPerSecond;
  const cap = capabilities.maxConcurrentRequests;
  if (!(rps !== undefined && rps > 0) && !(cap !== undefined && cap > 0)) return unlimited;
  const interval = rps !== undefined && rps > 0 ? 1000 / rps : 0;
  // Evenly spaced: an API's window may allow a burst, but an even pace never trips it.
  const burst = 1;
  /** The theoretical arrival time of the next call at the steady rate. */
  let tat = -Infinity;
  let active = 0;
  const queue: (() => void)[] = [];

  const reserve = (): number => {
    if (interval === 0) return 0;
    const now = clock.now();
    const at = Math.max(now, tat - (burst - 1) * interval);
    tat = Math.max(tat, now) + interval;
    return at - now;
  };
  const slot = async (signal?: AbortSignal): Promise<void> => {
    if (!cap || active < cap) {
      active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = queue.indexOf(grant);
        if (i >= 0) queue.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError'));
      };
      queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };
  const done = () => {
    const next = queue.shift();
    // The slot passes straight to the next waiter (active stays the same).
    if (next) next();
    else active--;
  };

  return {
    async run(fn, signal) {
      await slot(signal);
      try {
        const wait = reserve();
        if (wait > 0) await clock.sleep(wait, signal);
        return await fn();
      } finally {
        done();
      }
    },
  };
}
