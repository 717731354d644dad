import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEqual, canonicalHash, canonicalize, stableStringify } from './canonical';

describe('canonical form (PITFALLS 13)', () => {
  it('strings: trims, normalizes line endings and Unicode, treats null, missing and empty alike', () => {
    expect(canonicalize('  a\r\nb \r', 'string')).toBe('a\nb');
    expect(canonicalize('e\u0301', 'string')).toBe('\u00e9');
    expect([canonicalize('', 'string'), canonicalize(null, 'string'), canonicalize(undefined, 'string'), canonicalize('   ', 'string')]).toEqual([null, null, null, null]);
  });
  it('numbers: one form for 1, "1.0", " 1 ", -0 and thousands separators; text that is not a number is kept', () => {
    expect([canonicalize('1.0', 'number'), canonicalize(' 1 ', 'number'), canonicalize(1, 'number'), canonicalize(1n, 'number')]).toEqual([1, 1, 1, 1]);
    expect(Object.is(canonicalize(-0, 'number'), 0)).toBe(true);
    expect(canonicalize('1,234.5', 'number')).toBe(1234.5);
    expect(canonicalize('n/a', 'number')).toBe('n/a');
  });
  it('integers beyond 2^53 stay exact (as decimal text), from text or from a bigint; safe ones stay numbers', () => {
    expect(canonicalize('9007199254740993', 'number')).toBe('9007199254740993');
    expect(canonicalize(9007199254740993n, 'number')).toBe('9007199254740993');
    expect(canonicalize('+1234567890123456789', 'number')).toBe('1234567890123456789');
    expect(canonicalize(12n, 'number')).toBe(12);
    expect(canonicalize('0000000000000000012', 'number')).toBe(12);
    expect(canonicalEqual(canonicalize('9007199254740993', 'number'), canonicalize('9007199254740992', 'number'))).toBe(false);
  });

  it('booleans, dates and datetimes in UTC with explicit zones', () => {
    expect([canonicalize('yes', 'boolean'), canonicalize(0, 'boolean'), canonicalize('FALSE', 'boolean')]).toEqual([true, false, false]);
    expect(canonicalize('2024-05-01T23:30:00-02:00', 'datetime')).toBe('2024-05-02T01:30:00.000Z');
    expect(canonicalize('2024-05-01 10:00:00', 'datetime')).toBe('2024-05-01T10:00:00.000Z'); // no zone: read as UTC
    expect(canonicalize(1714557600, 'datetime')).toBe('2024-05-01T10:00:00.000Z');
    expect(canonicalize('2024-05-01T10:00:00Z', 'date')).toBe('2024-05-01');
    expect(canonicalize('2024-05-01', 'date')).toBe('2024-05-01');
  });
  it('sets: order, duplicates, separators and JSON arrays do not matter', () => {
    expect(canonicalize('b, a;a', 'set')).toEqual(['a', 'b']);
    expect(canonicalize('["b","a"]', 'set')).toEqual(['a', 'b']);
    expect(canonicalize([], 'set')).toBeNull();
  });
  it('json: key order does not matter', () => {
    expect(canonicalize('{"b":1,"a":{"d":2,"c":3}}', 'json')).toBe(canonicalize({ a: { c: 3, d: 2 }, b: 1 }, 'json'));
  });
  it('is idempotent, and equal canonical records hash equally whatever their key order', () => {
    const types = ['string', 'number', 'boolean', 'date', 'datetime', 'set', 'json'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.array(fc.string())), (t, v) => {
        const once = canonicalize(v, t);
        expect(canonicalEqual(canonicalize(once, t), once)).toBe(true);
      }),
    );
    expect(canonicalHash({ a: 1, b: 'x' })).toBe(canonicalHash({ b: 'x', a: 1 }));
    expect(canonicalHash({ a: 1 })).not.toBe(canonicalHash({ a: 2 }));
    expect(stableStringify({ b: [2, { d: 1, c: undefined }], a: null })).toBe('{"a":null,"b":[2,{"d":1}]}');
  });
});
