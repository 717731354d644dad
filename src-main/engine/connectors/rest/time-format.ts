/**
 * An app's own time format, both ways: reading its updated-at values and writing the
 * modified-since parameter. Concord keeps every time as epoch milliseconds in UTC and shows ISO
 * 8601 with `Z` (PITFALLS 5); a pattern without a zone (%z) is read and written as UTC.
 *
 * Pattern directives (strftime's): %Y year, %m month, %d day, %H hour, %M minute, %S second,
 * %L milliseconds (3 digits), %f microseconds (6 digits), %z zone as +hhmm or Z, %% a percent.
 */
export type TimeFormat = 'iso' | 'epoch-seconds' | 'epoch-ms' | { pattern: string };

const DIRECTIVES: Record<string, { re: string; width?: number }> = {
  Y: { re: '(\\d{4})' },
  m: { re: '(\\d{2})' },
  d: { re: '(\\d{2})' },
  H: { re: '(\\d{2})' },
  M: { re: '(\\d{2})' },
  S: { re: '(\\d{2})' },
  L: { re: '(\\d{3})' },
  f: { re: '(\\d{6})' },
  z: { re: '(Z|[+-]\\d{2}:?\\d{2})' },
};

/** What is wrong with a pattern, or null. */
export function patternProblem(pattern: string): string | null {
  const seen = new Set<string>();
  for (const m of pattern.matchAll(/%(.)/g)) {
    const d = m[1]!;
    if (d === '%') continue;
    if (!DIRECTIVES[d]) return `has %${d}, which Concord does not know (use %Y %m %d %H %M %S %L %f %z)`;
    seen.add(d);
  }
  for (const needed of ['Y', 'm', 'd']) if (!seen.has(needed)) return `needs %${needed} (a time without a date cannot be compared)`;
  return null;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function formatTime(ms: number, format: TimeFormat): string {
  if (format === 'iso') return new Date(ms).toISOString();
  if (format === 'epoch-seconds') return String(Math.floor(ms / 1000));
  if (format === 'epoch-ms') return String(Math.floor(ms));
  const d = new Date(ms);
  const values: Record<string, string> = {
    Y: pad(d.getUTCFullYear(), 4),
    m: pad(d.getUTCMonth() + 1, 2),
    d: pad(d.getUTCDate(), 2),
    H: pad(d.getUTCHours(), 2),
    M: pad(d.getUTCMinutes(), 2),
    S: pad(d.getUTCSeconds(), 2),
    L: pad(d.getUTCMilliseconds(), 3),
    f: pad(d.getUTCMilliseconds() * 1000, 6),
    z: '+0000',
    '%': '%',
  };
  return format.pattern.replace(/%(.)/g, (_, c: string) => values[c] ?? `%${c}`);
}

const compiled = new Map<string, { re: RegExp; order: string[] }>();
function compile(pattern: string) {
  let c = compiled.get(pattern);
  if (!c) {
    const order: string[] = [];
    let re = '';
    for (const part of pattern.split(/(%.)/)) {
      if (part.length === 2 && part[0] === '%' && part[1] !== '%' && DIRECTIVES[part[1]!]) {
        order.push(part[1]!);
        re += DIRECTIVES[part[1]!]!.re;
      } else re += (part === '%%' ? '%' : part).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    c = { re: new RegExp(`^${re}$`), order };
    compiled.set(pattern, c);
  }
  return c;
}

/**
 * The app's time value as epoch ms; null for null/empty; undefined for a value that does not fit
 * the format (the caller says which record and field).
 */
export function parseTime(value: unknown, format: TimeFormat): number | null | undefined {
  if (value === null || value === undefined || value === '') return null;
  if (format === 'epoch-seconds' || format === 'epoch-ms') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n)) return undefined;
    return format === 'epoch-seconds' ? Math.round(n * 1000) : Math.round(n);
  }
  if (typeof value !== 'string') return undefined;
  if (format === 'iso') {
    // A time without a zone is the app's UTC (ISO 8601 would make it local time: never ours to guess).
    const s = /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(value) || !/T|\d{2}:\d{2}/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const { re, order } = compile(format.pattern);
  const m = re.exec(value.trim());
  if (!m) return undefined;
  const get = (d: string) => {
    const i = order.indexOf(d);
    return i < 0 ? undefined : m[i + 1];
  };
  const num = (d: string, dflt: number) => Number(get(d) ?? dflt);
  const ms = get('L') !== undefined ? num('L', 0) : Math.floor(num('f', 0) / 1000);
  let t = Date.UTC(num('Y', 1970), num('m', 1) - 1, num('d', 1), num('H', 0), num('M', 0), num('S', 0), ms);
  const z = get('z');
  if (z && z !== 'Z') {
    const zm = /([+-])(\d{2}):?(\d{2})/.exec(z)!;
    t -= (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 60 + Number(zm[3])) * 60_000;
  }
  return Number.isNaN(t) ? undefined : t;
}

/** The finest unit the format can express, in ms: a cursor in a coarser format must look back by it. */
export function resolutionMs(format: TimeFormat): number {
  if (format === 'epoch-seconds') return 1000;
  if (format === 'iso' || format === 'epoch-ms') return 1;
  if (format.pattern.includes('%L') || format.pattern.includes('%f')) return 1;
  if (format.pattern.includes('%S')) return 1000;
  if (format.pattern.includes('%M')) return 60_000;
  if (format.pattern.includes('%H')) return 3_600_000;
  return 86_400_000;
}
