import { describe, expect, it } from 'vitest';
import type { FieldMapping } from '../api/model';
import { fromCanonical, toCanonical } from './mapping';

const fields: FieldMapping[] = [
  { name: 'fullName', type: 'string', left: { fields: ['first', 'last'], separator: ' ' }, right: { fields: ['name'], transforms: [{ kind: 'trim' }] }, direction: 'both' },
  { name: 'stage', type: 'string', left: { fields: ['stage'], transforms: [{ kind: 'value-map', values: { prod: 'production', dev: 'development' } }] }, right: { fields: ['env'], transforms: [{ kind: 'case', to: 'lower' }] }, direction: 'both' },
  { name: 'amount', type: 'number', left: { fields: ['amount'], transforms: [{ kind: 'coerce', to: 'number' }] }, right: { fields: ['total'] }, direction: 'left-to-right' },
  { name: 'labels', type: 'set', left: { fields: ['labels'] }, right: { fields: ['tags'] }, direction: 'both' },
];

describe('mapping', () => {
  it('joins several fields, renames, applies transforms into canonical fields', () => {
    expect(toCanonical(fields, 'left', { first: 'Ann', last: 'Lee', stage: 'prod', amount: '12.50', labels: 'b,a' })).toEqual({ fullName: 'Ann Lee', stage: 'production', amount: 12.5, labels: ['a', 'b'] });
    expect(toCanonical(fields, 'right', { name: ' Ann Lee ', env: 'PRODUCTION', total: 12.5, tags: ['a', 'b'] })).toEqual({ fullName: 'Ann Lee', stage: 'production', amount: 12.5, labels: ['a', 'b'] });
  });
  it('splits on write (the last field takes the rest) and inverts value maps', () => {
    expect(fromCanonical(fields, 'left', { fullName: 'Mary Ann Lee', stage: 'development', labels: ['a', 'b'] })).toEqual({ first: 'Mary', last: 'Ann Lee', stage: 'dev', labels: 'a, b' });
    expect(fromCanonical(fields, 'left', { fullName: null })).toEqual({ first: null, last: null });
    expect(fromCanonical(fields, 'right', { stage: 'production' })).toEqual({ env: 'production' });
  });
  it('round-trips: what is written reads back as the same canonical value', () => {
    const canon = { fullName: 'Ann Lee', stage: 'production', amount: 3, labels: ['x', 'y'] };
    for (const side of ['left', 'right'] as const) expect(toCanonical(fields, side, fromCanonical(fields, side, canon))).toEqual(canon);
  });
});
