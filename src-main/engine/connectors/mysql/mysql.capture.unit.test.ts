import { describe, expect, it } from 'vitest';
import { binlogRefusal } from './capture';
import { advance, captureCursorOf, compact, cursorAt, lowWater, MAX_HOLES, positionOf, type Position } from './capture-cursor';

const h = (from: number, to: number, since = 0) => ({ from: BigInt(from), to: BigInt(to), since });
const seqs = (...n: number[]) => n.map((x) => BigInt(x));

describe('mysql capture cursor (numbers read, and the holes still missing)', () => {
  it('numbers above high that were not read become holes missed now; holes lose the numbers read', () => {
    const p: Position = { high: 10n, holes: [h(4, 6, 1)] };
    // 5 committed late; 11, 12 and 15 read; 13–14 and 16 missing up to top 16.
    const next = advance(p, seqs(5, 11, 12, 15), 16n, 99);
    expect(next).toEqual({ high: 16n, holes: [h(4, 4, 1), h(6, 6, 1), h(13, 14, 99), h(16, 16, 99)] });
    expect(lowWater(next)).toBe(3n);
    expect(lowWater(advance(next, seqs(4, 6, 13, 14, 16), 16n, 100))).toBe(16n);
  });

  it('a page that ends inside the holes keeps the holes above it and adds nothing above high', () => {
    const p: Position = { high: 10n, holes: [h(2, 3), h(7, 8)] };
    expect(advance(p, seqs(2), 3n, 5)).toEqual({ high: 10n, holes: [h(3, 3), h(7, 8)] });
  });

  it('past MAX_HOLES the nearest holes merge, keeping the earlier time', () => {
    const many = Array.from({ length: MAX_HOLES + 3 }, (_, i) => h(i * 10, i * 10, i));
    many[5] = h(50, 50, 1);
    many[6] = h(51, 51, 0);
    const out = compact(many);
    expect(out).toHaveLength(MAX_HOLES);
    expect(out).toContainEqual(h(50, 51, 0));
  });

  it('round-trips through a stored cursor; a cursor of another shape reads from the start', () => {
    const p: Position = { high: 18446744073709551615n, holes: [h(1, 2, 3)] };
    const c = cursorAt(p, '2024-05-01 10:00:00');
    const back = captureCursorOf(JSON.parse(JSON.stringify(c)) as typeof c);
    expect(back && positionOf(back)).toEqual(p);
    expect(captureCursorOf({ mode: 'capture', value: { seq: '5', xmin: '1', rel: '1' } })).toBeNull();
    expect(captureCursorOf({ mode: 'capture', value: { high: '5', holes: [{ from: '3', to: '2', since: 0 }], rel: 'x' } })).toBeNull();
    expect(captureCursorOf({ mode: 'hash', value: null })).toBeNull();
  });
});

describe('mysql capture: binary logging', () => {
  const grantee = "'app'@'127.0.0.1'";
  it('with log_bin on and log_bin_trust_function_creators off, a user without SUPER or BINLOG ADMIN is told what to set before anything runs', () => {
    const refused = binlogRefusal({ logBin: true, trust: false, global: new Set(['USAGE']), grantee });
    expect(refused).toMatch(/binary logging is on \(log_bin\).*'app'@'127.0.0.1' has no SUPER — have an administrator SET GLOBAL log_bin_trust_function_creators = 1/);
    expect(binlogRefusal({ logBin: true, trust: true, global: new Set(), grantee })).toBeNull();
    expect(binlogRefusal({ logBin: true, trust: false, global: new Set(['BINLOG ADMIN']), grantee })).toBeNull();
    expect(binlogRefusal({ logBin: true, trust: false, global: new Set(['SUPER']), grantee })).toBeNull();
    expect(binlogRefusal({ logBin: false, trust: false, global: new Set(), grantee })).toBeNull();
  });
});
