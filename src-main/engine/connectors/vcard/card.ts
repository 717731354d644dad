/**
 * One vCard as a list of lines, each parsed by ical.js and each keeping its original text, so a
 * write changes only the lines whose fields changed and puts every other line back byte for byte.
 */
import ICAL from 'ical.js';
import { contentLines, decodeQuotedPrintable, foldLine, isQuotedPrintable, lineBreakOf } from './lines';

export type DesignSet = NonNullable<Parameters<typeof ICAL.parse.property>[1]>;

/** A jCard property: [name, params, value type, ...values]. */
export type JProp = [string, Record<string, unknown>, string, ...unknown[]];

export type Line = {
  /** Lower case, without its group ("item1.EMAIL" → "email"). */
  name: string;
  prop: JProp;
  /** The original text; null once Concord changed the line (it is then written from `prop`). */
  raw: string | null;
};

export type VcardVersion = '3.0' | '4.0';

export type Card = {
  version: VcardVersion;
  design: DesignSet;
  begin: string;
  /** Every property between BEGIN and END, VERSION included, in order. */
  lines: Line[];
  end: string;
  lineBreak: string;
  /** What followed END:VCARD (usually one line break). */
  tail: string;
};

export const designFor = (version: VcardVersion): DesignSet => (version === '3.0' ? ICAL.design.vcard3 : ICAL.design.vcard);

const isJProp = (p: unknown): p is JProp => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'object' && p[1] !== null && typeof p[2] === 'string';

/** Every string inside a value (a structured value's components, a multi-value's parts), mapped. */
function mapStrings(v: unknown, fn: (s: string) => string): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, fn));
  return v;
}

function preview(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/**
 * Parses one vCard. Throws an Error that says what is wrong (and where) for anything that is not
 * exactly one vCard 3.0 or 4.0, so a caller can report the file or resource and leave it alone.
 */
export function readCard(text: string): Card {
  if (typeof text !== 'string' || text.trim() === '') throw new Error('it is empty, not a vCard (a vCard starts with BEGIN:VCARD)');
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = contentLines(body);
  const first = lines[0];
  if (!first || !/^BEGIN:VCARD$/i.test(first.logical.trim())) {
    throw new Error(`it is not a vCard: it starts with "${preview(first?.logical ?? '')}" instead of BEGIN:VCARD`);
  }
  const endAt = lines.findIndex((l) => /^END:VCARD$/i.test(l.logical.trim()));
  if (endAt < 0) throw new Error('the vCard has no END:VCARD line — the file is cut off or not a vCard');
  const after = lines.slice(endAt + 1);
  if (after.length > 0) {
    const more = after.filter((l) => /^BEGIN:VCARD$/i.test(l.logical.trim())).length;
    throw new Error(
      more > 0
        ? `it holds ${more + 1} vCards; Concord expects one contact per file — split it (vdirsyncer and most apps write one card per .vcf)`
        : `line ${after[0]?.lineNo ?? '?'} follows END:VCARD ("${preview(after[0]?.logical ?? '')}") — it is not part of the card`,
    );
  }
  const middle = lines.slice(1, endAt);
  const nested = middle.find((l) => /^BEGIN:/i.test(l.logical));
  if (nested) throw new Error(`line ${nested.lineNo} starts a nested component ("${preview(nested.logical)}"), which Concord does not read`);
  const versionLine = middle.find((l) => /^VERSION:/i.test(l.logical));
  if (!versionLine) throw new Error('the vCard has no VERSION line (3.0 or 4.0)');
  const v = versionLine.logical.slice('VERSION:'.length).trim();
  if (v !== '3.0' && v !== '4.0') throw new Error(`vCard version ${v} is not supported — Concord reads 3.0 and 4.0 (re-export the contacts as vCard 3.0 or 4.0)`);
  const design = designFor(v);

  const parsed: Line[] = middle.map((l) => {
    let prop: unknown;
    try {
      prop = ICAL.parse.property(l.logical, design);
    } catch (error) {
      throw new Error(`line ${l.lineNo} is not a valid vCard property ("${preview(l.logical)}"): ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!isJProp(prop)) throw new Error(`line ${l.lineNo} is not a valid vCard property ("${preview(l.logical)}")`);
    let p: JProp = prop;
    if (isQuotedPrintable(l.logical)) {
      const charset = typeof p[1].charset === 'string' ? p[1].charset : 'utf-8';
      const [name, params, type, ...values] = p;
      p = [name, params, type, ...values.map((x) => mapStrings(x, (s) => decodeQuotedPrintable(s, charset)))];
    }
    return { name: p[0].toLowerCase(), prop: p, raw: l.raw };
  });
  const endLine = lines[endAt];
  const rawEnd = endLine?.raw ?? 'END:VCARD';
  const endOffset = body.lastIndexOf(rawEnd);
  return { version: v, design, begin: first.raw, lines: parsed, end: rawEnd, lineBreak: lineBreakOf(body), tail: endOffset >= 0 ? body.slice(endOffset + rawEnd.length) : '\r\n' };
}

/** A new, empty card of `version` (BEGIN, VERSION, END); the caller adds the rest. */
export function newCard(version: VcardVersion): Card {
  return {
    version,
    design: designFor(version),
    begin: 'BEGIN:VCARD',
    lines: [{ name: 'version', prop: ['version', {}, 'text', version], raw: null }],
    end: 'END:VCARD',
    lineBreak: '\r\n',
    tail: '\r\n',
  };
}

/** The card's text: kept lines as they were, changed and new lines from ical.js, folded at 75 octets. */
export function writeCard(card: Card): string {
  const out = [card.begin];
  for (const l of card.lines) out.push(l.raw ?? foldLine(ICAL.stringify.property(l.prop, card.design, true), card.lineBreak));
  out.push(card.end);
  return out.join(card.lineBreak) + card.tail;
}
