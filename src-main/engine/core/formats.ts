/**
 * How an app writes dates, numbers and booleans as text, read and written without the process's
 * time zone or locale: every date is built from its parts with Date.UTC, never by `new Date(text)`
 * (which reads "02/01/2024" in local time and guesses month/day order). A text whose meaning
 * depends on a convention ("02/01/2024", "1,234", "12,5") is only read with an explicit format;
 * without one the caller keeps it as text rather than guess (PITFALLS 5, 13). Pure: no I/O.
 */

export type DateTimeParts = { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number; time: boolean };

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const daysIn = (y: number, mo: number): number => new Date(Date.UTC(y, mo, 0)).getUTCDate();

function valid(p: DateTimeParts): boolean {
  return p.mo >= 1 && p.mo <= 12 && p.d >= 1 && p.d <= daysIn(p.y, p.mo) && p.h <= 23 && p.mi <= 59 && p.s <= 59;
}

/** UTC milliseconds of the parts, shifted by an offset east of UTC in minutes. */
export function utcMillis(p: DateTimeParts, offsetMinutes = 0): number {
  const t = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.ms);
  // Date.UTC maps years 0..99 to 1900..1999; set the year explicitly.
  const d = new Date(t);
  d.setUTCFullYear(p.y);
  return d.getTime() - offsetMinutes * 60_000;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO 8601 date or date-time ("2024-05-01", "2024-05-01T10:00", "2024-05-01 10:00:00.5+02:00").
 * `offset` is minutes east of UTC when the text names its zone, null when it does not.
 */
export function parseIso(text: string): { parts: DateTimeParts; offset: number | null } | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const n = (i: number): number => Number(m[i] ?? 0);
  const parts: DateTimeParts = { y: n(1), mo: n(2), d: n(3), h: n(4), mi: n(5), s: n(6), ms: Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000), time: m[4] !== undefined };
  if (!valid(parts)) return null;
  const zone = m[8];
  if (zone === undefined) return { parts, offset: null };
  if (zone.toUpperCase() === 'Z') return { parts, offset: 0 };
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (zone.startsWith('-') ? -1 : 1);
  return { parts, offset };
}

const DATE_TOKENS = /(YYYY|MM|DD|HH|mm|ss)/;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True when `format` is a date format this module understands: it names a year, a month and a day. */
export function isDateFormat(format: string): boolean {
  return ['YYYY', 'MM', 'DD'].every((t) => format.includes(t));
}

/**
 * A date written in `format` (tokens YYYY, MM, DD, HH, mm, ss; anything else is literal): "DD/MM/YYYY",
 * "MM/DD/YYYY HH:mm". MM, DD, HH, mm and ss accept one or two digits. A time without a zone is UTC.
 */
export function parseWithFormat(text: string, format: string): DateTimeParts | null {
  if (!isDateFormat(format)) return null;
  const order: string[] = [];
  const source = format
    .split(DATE_TOKENS)
    .map((piece, i) => {
      if (i % 2 === 0) return escape(piece);
      order.push(piece);
      return piece === 'YYYY' ? '(\\d{4})' : '(\\d{1,2})';
    })
    .join('');
  const m = new RegExp(`^${source}$`).exec(text);
  if (!m) return null;
  const at = (token: string): number => {
    const i = order.indexOf(token);
    return i < 0 ? 0 : Number(m[i + 1]);
  };
  const parts: DateTimeParts = { y: at('YYYY'), mo: at('MM'), d: at('DD'), h: at('HH'), mi: at('mm'), s: at('ss'), ms: 0, time: order.includes('HH') };
  return valid(parts) ? parts : null;
}

/** Writes UTC parts in `format` (two-digit months, days and times). */
export function formatParts(p: DateTimeParts, format: string): string {
  const values: Record<string, string> = { YYYY: pad(p.y, 4), MM: pad(p.mo), DD: pad(p.d), HH: pad(p.h), mm: pad(p.mi), ss: pad(p.s) };
  return format
    .split(DATE_TOKENS)
    .map((piece, i) => (i % 2 === 0 ? piece : (values[piece] ?? piece)))
    .join('');
}

