import { describe, expect, it } from 'vitest';
import { describeQueue, formatWait } from './realtime';

const NOW = Date.parse('2026-01-01T10:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('the queue on a pair card (issue 12 §2)', () => {
  it('says how long the oldest event has waited, in the largest unit that reads well', () => {
    expect([4, 59, 60, 12 * 60, 3600, 3600 + 5 * 60, 3 * 86400].map((s) => formatWait(ago(s), NOW))).toEqual(['4 s', '59 s', '1 min', '12 min', '1 h', '1 h 5 min', '3 days']);
    // A clock behind the engine's: never a negative age.
    expect(formatWait(ago(-3), NOW)).toBe('0 s');
  });

  it('says the depth, the oldest age and the retries; nothing when empty and the pair has no real time', () => {
    expect(describeQueue({ queue: { depth: 3, oldestAt: ago(4), retrying: 0 } }, NOW)).toBe('3 events waiting, oldest 4 s');
    expect(describeQueue({ queue: { depth: 1, oldestAt: ago(90), retrying: 1 } }, NOW)).toBe('1 event waiting, oldest 1 min, retrying');
    expect(describeQueue({ queue: { depth: 5, oldestAt: ago(10), retrying: 2 } }, NOW)).toBe('5 events waiting, oldest 10 s, 2 retrying');
    expect(describeQueue({ queue: { depth: 0, oldestAt: null, retrying: 0 } }, NOW)).toBeNull();
    expect(describeQueue({}, NOW)).toBeNull();
    expect(describeQueue({ queue: { depth: 0, oldestAt: null, retrying: 0 }, webhooks: ['left'] }, NOW)).toBe('No events waiting');
    expect(describeQueue({ queue: { depth: 0, oldestAt: null, retrying: 0 }, feed: { state: 'listening', error: null } }, NOW)).toBe('No events waiting');
  });
});
