import { describe, expect, it } from 'vitest';
import { benchConfig, formatSize, parseModes, parseSize, parseSizes } from './config';

describe('bench sizes', () => {
  it('reads plain numbers and k/M suffixes, sorted smallest first without repeats', () => {
    expect(parseSizes('10k,100k,1M')).toEqual([10_000, 100_000, 1_000_000]);
    expect(parseSizes('1000000, 10000')).toEqual([10_000, 1_000_000]);
    expect(parseSizes('2k,2000,1.5K,1_000')).toEqual([1_000, 1_500, 2_000]);
    expect(parseSize('250k')).toBe(250_000);
    expect(parseSize('1.2m')).toBe(1_200_000);
  });

  it('refuses what is not a whole record count of at least 4, naming the bad part', () => {
    expect(() => parseSizes('10k,abc')).toThrow(/CONCORD_BENCH_SIZES.*"abc".*like 10k,100k,1M/);
    expect(() => parseSizes('')).toThrow(/CONCORD_BENCH_SIZES/);
    expect(() => parseSizes('10k,,100k')).toThrow(/empty/);
    expect(() => parseSizes('3')).toThrow(/at least 4/);
    expect(() => parseSizes('1.00001k')).toThrow(/whole number/);
    expect(() => parseSizes('-5')).toThrow(/"-5"/);
  });

  it('prints sizes the way they are typed', () => {
    expect([10_000, 100_000, 1_000_000, 2_500, 999, 1_500_000].map(formatSize)).toEqual(['10k', '100k', '1M', '2.5k', '999', '1.5M']);
  });
});

describe('bench modes', () => {
  it('takes any of cursor, hash and flag, in that order', () => {
    expect(parseModes('flag,cursor')).toEqual(['cursor', 'flag']);
    expect(parseModes(' hash ')).toEqual(['hash']);
    expect(() => parseModes('cursor,token')).toThrow(/CONCORD_BENCH_MODES.*"token".*cursor, hash, flag/);
  });
});

describe('bench configuration from the environment', () => {
  it('defaults to 10k, 100k and 1M in cursor mode with time limits that keep the run under 10 minutes', () => {
    const c = benchConfig({});
    expect(c.sizes).toEqual([10_000, 100_000, 1_000_000]);
    expect(c.modes).toEqual(['cursor']);
    expect(c.conflicts).toBe(50_000);
    expect(c.timeoutS).toBeGreaterThan(0);
    expect(c.budgetS).toBeLessThan(600);
    expect(c.notices).toEqual([]);
  });

  it('keeps CONCORD_BENCH_RECORDS as a single size, and refuses it beside CONCORD_BENCH_SIZES', () => {
    const c = benchConfig({ CONCORD_BENCH_RECORDS: '20000' });
    expect(c.sizes).toEqual([20_000]);
    expect(c.notices.join(' ')).toMatch(/CONCORD_BENCH_RECORDS.*CONCORD_BENCH_SIZES=20k/);
    expect(() => benchConfig({ CONCORD_BENCH_RECORDS: '20000', CONCORD_BENCH_SIZES: '10k' })).toThrow(/both/);
    expect(() => benchConfig({ CONCORD_BENCH_RECORDS: 'lots' })).toThrow(/CONCORD_BENCH_RECORDS.*"lots"/);
  });

  it('reads the time limit, the budget and the conflict count, refusing nonsense', () => {
    const c = benchConfig({ CONCORD_BENCH_TIMEOUT_S: '30', CONCORD_BENCH_BUDGET_S: '0', CONCORD_BENCH_CONFLICTS: '5k' });
    expect(c.timeoutS).toBe(30);
    expect(c.budgetS).toBeNull();
    expect(c.conflicts).toBe(5_000);
    expect(() => benchConfig({ CONCORD_BENCH_TIMEOUT_S: '0' })).toThrow(/CONCORD_BENCH_TIMEOUT_S.*more than 0/);
    expect(() => benchConfig({ CONCORD_BENCH_TIMEOUT_S: 'soon' })).toThrow(/CONCORD_BENCH_TIMEOUT_S.*"soon"/);
    expect(() => benchConfig({ CONCORD_BENCH_BUDGET_S: '-1' })).toThrow(/CONCORD_BENCH_BUDGET_S/);
    expect(() => benchConfig({ CONCORD_BENCH_CONFLICTS: 'x' })).toThrow(/CONCORD_BENCH_CONFLICTS/);
  });

  it('runs the other scenarios at the smallest size, at most 10k', () => {
    expect(benchConfig({}).otherSize).toBe(10_000);
    expect(benchConfig({ CONCORD_BENCH_SIZES: '2k,1M' }).otherSize).toBe(2_000);
    expect(benchConfig({ CONCORD_BENCH_SIZES: '300k' }).otherSize).toBe(10_000);
  });

  it('reads the PostgreSQL scenario size: 100k by default, 0 leaves it out, a bad one is named', () => {
    expect(benchConfig({}).pgSize).toBe(100_000);
    expect(benchConfig({ CONCORD_BENCH_PG_SIZE: '2k' }).pgSize).toBe(2_000);
    expect(benchConfig({ CONCORD_BENCH_PG_SIZE: '0' }).pgSize).toBeNull();
    expect(() => benchConfig({ CONCORD_BENCH_PG_SIZE: 'lots' })).toThrow('CONCORD_BENCH_PG_SIZE: "lots" is not a record count');
  });
});
