import { describe, expect, it } from 'vitest';
import type { CollectionInfo, FieldMapping, Transform } from '../../../src-main/engine/api/model';
import {
  defaultTransform,
  describeSide,
  problemsOfValueMapRows,
  rowsToValueMap,
  showSeparator,
  suggestMapping,
  validateMapping,
  valueMapRows,
  withFields,
} from './mapping-model';

const field = (name: string, left: string[], right: string[], extra: Partial<FieldMapping> = {}): FieldMapping => ({
  name,
  type: 'string',
  left: { fields: left },
  right: { fields: right },
  direction: 'both',
  ...extra,
});

describe('validateMapping', () => {
  it('accepts a join with a separator and a complete value map', () => {
    const fields = [
      field('full_name', ['first_name', 'last_name'], ['Full Name'], { left: { fields: ['first_name', 'last_name'], separator: ' ' } }),
      field('plan', ['plan'], ['tier'], { left: { fields: ['plan'], transforms: [{ kind: 'trim' }, { kind: 'value-map', values: { prod: 'production' } }] } }),
    ];
    expect(validateMapping(fields, { left: ['first_name', 'last_name', 'plan'], right: ['Full Name', 'tier'] })).toEqual([]);
  });

  it('merge-set on a field that is not a set is named (it would join two names into one)', () => {
    expect(validateMapping([field('name', ['name'], ['name'], { policy: 'merge-set' })]).map((p) => p.message)).toEqual([
      '"name" is a string field: "Merge sets" only merges set fields (lists such as tags). Change its type to set, or choose another policy.',
    ]);
    expect(validateMapping([field('tags', ['tags'], ['tags'], { type: 'set', policy: 'merge-set' })])).toEqual([]);
  });

  it('a joined field with an empty separator says it cannot be split back', () => {
    const problems = validateMapping([field('full_name', [], ['name'], { left: { fields: ['first', 'last'], separator: '' } })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ row: 0, side: 'left' });
    expect(problems[0]?.message).toMatch(/joins 2 App A fields but has no separator/);
  });

  it('a value map with an empty key or an empty Concord value is named', () => {
    const messages = validateMapping([field('plan', ['plan'], ['tier'], { right: { fields: ['tier'], transforms: [{ kind: 'value-map', values: { '': 'x', dev: '' } }] } })]).map((p) => p.message);
    expect(messages).toEqual([expect.stringMatching(/App B value map: A row has no app value/), expect.stringMatching(/App B value map: A row has no Concord value/)]);
  });

  it('two fields with the same name, an empty name, and a missing side field', () => {
    const messages = validateMapping([field('email', ['email'], ['email']), field('email', ['mail'], ['mail']), field(' ', ['x'], [])]).map((p) => p.message);
    expect(messages).toContain('The name "email" is used twice; each mapped field needs its own name.');
    expect(messages).toContain('Row 3 needs a name (the field\'s name inside Concord).');
    expect(messages).toContain('Choose the App B field for row 3.');
  });

  it('one app field mapped by two canonical fields, or joined twice, is refused', () => {
    const messages = validateMapping([field('a', ['email'], ['x']), field('b', ['email', 'email'], ['y'], { left: { fields: ['email', 'email'], separator: ' ' } })]).map((p) => p.message);
    expect(messages).toContain('"b" joins the App A field "email" twice; join each field once.');
    expect(messages).toContain('The App A field "email" is mapped twice (a and b); map each app field once.');
  });

  it('a field the app does not have is named (a renamed or dropped column)', () => {
    expect(validateMapping([field('city', ['town'], ['city'])], { left: ['city'] }).map((p) => p.message)).toEqual(['App A has no field "town" (mapped for "city"); choose one of its fields.']);
  });

  it('a separator longer than the engine accepts', () => {
    expect(validateMapping([field('n', [], ['n'], { left: { fields: ['a', 'b'], separator: '12345678901' } })])[0]?.message).toMatch(/longer than 10/);
  });
});

