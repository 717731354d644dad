/**
 * The vCard codec: vCard 3.0 and 4.0 text ↔ Concord's contact fields (fields.ts says which and in
 * what form). Every property is parsed and serialized by ical.js; this module decides what the
 * fields are and which lines a write may touch. Shared by every connector that stores vCards.
 */
import { newCard, readCard, writeCard, type Card, type VcardVersion } from './card';
import { vcardFieldTypes, type VcardFields } from './fields';
import { componentsOf, lineText } from './read-fields';
import { readFields } from './read-fields';
import { applyFields } from './write-fields';

export { vcardFieldInfo, vcardFieldNames, vcardFieldTypes, type VcardFields } from './fields';

/** Text that is not one readable vCard 3.0 or 4.0; the message says what is wrong and where. */
export class VcardError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VcardError';
  }
}

function read(text: string): Card {
  try {
    return readCard(text);
  } catch (error) {
    throw new VcardError(`Not a readable vCard: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const uidOf = (card: Card): string | null => {
  const l = card.lines.find((x) => x.name === 'uid');
  const v = l ? lineText(l) : '';
  return v === '' ? null : v;
};

/** Parses one vCard 3.0 or 4.0 (text as read from the file/server) into fields. Throws a VcardError naming what is wrong for text that is not a vCard. */
export function parseVcard(text: string): { uid: string | null; version: VcardVersion; fields: VcardFields } {
  const card = read(text);
  return { uid: uidOf(card), version: card.version, fields: readFields(card) };
}

/**
 * The vCard text for `fields`. With `original`, every property and parameter Concord does not map
 * is kept byte for byte, as is every line whose value did not change, and the original's version
 * and UID are kept (a UID is added from `uid` only when the original has none); a field absent
 * from `fields` leaves the card's lines for it alone. Without `original`, a new vCard 4.0 (or 3.0
 * if asked) with `uid`. Throws for a field name Concord does not know (fields.ts).
 */
export function writeVcard(fields: VcardFields, options: { uid: string; original?: string; version?: VcardVersion }): string {
  const unknown = Object.keys(fields).filter((k) => !Object.prototype.hasOwnProperty.call(vcardFieldTypes, k));
  if (unknown.length > 0) throw new VcardError(`A vCard has no field ${unknown.map((k) => `"${k}"`).join(', ')} — the contact fields are: ${Object.keys(vcardFieldTypes).join(', ')}`);
  const card = options.original !== undefined ? read(options.original) : newCard(options.version ?? '4.0');
  if (!card.lines.some((l) => l.name === 'uid')) {
    const at = card.lines.findIndex((l) => l.name === 'version') + 1;
    card.lines.splice(at, 0, { name: 'uid', prop: ['uid', {}, 'text', options.uid], raw: null });
  }
  // A new card always has FN (required by 3.0 and 4.0), and N in 3.0 (required there).
  const base: VcardFields = options.original === undefined ? { name: null, ...(card.version === '3.0' ? { familyName: null } : {}) } : {};
  applyFields(card, { ...base, ...fields });
  if (!card.lines.some((l) => l.name === 'fn')) card.lines.push({ name: 'fn', prop: ['fn', {}, 'text', ''], raw: null });
  spellEmptyName(card, fields);
  return writeCard(card);
}

/**
 * FN is the name contacts apps show. A card written without one (an app with first and last name
 * columns maps N's parts, not `name`) gets the name N spells — prefix, given, additional names,
 * family name, suffix — instead of an empty FN. Only an empty FN, and only when `name` was not
 * given: a name the pair writes (even an empty one) is the pair's to decide.
 */
function spellEmptyName(card: Card, fields: VcardFields): void {
  if (Object.prototype.hasOwnProperty.call(fields, 'name')) return;
  const fn = card.lines.find((l) => l.name === 'fn');
  const n = card.lines.find((l) => l.name === 'n');
  if (!fn || !n || lineText(fn) !== '') return;
  const [family = '', given = '', additional = '', prefix = '', suffix = ''] = componentsOf(n.prop).map((s) => s.trim());
  const spelled = [prefix, given, additional, family, suffix].filter((s) => s !== '').join(' ');
  if (spelled === '') return;
  fn.prop = ['fn', fn.prop[1], 'text', spelled];
  fn.raw = null;
}
