/**
 * IANA time zones, for apps that write their last-modified times as local wall-clock text without
 * a zone. SQLite knows no zone but the process's own, so conversions happen here, with the
 * platform's Intl data. A zone's UTC offset is looked up per quarter hour and cached: every
 * offset change in the tz database falls on a quarter hour, and a 1M-row read converts each
 * row's time without calling Intl for each.
 */

/** Whether `name` is a zone this platform knows (an IANA name such as Europe/Berlin, or UTC). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '' || name !== name.trim()) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The actionable message for a zone name this platform does not know. */
export const unknownZoneMessage = (name: string): string =>
  `The time zone "${name}" is not a known IANA time zone name — use one such as Europe/Berlin, America/New_York or UTC (the zone the app writes its local times in).`;

const QUARTER_HOUR = 900_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at the instant `utcMs`, in ms (positive east of Greenwich). */
export function offsetAt(utcMs: number, zone: string): number {
  let cache = offsets.get(zone);
  if (!cache) {
    cache = new Map();
    offsets.set(zone, cache);
  }
  const bucket = Math.floor(utcMs / QUARTER_HOUR);
  const hit = cache.get(bucket);
  if (hit !== undefined) return hit;
  const at = bucket * QUARTER_HOUR;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  const offset = wall - at;
  if (cache.size > 50_000) cache.clear();
  cache.set(bucket, offset);
  return offset;
}

/** The wall clock in `zone` at `utcMs`, as ms of a "UTC" date that reads the same (for formatting). */
export const wallClock = (utcMs: number, zone: string): number => utcMs + offsetAt(utcMs, zone);

/**
 * The instant a wall-clock time in `zone` stands for. In the hour a clock is set back the wall
 * time happens twice: this gives the later of the two, which never moves a cursor back. A wall
 * time skipped when the clock moves forward is read with the offset from before the change.
 */
export function wallToUtc(wallMs: number, zone: string): number {
  const first = wallMs - offsetAt(wallMs, zone);
  const second = wallMs - offsetAt(first, zone);
  return Math.max(first, second);
}
