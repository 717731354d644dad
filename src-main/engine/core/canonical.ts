/**
 * One canonical form per value type (PITFALLS 13). Every comparison and every hash in the sync
 * engine goes through `canonicalize` and `canonicalEqual`, so key order, trailing whitespace,
 * `null` vs missing vs '', number formatting and line endings never make equal values differ.
 * Pure: no I/O.
 */
import type { CanonicalValue, ValueType } from '../api/model';
import { booleanFormat, isoDate, parseIso, parseNumber, parseWithFormat, partsOf, utcMillis } from './formats';

export type CanonicalRecord = Record<string, CanonicalValue>;

function canonicalString(v: unknown): CanonicalValue {
  if (v === null || v === undefined) return null;
  const s = (typeof v === 'string' ? v : typeof v === 'object' ? stableStringify(v) : String(v))
    .replace(/\r\n?/g, '\n')
    .normalize('NFC')
    .trim();
  return s === '' ? null : s;
}

/** An integer beyond 2^53 as exact decimal text: a JS number would round it (an id, a Snowflake value). */
const BIG_INTEGER = /^[+-]?\d{16,}$/;
function exactInteger(text: string): string | null {
  if (!BIG_INTEGER.test(text)) return null;
  const n = BigInt(text);
  return n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER) ? n.toString() : null;
}

function canonicalNumber(v: unknown, format?: string): CanonicalValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return exactInteger(v.toString()) ?? Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : null;
  const s = String(v).trim();
  if (s === '') return null;
  const big = exactInteger(s);
  if (big !== null) return big;
  // A value that is not a number (or whose convention is unknown, "1,234") stays as text:
  // silently nulling or guessing it would change the user's data.
  return parseNumber(s, format) ?? s;
}

const TRUE = new Set(['true', 't', 'yes', 'y', 'on']);
const FALSE = new Set(['false', 'f', 'no', 'n', 'off']);

function canonicalBoolean(v: unknown, format?: string): CanonicalValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  const s = String(v).trim().toLowerCase();
  if (s === '') return null;
  const f = format ? booleanFormat(format) : null;
  if (f && s === f.t.toLowerCase()) return true;
  if (f && s === f.f.toLowerCase()) return false;
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  // "1", "0", "1.0", "0.0": a boolean stored as a number in a text column (SQLite, CSV).
  const n = parseNumber(s);
  return n === null ? s : n !== 0;
}

/** Years 0000..9999 only: their ISO text reads back as the same instant (canonical forms are idempotent). */
const inRange = (ms: number): number | null => (Number.isFinite(ms) && ms >= -62167219200000 && ms <= 253402300799999 ? ms : null);

/** A date-time text as UTC milliseconds (no zone: UTC), or null when it is not one we can read without guessing. */
function instant(v: unknown, format?: string): number | null {
  if (v instanceof Date) return inRange(v.getTime());
  if (typeof v === 'number') return inRange(Math.abs(v) < 1e11 ? v * 1000 : v); // seconds or milliseconds since epoch
  if (typeof v !== 'string') return null;
  const s = v.trim();
  const custom = format ? parseWithFormat(s, format) : null;
  if (custom) return inRange(utcMillis(custom));
  const iso = parseIso(s);
  return iso ? inRange(utcMillis(iso.parts, iso.offset ?? 0)) : null;
}

function canonicalDate(v: unknown, format?: string): CanonicalValue {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') {
    const s = v.trim();
    const custom = format ? parseWithFormat(s, format) : null;
    if (custom) return isoDate(custom);
    // A date-only value, or a local time without a zone, keeps its calendar date as written.
    const iso = parseIso(s);
    if (iso && iso.offset === null) return isoDate(iso.parts);
  }
  const t = instant(v, format);
  return t === null ? canonicalString(v) : isoDate(partsOf(t));
}

function canonicalDatetime(v: unknown, format?: string): CanonicalValue {
  if (v === null || v === undefined || v === '') return null;
  const t = instant(v, format);
  return t === null ? canonicalString(v) : new Date(t).toISOString();
}

function canonicalSet(v: unknown): CanonicalValue {
  if (v === null || v === undefined) return null;
  let items: unknown[];
  if (Array.isArray(v)) items = v;
  else {
    const s = String(v).trim();
    if (s.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(s);
        items = Array.isArray(parsed) ? parsed : [s];
      } catch {
        items = s.split(/[,;]/);
      }
    } else items = s.split(/[,;]/);
  }
  const out = [...new Set(items.map((i) => canonicalString(i)).filter((i): i is string => typeof i === 'string'))].sort();
  return out.length === 0 ? null : out;
}

function canonicalJson(v: unknown): CanonicalValue {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') {
    try {
      return stableStringify(JSON.parse(v));
    } catch {
      return canonicalString(v);
    }
  }
  return stableStringify(v);
}

/** JSON with object keys sorted at every level, so equal content always has equal text. */
export function stableStringify(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(typeof v === 'bigint' ? (exactInteger(v.toString()) ?? Number(v)) : v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const entries = Object.keys(v as Record<string, unknown>)
    .sort()
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/**
 * The canonical form of a value of `type`. `format` is how the app writes that type as text
 * ("DD/MM/YYYY", "1.234,5", "yes/no"; see formats.ts): without one, text that only a convention
 * could read (a non-ISO date, "1,234") stays text. Never depends on the process's time zone.
 */
export function canonicalize(value: unknown, type: ValueType, format?: string): CanonicalValue {
  switch (type) {
    case 'string':
      return canonicalString(value);
    case 'number':
      return canonicalNumber(value, format);
    case 'boolean':
      return canonicalBoolean(value, format);
    case 'date':
      return canonicalDate(value, format);
    case 'datetime':
      return canonicalDatetime(value, format);
    case 'set':
      return canonicalSet(value);
    case 'json':
      return canonicalJson(value);
  }
}

/** Equality of two canonical values; `undefined` (no base yet) equals only `undefined`. */
export function canonicalEqual(a: CanonicalValue | undefined, b: CanonicalValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return false;
}

export function recordsEqual(a: CanonicalRecord, b: CanonicalRecord, fields: string[]): boolean {
  return fields.every((f) => canonicalEqual(a[f] ?? null, b[f] ?? null));
}

/**
 * The exact text of a record's values for `fields` (missing = null), in field order: two records
 * have the same content key exactly when every one of those fields is canonically equal, so it
 * indexes records by content without a collision check.
 */
export function contentKey(record: CanonicalRecord, fields: string[]): string {
  return stableStringify(fields.map((f) => record[f] ?? null));
}

/**
 * A 53-bit FNV-1a style hash of a canonical record (pure JS: the core may not import node:crypto).
 * Used as a side's version where the app has none, and to compare hash scans with the base.
 */
export function canonicalHash(record: CanonicalRecord): string {
  const text = stableStringify(record);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `h${h1.toString(36)}${h2.toString(36)}`;
}
