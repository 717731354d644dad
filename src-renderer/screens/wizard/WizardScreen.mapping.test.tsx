// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldMapping } from '../../../src-main/engine/api/model';
import { argsOf, connectBoth, expectStep, methods, mountWizard, nextButton, toMapping, type Wizard } from './wizard-test-kit';

afterEach(cleanup);

const optionTexts = (select: HTMLElement): (string | null)[] => within(select).getAllByRole('option').map((o) => o.textContent);
const value = (role: 'combobox' | 'textbox', name: string): string => screen.getByRole<HTMLInputElement | HTMLSelectElement>(role, { name }).value;

/** The mapping as the engine receives it: Next to Matching, then the preview's config. */
async function mappingSent(w: Wizard): Promise<FieldMapping[]> {
  await w.user.click(nextButton());
  await expectStep(5, 'Matching');
  await w.user.click(screen.getByRole('button', { name: 'Preview the first sync' }));
  await screen.findByRole('region', { name: 'Preview' });
  const args = argsOf(w.bridge, 'pairs/preview').at(-1);
  if (!args || !('config' in args)) throw new Error('no preview of a draft config was asked for');
  return args.config.fields;
}

describe('wizard, collections', () => {
  it('each side’s picker lists the collections its app describes, and both must be chosen', async () => {
    const w = mountWizard();
    await connectBoth(w);
    const a = screen.getByRole('combobox', { name: 'App A · Sales CRM' });
    const b = screen.getByRole('combobox', { name: 'App B · Shop DB' });
    expect(optionTexts(a)).toEqual(['(choose)', 'contacts (6 fields)', 'companies (2 fields)']);
    expect(optionTexts(b)).toEqual(['(choose)', 'orders (2 fields)', 'customers (8 fields)']);
    // Each side was described through its own connection.
    expect(argsOf(w.bridge, 'connections/describe')).toEqual([{ connectionId: 'conn-1' }, { connectionId: 'conn-2' }]);
    expect(value('combobox', 'App A · Sales CRM')).toBe('contacts');

    await w.user.selectOptions(b, '(choose)');
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe('Choose a collection on each side.');
    await expectStep(3, 'Collections');
  });
});

