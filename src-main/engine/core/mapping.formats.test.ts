import { describe, expect, it } from 'vitest';
import type { FieldMapping } from '../api/model';
import { fromCanonical, mirrorBoolean, toCanonical } from './mapping';

// A coercion with the app's format (the `format` key the pair schema is to carry).
const ddmm = { kind: 'coerce', to: 'date', format: 'DD/MM/YYYY' } as const;
const decimalComma = { kind: 'coerce', to: 'number', format: '1.234,5' } as const;
const yesNo = { kind: 'coerce', to: 'boolean', format: 'Yes/No' } as const;
const plainBool = { kind: 'coerce', to: 'boolean' } as const;
const fields: FieldMapping[] = [
  { name: 'due', type: 'date', left: { fields: ['due'], transforms: [ddmm] }, right: { fields: ['due'] }, direction: 'both' },
  { name: 'amount', type: 'number', left: { fields: ['amount'], transforms: [decimalComma] }, right: { fields: ['amount'] }, direction: 'both' },
  { name: 'active', type: 'boolean', left: { fields: ['active'], transforms: [yesNo] }, right: { fields: ['active'], transforms: [plainBool] }, direction: 'both' },
  { name: 'tags', type: 'set', left: { fields: ['tags'], separator: '|' }, right: { fields: ['tags'] }, direction: 'both' },
];

describe('coercions are reversed on write: each app gets its own format', () => {
  it('a day/month date, a decimal-comma number and Yes/No read into canonical values', () => {
    expect(toCanonical(fields, 'left', { due: '02/01/2024', amount: '1.234,5', active: 'Yes', tags: 'b|a|b' })).toEqual({ due: '2024-01-02', amount: 1234.5, active: true, tags: ['a', 'b'] });
  });
  it('and are written back in the same format', () => {
    expect(fromCanonical(fields, 'left', { due: '2024-01-02', amount: 1234.5, active: false, tags: ['a', 'b'] })).toEqual({ due: '02/01/2024', amount: '1.234,5', active: 'No', tags: 'a|b' });
    expect(fromCanonical(fields, 'right', { due: '2024-01-02', amount: 1234.5, active: false, tags: ['a', 'b'] })).toEqual({ due: '2024-01-02', amount: 1234.5, active: false, tags: 'a, b' });
  });
  it('round-trips: what is written reads back as the same canonical value', () => {
    const canon = { due: '2024-12-31', amount: -0.5, active: true, tags: ['x', 'y'] };
    for (const side of ['left', 'right'] as const) expect(toCanonical(fields, side, fromCanonical(fields, side, canon))).toEqual(canon);
  });
  it('without a format, a boolean is written the way the target record holds it now ("yes" → "no"), else as true/false', () => {
    expect(fromCanonical(fields, 'right', { active: false }, { active: 'yes' })).toEqual({ active: 'no' });
    expect(fromCanonical(fields, 'right', { active: true }, { active: 'N' })).toEqual({ active: 'Y' });
    expect(fromCanonical(fields, 'right', { active: true }, { active: 0 })).toEqual({ active: 1 });
    expect(fromCanonical(fields, 'right', { active: true }, { active: null })).toEqual({ active: true });
    expect(mirrorBoolean(false, 'True')).toBe('False');
    expect(mirrorBoolean(true, 'maybe')).toBe(true);
  });
});

describe('a set written to an app field that holds a list itself', () => {
  it('goes as an array to a field the app describes as a list (a vCard\'s emails, a text[] column), and as text to any other', () => {
    const emails: FieldMapping[] = [{ name: 'emails', type: 'set', left: { fields: ['emails'] }, right: { fields: ['mail_list'] }, direction: 'both' }];
    const canon = { emails: ['a@x.example', 'work:b@x.example'] };
    // Before: "a@x.example, work:b@x.example" — PostgreSQL refused it as a malformed array, a vCard took it for one address.
    expect(fromCanonical(emails, 'left', canon, undefined, new Set(['emails']))).toEqual({ emails: ['a@x.example', 'work:b@x.example'] });
    expect(fromCanonical(emails, 'left', canon, { emails: ['a@x.example'] })).toEqual({ emails: ['a@x.example', 'work:b@x.example'] });
    expect(fromCanonical(emails, 'right', canon, { mail_list: 'a@x.example' }, new Set(['emails']))).toEqual({ mail_list: 'a@x.example, work:b@x.example' });
    expect(toCanonical(emails, 'left', fromCanonical(emails, 'left', canon, undefined, new Set(['emails'])))).toEqual(canon);
    // A separator of the pair's own still wins: the app keeps its "a|b".
    expect(fromCanonical(fields, 'left', { tags: ['a', 'b'] }, undefined, new Set(['tags']))).toEqual({ tags: 'a|b' });
  });
});
