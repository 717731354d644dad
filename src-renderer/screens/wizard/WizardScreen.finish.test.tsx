// @vitest-environment happy-dom
import { act, cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PairConfig, RunSummary } from '../../../src-main/engine/api/model';
import { ApiCallError } from '../../api/call';
import { argsOf, expectStep, methods, mountWizard, nextButton, PREVIEW, toMatching, wizardEngine, type Wizard } from './wizard-test-kit';

afterEach(cleanup);

/** The preview's numbers as term → value. */
function previewNumbers(): Record<string, string> {
  const region = screen.getByRole('region', { name: 'Preview' });
  const terms = within(region).getAllByRole('term').map((t) => t.textContent ?? '');
  const values = within(region).getAllByRole('definition').map((d) => d.textContent ?? '');
  return Object.fromEntries(terms.map((t, i) => [t, values[i] ?? '']));
}

/** One group of examples, found by its summary ("Examples: Ambiguous (1)"): per example its key, then a line per record. */
function examples(summary: string): string[][] {
  const details = screen.getByText(summary).closest('details');
  if (!details) throw new Error(`no examples titled ${summary}`);
  return within(details)
    .getAllByRole('table')
    .map((table) => {
      const [head, ...rows] = within(table).getAllByRole('row');
      const fields = within(head!).getAllByRole('columnheader').map((h) => h.textContent ?? '');
      const lines = rows.map((row) => {
        const [label, ...cells] = [within(row).getByRole('rowheader'), ...within(row).getAllByRole('cell')].map((c) => c.textContent ?? '');
        return `${label}: ${cells.map((v, i) => `${fields[i]}=${v}`).join(', ')}`;
      });
      return [table.querySelector('caption')?.textContent ?? '', ...lines];
    });
}

async function next(w: Wizard, n: number, title: string): Promise<void> {
  await w.user.click(nextButton());
  await expectStep(n, title);
}