/** The UTC parts of an instant. */
export function partsOf(ms: number): DateTimeParts {
  const d = new Date(ms);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds(), time: true };
}

export const isoDate = (p: DateTimeParts): string => `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}`;

/** A number format named by a sample: "1,234.5", "1.234,5", "1 234,5", "1234,5". */
type NumberFormat = { group: string | null; decimal: string };

/**
 * The separators of a sample. Two different separators: the first groups thousands, the last is
 * the decimal mark. One: it is the decimal mark ("1234,5"; write "1,234.5" for comma thousands).
 */
export function numberFormat(sample: string): NumberFormat | null {
  const seps = sample.replace(/^[+-]/, '').replace(/\d/g, '');
  if (seps.length === 0) return { group: null, decimal: '.' };
  const first = seps[0] ?? '.';
  const last = seps[seps.length - 1] ?? '.';
  if (first === last) return seps.length === 1 ? { group: null, decimal: first } : null;
  return [...seps.slice(0, -1)].every((c) => c === first) ? { group: first, decimal: last } : null;
}

const PLAIN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
/** Comma thousands are unambiguous only before a decimal point, or in two or more groups. */
const GROUPED = /^[+-]?\d{1,3}(,\d{3})+\.\d+$|^[+-]?\d{1,3}(,\d{3}){2,}$/;

/**
 * A number written as text. Without a format: plain decimal-point numbers, and comma thousands
 * only where the comma cannot be a decimal comma ("1,234.5", "1,234,567"); "1,234" and "12,5"
 * are not numbers without a format saying which convention the app uses.
 */
export function parseNumber(text: string, format?: string): number | null {
  const s = text.trim();
  const f = format ? numberFormat(format) : null;
  let plain: string | null = null;
  if (f) {
    const g = f.group === null ? null : f.group === ' ' ? '[ \\u00a0\\u202f]' : escape(f.group);
    const d = escape(f.decimal);
    const re = new RegExp(`^[+-]?(\\d+${g ? `|\\d{1,3}(${g}\\d{3})+` : ''})(${d}\\d+)?$`);
    if (re.test(s)) plain = (g ? s.replace(new RegExp(g, 'g'), '') : s).replace(f.decimal, '.');
  }
  // With a format whose decimal mark is not '.', a '.' in the text is that app's grouping gone wrong
  // ("12.5" where "1.234,5" is the rule): kept as text rather than read as twelve and a half.
  if (plain === null && PLAIN.test(s) && (!f || f.decimal === '.' || !s.includes('.'))) plain = s;
  if (plain === null && !f && GROUPED.test(s)) plain = s.replace(/,/g, '');
  if (plain === null) return null;
  const n = Number(plain);
  return Number.isFinite(n) ? (Object.is(n, -0) ? 0 : n) : null;
}

/** Writes a number in the sample's format (thousands grouped when the sample groups them). */
export function formatNumber(n: number, format: string): string {
  const f = numberFormat(format);
  if (!f || !Number.isFinite(n) || /e/i.test(String(n))) return String(n);
  const [int = '0', frac] = String(Math.abs(n)).split('.');
  const grouped = f.group === null ? int : int.replace(/\B(?=(\d{3})+(?!\d))/g, f.group);
  return `${n < 0 ? '-' : ''}${grouped}${frac ? f.decimal + frac : ''}`;
}

/** A boolean format "yes/no", "Y/N", "1/0": the text for true, then for false. */
export function booleanFormat(format: string): { t: string; f: string } | null {
  const parts = format.split('/');
  const [t, f] = parts.map((p) => p.trim());
  return parts.length === 2 && t && f && t.toLowerCase() !== f.toLowerCase() ? { t, f } : null;
}
