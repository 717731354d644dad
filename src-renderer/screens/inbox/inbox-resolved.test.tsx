// @vitest-environment happy-dom
// Issue 13 §1 "A resolved conflict stays on screen with working buttons": a conflict that is no
// longer open shows who resolved it, when and what — with no buttons — also when its address is
// opened again (a reload keeps the id); and after the last conflict of a filter is resolved, the
// filter controls still show the filter that is applied.
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatTime } from '../../components/widgets';
import { RESOLVED_BY_ANN, callsOf, giveTheListAHeight, listedRecords, mountInbox, panelTitle, summaries } from './inbox-test-kit';

beforeAll(giveTheListAHeight);
afterEach(cleanup);

const filters = () => within(screen.getByRole('search', { name: 'Filter conflicts' }));
const shown = (name: RegExp) => (filters().getByRole('combobox', { name }) as HTMLSelectElement).selectedOptions[0]?.textContent;

describe('a resolved conflict', () => {
  it('opened by its address, it says who resolved it, when and what, and offers no buttons', async () => {
    const { bridge } = await mountInbox((engine) => {
      engine.resolve([summaries.bob.id]);
      return {};
    }, { name: 'conflicts', conflictId: summaries.bob.id });
    const note = await screen.findByRole('note', { name: 'Resolved' });
    expect(note.textContent).toContain(`Resolved by ann on ${formatTime(RESOLVED_BY_ANN.at)}: ${RESOLVED_BY_ANN.what}.`);
    expect(screen.queryByRole('button', { name: 'Keep the updated record' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete it on both sides' })).toBeNull();
    expect(callsOf(bridge, 'conflicts/resolve')).toEqual([]);
  });

  it('after the last conflict of a filter is resolved, the panel shows it resolved and the filter controls still show the filter', async () => {
    const { user } = await mountInbox();
    await user.selectOptions(filters().getByRole('combobox', { name: /^Pair/ }), 'CRM ⇄ Billing');
    await user.selectOptions(filters().getByRole('combobox', { name: /^Field/ }), 'seats');
    await waitFor(() => expect(listedRecords()).toEqual([summaries.alice.record]));
    await user.click(screen.getByRole('button', { name: summaries.alice.record }));
    await waitFor(() => expect(panelTitle()).toBe(summaries.alice.record));
    await user.click(screen.getByRole('button', { name: 'All master' }));
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(listedRecords()).toEqual([]));
    expect(await screen.findByRole('note', { name: 'Resolved' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Apply' })).toBeNull();
    // The pair's and the field's menus still show the applied filter, though nothing open has them.
    expect(shown(/^Pair/)).toBe('CRM ⇄ Billing');
    expect(shown(/^Field/)).toBe('seats');
    expect(screen.getAllByRole('status').map((s) => s.textContent).join(' ')).toContain('No conflict matches in CRM ⇄ Billing, on field seats.');
  });
});
