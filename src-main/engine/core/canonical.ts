/**
 * One canonical form per value type (PITFALLS 13). Every comparison and every hash in the sync
 * engine goes through `canonicalize` and `canonicalEqual`, so key order, trailing whitespace,
 * `null` vs missing vs '', number formatting and line endings never make equal values differ.
 * Pure: no I/O.
 */
import type { CanonicalValue, ValueType } from '../api/model';

export type CanonicalRecord = Record<string, CanonicalValue>;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
/** A timestamp string with an explicit zone (Z or ±hh:mm); without one we read it as UTC. */
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

function canonicalString(v: unknown): CanonicalValue {
  if (v === null || v === undefined) return null;
  const s = (typeof v === 'string' ? v : typeof v === 'object' ? stableStringify(v) : String(v))
    .replace(/\r\n?/g, '\n')
    .normalize('NFC')
    .trim();
  return s === '' ? null : s;
}

function canonicalNumber(v: unknown): CanonicalValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : null;
  const s = String(v).trim().replace(/,(?=\d{3}\b)/g, '');
  if (s === '') return null;
  const n = Number(s);
  // A value that is not a number stays as text: silently nulling it would lose the user's data.
  return Number.isFinite(n) ? (Object.is(n, -0) ? 0 : n) : s;
}

function canonicalBoolean(v: unknown): CanonicalValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  const s = String(v).trim().toLowerCase();
  if (s === '') return null;
  if (['true', 't', 'yes', 'y', '1', 'on'].includes(s)) return true;
  if (['false', 'f', 'no', 'n', '0', 'off'].includes(s)) return false;
  return s;
}

function toDate(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'number') {
    const d = new Date(Math.abs(v) < 1e11 ? v * 1000 : v); // seconds or milliseconds since epoch
    return Number.isNaN(d.getTime()) ? null : d;
  }
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === '') return null;
  const d = new Date(HAS_ZONE.test(s) || !s.includes('T') && !s.includes(' ') ? s : `${s.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function canonicalDate(v: unknown): CanonicalValue {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string') {
    const m = ISO_DATE.exec(v.trim());
    if (m && !HAS_ZONE.test(v.trim())) return `${m[1]}-${m[2]}-${m[3]}`;
  }
  const d = toDate(v);
  return d ? d.toISOString().slice(0, 10) : canonicalString(v);
}

function canonicalDatetime(v: unknown): CanonicalValue {
  if (v === null || v === undefined || v === '') return null;
  const d = toDate(v);
  return d ? d.toISOString() : canonicalString(v);
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
  if (v === null || typeof v !== 'object') return JSON.stringify(typeof v === 'bigint' ? Number(v) : v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const entries = Object.keys(v as Record<string, unknown>)
    .sort()
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

export function canonicalize(value: unknown, type: ValueType): CanonicalValue {
  switch (type) {
    case 'string':
      return canonicalString(value);
    case 'number':
      return canonicalNumber(value);
    case 'boolean':
      return canonicalBoolean(value);
    case 'date':
      return canonicalDate(value);
    case 'datetime':
      return canonicalDatetime(value);
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
