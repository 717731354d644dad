/**
 * The fields Concord syncs of a contact, as a vCard (3.0 or 4.0) holds them. One representation
 * for every connector that stores vCards (a folder of .vcf files, a CardDAV address book), so two
 * of them pair without any mapping work.
 *
 * - `name`: FN, the formatted name ("Dr. Anna Maria Smith").
 * - `familyName`, `givenName`, `additionalNames`, `namePrefix`, `nameSuffix`: the components of N.
 *   A component with several values (`Anna,Maria`) reads as one text joined with `,` and is written
 *   back as one value (the comma escaped), which reads back the same.
 * - `email`, `phone`: the preferred address / number (PREF=1, or TYPE=pref in 3.0, else the first),
 *   plain: what an app with one email column holds, and what matching on email needs.
 * - `emails`, `phones`: every address / number as a set of `types:value` elements (items.ts says
 *   why), merged by the set rules. A `tel:` URI (vCard 4.0) reads as its number.
 * - `organization`, `department`: ORG's name, and its units joined with `, `.
 * - `title`, `note`: TITLE and NOTE (the first of each).
 * - `birthday`: BDAY as an ISO date (`1985-04-12`), `--04-12` without a year, or the text a card
 *   gives instead of a date.
 * - `addresses`: every ADR as a set of `types:pobox;ext;street;locality;region;code;country`.
 * - `categories`: CATEGORIES (all of them) as a set; `urls`: every URL as a set.
 *
 * Every other property (PHOTO, X-…, IMPP, REV, …) and every parameter is not a field: a write
 * keeps it as it was in the card (codec.ts).
 */
import type { CollectionField, ValueType } from '../../api/model';

export type VcardFields = Record<string, unknown>;

export const vcardFieldTypes = {
  name: 'string',
  familyName: 'string',
  givenName: 'string',
  additionalNames: 'string',
  namePrefix: 'string',
  nameSuffix: 'string',
  email: 'string',
  emails: 'set',
  phone: 'string',
  phones: 'set',
  organization: 'string',
  department: 'string',
  title: 'string',
  addresses: 'set',
  note: 'string',
  birthday: 'date',
  categories: 'set',
  urls: 'set',
} as const satisfies Record<string, ValueType>;

export type VcardFieldName = keyof typeof vcardFieldTypes;

export const vcardFieldNames = Object.keys(vcardFieldTypes) as VcardFieldName[];

/** The field list a contact collection describes (a connector adds its own id field). */
export const vcardFieldInfo: readonly CollectionField[] = vcardFieldNames.map((name) => ({ name, type: vcardFieldTypes[name], nullable: true }));

/** N's components in vCard order, as fields. */
export const NAME_PARTS = ['familyName', 'givenName', 'additionalNames', 'namePrefix', 'nameSuffix'] as const satisfies readonly VcardFieldName[];
