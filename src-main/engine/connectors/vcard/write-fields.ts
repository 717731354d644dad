/**
 * Applies Concord's fields to a parsed card. A field absent from `fields` leaves its lines alone;
 * a field present sets them (null clears). A line whose value does not change keeps its original
 * text byte for byte, parameters and group included; a changed line keeps its parameters (except
 * a quoted-printable ENCODING/CHARSET: it is written as plain UTF-8) and is written by ical.js.
 */
import type { Card, JProp, Line } from './card';
import { NAME_PARTS, type VcardFields } from './fields';
import { canonicalElement, normalizeText, parseAddress, parseElement, type Element } from './items';
import { birthdayOf, componentsOf, elementOf, lineText, plainValue, preferred, prefRank, textOf } from './read-fields';

const has = (fields: VcardFields, k: string): boolean => Object.prototype.hasOwnProperty.call(fields, k);

/** A field's value as one normalised text ('' for none). */
function wantText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return normalizeText(v.map(textOf).join(', '));
  return normalizeText(String(v));
}

/**
 * A set field's value as its elements: an array (the engine's canonical set), a JSON array text,
 * or one text as one element (an address holds `;` and an element may hold `,`, so a text is never split).
 */
function wantList(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  let items: unknown[] = [v];
  if (Array.isArray(v)) items = v;
  else if (typeof v === 'string' && v.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) items = parsed;
    } catch {
      // Not JSON: one element.
    }
  }
  return items.map((i) => normalizeText(textOf(i))).filter((i) => i !== '');
}

/** Parameters a rewritten line keeps: all but the quoted-printable encoding of the old value. */
function keptParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (k !== 'encoding' && k !== 'charset') out[k] = v;
  return out;
}

const defaultType = (card: Card, name: string): string => {
  const details: unknown = card.design.property[name];
  const t = typeof details === 'object' && details !== null && 'defaultType' in details ? details.defaultType : undefined;
  return typeof t === 'string' ? t : 'text';
};

type Value = { type: string; values: unknown[] };

/** Sets `line` to `value` keeping its parameters, or adds a new line after the last of its name (before END). */
function setLine(card: Card, line: Line | undefined, name: string, value: Value, params: Record<string, unknown> = {}): Line {
  if (line) {
    line.prop = [line.prop[0], keptParams(line.prop[1]), value.type, ...value.values] satisfies JProp;
    line.raw = null;
    return line;
  }
  const added: Line = { name, prop: [name, params, value.type, ...value.values], raw: null };
  const lastOfName = card.lines.map((l) => l.name).lastIndexOf(name);
  card.lines.splice(lastOfName >= 0 ? lastOfName + 1 : card.lines.length, 0, added);
  return added;
}

const removeLine = (card: Card, line: Line | undefined): void => {
  if (line) card.lines.splice(card.lines.indexOf(line), 1);
};

const text = (s: string): Value => ({ type: 'text', values: [s] });

function birthdayValue(card: Card, s: string): Value {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return { type: card.version === '3.0' ? 'date' : 'date-and-or-time', values: [s] };
  if (/^--\d{2}-?\d{2}$/.test(s) && card.version === '4.0') return { type: 'date-and-or-time', values: [s.length === 6 ? `--${s.slice(2, 4)}-${s.slice(4)}` : s] };
  return text(s);
}

/** A number as a TEL value: a `tel:` URI in 4.0 where the number is a valid one (its default type), else text. */
function phoneValue(card: Card, n: string): Value {
  if (card.version === '3.0') return { type: defaultType(card, 'tel'), values: [n] };
  return /^\+?[0-9][0-9\-.()]*$/.test(n) ? { type: 'uri', values: [`tel:${n}`] } : text(n);
}

function singleText(card: Card, fields: VcardFields, field: string, name: string, required: boolean): void {
  if (!has(fields, field)) return;
  const line = card.lines.find((l) => l.name === name);
  const want = wantText(fields[field]);
  const current = line ? (name === 'bday' ? birthdayOf(line) : lineText(line)) : '';
  if (line && current === want) return;
  if (want === '' && !required) return removeLine(card, line);
  setLine(card, line, name, name === 'bday' && want !== '' ? birthdayValue(card, want) : text(want));
}

function structured(card: Card, fields: VcardFields, name: string, parts: readonly string[], read: (l: Line) => string[], required: boolean): void {
  if (!parts.some((k) => has(fields, k))) return;
  const line = card.lines.find((l) => l.name === name);
  const current = line ? read(line) : [];
  const next = parts.map((k, i) => (has(fields, k) ? wantText(fields[k]) : (current[i] ?? '')));
  if (line && next.every((c, i) => c === (current[i] ?? ''))) return;
  if (next.every((c) => c === '') && !required) return removeLine(card, line);
  // Trailing empty ORG units are left out (ORG:Acme, not ORG:Acme;).
  const values = name === 'org' && next[1] === '' ? next.slice(0, 1) : next;
  setLine(card, line, name, { type: 'text', values: [values] });
}

