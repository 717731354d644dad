import { describe, expect, it } from 'vitest';
import { formatAge } from './format-age';

describe('formatAge', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const ago = (ms: number): string => new Date(now - ms).toISOString();
  it('reads as a person would say it, minute by minute, then hours and days', () => {
    expect(formatAge(ago(20_000), now)).toBe('just now');
    expect(formatAge(ago(-90_000), now)).toBe('just now'); // engine clock slightly ahead
    expect(formatAge(ago(5 * 60_000 + 30_000), now)).toBe('5 min ago');
    expect(formatAge(ago(59 * 60_000), now)).toBe('59 min ago');
    expect(formatAge(ago(3 * 3_600_000 + 5), now)).toBe('3 h ago');
    expect(formatAge(ago(30 * 3_600_000), now)).toBe('yesterday');
    expect(formatAge(ago(3 * 86_400_000), now)).toBe('3 days ago');
  });
  it('older than a week shows the date, with the year only when it differs', () => {
    expect(formatAge('2026-11-01T10:00:00Z', now)).toMatch(/Nov|11/);
    expect(formatAge('2026-11-01T10:00:00Z', now)).not.toMatch(/2026/);
    expect(formatAge('2025-03-01T10:00:00Z', now)).toMatch(/2025/);
  });
  it('an unreadable time is shown as it came', () => {
    expect(formatAge('not a time', now)).toBe('not a time');
  });
});
