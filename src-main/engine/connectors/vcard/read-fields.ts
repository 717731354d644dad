/**
 * Reading Concord's fields (fields.ts) out of a parsed card, and the per-line values a write
 * compares against. Pure: no I/O.
 */
import type { Card, JProp, Line } from './card';
import { NAME_PARTS, vcardFieldNames, type VcardFields } from './fields';
import { elementTypes, formatAddress, formatElement, normalizeText } from './items';

/** A value as text: several values (a multi-valued component) joined with `,`. */
export function textOf(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(textOf).join(',');
  return String(v);
}

/** A structured value's components as texts (a value without `;` is one component). */
export function componentsOf(prop: JProp): string[] {
  const v = prop[3];
  return (Array.isArray(v) ? v : [v]).map((c) => normalizeText(textOf(c)));
}

export const orNull = (s: string): string | null => (s === '' ? null : s);

/** A single value of a line, as normalised text. */
export const lineText = (l: Line): string => normalizeText(textOf(l.prop[3]));

/** A TEL's number: a `tel:` URI (vCard 4.0's default) reads as the number it holds. */
export function phoneOf(l: Line): string {
  const v = lineText(l);
  return l.prop[2] === 'uri' && /^tel:/i.test(v) ? v.slice(4) : v;
}

/** The plain value of one line of a multi-valued property: the address, number, ADR text or URL. */
export function plainValue(l: Line): string {
  if (l.name === 'tel') return phoneOf(l);
  if (l.name === 'adr') return formatAddress(componentsOf(l.prop));
  return lineText(l);
}

/** The element (types:value) a line of EMAIL, TEL or ADR stands for in its set field. */
export const elementOf = (l: Line): string => formatElement({ types: elementTypes(l.prop[1].type), value: plainValue(l) });

/** How preferred a line is: PREF=n (4.0, 1 is most), TYPE=pref (3.0) as 1, none as 101 (after every PREF). */
export function prefRank(l: Line): number {
  const pref = Number(l.prop[1].pref);
  if (Number.isInteger(pref) && pref >= 1) return pref;
  const types = l.prop[1].type;
  const list = (Array.isArray(types) ? types : [types]).flatMap((t) => String(t ?? '').split(','));
  return list.some((t) => t.trim().toLowerCase() === 'pref') ? 1 : 101;
}

/** The preferred line among `lines` (lowest rank, the first of equals), or undefined. */
export function preferred(lines: Line[]): Line | undefined {
  let best: Line | undefined;
  for (const l of lines) if (!best || prefRank(l) < prefRank(best)) best = l;
  return best;
}

/** BDAY as fields.ts describes it: a date-time keeps its calendar date as written. */
export function birthdayOf(l: Line): string {
  const v = lineText(l);
  const m = /^(\d{4}-\d{2}-\d{2})T/.exec(v);
  return m?.[1] ?? v;
}

const setOf = (items: string[]): string[] | null => {
  const out = [...new Set(items.filter((i) => i !== ''))].sort();
  return out.length === 0 ? null : out;
};

/** Every field of fields.ts (null when the card does not hold it). */
export function readFields(card: Card): VcardFields {
  const fields: VcardFields = Object.fromEntries(vcardFieldNames.map((n) => [n, null]));
  const of = (name: string) => card.lines.filter((l) => l.name === name);
  const first = (name: string) => card.lines.find((l) => l.name === name);

  const fn = first('fn');
  if (fn) fields.name = orNull(lineText(fn));
  const n = first('n');
  if (n) componentsOf(n.prop).slice(0, 5).forEach((c, i) => (fields[NAME_PARTS[i] ?? ''] = orNull(c)));
  const emails = of('email');
  const bestEmail = preferred(emails);
  fields.email = bestEmail ? orNull(lineText(bestEmail)) : null;
  fields.emails = setOf(emails.map(elementOf));
  const phones = of('tel');
  const bestPhone = preferred(phones);
  fields.phone = bestPhone ? orNull(phoneOf(bestPhone)) : null;
  fields.phones = setOf(phones.map(elementOf));
  const org = first('org');
  if (org) {
    const [name = '', ...units] = componentsOf(org.prop);
    fields.organization = orNull(name);
    fields.department = orNull(units.filter((u) => u !== '').join(', '));
  }
  const title = first('title');
  if (title) fields.title = orNull(lineText(title));
  const note = first('note');
  if (note) fields.note = orNull(lineText(note));
  const bday = first('bday');
  if (bday) fields.birthday = orNull(birthdayOf(bday));
  fields.addresses = setOf(of('adr').map(elementOf));
  fields.categories = setOf(of('categories').flatMap((l) => l.prop.slice(3).map((v) => normalizeText(textOf(v)))));
  fields.urls = setOf(of('url').map(lineText));
  return fields;
}
