/** The request budget: spacing to fit requestsPerSecond (an injected clock, no real waits) and a concurrency cap. */
import { describe, expect, it } from 'vitest';
import { requestBudget, unlimited, type Clock } from './request-budget';

/** TEST CLOCK: time stands still unless a test moves it; every sleep is recorded and returns at once. */
function testClock() {
  const clock = { t: 1_000_000, slept: [] as number[] };
  const c: Clock & typeof clock = Object.assign(clock, {
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
    },
  });
  return c;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('request budget', () => {
  it('no declared limit: calls never wait', () => {
    expect(requestBudget({}, testClock())).toBe(unlimited);
  });

  it('requestsPerSecond: calls asked at the same instant are spaced 1/rate apart, in the order they asked', async () => {
    const clock = testClock();
    const b = requestBudget({ requestsPerSecond: 10 }, clock);
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => b.run(async () => void order.push(n))));
    expect(clock.slept).toEqual([100, 200, 300]);
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('requestsPerSecond: a call after a quiet spell goes at once; one right after another waits the rest of the interval', async () => {
    const clock = testClock();
    const b = requestBudget({ requestsPerSecond: 4 }, clock);
    await b.run(async () => 1);
    clock.t += 100;
    await b.run(async () => 2); // 250 ms apart at 4/s: 150 ms to go
    clock.t += 10_000;
    await b.run(async () => 3);
    expect(clock.slept).toEqual([150]);
  });

  it('maxConcurrentRequests: a call waits for a free slot; the slot passes on when a call ends, also when it fails', async () => {
    const b = requestBudget({ maxConcurrentRequests: 2 }, testClock());
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const calls = gates.map((g, i) =>
      b.run(async () => {
        started.push(i);
        await g.promise;
        if (i === 0) throw new Error('the app answered 500');
        return i;
      }),
    );
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    gates[0]?.resolve();
    await expect(calls[0]).rejects.toThrow('500');
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[1]?.resolve();
    gates[2]?.resolve();
    expect(await Promise.all(calls.slice(1))).toEqual([1, 2]);
  });

  it('a call waiting for a slot is abandoned when its signal aborts', async () => {
    const b = requestBudget({ maxConcurrentRequests: 1 }, testClock());
    const gate = deferred();
    const first = b.run(() => gate.promise);
    const controller = new AbortController();
    const second = b.run(async () => 'never', controller.signal);
    controller.abort(new Error('The run was cancelled.'));
    await expect(second).rejects.toThrow('cancelled');
    gate.resolve();
    await first;
    await expect(b.run(async () => 'next')).resolves.toBe('next');
  });
});
