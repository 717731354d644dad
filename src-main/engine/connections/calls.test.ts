import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../connectors/errors';
import { callLimits, DEFAULT_CALL_LIMITS, guardedCall, guardedPages } from './calls';

/** A call that answers only when its signal aborts (with the signal's reason), like a fetch. */
const waitForAbort = (signal: AbortSignal) => new Promise<never>((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

describe('connector calls: signal and time limit', () => {
  it('limits: defaults, then the capabilities, then the configuration', () => {
    expect(callLimits(undefined)).toEqual(DEFAULT_CALL_LIMITS);
    expect(DEFAULT_CALL_LIMITS).toMatchObject({ describe: 30_000, test: 30_000, read: 30_000 });
    expect(DEFAULT_CALL_LIMITS.write).toBeGreaterThan(DEFAULT_CALL_LIMITS.read);
    expect(callLimits({ callLimitsMs: { read: 5_000, write: 1_000 } }, { write: 2_000 })).toMatchObject({ read: 5_000, write: 2_000, describe: 30_000 });
  });

  it('a call past its limit fails as an actionable ConnectorError "unavailable", and the connector saw the abort', async () => {
    let seen: AbortSignal | undefined;
    const err = await guardedCall('CRM', 'read', 20, undefined, (signal) => {
      seen = signal;
      return waitForAbort(signal);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ reason: 'unavailable' });
    expect((err as Error).message).toMatch(/^CRM did not answer within 20 ms \(reading records\) — check that it is running and reachable/);
    expect(seen?.aborted).toBe(true);
  });

  it('the caller aborting rejects at once with its reason, even when the connector ignores the signal', async () => {
    const outer = new AbortController();
    const never = new Promise<never>(() => {});
    const call = guardedCall('CRM', 'write', 60_000, outer.signal, () => never);
    outer.abort(new Error('The run was cancelled.'));
    await expect(call).rejects.toThrow('The run was cancelled.');
  });

  it('a call that answers in time keeps its answer and its own errors', async () => {
    await expect(guardedCall('CRM', 'read', 60_000, undefined, async () => 7)).resolves.toBe(7);
    await expect(guardedCall('CRM', 'read', 60_000, undefined, async () => Promise.reject(new ConnectorError('auth', 'bad password')))).rejects.toMatchObject({ reason: 'auth' });
  });

  it('pages: the limit is per page; the connector sees one signal for the whole read; a stuck page fails the read', async () => {
    const signals = new Set<AbortSignal>();
    async function* source(signal: AbortSignal) {
      signals.add(signal);
      yield 1;
      yield 2;
      await waitForAbort(signal);
    }
    const got: number[] = [];
    const err = await (async () => {
      for await (const n of guardedPages('CRM', 20, undefined, source)) got.push(n);
    })().catch((e: unknown) => e);
    expect(got).toEqual([1, 2]);
    expect(err).toMatchObject({ reason: 'unavailable' });
    expect((err as Error).message).toMatch(/the next page of changes/);
    expect([...signals][0]?.aborted).toBe(true);
  });

  it('pages: the caller aborting ends the read promptly, even when the connector ignores the signal', async () => {
    const outer = new AbortController();
    async function* source() {
      yield 1;
      await new Promise<never>(() => {});
    }
    const got: number[] = [];
    const reading = (async () => {
      for await (const n of guardedPages('CRM', 60_000, outer.signal, source)) {
        got.push(n);
        outer.abort(new Error('Concord is stopping.'));
      }
    })();
    await expect(reading).rejects.toThrow('Concord is stopping.');
    expect(got).toEqual([1]);
  });
});
