/**
 * Field mapping between an app's raw fields and the pair's canonical fields: rename, join/split
 * over several fields with a separator, and transforms (trim, case, value-map, coerce), inverted
 * on write where they can be. Pure: no I/O.
 */
import type { CanonicalValue, FieldMapping, Side, SideField, Transform } from '../api/model';
import { canonicalize, type CanonicalRecord } from './canonical';
import { booleanFormat, formatNumber, formatParts, isDateFormat, parseIso } from './formats';

/** The app's text format of a coerced value ("DD/MM/YYYY", "1.234,5", "yes/no"), when the transform names one. */
function formatOf(t: Transform): string | undefined {
  return t.kind === 'coerce' && t.format ? t.format : undefined;
}

/** A canonical value in the app's format (the inverse of a coercion with a known format). */
function toFormat(value: unknown, type: Transform & { kind: 'coerce' }, format: string): unknown {
  if (type.to === 'boolean' && typeof value === 'boolean') {
    const f = booleanFormat(format);
    return f ? (value ? f.t : f.f) : value;
  }
  if (type.to === 'number' && typeof value === 'number') return formatNumber(value, format);
  if ((type.to === 'date' || type.to === 'datetime') && typeof value === 'string' && isDateFormat(format)) {
    const iso = parseIso(value);
    return iso ? formatParts(iso.parts, format) : value;
  }
  return value;
}

