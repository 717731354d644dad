// @vitest-environment happy-dom
// The field-by-field merge of one conflict: what each row shows, the per-field choice, and what
// Apply sends (alice's master is the RIGHT side, Billing, so "master" must become { take: 'right' }).
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiCallError } from '../../api/call';
import { callsOf, giveTheListAHeight, listedRecords, mountInbox, panelTitle, resolved, summaries } from './inbox-test-kit';

beforeAll(giveTheListAHeight);
afterEach(cleanup);

const { alice } = summaries;
const openAlice = (over: Parameters<typeof mountInbox>[0] = {}) => mountInbox(over, { name: 'conflicts', conflictId: alice.id });

const mergeTable = () => screen.getByRole('table', { name: 'Fields of this record' });
/** The row of one field: its header cell starts with the field's name. */
function fieldRow(name: string): HTMLElement {
  const row = within(mergeTable())
    .getAllByRole('row')
    .find((r) => within(r).queryByRole('rowheader')?.textContent?.startsWith(name));
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}
/** Last synced, master, slave and result, as the row shows them. */
const cellsOf = (name: string) => within(fieldRow(name)).getAllByRole('cell').map((c) => c.textContent);
const choice = (field: string) => within(screen.getByRole('group', { name: `Value for ${field}` }));
const pressed = (field: string) =>
  choice(field)
    .getAllByRole('button')
    .filter((b) => b.getAttribute('aria-pressed') === 'true')
    .map((b) => b.textContent);
const panelStatus = () => screen.getByText((_, el) => el?.classList.contains('panel-message') ?? false);
const apply = () => screen.getByRole('button', { name: 'Apply' });

