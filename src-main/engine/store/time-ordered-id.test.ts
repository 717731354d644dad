import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './time-ordered-id';

describe('time-ordered ids (UUIDv7)', () => {
  it('are UUIDs of version 7 and variant 10', () => {
    expect(timeOrderedId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sort in the order they were made, within one millisecond and across a clock stepped back', () => {
    const made = [
      ...Array.from({ length: 5000 }, () => timeOrderedId(2_000_000_000_000)),
      timeOrderedId(1_999_999_999_000),
      timeOrderedId(2_000_000_000_100),
    ];
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('carry their millisecond in the first 48 bits', () => {
    const id = timeOrderedId(Date.parse('2030-01-01T00:00:00Z'));
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.parse('2030-01-01T00:00:00Z'));
  });
});