const titleCase = (s: string): string => s.toLowerCase().replace(/(^|[\s\-'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase());

function applyTransform(value: unknown, t: Transform): unknown {
  if (value === null || value === undefined) return value;
  switch (t.kind) {
    case 'trim':
      return typeof value === 'string' ? value.trim() : value;
    case 'case': {
      if (typeof value !== 'string') return value;
      return t.to === 'lower' ? value.toLowerCase() : t.to === 'upper' ? value.toUpperCase() : titleCase(value);
    }
    case 'value-map': {
      const key = String(value);
      return Object.hasOwn(t.values, key) ? t.values[key] : value;
    }
    case 'coerce':
      return canonicalize(value, t.to, formatOf(t));
  }
}

/**
 * The inverse of a transform on write, where it has one: a value map backwards, a coercion with a
 * known format into that format. Trim and case have no inverse (the canonical text is written).
 * A coercion without a format writes the canonical form: a boolean as true/false (the connector
 * writes its own native form, "true"/"false" in text), a number as a number, a date as
 * YYYY-MM-DD, a date-time as UTC ISO 8601 — unless the target record's current text shows the
 * app's own boolean words (`mirrorBoolean`).
 */
function invertTransform(value: unknown, t: Transform): unknown {
  if (value === null || value === undefined) return value;
  if (t.kind === 'coerce') {
    const format = formatOf(t);
    return format ? toFormat(value, t, format) : value;
  }
  if (t.kind !== 'value-map') return value;
  const text = String(value);
  const found = Object.entries(t.values).find(([, canonical]) => canonical === text);
  return found ? found[0] : value;
}

const BOOLEAN_WORDS: [string, string][] = [
  ['true', 'false'],
  ['yes', 'no'],
  ['y', 'n'],
  ['t', 'f'],
  ['on', 'off'],
  ['1', '0'],
];

/**
 * A boolean written the way the target record holds it now: "yes" → "no", "Y" → "N", "1" → "0",
 * 1 → 0. Without a current value in one of those forms, the boolean itself.
 */
export function mirrorBoolean(value: boolean, current: unknown): unknown {
  if (typeof current === 'number' || typeof current === 'bigint') return value ? 1 : 0;
  if (typeof current !== 'string') return value;
  const cur = current.trim();
  const pair = BOOLEAN_WORDS.find((p) => p.includes(cur.toLowerCase()));
  if (!pair) return value;
  const word = value ? pair[0] : pair[1];
  if (cur === cur.toUpperCase() && cur !== cur.toLowerCase()) return word.toUpperCase();
  if (cur[0] === cur[0]?.toUpperCase() && cur !== cur.toLowerCase()) return word.charAt(0).toUpperCase() + word.slice(1);
  return word;
}

/** The raw value of one side of a mapped field: one field, or several joined with the separator. */
function readSideValue(side: SideField, raw: Record<string, unknown>): unknown {
  if (side.fields.length === 1) return raw[side.fields[0] ?? ''];
  const parts = side.fields.map((f) => raw[f]).filter((v) => v !== null && v !== undefined && String(v).trim() !== '');
  return parts.length === 0 ? null : parts.map((p) => String(p).trim()).join(side.separator ?? ' ');
}

export function sideOf(mapping: FieldMapping, side: Side): SideField {
  return side === 'left' ? mapping.left : mapping.right;
}

/** Maps an app record's raw fields into the pair's canonical fields. */
export function toCanonical(mappings: FieldMapping[], side: Side, raw: Record<string, unknown>): CanonicalRecord {
  const out: CanonicalRecord = {};
  for (const m of mappings) {
    const sf = sideOf(m, side);
    let v = readSideValue(sf, raw);
    for (const t of sf.transforms ?? []) v = applyTransform(v, t);
    const sep = setSeparator(m, sf);
    if (sep !== null && typeof v === 'string') v = v.split(sep.trim() || sep);
    out[m.name] = canonicalize(v, m.type);
  }
  return out;
}

/**
 * A set held in one text field: a delimited list. Its delimiter is the side's `separator` (read
 * and written with it, so an app's "a|b" stays "a|b"); without one, items are read split on
 * "," or ";" and written joined with ", ". Canonical sets are sorted (see canonical.ts).
 */
/** The separator of a set held as delimited text in one app field ("a, b"); null for any other field. */
const setSeparator = (m: FieldMapping, sf: SideField): string | null => (m.type === 'set' && sf.fields.length === 1 && sf.separator ? sf.separator : null);

/** A canonical value as it is handed to a connector: a set becomes delimited text, everything else stays. */
function toWireValue(v: CanonicalValue, delimiter: string): string | number | boolean | null {
  return Array.isArray(v) ? v.join(delimiter) : v;
}

/**
 * Maps canonical values back into the app's raw fields (only the given canonical fields). A value
 * mapped onto several app fields is split on the separator; the last field takes the remainder.
 * `current`: the target record's raw fields as read, when known: a boolean is then written in
 * the form the record holds ("yes"/"no", "Y"/"N", 1/0) where no format says otherwise.
 * `lists`: the app fields that hold a list themselves (the connector describes them as `set` or
 * `json`: a vCard's EMAIL lines, a PostgreSQL `text[]`, a JSON column). A set mapped onto one of
 * them, without a separator of its own, is handed over as an array: joined into one text, a
 * PostgreSQL array refused it and a vCard took "a@x, b@x" for one address. So is a set whose
 * target field the record holds as an array now.
 */
export function fromCanonical(mappings: FieldMapping[], side: Side, values: CanonicalRecord, current?: Record<string, unknown>, lists?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of mappings) {
    if (!Object.hasOwn(values, m.name)) continue;
    const sf = sideOf(m, side);
    const value = values[m.name] ?? null;
    const only = sf.fields.length === 1 ? (sf.fields[0] ?? '') : null;
    const asList = Array.isArray(value) && only !== null && setSeparator(m, sf) === null && (lists?.has(only) === true || Array.isArray(current?.[only]));
    let v: unknown = asList ? [...value] : toWireValue(value, setSeparator(m, sf) ?? ', ');
    for (const t of [...(sf.transforms ?? [])].reverse()) v = invertTransform(v, t);
    if (sf.fields.length === 1) {
      const field = sf.fields[0] ?? '';
      out[field] = typeof v === 'boolean' && current ? mirrorBoolean(v, current[field]) : v;
      continue;
    }
    const sep = sf.separator ?? ' ';
    const parts = v === null || v === undefined ? [] : String(v).split(sep);
    sf.fields.forEach((f, i) => {
      const isLast = i === sf.fields.length - 1;
      const piece = isLast ? parts.slice(i).join(sep) : parts[i];
      out[f] = piece === undefined || piece === '' ? null : piece;
    });
  }
  return out;
}

/** The app fields a pair reads on one side (for the "mapped fields still exist" check). */
export function mappedAppFields(mappings: FieldMapping[], side: Side): { field: string; canonical: string }[] {
  return mappings.flatMap((m) => sideOf(m, side).fields.map((field) => ({ field, canonical: m.name })));
}
