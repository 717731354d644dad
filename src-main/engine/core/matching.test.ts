import { describe, expect, it } from 'vitest';
import { describeKey, keyParts, linkedCandidates, matchKey, normalizeKeyValue, planMatches } from './matching';

describe('matching', () => {
  it('normalizes case, whitespace and phone formatting', () => {
    expect(normalizeKeyValue('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizeKeyValue('Ann   Lee')).toBe('ann lee');
    expect(normalizeKeyValue('+1 (555) 010-2000')).toBe(normalizeKeyValue('+1 555.010.2000'));
    expect(normalizeKeyValue('')).toBeNull();
  });
  it('a key holds the main keys and the fallback keys, each when all its fields have a value', () => {
    expect(keyParts(matchKey({ email: null, phone: '555 0100 22' }, ['email'], ['phone']))).toEqual({ main: null, fallback: 'phone=555010022' });
    expect(keyParts(matchKey({ email: 'A@x.com', phone: '555 0100 22' }, ['email'], ['phone']))).toEqual({ main: 'email=a@x.com', fallback: 'phone=555010022' });
    expect(matchKey({ email: 'A@x.com' }, ['email'])).toBe('email=a@x.com');
    expect(matchKey({ email: null, phone: null }, ['email'], ['phone'])).toBeNull();
    expect(describeKey(matchKey({ email: 'a@x.com', phone: '5550100' }, ['email'], ['phone']))).toBe('email=a@x.com · phone=5550100');
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
  it('holds a new record whose key is already taken by a linked record, never creating it twice', () => {
    // l1 ↔ r1 are linked with key a; r2 ↔ l2 with key b on the left and c on the right (an edit on its way).
    const linked = linkedCandidates([
      { left: { id: 'l1', key: 'a' }, right: { id: 'r1', key: 'a' } },
      { left: { id: 'l2', key: 'b' }, right: { id: 'r2', key: 'c' } },
      { left: { id: 'l9', key: 'z' }, right: null }, // its right record was deleted
    ]);
    expect(linked.right).toEqual([{ id: 'r1', key: 'a' }, { id: 'r2', key: 'b' }, { id: 'r2', key: 'c' }]);
    const plan = planMatches(
      [{ id: 'n1', key: 'a' }, { id: 'n2', key: 'c' }, { id: 'n3', key: 'z' }, { id: 'n4', key: 'd' }, { id: 'n5', key: 'e' }],
      [{ id: 'm1', key: 'a' }, { id: 'm2', key: 'z' }, { id: 'm3', key: 'e' }],
      linked,
    );
    expect(plan.duplicates).toEqual([
      // One new record on each side plus a linked one on both: the new left record is held, the new right one is its candidate.
      { side: 'left', id: 'n1', candidates: ['m1', 'r1'] },
      // Only the linked right record holds c (once its edit lands): held, never created on the right.
      { side: 'left', id: 'n2', candidates: ['r2'] },
      // z is also held by l9 on the left (its right record is gone): n3 waits, m2 is its candidate.
      { side: 'left', id: 'n3', candidates: ['m2'] },
    ]);
    expect(plan.createOnRight).toEqual(['n4']);
    // A new right record whose key only a linked left record holds is held with that record as candidate.
    expect(planMatches([], [{ id: 'm4', key: 'b' }], linked).duplicates).toEqual([{ side: 'right', id: 'm4', candidates: ['l2'] }]);
    expect(plan.createOnLeft).toEqual([]);
    expect(plan.links).toEqual([{ leftId: 'n5', rightId: 'm3' }]);
  });

  describe('fallback keys', () => {
    const key = (email: string | null, phone: string | null) => matchKey({ email, phone }, ['email'], ['phone']);
    it('links a record that has email and phone to one that has the phone only (not a create on each side)', () => {
      const plan = planMatches([{ id: 'l1', key: key('ann@x.com', '555 0100 22') }], [{ id: 'r1', key: key(null, '555-0100-22') }]);
      expect(plan).toEqual({ links: [{ leftId: 'l1', rightId: 'r1' }], createOnRight: [], createOnLeft: [], duplicates: [] });
    });
    it('never links two records whose main keys differ, even with the same phone', () => {
      const plan = planMatches([{ id: 'l1', key: key('ann@x.com', '5550100') }], [{ id: 'r1', key: key('bob@x.com', '5550100') }]);
      expect(plan).toMatchObject({ links: [], createOnRight: ['l1'], createOnLeft: ['r1'], duplicates: [] });
    });
    it('a main-key match wins over the fallback; the record left over is matched on its phone', () => {
      const plan = planMatches(
        [{ id: 'l1', key: key('ann@x.com', '5550100') }, { id: 'l2', key: key('cy@x.com', '5550199') }],
        [{ id: 'r1', key: key('ANN@x.com', '5550199') }, { id: 'r2', key: key(null, '5550199') }],
      );
      expect(plan.links).toEqual([{ leftId: 'l1', rightId: 'r1' }, { leftId: 'l2', rightId: 'r2' }]);
      expect(plan.createOnLeft).toEqual([]);
    });
    it('several records with the phone are a duplicate conflict, never a guess', () => {
      const plan = planMatches([{ id: 'l1', key: key('ann@x.com', '5550100') }], [{ id: 'r1', key: key(null, '5550100') }, { id: 'r2', key: key(null, '5550100') }]);
      expect(plan.duplicates).toEqual([{ side: 'left', id: 'l1', candidates: ['r1', 'r2'] }]);
      expect(plan).toMatchObject({ links: [], createOnRight: [], createOnLeft: [] });
    });
    it('a new record without an email whose phone a linked record holds waits in the inbox', () => {
      const linked = linkedCandidates([{ left: { id: 'l1', key: key('ann@x.com', '5550100') }, right: { id: 'r1', key: key('ann@x.com', '5550100') } }]);
      expect(planMatches([], [{ id: 'r2', key: key(null, '5550100') }], linked).duplicates).toEqual([{ side: 'right', id: 'r2', candidates: ['l1'] }]);
      // With its own (different) email it is another customer: created.
      expect(planMatches([], [{ id: 'r3', key: key('bo@x.com', '5550100') }], linked).createOnLeft).toEqual(['r3']);
    });
    it('a record in a main-key duplicate conflict is not matched again on its phone', () => {
      const plan = planMatches([{ id: 'l1', key: key('ann@x.com', '5550100') }], [{ id: 'r1', key: key('ann@x.com', null) }, { id: 'r2', key: key('ann@x.com', null) }, { id: 'r3', key: key(null, '5550100') }]);
      expect(plan.duplicates).toEqual([{ side: 'left', id: 'l1', candidates: ['r1', 'r2'] }]);
      expect(plan.createOnLeft).toEqual(['r3']);
    });
  });
});

describe('planMatches at scale', () => {
  it('plans a first sync of 300,000 new records on one side without exceeding the call stack', () => {
    // `push(...ids)` with more ids than the engine's argument limit threw RangeError at ~125k.
    const left = Array.from({ length: 300_000 }, (_, i) => ({ id: `l${i}`, key: `email=p${i}@x.com` }));
    const plan = planMatches(left, []);
    expect(plan.createOnRight).toHaveLength(300_000);
    expect(plan.createOnRight[299_999]).toBe('l299999');
  });
});
