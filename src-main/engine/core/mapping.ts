/**
 * Field mapping between an app's raw fields and the pair's canonical fields: rename, join/split
 * over several fields with a separator, and transforms (trim, case, value-map, coerce), inverted
 * on write where they can be. Pure: no I/O.
 */
import type { CanonicalValue, FieldMapping, Side, SideField, Transform } from '../api/model';
import { canonicalize, type CanonicalRecord } from './canonical';

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
      return canonicalize(value, t.to);
  }
}

function invertTransform(value: unknown, t: Transform): unknown {
  if (t.kind !== 'value-map' || value === null || value === undefined) return value;
  const text = String(value);
  const found = Object.entries(t.values).find(([, canonical]) => canonical === text);
  return found ? found[0] : value;
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
    out[m.name] = canonicalize(v, m.type);
  }
  return out;
}

/** A canonical value as it is handed to a connector: sets become "a, b", everything else stays. */
function toWireValue(v: CanonicalValue): string | number | boolean | null {
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Maps canonical values back into the app's raw fields (only the given canonical fields). A value
 * mapped onto several app fields is split on the separator; the last field takes the remainder.
 */
export function fromCanonical(mappings: FieldMapping[], side: Side, values: CanonicalRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of mappings) {
    if (!Object.hasOwn(values, m.name)) continue;
    const sf = sideOf(m, side);
    let v: unknown = toWireValue(values[m.name] ?? null);
    for (const t of [...(sf.transforms ?? [])].reverse()) v = invertTransform(v, t);
    if (sf.fields.length === 1) {
      out[sf.fields[0] ?? ''] = v;
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
