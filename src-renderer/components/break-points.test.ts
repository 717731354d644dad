import { describe, expect, it } from 'vitest';
import { breakSegments } from './break-points';

describe('breakSegments', () => {
  it('breaks an email after the @ and before each dot, and joins back to the same text', () => {
    expect(breakSegments('ann@shop.example')).toEqual(['ann@', 'shop', '.example']);
    expect(breakSegments('first.last@mail.example.com').join('')).toBe('first.last@mail.example.com');
  });
  it('leaves short words and text with spaces whole', () => {
    expect(breakSegments('Ann (shop)')).toEqual(['Ann (shop)']);
    expect(breakSegments('Paris')).toEqual(['Paris']);
  });
  it('cuts a long run without break points into pieces no longer than the limit', () => {
    const hash = 'a'.repeat(50);
    const pieces = breakSegments(hash, 20);
    expect(pieces.map((p) => p.length)).toEqual([20, 20, 10]);
    expect(pieces.join('')).toBe(hash);
  });
  it('breaks a path before each slash', () => {
    expect(breakSegments('https://x.example/a/b')).toEqual(['https:', '/', '/x', '.example', '/a', '/b']);
  });
});
