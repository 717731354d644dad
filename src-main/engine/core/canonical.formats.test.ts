import { afterEach, describe, expect, it } from 'vitest';
import { canonicalEqual, canonicalize } from './canonical';
import { formatNumber, parseNumber } from './formats';

describe('canonical booleans and numbers stored as text (PITFALLS 2, 13)', () => {
  it('a boolean stored as TEXT "1"/"0" (or "1.0", "TRUE", "No") equals true/false from the other app', () => {
    for (const t of ['1', '1.0', ' 1 ', 'true', 'TRUE', 'Yes', 'y', 'on', 1, 1n, true]) expect(canonicalize(t, 'boolean')).toBe(true);
    for (const f of ['0', '0.0', '-0', 'false', 'False', 'NO', 'n', 'off', 0, false]) expect(canonicalize(f, 'boolean')).toBe(false);
    expect(canonicalize('maybe', 'boolean')).toBe('maybe'); // not a boolean: kept, never guessed
  });
  it('a boolean format names the app\'s own words ("ja/nein")', () => {
    expect(canonicalize('Ja', 'boolean', 'ja/nein')).toBe(true);
    expect(canonicalize('nein', 'boolean', 'ja/nein')).toBe(false);
  });
  it('"5", "5.0", " 5 " and 5 are the same number', () => {
    expect(new Set(['5', '5.0', ' 5 ', 5, 5n, '+5', '5e0'].map((v) => canonicalize(v, 'number')))).toEqual(new Set([5]));
    expect(canonicalEqual(canonicalize('5.0', 'number'), canonicalize(5, 'number'))).toBe(true);
  });
  it('"1,234" and "12,5" stay text without a number format (never silently 1234 or 12.5)', () => {
    expect(canonicalize('1,234', 'number')).toBe('1,234');
    expect(canonicalize('12,5', 'number')).toBe('12,5');
    expect(canonicalize('0x10', 'number')).toBe('0x10');
    // Unambiguous: a comma can only be a thousands separator before a decimal point, or in two groups.
    expect(canonicalize('1,234.5', 'number')).toBe(1234.5);
    expect(canonicalize('1,234,567', 'number')).toBe(1234567);
  });
  it('a number format reads the app\'s convention, and writes it back', () => {
    expect(canonicalize('12,5', 'number', '1.234,5')).toBe(12.5);
    expect(canonicalize('1.234,5', 'number', '1.234,5')).toBe(1234.5);
    expect(canonicalize('1,234', 'number', '1,234.5')).toBe(1234);
    expect(canonicalize('1 234,5', 'number', '1 234,5')).toBe(1234.5);
    expect(canonicalize('1,234', 'number', '1234,5')).toBe(1.234);
    expect(parseNumber('1.2.3', '1.234,5')).toBeNull();
    // A text that does not follow the format is not guessed at: "12.5" where "1.234,5" is the rule stays text.
    expect(parseNumber('12.5', '1.234,5')).toBeNull();
    expect(canonicalize('12.5', 'number', '1.234,5')).toBe('12.5');
    expect(parseNumber('1.500', '1.234,5')).toBe(1500);
    expect(parseNumber('12.5', '1,234.5')).toBe(12.5);
    expect(formatNumber(-1234567.25, '1.234,5')).toBe('-1.234.567,25');
    expect(formatNumber(12.5, '1234,5')).toBe('12,5');
  });
});

describe('canonical dates never depend on the machine\'s time zone (PITFALLS 5)', () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });
  const inZone = <T>(tz: string, fn: () => T): T => {
    process.env.TZ = tz;
    return fn();
  };
  const sample = () => [
    canonicalize('2024-02-01', 'date'),
    canonicalize('2024-02-01 23:30', 'date'),
    canonicalize('2024-02-01T23:30:00-02:00', 'date'),
    canonicalize('2024-02-01T23:30:00-02:00', 'datetime'),
    canonicalize('2024-02-01 10:00:00', 'datetime'),
    canonicalize('2024-02-01', 'datetime'),
    canonicalize('02/01/2024', 'date'),
    canonicalize('02/01/2024', 'date', 'DD/MM/YYYY'),
    canonicalize('02/01/2024', 'date', 'MM/DD/YYYY'),
    canonicalize('02/01/2024 18:05', 'datetime', 'DD/MM/YYYY HH:mm'),
    canonicalize(1706745600, 'date'),
  ];
  it('the same text gives the same canonical date in Tokyo, Los Angeles and UTC', () => {
    const tokyo = inZone('Asia/Tokyo', sample);
    const la = inZone('America/Los_Angeles', sample);
    const utc = inZone('UTC', sample);
    expect(tokyo).toEqual(utc);
    expect(la).toEqual(utc);
    expect(utc).toEqual([
      '2024-02-01',
      '2024-02-01', // a local date-time without a zone keeps its calendar date
      '2024-02-02', // an explicit offset: the UTC date
      '2024-02-02T01:30:00.000Z',
      '2024-02-01T10:00:00.000Z', // no zone: read as UTC
      '2024-02-01T00:00:00.000Z',
      '02/01/2024', // day/month order unknown: kept as text, never guessed
      '2024-01-02',
      '2024-02-01',
      '2024-01-02T18:05:00.000Z',
      '2024-02-01',
    ]);
  });
  it('an impossible date or a text that is not a date stays text', () => {
    expect(canonicalize('2024-02-30', 'date')).toBe('2024-02-30');
    expect(canonicalize('31/02/2024', 'date', 'DD/MM/YYYY')).toBe('31/02/2024');
    expect(canonicalize('next tuesday', 'datetime')).toBe('next tuesday');
    expect(canonicalize('Feb 1, 2024', 'date')).toBe('Feb 1, 2024');
  });
});
