// @vitest-environment happy-dom
// The two conflicts that are not about field values: an edit on one side against a delete on the
// other (bob), and a record that matched several on the other side (carol).
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConflictDetail } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { callsOf, details, giveTheListAHeight, listedRecords, mountInbox, panelTitle, resolved, summaries } from './inbox-test-kit';

beforeAll(giveTheListAHeight);
afterEach(cleanup);

const { bob, carol } = summaries;
const rowsOf = (table: HTMLElement) => within(table).getAllByRole('row').map((r) => [...r.children].map((c) => c.textContent));
const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('Edit vs delete panel', () => {
  const openBob = (over: Parameters<typeof mountInbox>[0] = {}) => mountInbox(over, { name: 'conflicts', conflictId: bob.id });

  it('says which app deleted the record and which changed it, and shows the changed record', async () => {
    await openBob();
    expect(panelTitle()).toBe(bob.record);
    expect(screen.getByText(/deleted this record/).textContent).toBe('CRM deleted this record, while Billing changed it since the last sync.');
    expect(rowsOf(screen.getByRole('table', { name: 'The updated record' }))).toEqual([
      ['Field', 'Last synced', 'Now in Billing'],
      ['city', 'Oslo', 'Bergen'],
      ['name', 'Bob', 'Robert'],
    ]);
    // No field-by-field merge here.
    expect(screen.queryByRole('table', { name: 'Fields of this record' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Apply' })).toBeNull();
  });

  it('Keep the updated record resolves it with keep: updated', async () => {
    const { bridge, user } = await openBob();
    await user.click(button('Keep the updated record'));
    await waitFor(() => expect(listedRecords()).not.toContain(bob.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([{ conflictId: bob.id, resolution: { kind: 'update-delete', keep: 'updated' } }]);
  });

  it('issue 13: "Delete it on both sides" asks first, naming both apps; the notice says what was deleted and where to restore it', async () => {
    const { bridge, user, store } = await openBob({ 'conflicts/resolve': ({ conflictId }) => ({ ...resolved(conflictId), wrote: { left: 0, right: 1 } }) });
    await user.click(button('Delete it on both sides'));
    const dialog = screen.getByRole('dialog', { name: `Delete ${bob.record} in Billing too?` });
    expect(dialog.textContent).toContain('CRM deleted this record. Concord will delete it in Billing as well');
    expect(dialog.textContent).toContain('neither CRM nor Billing holds it');
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
    await user.click(button('Delete it on both sides'));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete in Billing' }));
    await waitFor(() => expect(listedRecords()).not.toContain(bob.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([{ conflictId: bob.id, resolution: { kind: 'update-delete', keep: 'deleted' } }]);
    expect(store.getState().notices.map((n) => `${n.tone}: ${n.text}`)).toEqual([`success: Resolved ${bob.record}: deleted in Billing (CRM had deleted it already). Restore it from the pair's Activity tab.`]);
  });

  it('both ways out are disabled while the engine writes', async () => {
    let finish: () => void = () => {};
    const { bridge, user } = await openBob({
      'conflicts/resolve': ({ conflictId }) => new Promise((done) => (finish = () => done(resolved(conflictId)))),
    });
    await user.click(button('Keep the updated record'));
    await waitFor(() => expect(button('Keep the updated record').disabled).toBe(true));
    expect(button('Delete it on both sides').disabled).toBe(true);
    await user.click(button('Delete it on both sides'));
    finish();
    await waitFor(() => expect(listedRecords()).not.toContain(bob.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toHaveLength(1);
  });

  it('the merge keys 1, 2 and Enter do nothing here', async () => {
    const { bridge, user } = await openBob();
    await user.keyboard('12{Enter}');
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
    expect(panelTitle()).toBe(bob.record);
  });

  it('an error from the engine is shown and the conflict stays open', async () => {
    const { user } = await openBob({
      'conflicts/resolve': () => {
        throw new ApiCallError('connector-error', 'CRM could not restore bob@example.com: the table is read-only.', 'conflicts/resolve');
      },
    });
    await user.click(button('Keep the updated record'));
    expect((await screen.findByRole('alert')).textContent).toContain('CRM could not restore bob@example.com: the table is read-only.');
    expect(listedRecords()).toContain(bob.record);
    expect(button('Keep the updated record').disabled).toBe(false);
  });
});

describe('Duplicate match panel', () => {
  const openCarol = (over: Parameters<typeof mountInbox>[0] = {}) => mountInbox(over, { name: 'conflicts', conflictId: carol.id });

  it('shows the record beside its candidates, and why an already linked one cannot be chosen', async () => {
    await openCarol();
    expect(panelTitle()).toBe(carol.record);
    const intro = screen.getByText((_, el) => el?.tagName === 'P' && (el.textContent ?? '').startsWith('This record of'));
    expect(intro.textContent).toContain('This record of Billing matched 2 records in CRM on the pair\'s match keys.');
    expect(intro.textContent).toContain('A candidate already linked to another record cannot be linked again');
    expect(rowsOf(screen.getByRole('table', { name: 'Record and its candidates' }))).toEqual([
      ['Field', 'This record', 'Candidate 1', 'Candidate 2already linked'],
      // Each unlinked record can be deleted as a stale copy; the linked candidate cannot.
      ['Record id', 'r-1Delete', 'crm-7Delete', 'crm-9'],
      ['email', 'carol@example.com', 'carol@example.com', 'carol@example.com'],
      ['name', 'Carol King', 'Carol King', 'C. King'],
      ['phone', '(missing)', '555-0700', '(missing)'],
    ]);
    expect(button('Link to candidate 1').disabled).toBe(false);
    expect(button('Link to candidate 2').disabled).toBe(true);
    expect(button('Link to candidate 2').title).toBe('Already linked to another record');
  });

  it('Link to candidate 1 links to that candidate’s id', async () => {
    const { bridge, user } = await openCarol();
    await user.click(button('Link to candidate 1'));
    await waitFor(() => expect(listedRecords()).not.toContain(carol.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([{ conflictId: carol.id, resolution: { kind: 'duplicate', linkTo: 'crm-7' } }]);
  });

  it('Delete under a record id asks first, then deletes that stale copy: the duplicate itself, or a candidate', async () => {
    const { bridge, user } = await openCarol();
    await user.click(button('Delete record r-1 in Billing'));
    const dialog = screen.getByRole('dialog', { name: 'Delete record r-1 in Billing?' });
    expect(dialog.textContent).toContain('Concord deletes record r-1 in Billing, as a stale copy');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
    expect(screen.queryByRole('button', { name: 'Delete record crm-9 in CRM' })).toBeNull(); // linked: not offered
    await user.click(button('Delete record crm-7 in CRM'));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete record crm-7 in CRM?' })).getByRole('button', { name: 'Delete it' }));
    await waitFor(() => expect(listedRecords()).not.toContain(carol.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([{ conflictId: carol.id, resolution: { kind: 'delete-duplicate', candidate: 'crm-7' } }]);
  });

  it('issue 13: a record held for want of a match key says so, and is created from here', async () => {
    const base = details[carol.id];
    if (!base) throw new Error('the test kit has no detail for carol');
    const held: ConflictDetail = { ...base, duplicate: { side: 'right' as const, record: { email: null, name: 'Carol King' }, candidates: [], emptyKey: true as const } };
    const { bridge, user } = await openCarol({ 'conflicts/get': () => held });
    const intro = screen.getByText((_, el) => el?.tagName === 'P' && (el.textContent ?? '').startsWith('This record of'));
    expect(intro.textContent).toBe(
      "This record of Billing has no value for the pair's match keys, so Concord cannot tell whether CRM holds it already. Create it as a new record in CRM, or delete it (the Delete under its id). Once it has a key in Billing, the next sync matches it by itself.",
    );
    await user.click(button('Create as a new record'));
    await waitFor(() => expect(callsOf(bridge, 'conflicts/resolve')).toEqual([{ conflictId: carol.id, resolution: { kind: 'duplicate', linkTo: null } }]));
  });

  it('Create as a new record links to none', async () => {
    const { bridge, user } = await openCarol();
    await user.click(button('Create as a new record'));
    await waitFor(() => expect(listedRecords()).not.toContain(carol.record));
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([{ conflictId: carol.id, resolution: { kind: 'duplicate', linkTo: null } }]);
  });

  it('an outcome the engine could not write says why and keeps the conflict', async () => {
    const { user } = await openCarol({
      'conflicts/resolve': ({ conflictId }) => ({ conflictId, status: 'failed', wrote: { left: 0, right: 0 }, error: 'crm-7 was deleted in CRM meanwhile' }),
    });
    await user.click(button('Link to candidate 1'));
    await waitFor(() => expect(screen.getByText(/^Not resolved/).textContent).toBe('Not resolved: crm-7 was deleted in CRM meanwhile. The conflict stays open.'));
    expect(listedRecords()).toContain(carol.record);
  });
});
