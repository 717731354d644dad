import { describe, expect, it } from 'vitest';
import type { FieldMapping, PairConfig } from '../api/model';
import { decideDelete, decideLinked, deletePolicy, mergeSets, newestSide } from './merge';

const config: Pick<PairConfig, 'fields' | 'masterSide' | 'conflictPolicy' | 'initialMatchPolicy'> = {
  masterSide: 'right',
  conflictPolicy: 'manual',
  fields: [
    { name: 'name', type: 'string', left: { fields: ['n'] }, right: { fields: ['n'] }, direction: 'both' },
    { name: 'qty', type: 'number', left: { fields: ['q'] }, right: { fields: ['q'] }, direction: 'both', policy: 'merge-numeric' },
    { name: 'tags', type: 'set', left: { fields: ['t'] }, right: { fields: ['t'] }, direction: 'both', policy: 'merge-set' },
    { name: 'owner', type: 'string', left: { fields: ['o'] }, right: { fields: ['o'] }, direction: 'left-to-right' },
  ],
};
const now = Date.parse('2024-06-01T00:00:00Z');
const base = { name: 'A', qty: 10, tags: ['x'], owner: 'me' };

describe('decideLinked', () => {
  it('an echo (both sides equal to the base) decides nothing', () => {
    const d = decideLinked(base, { values: base }, { values: { ...base } }, { config, now });
    expect(d).toMatchObject({ leftPatch: {}, rightPatch: {}, conflicts: [], base });
  });
  it('one-sided changes propagate; same change on both sides only moves the base', () => {
    const d = decideLinked(base, { values: { ...base, name: 'B' } }, { values: { ...base, qty: 10 } }, { config, now });
    expect(d.rightPatch).toEqual({ name: 'B' });
    const same = decideLinked(base, { values: { ...base, name: 'C' } }, { values: { ...base, name: 'C' } }, { config, now });
    expect(same).toMatchObject({ leftPatch: {}, rightPatch: {}, base: { name: 'C' } });
  });
  it('conflicts: manual goes to the inbox for that field only; numeric and set merges; one-way fields carry the source\'s change', () => {
    const d = decideLinked(base, { values: { name: 'L', qty: 15, tags: ['x', 'l'], owner: 'you' } }, { values: { name: 'R', qty: 7, tags: ['r'], owner: 'them' } }, { config, now });
    expect(d.conflicts).toEqual(['name']);
    // tags: left added l, right removed x and added r → l, r (the removal is not lost).
    expect(d.base).toEqual({ name: 'A', qty: 12, tags: ['l', 'r'], owner: 'you' });
    expect(d.leftPatch).toEqual({ qty: 12, tags: ['l', 'r'] });
    expect(d.rightPatch).toEqual({ qty: 12, tags: ['l', 'r'], owner: 'you' });
    expect(d.overwrites.find((o) => o.side === 'right' && o.field === 'owner')).toMatchObject({ before: 'them', after: 'you' });
  });
  it('a one-way field edited only in its target is not copied back, and not overwritten until the source changes', () => {
    const d = decideLinked(base, { values: base }, { values: { ...base, owner: 'them' } }, { config, now });
    expect(d).toMatchObject({ leftPatch: {}, rightPatch: {}, base: { owner: 'me' } });
    // First match (no base): the source's value.
    expect(decideLinked(null, { values: base }, { values: { ...base, owner: 'them' } }, { config, now, initialMatch: true }).rightPatch).toEqual({ owner: 'me' });
  });
  it('initial match (no base) uses the initial-match policy, master by default', () => {
    const d = decideLinked(null, { values: { ...base, name: 'L' } }, { values: { ...base, name: 'R' } }, { config, now, initialMatch: true });
    expect(d.leftPatch).toEqual({ name: 'R' });
  });
  it('newest wins only with comparable, non-future timestamps; otherwise master', () => {
    expect(newestSide({ values: {}, updatedAt: '2024-05-01T10:00:00Z' }, { values: {}, updatedAt: '2024-05-01T09:00:00Z' }, 'right', now)).toBe('left');
    expect(newestSide({ values: {}, updatedAt: '2099-01-01T00:00:00Z' }, { values: {}, updatedAt: '2024-05-01T09:00:00Z' }, 'right', now)).toBe('right');
    expect(newestSide({ values: {}, updatedAt: '2024-05-01 10:00:00' }, { values: {}, updatedAt: '2024-05-01T09:00:00Z' }, 'right', now)).toBe('right');
  });
});

describe('decideDelete', () => {
  it('propagates an untouched record, recreates an edited one, or asks when manual', () => {
    expect(decideDelete(false, true, 'master').action).toBe('propagate');
    expect(decideDelete(false, false, 'master').action).toBe('keep-tombstone');
    expect(decideDelete(true, true, 'master').action).toBe('recreate');
    expect(decideDelete(true, true, 'manual').action).toBe('conflict');
  });
});

describe('deletePolicy', () => {
  it('is manual when an edited field is manual per field, whatever the pair policy; else the pair policy', () => {
    const fields = [{ name: 'name', policy: 'manual' as const }, { name: 'score' }, { name: 'email', policy: 'master' as const }];
    expect(deletePolicy(fields, ['name'], 'master')).toBe('manual');
    expect(deletePolicy(fields, ['score'], 'master')).toBe('master');
    expect(deletePolicy(fields, ['score'], 'manual')).toBe('manual');
    expect(deletePolicy(fields, ['email'], 'manual')).toBe('manual');
    expect(deletePolicy(fields, ['email'], 'newest')).toBe('newest');
  });
});

describe('merge-set (three-way)', () => {
  const setConfig = { ...config, fields: config.fields.filter((f) => f.name === 'tags') };
  it('a removal on one side survives an addition on the other: base a,b; left removes b; right adds c → a,c', () => {
    const d = decideLinked({ tags: ['a', 'b'] }, { values: { tags: ['a'] } }, { values: { tags: ['a', 'b', 'c'] } }, { config: setConfig, now });
    expect(d.base.tags).toEqual(['a', 'c']);
    expect(d.leftPatch).toEqual({ tags: ['a', 'c'] });
    expect(d.rightPatch).toEqual({ tags: ['a', 'c'] });
  });
  it('elements removed on both sides, or on one and untouched on the other, are gone; additions on both are kept', () => {
    expect(mergeSets(['a', 'b', 'c'], ['a', 'x'], ['b', 'y'])).toEqual(['x', 'y']);
    expect(mergeSets(['a'], null, ['a', 'b'])).toEqual(['b']);
    expect(mergeSets(['a', 'b'], ['a'], ['b'])).toBeNull();
  });
  it('no base (a first match): both sides\' elements', () => {
    expect(mergeSets(undefined, ['b', 'a'], ['c'])).toEqual(['a', 'b', 'c']);
  });
  it('merge-set on a plain text field never joins two names into "Bobby, Robert": master wins', () => {
    const nameConfig = { ...config, fields: [{ ...(config.fields[0] as FieldMapping), policy: 'merge-set' as const }] };
    const d = decideLinked({ name: 'Bob' }, { values: { name: 'Bobby' } }, { values: { name: 'Robert' } }, { config: nameConfig, now });
    expect(d.base.name).toBe('Robert'); // master is right
    expect(d.overwrites[0]?.reason).toBe('conflict: not a set field, master wins');
    expect(mergeSets('Bob', 'Bobby', 'Robert')).toBeUndefined();
  });
});
