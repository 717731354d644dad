/**
 * Pure helpers of the field-mapping editor: summaries, transform defaults, value-map rows and the
 * validation that the wizard and the pair's settings both run before a mapping is sent to the engine.
 * No React here, so every rule is unit-tested on its own.
 */
import type { CollectionInfo, FieldMapping, Side, SideField, Transform, ValueType } from '../../../src-main/engine/api/model';

export const VALUE_TYPES: ValueType[] = ['string', 'number', 'boolean', 'date', 'datetime', 'set', 'json'];

/** The engine's schema caps a separator at 10 characters and a side at 20 transforms. */
export const MAX_SEPARATOR = 10;
export const MAX_TRANSFORMS = 20;

export type TransformKind = 'trim' | 'lower' | 'upper' | 'title' | 'value-map' | 'coerce';

export const TRANSFORM_CHOICES: { id: TransformKind; label: string }[] = [
  { id: 'trim', label: 'Trim spaces' },
  { id: 'lower', label: 'Lower case' },
  { id: 'upper', label: 'Upper case' },
  { id: 'title', label: 'Title case' },
  { id: 'value-map', label: 'Map values' },
  { id: 'coerce', label: 'Convert type' },
];

export const sideLabel = (side: Side): string => (side === 'left' ? 'App A' : 'App B');

export function transformKind(t: Transform): TransformKind {
  return t.kind === 'case' ? t.to : t.kind;
}

/** A new transform of a kind, with parameters a user only has to adjust. */
export function defaultTransform(kind: TransformKind, type: ValueType): Transform {
  switch (kind) {
    case 'trim':
      return { kind: 'trim' };
    case 'lower':
    case 'upper':
    case 'title':
      return { kind: 'case', to: kind };
    case 'value-map':
      return { kind: 'value-map', values: { '': '' } };
    case 'coerce':
      return { kind: 'coerce', to: type };
  }
}

/** One short phrase per transform, for the compact row ("trim · map 2 values · as number"). */
export function describeTransform(t: Transform): string {
  switch (t.kind) {
    case 'trim':
      return 'trim';
    case 'case':
      return `${t.to} case`;
    case 'value-map': {
      const n = Object.keys(t.values).length;
      return `map ${n} value${n === 1 ? '' : 's'}`;
    }
    case 'coerce':
      return `as ${t.to}`;
  }
}

/** What a side reads, in one line: "first_name + last_name" and its transforms. */
export function describeSide(side: SideField): { fields: string; transforms: string } {
  return {
    fields: side.fields.length === 0 ? '(none)' : side.fields.join(' + '),
    transforms: (side.transforms ?? []).map(describeTransform).join(' · '),
  };
}

/** A visible form of a separator: spaces would vanish on screen. */
export function showSeparator(sep: string | undefined): string {
  const s = sep ?? ' ';
  if (s === '') return '(none)';
  return `“${s.replace(/ /g, '␣')}”`;
}

/**
 * Sets a side's app fields. Joining a second field gives it the default separator explicitly, so
 * the user sees what the engine splits on; back to one field, the separator is dropped.
 */
export function withFields(side: SideField, fields: string[]): SideField {
  const next: SideField = { ...side, fields };
  if (fields.length > 1) next.separator = side.separator ?? ' ';
  else delete next.separator;
  return next;
}

export type ValueMapRow = { from: string; to: string };

export function valueMapRows(values: Record<string, string>): ValueMapRow[] {
  return Object.entries(values).map(([from, to]) => ({ from, to }));
}

/**
 * Rows back into the engine's record. Rows whose key repeats an earlier one cannot live in a
 * record: the first wins, and `problemsOfValueMapRows` tells the user about the others.
 */
export function rowsToValueMap(rows: ValueMapRow[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const r of rows) if (!Object.hasOwn(values, r.from)) values[r.from] = r.to;
  return values;
}

/** Problems a user can see while editing the rows of one value map (duplicates included). */
export function problemsOfValueMapRows(rows: ValueMapRow[]): string[] {
  const problems: string[] = [];
  if (rows.length === 0) problems.push('Add at least one value to map, or remove this transform.');
  if (rows.some((r) => r.from === '')) problems.push('A row has no app value: type the value as the app stores it (for example "prod").');
  if (rows.some((r) => r.from !== '' && r.to === '')) problems.push('A row has no Concord value: type what the app value stands for (for example "production").');
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.from !== '' && seen.has(r.from)) problems.push(`The app value "${r.from}" is listed twice; keep one row for it.`);
    seen.add(r.from);
  }
  return problems;
}

