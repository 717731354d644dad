// Issue 13 §2, "Failed logins are not slowed": the backoff on its own, with an injected clock (no
// real waits). The server's use of it is tested in http-server.auth.test.ts.
import { expect, it } from 'vitest';
import { createLoginBackoff } from './login-backoff';

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

it('lets a few wrong tokens through, then doubles the wait per failure up to the cap', () => {
  const c = clock();
  const b = createLoginBackoff({ now: c.now, freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000 });
  for (let i = 0; i < 3; i++) {
    expect(b.retryAfter('10.0.0.1')).toBe(0);
    b.failed('10.0.0.1');
  }
  expect(b.retryAfter('10.0.0.1')).toBe(0);
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    b.failed('10.0.0.1');
    waits.push(b.retryAfter('10.0.0.1'));
    c.advance(waits.at(-1)! * 1000);
    expect(b.retryAfter('10.0.0.1')).toBe(0);
  }
  expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
  // Another address is not slowed by the first one's failures.
  expect(b.retryAfter('10.0.0.2')).toBe(0);
});

it('a right token clears the record, and an old record is forgotten', () => {
  const c = clock();
  const b = createLoginBackoff({ now: c.now, freeFailures: 0, baseDelayMs: 1000, forgetAfterMs: 60_000 });
  b.failed('a');
  expect(b.retryAfter('a')).toBe(1);
  b.succeeded('a');
  expect(b.retryAfter('a')).toBe(0);
  b.failed('a');
  b.failed('a');
  expect(b.retryAfter('a')).toBe(2);
  c.advance(2_000 + 60_001);
  b.failed('a');
  expect(b.retryAfter('a')).toBe(1);
});

it('keeps at most maxAddresses records, however many addresses fail', () => {
  const c = clock();
  const b = createLoginBackoff({ now: c.now, maxAddresses: 100 });
  for (let i = 0; i < 10_000; i++) b.failed(`10.0.${i >> 8}.${i & 255}`);
  expect(b.size()).toBeLessThanOrEqual(100);
});
