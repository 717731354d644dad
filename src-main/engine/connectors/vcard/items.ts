/**
 * The text form of one value of a multi-valued vCard property (an email, a phone, an address) as
 * an element of a set field.
 *
 * Why `work,home:a@x.com` and not plain addresses: a set field merges by the set rules (an element
 * added on either side is kept, one removed on either side is gone), so its elements must carry
 * everything a side can change about one value, or a change of type alone would never sync. With
 * the types in the element, changing "home" to "work" is a removal plus an addition, which merges
 * with an address added in the other app. Two apps that both only read the address use the
 * single-valued `email` / `phone` fields instead (the preferred value, plain).
 *
 * The prefix is only read as types when every token is a type vCard defines (RFC 6350 / 2426, and
 * the common vendor ones) or an `x-` type, so a value that merely contains a colon (`sip:…`) stays
 * whole. `pref` (ordering, not a kind) and `internet` (every email is one) are left out of the
 * element; like any parameter, they stay in the card's line as long as the element does.
 */

const KNOWN_TYPES = new Set([
  'home', 'work', 'cell', 'voice', 'fax', 'pager', 'text', 'video', 'textphone', 'main', 'other', 'iphone',
  'msg', 'bbs', 'modem', 'car', 'isdn', 'pcs', 'dom', 'intl', 'postal', 'parcel', 'x400', 'mobile', 'personal', 'school',
]);
const NOISE_TYPES = new Set(['pref', 'internet']);

const isType = (t: string): boolean => KNOWN_TYPES.has(t) || /^x-[a-z0-9-]+$/.test(t);

/** The types of a line's TYPE parameter that an element carries: lower case, sorted, without pref/internet. */
export function elementTypes(type: unknown): string[] {
  const raw = Array.isArray(type) ? type : typeof type === 'string' ? [type] : [];
  // Cards repeat a handful of TYPE values (INTERNET,WORK; CELL): each is worked out once.
  const key = raw.length === 1 ? String(raw[0]) : null;
  const known = key !== null ? typesOf.get(key) : undefined;
  if (known) return [...known];
  const tokens = raw.flatMap((t) => String(t).split(',')).map((t) => t.trim().toLowerCase());
  const types = [...new Set(tokens.filter((t) => t !== '' && !NOISE_TYPES.has(t) && isType(t)))].sort();
  if (key !== null && typesOf.size < 1_000) typesOf.set(key, types);
  return [...types];
}
const typesOf = new Map<string, string[]>();

const NOT_ASCII = /[^\x00-\x7f]/;

/** Trimmed, NFC, with CRLF as LF: the same normalisation the engine's canonical strings use. ASCII text is its own NFC. */
export const normalizeText = (s: string): string => {
  const lf = s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
  return (NOT_ASCII.test(lf) ? lf.normalize('NFC') : lf).trim();
};

export type Element = { types: string[]; value: string };

export function formatElement(e: Element): string {
  return e.types.length > 0 ? `${e.types.join(',')}:${e.value}` : e.value;
}

export function parseElement(text: string): Element {
  const s = normalizeText(text);
  const m = /^([A-Za-z0-9-]+(?:,[A-Za-z0-9-]+)*):(.*)$/s.exec(s);
  if (m) {
    const tokens = (m[1] ?? '').toLowerCase().split(',');
    if (tokens.every((t) => isType(t) || NOISE_TYPES.has(t))) return { types: elementTypes(tokens), value: normalizeText(m[2] ?? '') };
  }
  return { types: [], value: s };
}

/** The element in its one canonical text (types sorted and lower case), for comparing a line with a field's set. */
export const canonicalElement = (text: string): string => formatElement(parseElement(text));

/**
 * An address (ADR: post office box; extended; street; locality; region; postal code; country) as
 * one text: its components joined by `;`, with `\` `;` and line breaks inside a component escaped
 * as in vCard. Exactly reversible, so an address element round-trips whatever it holds.
 */
export function formatAddress(components: string[]): string {
  const padded = [...components, '', '', '', '', '', '', ''].slice(0, 7);
  return padded
    .map((c) => c.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/\r\n?|\n/g, '\\n'))
    .join(';')
    .replace(/^;+$/, '');
}

export function parseAddress(text: string): string[] {
  const out: string[] = [''];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      const n = text[++i];
      out[out.length - 1] += n === 'n' || n === 'N' ? '\n' : (n ?? '');
    } else if (c === ';') out.push('');
    else out[out.length - 1] += c ?? '';
  }
  return [...out, '', '', '', '', '', '', ''].slice(0, 7);
}