describe('Field merge panel', () => {
  it('shows every field with its last synced, master and slave values, and marks the conflicting ones', async () => {
    await openAlice();
    expect(panelTitle()).toBe(alice.record);
    const headers = within(mergeTable()).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Field', 'Last synced', 'Master Billing', 'Slave CRM', 'Result']);
    // Master is Billing (right), slave is CRM (left).
    expect(cellsOf('email')).toEqual(['alice@example.com', 'alice@example.com', 'alice@example.com', 'same on both sides']);
    // A value changed since the last sync says so to a screen reader too: "(changed)".
    expect(cellsOf('phone').slice(0, 3)).toEqual(['555-0100', '555-0199 (changed)', '555-0101 (changed)']);
    expect(cellsOf('plan').slice(0, 3)).toEqual(['free', 'team (changed)', 'pro (changed)']);
    expect(cellsOf('seats').slice(0, 3)).toEqual(['3', '4 (changed)', '5 (changed)']);
    expect(cellsOf('city')).toEqual(['Paris', 'Paris', 'Lyon (changed)', 'syncs normally']);

    const marked = (name: string) => within(within(fieldRow(name)).getByRole('rowheader')).queryByText('conflict') !== null;
    expect(['email', 'phone', 'plan', 'seats', 'city'].map(marked)).toEqual([false, true, true, true, false]);
    // A choice only for the fields in conflict.
    expect(screen.getAllByRole('group').map((g) => g.getAttribute('aria-label'))).toEqual(['Value for phone', 'Value for plan', 'Value for seats']);
    // What changed since the last sync is highlighted: city changed in CRM (the slave) only.
    const [, cityMaster, citySlave] = within(fieldRow('city')).getAllByRole('cell');
    expect(cityMaster?.classList.contains('changed')).toBe(false);
    expect(citySlave?.classList.contains('changed')).toBe(true);
    expect(screen.getByText('3 fields to choose')).toBeTruthy();
  });

  it('Apply sends exactly the chosen values: master and slave as the apps’ sides, a typed value parsed to its type', async () => {
    const { bridge, user } = await openAlice();
    await user.click(choice('phone').getByRole('button', { name: 'Take master' }));
    await user.click(choice('plan').getByRole('button', { name: 'Take slave' }));
    expect(pressed('phone')).toEqual(['Master']);
    expect(pressed('plan')).toEqual(['Slave']);

    await user.click(choice('seats').getByRole('button', { name: 'Edit' }));
    const merged = screen.getByRole('textbox', { name: 'Merged value for seats' }) as HTMLInputElement;
    // Pre-filled with the master's value, and focused to type over it.
    expect(merged.value).toBe('4');
    expect(document.activeElement).toBe(merged);
    await user.clear(merged);
    await user.type(merged, '7');
    expect(pressed('seats')).toEqual(['Edit']);
    expect(screen.getByText('Ready to apply')).toBeTruthy();

    await user.click(apply());
    await waitFor(() => expect(listedRecords()).not.toContain(alice.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([
      { conflictId: alice.id, resolution: { kind: 'fields', fields: { phone: { take: 'right' }, plan: { take: 'left' }, seats: { value: 7 } } } },
    ]);
  });

  it('a changed mind counts: the last choice per field is the one sent', async () => {
    const { bridge, user } = await openAlice();
    await user.click(screen.getByRole('button', { name: 'All master' }));
    expect(['phone', 'plan', 'seats'].map(pressed)).toEqual([['Master'], ['Master'], ['Master']]);
    await user.click(choice('plan').getByRole('button', { name: 'Take slave' }));
    expect(pressed('plan')).toEqual(['Slave']);
    await user.click(apply());
    await waitFor(() => expect(callsOf(bridge, 'conflicts/resolve')).toHaveLength(1));
    expect(callsOf(bridge, 'conflicts/resolve')[0]).toEqual({
      conflictId: alice.id,
      resolution: { kind: 'fields', fields: { phone: { take: 'right' }, plan: { take: 'left' }, seats: { take: 'right' } } },
    });
  });

  it('Enter in the merged value box applies', async () => {
    const { bridge, user } = await openAlice();
    await user.click(screen.getByRole('button', { name: 'All slave' }));
    await user.click(choice('phone').getByRole('button', { name: 'Edit' }));
    const merged = screen.getByRole('textbox', { name: 'Merged value for phone' });
    await user.clear(merged);
    await user.type(merged, '+33 1 23 45 67 89{Enter}');
    await waitFor(() => expect(callsOf(bridge, 'conflicts/resolve')).toHaveLength(1));
    expect(callsOf(bridge, 'conflicts/resolve')[0]).toEqual({
      conflictId: alice.id,
      resolution: { kind: 'fields', fields: { phone: { value: '+33 1 23 45 67 89' }, plan: { take: 'left' }, seats: { take: 'left' } } },
    });
  });

  it('Apply with a field still to choose names it and sends nothing', async () => {
    const { bridge, user } = await openAlice();
    await user.click(choice('plan').getByRole('button', { name: 'Take master' }));
    expect(screen.getByText('2 fields to choose')).toBeTruthy();
    await user.click(apply());
    expect(panelStatus().textContent).toBe('Choose a value for phone, seats first.');
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
    // The message is about the choices as they were: a new choice clears it.
    await user.click(choice('phone').getByRole('button', { name: 'Take slave' }));
    expect(panelStatus().textContent).toBe('');
  });

  it('a typed value that does not fit the field’s type is marked, and Apply is held back', async () => {
    const { bridge, user } = await openAlice();
    await user.click(screen.getByRole('button', { name: 'All master' }));
    await user.click(choice('seats').getByRole('button', { name: 'Edit' }));
    const merged = screen.getByRole('textbox', { name: 'Merged value for seats' });
    await user.clear(merged);
    await user.type(merged, 'many');
    expect(merged.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('textbox', { description: '"many" is not a number.' })).toBe(merged);
    await user.click(apply());
    expect(panelStatus().textContent).toBe('Fix the merged values marked in red first.');
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
  });

  it('an error from the engine is shown, the choices stay, and Apply again sends them again', async () => {
    let attempts = 0;
    const { bridge, user } = await openAlice({
      'conflicts/resolve': ({ conflictId }) => {
        attempts += 1;
        if (attempts === 1) throw new ApiCallError('connector-error', 'Billing did not answer in 30 s — try again in a minute.', 'conflicts/resolve');
        return resolved(conflictId);
      },
    });
    await user.click(choice('phone').getByRole('button', { name: 'Take slave' }));
    await user.click(choice('plan').getByRole('button', { name: 'Take master' }));
    await user.click(choice('seats').getByRole('button', { name: 'Edit' }));
    const merged = screen.getByRole('textbox', { name: 'Merged value for seats' });
    await user.clear(merged);
    await user.type(merged, '6');
    await user.click(apply());

    expect((await screen.findByRole('alert')).textContent).toContain('Billing did not answer in 30 s — try again in a minute.');
    expect(panelTitle()).toBe(alice.record);
    expect(pressed('phone')).toEqual(['Slave']);
    expect(pressed('plan')).toEqual(['Master']);
    expect((screen.getByRole('textbox', { name: 'Merged value for seats' }) as HTMLInputElement).value).toBe('6');
    expect(listedRecords()).toContain(alice.record);

    await user.click(apply());
    await waitFor(() => expect(listedRecords()).not.toContain(alice.record));
    const sent = { conflictId: alice.id, resolution: { kind: 'fields', fields: { phone: { take: 'left' }, plan: { take: 'right' }, seats: { value: 6 } } } };
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([sent, sent]);
  });

  it('an outcome the engine could not write says why, and the conflict stays open with its choices', async () => {
    const { user } = await openAlice({
      'conflicts/resolve': ({ conflictId }) => ({ conflictId, status: 'failed', wrote: { left: 0, right: 0 }, error: 'Billing refused the phone number' }),
    });
    await user.click(screen.getByRole('button', { name: 'All slave' }));
    await user.click(apply());
    await waitFor(() => expect(panelStatus().textContent).toBe('Not resolved: Billing refused the phone number. The conflict stays open.'));
    expect(listedRecords()).toContain(alice.record);
    expect(['phone', 'plan', 'seats'].map(pressed)).toEqual([['Slave'], ['Slave'], ['Slave']]);
  });

  it('Apply is disabled and says so while the engine writes', async () => {
    let finish: () => void = () => {};
    const { bridge, user } = await openAlice({
      'conflicts/resolve': ({ conflictId }) => new Promise((done) => (finish = () => done(resolved(conflictId)))),
    });
    await user.click(screen.getByRole('button', { name: 'All master' }));
    await user.click(apply());
    const busy = await screen.findByRole('button', { name: 'Applying…' });
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    await user.click(busy);
    finish();
    await waitFor(() => expect(listedRecords()).not.toContain(alice.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toHaveLength(1);
  });

  it('after Apply the next conflict in the list takes the panel, and the outcome stays readable as a notice', async () => {
    const { store, user } = await openAlice();
    // Newest first: carol, alice, bob, dave. Alice leaves; bob is now where alice was.
    await user.click(screen.getByRole('button', { name: 'All master' }));
    await user.click(apply());
    await waitFor(() => expect(panelTitle()).toBe(summaries.bob.record));
    expect(listedRecords()).toEqual([summaries.carol.record, summaries.bob.record, summaries.dave.record]);
    expect(store.getState().notices.map((n) => `${n.tone}: ${n.text}`)).toEqual([`success: Resolved ${alice.record}: updated in CRM and in Billing.`]);
  });

  it('unapplied choices are kept while the steward looks at another conflict', async () => {
    const { store, user } = await openAlice();
    await user.click(choice('phone').getByRole('button', { name: 'Take slave' }));
    await user.click(choice('seats').getByRole('button', { name: 'Edit' }));
    const merged = screen.getByRole('textbox', { name: 'Merged value for seats' });
    await user.clear(merged);
    await user.type(merged, '9');
    await user.click(within(screen.getByRole('table', { name: 'Open conflicts' })).getByRole('button', { name: summaries.dave.record }));
    await waitFor(() => expect(panelTitle()).toBe(summaries.dave.record));
    await user.click(within(screen.getByRole('table', { name: 'Open conflicts' })).getByRole('button', { name: alice.record }));
    await waitFor(() => expect(panelTitle()).toBe(alice.record));
    await screen.findByRole('table', { name: 'Fields of this record' });
    expect(pressed('phone')).toEqual(['Slave']);
    expect(pressed('plan')).toEqual([]);
    expect((screen.getByRole('textbox', { name: 'Merged value for seats' }) as HTMLInputElement).value).toBe('9');
    expect(store.getState().route).toEqual({ name: 'conflicts', conflictId: alice.id });
  });
});