describe('wizard, matching', () => {
  it('offers the mapped fields as match keys, the email one chosen, and previews with the keys chosen', async () => {
    const w = mountWizard();
    await toMatching(w);
    const keys = screen.getByRole('group', { name: 'Match existing records on' });
    expect(within(keys).getAllByRole('checkbox').map((c) => c.parentElement?.textContent)).toEqual(['email', 'first_name', 'age', 'tags']);
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'email' }).checked).toBe(true);

    await w.user.click(screen.getByRole('checkbox', { name: 'email' }));
    expect(screen.getByRole('button', { name: 'Preview the first sync' }).hasAttribute('disabled')).toBe(true);
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe('Choose at least one field to match existing records on (an email or a customer number works well).');
    await expectStep(5, 'Matching');

    await w.user.click(screen.getByRole('checkbox', { name: 'first_name' }));
    await w.user.click(screen.getByRole('checkbox', { name: 'age' }));
    await w.user.click(screen.getByRole('button', { name: 'Preview the first sync' }));
    await screen.findByRole('region', { name: 'Preview' });
    const sent = argsOf(w.bridge, 'pairs/preview').map((a) => ('config' in a ? a.config : null));
    expect(sent.map((c) => c?.matchKeys)).toEqual([['first_name', 'age']]);
    expect(sent[0]?.left).toEqual({ connectionId: 'conn-1', collection: 'contacts' });
    expect(sent[0]?.right).toEqual({ connectionId: 'conn-2', collection: 'customers' });
  });

  it('the preview shows matched, to create on each side, conflicts and ambiguous keys, with examples', async () => {
    const w = mountWizard();
    await toMatching(w);
    expect(screen.queryByRole('region', { name: 'Preview' })).toBeNull();
    await w.user.click(screen.getByRole('button', { name: 'Preview the first sync' }));
    await screen.findByRole('region', { name: 'Preview' });

    expect(previewNumbers()).toEqual({ Matched: '6', 'To create in A': '2', 'To create in B': '4', 'Differ — master wins': '3', Ambiguous: '1' });
    expect(within(screen.getByRole('region', { name: 'Preview' })).getByText(/A holds 12 records, B holds 9\./)).toBeTruthy();
    expect(examples('Examples: Matched (1)')).toEqual([['ann@example.com', 'App A: email=ann@example.com', 'App B: email=ann@example.com']]);
    expect(examples('Examples: To create in A (1)')).toEqual([['bob@example.com', 'App B: email=bob@example.com, first_name=Bob']]);
    expect(examples('Examples: To create in B (1)')).toEqual([['cy@example.com', 'App A: email=cy@example.com, tags=vip, eu']]);
    // The fields that differ are marked, for the eye and for a screen reader.
    expect(examples('Examples: Differ — master wins (1)')).toEqual([['dee@example.com', 'App A: first_name=Dee (differs)', 'App B: first_name=Deirdre (differs)']]);
    // A key several new records of one app share is pointed out: each becomes its own record.
    expect(screen.getByRole('note', { name: 'Keys shared within one app' }).textContent).toContain('email=twin@example.com (2 records in App A)');
    // An ambiguous key comes with the records it is shared with.
    expect(examples('Examples: Ambiguous (1)')).toEqual([
      ['shared@example.com · shared by 3 records', 'App B: email=shared@example.com, first_name=(empty)', 'App A, record 1: email=shared@example.com, first_name=Sam', 'App A, record 2: email=shared@example.com, first_name=Sue'],
    ]);
  });

  it('names what happens to differing records by the first-sync policy chosen later', async () => {
    const w = mountWizard();
    await toMatching(w);
    await next(w, 6, 'Master & policies');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'When a first sync links two records that differ' }), 'Ask me (conflict inbox)');
    await w.user.click(screen.getByRole('button', { name: 'Back' }));
    await expectStep(5, 'Matching');
    await w.user.click(screen.getByRole('button', { name: 'Preview the first sync' }));
    await screen.findByRole('region', { name: 'Preview' });
    expect(previewNumbers()['Differ — to the inbox']).toBe('3');
    expect(screen.getByText(/Matched records that differ wait in the conflict inbox for you\./)).toBeTruthy();
  });

  it('a preview the engine refuses shows its message where the field mapping is named', async () => {
    const w = mountWizard(
      wizardEngine({
        'pairs/preview': () => {
          throw new ApiCallError('connector-error', 'The shop database is locked by another program.', 'pairs/preview', [{ path: 'config.fields.1.right.fields', message: 'column is locked' }]);
        },
      }),
    );
    await toMatching(w);
    await w.user.click(screen.getByRole('button', { name: 'Preview the first sync' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The shop database is locked by another program.');
    expect(within(alert).getAllByRole('listitem')[0]?.textContent).toBe('The App B field for “first_name” (row 2 of the field mapping): column is locked');
    expect(screen.queryByRole('region', { name: 'Preview' })).toBeNull();
  });
});

describe('wizard, policies and schedule', () => {
  it('master side, pair and per-field conflict policies, deletes and schedule reach the created pair', async () => {
    const w = mountWizard();
    await toMatching(w);
    await w.user.click(screen.getByRole('button', { name: 'Back' }));
    await expectStep(4, 'Field mapping');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Conflict policy of tags' }), 'Merge sets (union)');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'Conflict policy of age' }), 'Newest change wins');
    await next(w, 5, 'Matching');
    await next(w, 6, 'Master & policies');

    const master = screen.getByRole('group', { name: 'Master side' });
    expect(within(master).getAllByRole('radio').map((r) => r.parentElement?.textContent)).toEqual(['App A (Sales CRM) is the master', 'App B (Shop DB) is the master']);
    expect(screen.getByRole<HTMLInputElement>('radio', { name: 'App A (Sales CRM) is the master' }).checked).toBe(true);
    await w.user.click(screen.getByRole('radio', { name: 'App B (Shop DB) is the master' }));
    const pairPolicy = screen.getByRole('combobox', { name: 'When both apps change the same field' });
    // "Merge sets" fits set fields only, so it is offered per field, never pair-wide.
    expect(within(pairPolicy).getAllByRole('option').map((o) => o.textContent)).toEqual(['Ask me (conflict inbox)', 'Master wins', 'Newest change wins', 'Merge numbers (base + both changes)']);
    await w.user.selectOptions(pairPolicy, 'Master wins');
    await w.user.click(screen.getByRole('radio', { name: /^Only deletes in Sales CRM reach Shop DB/ }));
    const share = screen.getByRole<HTMLInputElement>('spinbutton', { name: /share \(%\) of the linked records/ });
    expect(share.value).toBe('20');
    await w.user.clear(share);
    await w.user.type(share, '35');
    await next(w, 7, 'Schedule');

    const schedule = screen.getByRole('group', { name: 'How often should Concord sync this pair?' });
    expect(within(schedule).getAllByRole('radio').map((r) => r.parentElement?.textContent)).toEqual([
      'Only when I press Sync now',
      'Every minute',
      'Every 5 minutes',
      'Every 15 minutes',
      'Every hour',
      'Every day',
    ]);
    expect(screen.getByRole<HTMLInputElement>('radio', { name: 'Every 5 minutes' }).checked).toBe(true);
    await w.user.click(screen.getByRole('radio', { name: 'Only when I press Sync now' }));
    await next(w, 8, 'Review');
    await w.user.click(screen.getByRole('button', { name: 'Create the pair and run the first sync' }));
    await screen.findByText(/is created\./, { selector: 'strong' });

    const created = argsOf(w.bridge, 'pairs/create');
    expect(created).toHaveLength(1);
    const config = created[0]?.config;
    if (!config) throw new Error('pairs/create was not called');
    expect(config.masterSide).toBe('right');
    expect(config.conflictPolicy).toBe('master');
    expect(config.fields.map((f) => [f.name, f.policy])).toEqual([['email', undefined], ['first_name', undefined], ['age', 'newest'], ['tags', 'merge-set']]);
    expect(config.deletes).toEqual({ propagate: true, from: 'left', massDeleteThreshold: 0.35 });
    expect(config.schedule).toEqual({ intervalSeconds: null });
  });

  it('a mass-delete share outside 1–100 % is pointed out when leaving the field and refused on Next', async () => {
    const w = mountWizard();
    await toMatching(w);
    await next(w, 6, 'Master & policies');
    const share = screen.getByRole<HTMLInputElement>('spinbutton', { name: /share \(%\) of the linked records/ });
    await w.user.clear(share);
    await w.user.type(share, '250');
    await w.user.tab();
    expect(share.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(share.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Type a share between 1 and 100 (%).');
    // Out of the input's range, the form's own constraint check keeps Next from going on.
    expect(share.validity.rangeOverflow).toBe(true);
    await w.user.click(nextButton());
    await expectStep(6, 'Master & policies');
    expect(w.store.getState().draft.step).toBe(5);

    // An empty share passes the browser's check; the wizard's own check refuses it.
    await w.user.clear(share);
    await w.user.click(nextButton());
    expect(screen.getByRole('alert').textContent).toBe('The mass-delete guard must be a share between 1 % and 100 %.');
    await expectStep(6, 'Master & policies');
    await w.user.type(share, '10');
    expect(screen.queryByRole('alert')).toBeNull();
    await next(w, 7, 'Schedule');
  });
});

describe('wizard, review and create', () => {
  async function toReview(w: Wizard): Promise<void> {
    await toMatching(w);
    await w.user.click(screen.getByRole('checkbox', { name: 'first_name' }));
    // Records without a key: held in the inbox by default; this pair creates them.
    expect((screen.getByRole('radio', { name: /^Hold them in the conflict inbox/ }) as HTMLInputElement).checked).toBe(true);
    await w.user.click(screen.getByRole('radio', { name: 'Create them in the other app' }));
    await next(w, 6, 'Master & policies');
    await w.user.selectOptions(screen.getByRole('combobox', { name: 'When both apps change the same field' }), 'Newest change wins');
    await w.user.click(screen.getByRole('radio', { name: /^Never delete/ }));
    await next(w, 7, 'Schedule');
    await w.user.click(screen.getByRole('radio', { name: 'Every 15 minutes' }));
    await next(w, 8, 'Review');
  }

  /** The review's facts as term → text. */
  function facts(): Record<string, string> {
    const terms = screen.getAllByRole('term').map((t) => t.textContent ?? '');
    const values = screen.getAllByRole('definition').map((d) => d.textContent ?? '');
    return Object.fromEntries(terms.map((t, i) => [t, values[i] ?? '']));
  }

  it('shows what will be created', async () => {
    const w = mountWizard();
    await toReview(w);
    expect(facts()).toEqual({
      'App A': 'Sales CRM · contacts',
      'App B': 'Shop DB · customers',
      Fields: 'email, first_name, age, tags',
      'Matched on': 'email, first_name',
      Master: 'App A · Sales CRM',
      Conflicts: 'Newest change wins',
      'First match': 'Master wins (when a first sync links two records that differ)',
      Deletes: 'Never delete: a record deleted in one app stays in the other',
      Schedule: 'Every 15 minutes',
    });
    expect(screen.getByRole('textbox', { name: 'Pair name' }).getAttribute('placeholder')).toBe('contacts ↔ customers');
    expect(screen.queryByRole('button', { name: 'Next' })).toBeNull();
    expect(methods(w.bridge)).not.toContain('pairs/create');
  });

  it('issue 13: states every consequence of the first sync, from a preview of the final settings', async () => {
    const w = mountWizard(wizardEngine({
      'pairs/preview': () => ({
        ...PREVIEW,
        consequences: {
          overwritten: { left: { values: 0, records: 0 }, right: { values: 5, records: 3 } },
          addedColumns: { left: [], right: ['concord_id'] },
          emptyKeys: { left: 2, right: 0 },
          deletes: { left: 0, right: 0 },
        },
      }),
    }));
    await toReview(w);
    const list = await screen.findByRole('region', { name: 'What the first sync will do' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Create 2 records in Sales CRM, copied from Shop DB.',
      'Create 4 records in Shop DB, copied from Sales CRM.',
      'Overwrite no value in Sales CRM.',
      'Overwrite 5 values in 3 records of Shop DB (first match: Master wins); each old value stays in the activity log.',
      'Add the column concord_id to Shop DB: Concord keeps each row\'s id there.',
      '2 records of Sales CRM have no value for email, first_name: each is created in Shop DB as a new record.',
      '2 records of Sales CRM share the key email=twin@example.com: each becomes its own record in the other app.',
      '1 record matches several records: they wait in the conflict inbox, nothing is created for them.',
      'Delete nothing in either app.',
    ]);
    // Asked for the settings as they are now, policies included.
    const last = argsOf(w.bridge, 'pairs/preview').at(-1);
    expect(last && 'config' in last ? last.config.conflictPolicy : null).toBe('newest');
  });

  it('Create sends the full config, runs the first sync and shows its progress from run events', async () => {
    const w = mountWizard();
    await toReview(w);
    await w.user.type(screen.getByRole('textbox', { name: 'Pair name' }), 'CRM ↔ Shop');
    await w.user.click(screen.getByRole('button', { name: 'Create the pair and run the first sync' }));
    await screen.findByText(/is created\./, { selector: 'strong' });

    const expected: PairConfig = {
      name: 'CRM ↔ Shop',
      left: { connectionId: 'conn-1', collection: 'contacts' },
      right: { connectionId: 'conn-2', collection: 'customers' },
      fields: [
        { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['E-mail'] }, direction: 'both' },
        { name: 'first_name', type: 'string', left: { fields: ['first_name'] }, right: { fields: ['FirstName'] }, direction: 'both' },
        { name: 'age', type: 'string', left: { fields: ['age'] }, right: { fields: ['age'] }, direction: 'both' },
        { name: 'tags', type: 'set', left: { fields: ['tags'] }, right: { fields: ['tags'] }, direction: 'both' },
      ],
      matchKeys: ['email', 'first_name'],
      masterSide: 'left',
      conflictPolicy: 'newest',
      initialMatchPolicy: 'master',
      emptyKeys: 'create',
      deletes: { propagate: false, massDeleteThreshold: 0.2 },
      schedule: { intervalSeconds: 900 },
    };
    expect(argsOf(w.bridge, 'pairs/create')).toEqual([{ config: expected }]);
    // The first sync is started on the pair the engine created.
    expect(methods(w.bridge).slice(-2)).toEqual(['pairs/create', 'pairs/sync-now']);
    expect(argsOf(w.bridge, 'pairs/sync-now')).toEqual([{ pairId: 'pair-1' }]);
    expect(screen.queryByRole('button', { name: 'Create the pair and run the first sync' })).toBeNull();

    act(() => w.bridge.emit('run/progress', { pairId: 'pair-1', runId: 'run-1', phase: 'reading', read: 5, total: 20, written: 0 }));
    expect(screen.getByText(/Its first sync is running:/)).toBeTruthy();
    const bar = screen.getByRole('progressbar', { name: 'First sync progress' });
    expect([bar.getAttribute('value'), bar.getAttribute('max')]).toEqual(['5', '20']);
    expect(screen.getByText('reading: 5 / 20 read, 0 written')).toBeTruthy();

    // Another pair's run does not move this bar.
    act(() => w.bridge.emit('run/progress', { pairId: 'pair-9', runId: 'run-9', phase: 'writing', read: 99, total: 99, written: 50 }));
    act(() => w.bridge.emit('run/progress', { pairId: 'pair-1', runId: 'run-1', phase: 'writing', read: 20, total: 20, written: 7 }));
    expect(screen.getByText('writing: 20 / 20 read, 7 written')).toBeTruthy();

    const run: RunSummary = {
      id: 'run-1',
      pairId: 'pair-1',
      trigger: 'first-sync',
      mode: 'full',
      status: 'succeeded',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:05Z',
      durationMs: 5000,
      counts: { read: 20, created: 6, updated: 1, deleted: 0, conflicts: 0, failed: 0, skipped: 0 },
      error: null,
    };
    act(() => w.bridge.emit('run/finished', run));
    expect(screen.queryByRole('progressbar', { name: 'First sync progress' })).toBeNull();
    expect(screen.getByText(/First sync succeeded · 20 read, 6 created, 1 updated, 0 deleted\./)).toBeTruthy();

    await w.user.click(screen.getByRole('button', { name: 'Open the pair' }));
    expect(w.store.getState().route).toEqual({ name: 'pair', pairId: 'pair-1', tab: 'runs' });
  });

  it('a pair the engine refuses stays on the review with the engine’s message and no sync', async () => {
    const w = mountWizard(
      wizardEngine({
        'pairs/create': () => {
          throw new ApiCallError('invalid-input', 'A pair already syncs contacts with customers.', 'pairs/create', [{ path: 'config.right.collection', message: 'already paired' }]);
        },
      }),
    );
    await toReview(w);
    await w.user.click(screen.getByRole('button', { name: 'Create the pair and run the first sync' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('A pair already syncs contacts with customers.');
    expect(within(alert).getAllByRole('listitem')[0]?.textContent).toBe('The App B collection: already paired');
    expect(methods(w.bridge)).not.toContain('pairs/sync-now');
    expect(screen.getByRole('button', { name: 'Create the pair and run the first sync' }).hasAttribute('disabled')).toBe(false);
  });

  it('a first sync the engine refuses to start says why beside the created pair, with no way back into the steps', async () => {
    const w = mountWizard(
      wizardEngine({
        'pairs/sync-now': () => {
          throw new ApiCallError('conflict', 'The pair is paused: resume it to sync.', 'pairs/sync-now');
        },
      }),
    );
    await toReview(w);
    await w.user.click(screen.getByRole('button', { name: 'Create the pair and run the first sync' }));
    await screen.findByText(/is created\./, { selector: 'strong' });
    expect((await screen.findByRole('alert')).textContent).toContain('The pair is paused: resume it to sync.');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('Done');
    expect(screen.queryByRole('button', { name: 'Back' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Open the pair' })).toBeTruthy();
  });

  it('Cancel asks first, then discards the draft and goes back to the pairs; staying keeps everything', async () => {
    const w = mountWizard();
    await toReview(w);
    await w.user.click(screen.getByRole('button', { name: 'Cancel' }));
    const dialog = screen.getByRole('dialog', { name: 'Leave the wizard?' });
    await w.user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(w.store.getState().draft.step).toBe(7);
    await w.user.click(screen.getByRole('button', { name: 'Cancel' }));
    await w.user.click(within(screen.getByRole('dialog', { name: 'Leave the wizard?' })).getByRole('button', { name: 'Discard and leave' }));
    expect(w.store.getState().route).toEqual({ name: 'pairs' });
    expect(w.store.getState().draft.step).toBe(0);
    expect(w.store.getState().draft.fields).toEqual([]);
    expect(methods(w.bridge)).not.toContain('pairs/create');
  });
});