describe('wizard, field mapping', () => {
  it('suggests the fields of the same name with their shared type, and leaves out keys, managed columns and fields without a partner', async () => {
    const w = mountWizard();
    await toMapping(w);
    const table = screen.getByRole('table', { name: 'Mapped fields' });
    const names = within(table).getAllByRole<HTMLInputElement>('textbox', { name: /^Name of row/ }).map((i) => i.value);
    expect(names).toEqual(['email', 'first_name', 'age', 'tags']);
    expect(value('combobox', 'App B field for email')).toBe('E-mail');
    expect(value('combobox', 'App B field for first_name')).toBe('FirstName');
    expect(value('combobox', 'Type of email')).toBe('string');
    expect(value('combobox', 'Type of tags')).toBe('set');
    // A number in A and text in B: the shared type is text.
    expect(value('combobox', 'Type of age')).toBe('string');
    expect(value('combobox', 'Direction of email')).toBe('both');
    // The pickers offer each app's own fields.
    expect(optionTexts(screen.getByRole('combobox', { name: 'App B field for email' }))).toEqual(['(choose)', 'customer_id', 'E-mail', 'FirstName', 'age', 'tags', 'notes', 'id', 'modified_at']);
    expect(screen.queryByText('To fix before going on:')).toBeNull();
  });

  it('with collections that share no field name, suggests nothing and Next asks for one field', async () => {
    const w = mountWizard();
    await connectBoth(w); // contacts ↔ orders
    await w.user.click(nextButton());
    await expectStep(4, 'Field mapping');
    expect(screen.queryByRole('table', { name: 'Mapped fields' })).toBeNull();
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe('Map at least one field.');
    await expectStep(4, 'Field mapping');
  });

  it('a field can be re-pointed, given a transform and a direction, and the engine receives exactly that', async () => {
    const w = mountWizard();
    await toMapping(w);
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'App B field for first_name' }), 'notes');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Direction of email' }), 'A → B only');

    await w.user.click(screen.getByRole('button', { name: 'Edit details of email' }));
    const aSide = screen.getByRole('group', { name: 'App A side of email' });
    await w.user.selectOptions(within(aSide).getByRole('combobox', { name: 'Add an App A transform to email' }), 'Trim spaces');
    await w.user.selectOptions(within(aSide).getByRole('combobox', { name: 'Add an App A transform to email' }), 'Lower case');
    expect(value('combobox', 'App A transform 1 of email')).toBe('trim');
    expect(value('combobox', 'App A transform 2 of email')).toBe('lower');
    // The compact row says what the side does.
    const row = screen.getByRole('textbox', { name: 'Name of row 1' }).closest('tr');
    expect(row?.textContent).toContain('trim · lower case');

    await w.user.click(screen.getByRole('button', { name: 'Add a field' }));
    await w.user.type(screen.getByRole('textbox', { name: 'Name of row 5' }), 'external id');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'App A field for external id' }), 'id');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'App B field for external id' }), 'id');

    const fields = await mappingSent(w);
    expect(fields).toEqual([
      { name: 'email', type: 'string', left: { fields: ['email'], transforms: [{ kind: 'trim' }, { kind: 'case', to: 'lower' }] }, right: { fields: ['E-mail'] }, direction: 'left-to-right' },
      { name: 'first_name', type: 'string', left: { fields: ['first_name'] }, right: { fields: ['notes'] }, direction: 'both' },
      { name: 'age', type: 'string', left: { fields: ['age'] }, right: { fields: ['age'] }, direction: 'both' },
      { name: 'tags', type: 'set', left: { fields: ['tags'] }, right: { fields: ['tags'] }, direction: 'both' },
      { name: 'external id', type: 'string', left: { fields: ['id'] }, right: { fields: ['id'] }, direction: 'both' },
    ]);
  });

  it('a value map is edited row by row and sent as the engine’s record', async () => {
    const w = mountWizard();
    await toMapping(w);
    await w.user.click(screen.getByRole('button', { name: 'Edit details of first_name' }));
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Add an App B transform to first_name' }), 'Map values');
    await w.user.type(screen.getByRole('textbox', { name: 'App B value 1 for first_name' }), 'Bob');
    await w.user.type(screen.getByRole('textbox', { name: 'Concord value 1 for first_name (App B)' }), 'Robert');
    await w.user.click(screen.getByRole('button', { name: 'Add a value' }));
    await w.user.type(screen.getByRole('textbox', { name: 'App B value 2 for first_name' }), 'Liz');
    await w.user.type(screen.getByRole('textbox', { name: 'Concord value 2 for first_name (App B)' }), 'Elizabeth');

    const fields = await mappingSent(w);
    expect(fields.find((f) => f.name === 'first_name')?.right).toEqual({ fields: ['FirstName'], transforms: [{ kind: 'value-map', values: { Bob: 'Robert', Liz: 'Elizabeth' } }] });
  });

  it('refuses an invalid mapping on Next with a message that names the field, and goes on once it is fixed', async () => {
    const w = mountWizard();
    await toMapping(w);
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Conflict policy of first_name' }), 'Merge sets (union)');
    const message = '"first_name" is a string field: "Merge sets" only merges set fields (lists such as tags). Change its type to set, or choose another policy.';
    // Listed under the table at once…
    expect(screen.getByText('To fix before going on:').closest('div')?.textContent).toContain(message);
    // …and Next says it and stays.
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe(message);
    await expectStep(4, 'Field mapping');

    await w.user.selectOptions(screen.getByRole('combobox', { name: 'App B field for age' }), 'E-mail');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Conflict policy of first_name' }), 'Pair default');
    // The message follows the edits: the next problem replaces the fixed one.
    expect(screen.getByRole('alert').textContent).toBe('The App B field "E-mail" is mapped twice (email and age); map each app field once.');
    await w.user.click(nextButton());
    await expectStep(4, 'Field mapping');

    await w.user.selectOptions(screen.getByRole('combobox', { name: 'App B field for age' }), 'age');
    expect(screen.queryByRole('alert')).toBeNull();
    await w.user.click(nextButton());
    await expectStep(5, 'Matching');
    expect(methods(w.bridge)).not.toContain('pairs/preview');
  });

  it('refuses an unfinished value map and a field left without a name', async () => {
    const w = mountWizard();
    await toMapping(w);
    await w.user.click(screen.getByRole('button', { name: 'Edit details of tags' }));
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Add an App A transform to tags' }), 'Map values');
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe('"tags", App A value map: A row has no app value: type the value as the app stores it (for example "prod").');
    await w.user.click(screen.getByRole('button', { name: 'Remove App A transform 1 of tags' }));
    expect(screen.queryByRole('alert')).toBeNull();

    await w.user.clear(screen.getByRole('textbox', { name: 'Name of row 3' }));
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe("Row 3 needs a name (the field's name inside Concord).");
    await expectStep(4, 'Field mapping');
  });
});
