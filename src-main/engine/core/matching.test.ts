import { describe, expect, it } from 'vitest';
import { matchKey, normalizeKeyValue, planMatches } from './matching';

describe('matching', () => {
  it('normalizes case, whitespace and phone formatting', () => {
    expect(normalizeKeyValue('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizeKeyValue('Ann   Lee')).toBe('ann lee');
    expect(normalizeKeyValue('+1 (555) 010-2000')).toBe(normalizeKeyValue('+1 555.010.2000'));
    expect(normalizeKeyValue('')).toBeNull();
  });
  it('falls back to the fallback keys when a match key is empty', () => {
    expect(matchKey({ email: null, phone: '555 0100 22' }, ['email'], ['phone'])).toBe('phone=555010022');
    expect(matchKey({ email: null, phone: null }, ['email'], ['phone'])).toBeNull();
  });
  it('links one-to-one, creates the rest, and holds ambiguous keys as duplicates', () => {
    const plan = planMatches(
      [{ id: 'l1', key: 'a' }, { id: 'l2', key: 'b' }, { id: 'l3', key: null }, { id: 'l4', key: 'c' }],
      [{ id: 'r1', key: 'a' }, { id: 'r2', key: 'b' }, { id: 'r3', key: 'b' }, { id: 'r4', key: 'd' }],
    );
    expect(plan.links).toEqual([{ leftId: 'l1', rightId: 'r1' }]);
    expect(plan.duplicates).toEqual([{ side: 'left', id: 'l2', candidates: ['r2', 'r3'] }]);
    expect(plan.createOnRight.sort()).toEqual(['l3', 'l4']);
    expect(plan.createOnLeft).toEqual(['r4']);
  });
});