export type MappingProblem = { row: number; side?: Side; message: string };

/**
 * Everything that keeps a mapping from being sent, each with the row it concerns and a sentence
 * saying what to do. `appFields` (when known) are the fields each app really has.
 */
export function validateMapping(fields: FieldMapping[], appFields?: Partial<Record<Side, string[]>>): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const names = fields.map((f) => f.name.trim());
  fields.forEach((f, row) => {
    const label = names[row] ? `"${names[row]}"` : `row ${row + 1}`;
    if (!names[row]) problems.push({ row, message: `Row ${row + 1} needs a name (the field's name inside Concord).` });
    else if (names.indexOf(names[row] ?? '') !== row) problems.push({ row, message: `The name "${names[row]}" is used twice; each mapped field needs its own name.` });
    // The engine refuses this too; saying it here puts the message beside the row.
    if (f.policy === 'merge-set' && f.type !== 'set') {
      problems.push({ row, message: `${label} is a ${f.type} field: "Merge sets" only merges set fields (lists such as tags). Change its type to set, or choose another policy.` });
    }
    for (const side of ['left', 'right'] as const) {
      const sf = f[side];
      const app = sideLabel(side);
      if (sf.fields.length === 0 || sf.fields.some((x) => x === '')) {
        problems.push({ row, side, message: `Choose the ${app} field for ${label}.` });
      }
      const dupField = sf.fields.find((x, i) => x !== '' && sf.fields.indexOf(x) !== i);
      if (dupField) problems.push({ row, side, message: `${label} joins the ${app} field "${dupField}" twice; join each field once.` });
      const known = appFields?.[side];
      const missing = known ? sf.fields.filter((x) => x !== '' && !known.includes(x)) : [];
      for (const m of missing) problems.push({ row, side, message: `${app} has no field "${m}" (mapped for ${label}); choose one of its fields.` });
      if (sf.fields.length > 1) {
        const sep = sf.separator ?? ' ';
        if (sep === '') problems.push({ row, side, message: `${label} joins ${sf.fields.length} ${app} fields but has no separator: type one (a space is usual), else Concord cannot split the value back.` });
        if (sep.length > MAX_SEPARATOR) problems.push({ row, side, message: `The ${app} separator of ${label} is longer than ${MAX_SEPARATOR} characters.` });
      }
      const transforms = sf.transforms ?? [];
      if (transforms.length > MAX_TRANSFORMS) problems.push({ row, side, message: `${label} has more than ${MAX_TRANSFORMS} ${app} transforms.` });
      for (const t of transforms) {
        if (t.kind !== 'value-map') continue;
        for (const message of problemsOfValueMapRows(valueMapRows(t.values))) problems.push({ row, side, message: `${label}, ${app} value map: ${message}` });
      }
    }
  });
  // Two canonical fields writing the same app field would overwrite each other on every sync.
  for (const side of ['left', 'right'] as const) {
    const owner = new Map<string, number>();
    fields.forEach((f, row) => {
      for (const x of new Set(f[side].fields)) {
        if (x === '') continue;
        const first = owner.get(x);
        if (first === undefined) owner.set(x, row);
        else problems.push({ row, side, message: `The ${sideLabel(side)} field "${x}" is mapped twice (${names[first] || `row ${first + 1}`} and ${names[row] || `row ${row + 1}`}); map each app field once.` });
      }
    });
  }
  return problems;
}

const norm = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Suggests a mapping: fields whose normalized names are equal (e_mail ~ Email), and the same type
 * where both sides declare one; the key fields of each side are left out (each app owns its ids).
 */
export function suggestMapping(left: CollectionInfo | undefined, right: CollectionInfo | undefined): FieldMapping[] {
  if (!left || !right) return [];
  const used = new Set<string>();
  const mapping: FieldMapping[] = [];
  // Keys and the columns a connector keeps itself (last-modified time, sync flag, Concord's id) are
  // never suggested: each app has its own, and syncing them both ways would change them every run.
  for (const lf of left.fields) {
    if (left.primaryKey.includes(lf.name) || lf.managed) continue;
    const rf = right.fields.find((f) => !used.has(f.name) && !right.primaryKey.includes(f.name) && !f.managed && norm(f.name) === norm(lf.name));
    if (!rf) continue;
    used.add(rf.name);
    mapping.push({
      name: lf.name,
      type: lf.type === rf.type ? lf.type : 'string',
      left: { fields: [lf.name] },
      right: { fields: [rf.name] },
      direction: 'both',
    });
  }
  return mapping;
}