describe('value-map rows', () => {
  it('round-trip a record, keep the first of a repeated key and report the repeat', () => {
    expect(valueMapRows({ prod: 'production', dev: 'development' })).toEqual([
      { from: 'prod', to: 'production' },
      { from: 'dev', to: 'development' },
    ]);
    const rows = [
      { from: 'prod', to: 'production' },
      { from: 'prod', to: 'other' },
    ];
    expect(rowsToValueMap(rows)).toEqual({ prod: 'production' });
    expect(problemsOfValueMapRows(rows)).toEqual(['The app value "prod" is listed twice; keep one row for it.']);
    expect(problemsOfValueMapRows([])).toEqual(['Add at least one value to map, or remove this transform.']);
  });
});

const valuesOf = (t: Transform): Record<string, string> => (t.kind === 'value-map' ? t.values : {});

describe('side helpers', () => {
  it('joining a second field sets the default separator; back to one drops it', () => {
    const joined = withFields({ fields: ['first'] }, ['first', 'last']);
    expect(joined).toEqual({ fields: ['first', 'last'], separator: ' ' });
    expect(withFields({ ...joined, separator: ', ' }, ['first', 'last', 'middle']).separator).toBe(', ');
    expect(withFields(joined, ['first'])).toEqual({ fields: ['first'] });
  });

  it('suggests the fields both apps share, but never keys nor the columns a connector keeps itself (updated_at, the sync flag)', () => {
    const col = (fields: CollectionInfo['fields']): CollectionInfo => ({ name: 't', fields, primaryKey: ['id'], changeDetection: ['cursor', 'hash'] });
    const left = col([
      { name: 'id', type: 'number', nullable: false, key: true },
      { name: 'Email', type: 'string', nullable: true },
      { name: 'updated_at', type: 'string', nullable: true, managed: 'updated-at' },
      { name: 'needs_sync', type: 'number', nullable: true, managed: 'sync-flag' },
    ]);
    const right = col([
      { name: 'id', type: 'number', nullable: false, key: true },
      { name: 'email', type: 'string', nullable: true },
      { name: 'updated_at', type: 'string', nullable: true, managed: 'updated-at' },
      { name: 'needs_sync', type: 'number', nullable: true },
    ]);
    expect(suggestMapping(left, right).map((f) => [f.left.fields[0], f.right.fields[0]])).toEqual([['Email', 'email']]);
  });

  it('summaries and defaults', () => {
    expect(describeSide({ fields: ['first', 'last'], transforms: [{ kind: 'trim' }, { kind: 'case', to: 'title' }, { kind: 'value-map', values: { a: 'b' } }, { kind: 'coerce', to: 'number' }] })).toEqual({
      fields: 'first + last',
      transforms: 'trim · title case · map 1 value · as number',
    });
    expect(showSeparator(undefined)).toBe('“␣”');
    expect(showSeparator(', ')).toBe('“,␣”');
    expect(showSeparator('')).toBe('(none)');
    expect(defaultTransform('upper', 'string')).toEqual({ kind: 'case', to: 'upper' });
    expect(defaultTransform('coerce', 'date')).toEqual({ kind: 'coerce', to: 'date' });
    // A new value map starts with one empty row, which validation reports until it is filled.
    expect(problemsOfValueMapRows(valueMapRows(valuesOf(defaultTransform('value-map', 'string'))))).toHaveLength(1);
  });
});

describe('suggestMapping', () => {
  const col = (name: string, fields: [string, 'string' | 'number'][], pk: string[]): CollectionInfo => ({
    name,
    fields: fields.map(([n, type]) => ({ name: n, type, nullable: true })),
    primaryKey: pk,
    changeDetection: ['hash'],
  });
  it('pairs normalized names, keeps a shared type, leaves out keys', () => {
    const left = col('a', [['id', 'number'], ['e_mail', 'string'], ['Age', 'number'], ['city', 'string']], ['id']);
    const right = col('b', [['id', 'number'], ['Email', 'string'], ['age', 'string']], ['id']);
    expect(suggestMapping(left, right).map((m) => [m.name, m.type, m.left.fields[0], m.right.fields[0]])).toEqual([
      ['e_mail', 'string', 'e_mail', 'Email'],
      ['Age', 'string', 'Age', 'age'],
    ]);
  });
});
