// @vitest-environment happy-dom
// The inbox's keys, as InboxScreen and ConflictPanel implement them: j / k next or previous
// conflict, ↑ / ↓ field, 1 take master, 2 take slave, Enter apply.
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callsOf, conflictTable, giveTheListAHeight, mountInbox, panelTitle, summaries } from './inbox-test-kit';

beforeAll(giveTheListAHeight);
afterEach(cleanup);

const { alice, bob, carol, dave } = summaries;
const pressed = (field: string) =>
  within(screen.getByRole('group', { name: `Value for ${field}` }))
    .getAllByRole('button')
    .filter((b) => b.getAttribute('aria-pressed') === 'true')
    .map((b) => b.textContent);
/** The record of the row marked as the open one. */
const activeRecord = () => {
  const rows = within(conflictTable()).getAllByRole('row').filter((r) => r.getAttribute('aria-selected') === 'true');
  return rows.map((r) => within(r).getAllByRole('button')[0]?.textContent);
};

describe('Inbox keys', () => {
  it('keep working after a row is ticked: a checkbox is not a place to type', async () => {
    const { user } = await mountInbox();
    await user.click(screen.getByRole('checkbox', { name: `Select ${alice.record}` }));
    await user.keyboard('j');
    await waitFor(() => expect(panelTitle()).toBe(carol.record));
  });

  it('j and k open the next and previous conflict in display order, and stop at the ends', async () => {
    const { user, store } = await mountInbox();
    // Newest first: carol, alice, bob, dave.
    await user.keyboard('j');
    await waitFor(() => expect(panelTitle()).toBe(carol.record));
    expect(activeRecord()).toEqual([carol.record]);
    await user.keyboard('j');
    await waitFor(() => expect(panelTitle()).toBe(alice.record));
    await user.keyboard('j');
    await waitFor(() => expect(panelTitle()).toBe(bob.record));
    await user.keyboard('k');
    await waitFor(() => expect(panelTitle()).toBe(alice.record));
    expect(activeRecord()).toEqual([alice.record]);
    await user.keyboard('kkk');
    await waitFor(() => expect(panelTitle()).toBe(carol.record));
    await user.keyboard('jjjjjj');
    await waitFor(() => expect(panelTitle()).toBe(dave.record));
    expect(store.getState().route).toEqual({ name: 'conflicts', conflictId: dave.id });
  });

  it('j follows the order the list is sorted and filtered in', async () => {
    const { user } = await mountInbox();
    await user.click(within(conflictTable()).getByRole('button', { name: 'Record' }));
    await user.selectOptions(screen.getByRole('combobox', { name: /^Kind/ }), 'Field values');
    // The select keeps the focus (typing there is not a key for the inbox); the list is clicked.
    await user.click(screen.getByRole('heading', { level: 1 }));
    await user.keyboard('j');
    await waitFor(() => expect(panelTitle()).toBe(alice.record));
    await user.keyboard('j');
    await waitFor(() => expect(panelTitle()).toBe(dave.record));
  });

  it('typing j or k in the search box searches, and moves nothing', async () => {
    const { user, store } = await mountInbox();
    await user.type(screen.getByRole('searchbox', { name: /^Search/ }), 'jk');
    expect(store.getState().route).toEqual({ name: 'conflicts' });
    expect(screen.queryByRole('heading', { level: 2 })).toBeNull();
  });

  it('1 and 2 take master and slave for the focused field and move on; ↑ / ↓ move; Enter applies', async () => {
    const { bridge, user } = await mountInbox({}, { name: 'conflicts', conflictId: alice.id });
    // The focus starts on the first conflicting field (phone).
    await user.keyboard('1');
    expect(pressed('phone')).toEqual(['Master']);
    // …and moved on to plan.
    await user.keyboard('2');
    expect(pressed('plan')).toEqual(['Slave']);
    expect(pressed('seats')).toEqual([]);
    // Now on seats; back up to plan and change its choice.
    await user.keyboard('{ArrowUp}1');
    expect(pressed('plan')).toEqual(['Master']);
    // Its next field still waiting is seats.
    await user.keyboard('2');
    expect(pressed('seats')).toEqual(['Slave']);
    expect(screen.getByText('Ready to apply')).toBeTruthy();

    await user.keyboard('{Enter}');
    await waitFor(() => expect(callsOf(bridge, 'conflicts/resolve')).toHaveLength(1));
    expect(callsOf(bridge, 'conflicts/resolve')[0]).toEqual({
      conflictId: alice.id,
      resolution: { kind: 'fields', fields: { phone: { take: 'right' }, plan: { take: 'right' }, seats: { take: 'left' } } },
    });
    // The next conflict opens, and the keys go on with it.
    await waitFor(() => expect(panelTitle()).toBe(bob.record));
  });

  it('↓ moves the focused field down, and 2 then picks there', async () => {
    const { user } = await mountInbox({}, { name: 'conflicts', conflictId: alice.id });
    await user.keyboard('{ArrowDown}{ArrowDown}2');
    expect(pressed('seats')).toEqual(['Slave']);
    expect(pressed('phone')).toEqual([]);
    expect(pressed('plan')).toEqual([]);
  });

  it('Enter with fields still to choose applies nothing and says which', async () => {
    const { bridge, user } = await mountInbox({}, { name: 'conflicts', conflictId: alice.id });
    await user.keyboard('1{Enter}');
    expect(screen.getByText('Choose a value for plan, seats first.')).toBeTruthy();
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
  });

  it('Enter on a button is that button’s own press, not Apply', async () => {
    const { bridge, user } = await mountInbox({}, { name: 'conflicts', conflictId: alice.id });
    await user.click(screen.getByRole('button', { name: 'All master' }));
    const takeSlave = within(screen.getByRole('group', { name: 'Value for plan' })).getByRole('button', { name: 'Take slave' });
    takeSlave.focus();
    await user.keyboard('{Enter}');
    expect(pressed('plan')).toEqual(['Slave']);
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
  });
});
