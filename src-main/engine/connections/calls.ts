/**
 * Every connector call the engine makes goes through here: it gets one AbortSignal that aborts on
 * the caller's signal (Cancel, engine shutdown) and when the call's time limit passes, and the
 * engine stops waiting as soon as it aborts — also for a connector that ignores the signal, so a
 * request hanging on a dead network never holds a run, a Cancel or a shutdown.
 *
 * A call past its limit fails as ConnectorError 'unavailable' with a message a user can act on; a
 * call aborted by the caller rejects with the caller's reason. The timer is the engine's own (set
 * and cleared per call) rather than `AbortSignal.timeout`, so a finished call leaves no timer behind.
 */
import type { ConnectorCallKind, ConnectorCapabilities } from '../api/model';
import { ConnectorError } from '../connectors/errors';

export type CallLimits = Record<ConnectorCallKind, number>;

/**
 * Defaults, in milliseconds. `changes` is per page (the wait for the next batch), not for the
 * whole read; `write` and `clearFlags` are per batch, which carries hundreds of records.
 */
export const DEFAULT_CALL_LIMITS: CallLimits = { describe: 30_000, test: 30_000, read: 30_000, changes: 60_000, write: 120_000, clearFlags: 120_000 };

/** The limits for one connector: the defaults, then what its capabilities declare, then the engine's configuration. */
export function callLimits(capabilities: Pick<ConnectorCapabilities, 'callLimitsMs'> | undefined, configured: Partial<CallLimits> = {}): CallLimits {
  return { ...DEFAULT_CALL_LIMITS, ...(capabilities?.callLimitsMs ?? {}), ...configured };
}

const seconds = (ms: number): string => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`);

/** The error of a call past its limit: who did not answer, within what, and what to do. */
export function timedOut(label: string, kind: ConnectorCallKind, ms: number): ConnectorError {
  const what = kind === 'write' ? 'a write' : kind === 'changes' ? 'the next page of changes' : kind === 'clearFlags' ? 'clearing sync flags' : kind === 'test' ? 'the connection test' : kind === 'describe' ? 'listing its collections' : 'reading records';
  return new ConnectorError(
    'unavailable',
    `${label} did not answer within ${seconds(ms)} (${what}) — check that it is running and reachable from this computer (network, VPN, firewall), then try again. Concord reconnects on the next attempt.`,
  );
}

/** The error a call rejects with when its caller aborted it: the caller's reason, or an AbortError. */
export const abortReason = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError'));

/** True for the error of an aborted call (a cancel or a shutdown), as opposed to a failure of the app. */
export const isAbortError = (e: unknown): boolean => e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');

/** Waits `ms`, or less when `signal` aborts (the caller checks it after); its abort listener goes with it. */
export const pause = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** `promise`, or a rejection as soon as `signal` aborts (the promise's own outcome is then ignored). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** A signal for one call: aborts with `outer`, or with a time-out error after `ms`. `dispose` clears the timer. */
export function callSignal(outer: AbortSignal | undefined, ms: number, onTimeout: () => Error) {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(onTimeout());
  }, ms);
  const onOuter = () => controller.abort(outer ? abortReason(outer) : undefined);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  return {
    signal: controller.signal,
    /** The time limit (not the caller) aborted this call. */
    expired: () => expired,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

/**
 * Runs one connector call under `outer` and a time limit. A call past its limit rejects with the
 * actionable 'unavailable' error, whatever the connector threw on abort.
 */
export async function guardedCall<T>(label: string, kind: ConnectorCallKind, ms: number, outer: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const call = callSignal(outer, ms, () => timedOut(label, kind, ms));
  try {
    return await untilAborted(Promise.resolve().then(() => fn(call.signal)), call.signal);
  } catch (e) {
    if (call.expired()) throw timedOut(label, kind, ms);
    throw e;
  } finally {
    call.dispose();
  }
}

/**
 * A `changes` read under `outer`, with the time limit applied to each page (the wait for the next
 * batch; the caller's own work on a batch is not timed). The connector sees one signal for the
 * whole read. Ending early (the caller stops, an abort) returns the connector's iterator without
 * waiting for it: a connector stuck on a network must not hold the caller.
 */
export async function* guardedPages<T>(
  label: string,
  ms: number,
  outer: AbortSignal | undefined,
  start: (signal: AbortSignal) => AsyncIterable<T>,
  /** Wraps each page's request (the request budget): a page counts as one call, the caller's work between pages does not. */
  around: <R>(fn: () => Promise<R>, signal: AbortSignal) => Promise<R> = (fn) => fn(),
): AsyncGenerator<T> {
  const controller = new AbortController();
  const onOuter = () => controller.abort(outer ? abortReason(outer) : undefined);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  let iterator: AsyncIterator<T> | null = null;
  let finished = false;
  try {
    iterator = start(controller.signal)[Symbol.asyncIterator]();
    for (;;) {
      const it = iterator;
      // The page's time limit starts once the budget lets the request go: a queue is no time-out.
      const next = await around(async () => {
        const page = callSignal(controller.signal, ms, () => timedOut(label, 'changes', ms));
        try {
          return await untilAborted(it.next(), page.signal);
        } catch (e) {
          if (page.expired()) {
            controller.abort(timedOut(label, 'changes', ms));
            throw timedOut(label, 'changes', ms);
          }
          throw e;
        } finally {
          page.dispose();
        }
      }, controller.signal);
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    outer?.removeEventListener('abort', onOuter);
    if (!finished && iterator?.return) {
      // Not awaited: a generator parked on a request that never answers would never return.
      if (!controller.signal.aborted) controller.abort(new DOMException('The read was ended early.', 'AbortError'));
      iterator.return().catch(() => undefined);
    }
  }
}