type Multi = { name: 'email' | 'tel' | 'adr' | 'url'; set: string; primary?: string };

function elementValue(card: Card, name: Multi['name'], e: Element): Value {
  if (name === 'tel') return phoneValue(card, e.value);
  if (name === 'adr') return { type: 'text', values: [parseAddress(e.value)] };
  if (name === 'url') return { type: 'uri', values: [e.value] };
  return text(e.value);
}

const typeParams = (e: Element): Record<string, unknown> => (e.types.length === 0 ? {} : { type: e.types.length === 1 ? e.types[0] : e.types });

/** Moves `line` first among its name and takes the preference off the others, so it reads as the preferred one. */
function promote(card: Card, line: Line): void {
  removeLine(card, line);
  card.lines.splice(card.lines.findIndex((l) => l.name === line.name), 0, line);
  for (const l of card.lines) {
    if (l === line || l.name !== line.name || prefRank(l) > 100) continue;
    const params = { ...l.prop[1] };
    delete params.pref;
    const types = (Array.isArray(params.type) ? params.type : [params.type]).flatMap((t) => String(t ?? '').split(',')).filter((t) => t !== '' && t.toLowerCase() !== 'pref');
    if (types.length === 0) delete params.type;
    else params.type = types.length === 1 ? types[0] : types;
    l.prop = [l.prop[0], params, l.prop[2], ...l.prop.slice(3)];
    l.raw = null;
  }
}

/**
 * A multi-valued property. The set field decides which values the card holds: a line whose element
 * is still in the set is kept as it was (its PREF, group and unknown parameters too), the others go,
 * and new elements are added. Then the primary field (`email`, `phone`), when given and different
 * from the card's preferred value: a value the card holds is made the preferred one when the set
 * was given too; otherwise the preferred line takes the new value (the app changed "the" email).
 */
function multi(card: Card, fields: VcardFields, spec: Multi): void {
  const lines = () => card.lines.filter((l) => l.name === spec.name);
  const keyOf = spec.name === 'url' ? lineText : elementOf;
  const canon = spec.name === 'url' ? normalizeText : canonicalElement;
  const setGiven = has(fields, spec.set);
  if (setGiven) {
    const desired = [...new Set(wantList(fields[spec.set]).map(canon))];
    const kept = new Set<string>();
    for (const l of lines()) {
      const k = keyOf(l);
      if (desired.includes(k) && !kept.has(k)) kept.add(k);
      else removeLine(card, l);
    }
    for (const d of desired) if (!kept.has(d)) {
      const e = spec.name === 'url' ? { types: [], value: d } : parseElement(d);
      setLine(card, undefined, spec.name, elementValue(card, spec.name, e), typeParams(e));
    }
  }
  if (!spec.primary || !has(fields, spec.primary)) return;
  const want = wantText(fields[spec.primary]);
  const best = preferred(lines());
  if (want === '') {
    if (!setGiven) removeLine(card, best);
    return;
  }
  if (best && plainValue(best) === want) return;
  const holder = lines().find((l) => plainValue(l) === want);
  if (setGiven && holder) return promote(card, holder);
  if (!best) {
    setLine(card, undefined, spec.name, elementValue(card, spec.name, { types: [], value: want }));
    return;
  }
  removeLine(card, holder);
  setLine(card, best, spec.name, elementValue(card, spec.name, { types: [], value: want }));
}

function categories(card: Card, fields: VcardFields): void {
  if (!has(fields, 'categories')) return;
  const lines = card.lines.filter((l) => l.name === 'categories');
  const current = [...new Set(lines.flatMap((l) => l.prop.slice(3).map((v) => normalizeText(textOf(v)))))].filter((c) => c !== '').sort();
  const want = [...new Set(wantList(fields.categories))].sort();
  if (current.length === want.length && current.every((c, i) => c === want[i])) return;
  const [first, ...rest] = lines;
  for (const l of rest) removeLine(card, l);
  if (want.length === 0) return removeLine(card, first);
  setLine(card, first, 'categories', { type: 'text', values: want });
}

const orgParts = (l: Line): string[] => {
  const [name = '', ...units] = componentsOf(l.prop);
  return [name, units.filter((u) => u !== '').join(', ')];
};

/** Applies `fields` to `card` in place (see the file comment). */
export function applyFields(card: Card, fields: VcardFields): void {
  singleText(card, fields, 'name', 'fn', true);
  structured(card, fields, 'n', NAME_PARTS, (l) => componentsOf(l.prop), card.version === '3.0');
  multi(card, fields, { name: 'email', set: 'emails', primary: 'email' });
  multi(card, fields, { name: 'tel', set: 'phones', primary: 'phone' });
  structured(card, fields, 'org', ['organization', 'department'], orgParts, false);
  singleText(card, fields, 'title', 'title', false);
  multi(card, fields, { name: 'adr', set: 'addresses' });
  singleText(card, fields, 'note', 'note', false);
  singleText(card, fields, 'birthday', 'bday', false);
  categories(card, fields);
  multi(card, fields, { name: 'url', set: 'urls' });
}
