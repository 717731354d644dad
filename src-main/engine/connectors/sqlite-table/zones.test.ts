/**
 * Zone arithmetic for local wall-clock times (PITFALLS 5): offsets across daylight-saving changes,
 * and Concord's stamps written in a column's own format.
 */
import { describe, expect, it } from 'vitest';
import { formatOf, formatTime, reportedUpdatedAt } from './timestamps';
import { isTimeZone, offsetAt, wallToUtc } from './zones';

const wall = (text: string): number => Date.parse(`${text}Z`);

describe('time zones', () => {
  it('knows IANA names and refuses others', () => {
    expect(['UTC', 'Europe/Berlin', 'America/New_York', 'Etc/GMT+5'].map(isTimeZone)).toEqual([true, true, true, true]);
    expect(['', 'Mars/Olympus', ' Europe/Berlin', 'GMT+25'].map(isTimeZone)).toEqual([false, false, false, false]);
  });

  it('converts wall-clock times to UTC across daylight-saving changes (Europe/Berlin)', () => {
    const utc = (text: string) => new Date(wallToUtc(wall(text), 'Europe/Berlin')).toISOString();
    expect(utc('2024-01-15T12:00:00.000')).toBe('2024-01-15T11:00:00.000Z');
    expect(utc('2024-07-15T12:00:00.000')).toBe('2024-07-15T10:00:00.000Z');
    // 02:30 happens twice on 27 October: the later one, which never moves a cursor back.
    expect(utc('2024-10-27T02:30:00.000')).toBe('2024-10-27T01:30:00.000Z');
    // 02:30 never happens on 31 March: read with the offset from before the change.
    expect(utc('2024-03-31T02:30:00.000')).toBe('2024-03-31T01:30:00.000Z');
    expect(offsetAt(Date.parse('2024-07-15T10:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
  });

  it("writes a stamp in the column's own format: zoneless wall clock, the zone's offset, Z, date only, epoch", () => {
    const at = Date.parse('2024-07-15T10:00:05.123Z');
    const off = offsetAt(at, 'America/New_York');
    const write = (sample: unknown) => {
      const format = formatOf(sample);
      return format && formatTime(at, format, off);
    };
    expect(write('2024-01-01 08:00:00')).toBe('2024-07-15 06:00:05');
    expect(write('2024-01-01T08:00')).toBe('2024-07-15T06:00');
    expect(write('2024-01-01 08:00:00.000-05:00')).toBe('2024-07-15 06:00:05.123-04:00');
    expect(write('2024-01-01T08:00:00+0100')).toBe('2024-07-15T06:00:05-0400');
    expect(write('2024-01-01T08:00:00.000Z')).toBe('2024-07-15T10:00:05.123Z');
    expect(write('2024-01-01')).toBe('2024-07-15');
    expect(write(1_700_000_000)).toBe(1_721_037_605n);
    expect(write(1_700_000_000_000)).toBe(1_721_037_605_123n);
  });

  it('reports a zoneless time in UTC only when the zone is known', () => {
    expect(reportedUpdatedAt('2024-07-15 06:00:05', '2024-07-15T06:00:05.000Z', null)).toBe('2024-07-15T06:00:05.000');
    expect(reportedUpdatedAt('2024-07-15 06:00:05', '2024-07-15T06:00:05.000Z', 'America/New_York')).toBe('2024-07-15T10:00:05.000Z');
    expect(reportedUpdatedAt('2024-07-15T06:00:05+02:00', '2024-07-15T04:00:05.000Z', 'America/New_York')).toBe('2024-07-15T04:00:05.000Z');
  });
});
