import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeDetection } from '../api/model';
import { appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

describe('matching existing records', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('pitfall 1: duplicates on the first sync — normalized keys and a fallback key link existing records; a non-unique key goes to the inbox; the preview shows it first', async () => {
    const s = await setupPair({
      fields: [
        { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
        { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
        { name: 'phone', type: 'string', left: { fields: ['tags'] }, right: { fields: ['tags'] }, direction: 'both' },
      ],
      fallbackKeys: ['phone'],
      initialMatchPolicy: 'master',
    });
    kit = s.kit;
    dir = s.dir;
    // Same customers already in both apps, keyed differently (case, whitespace, phone format).
    appInsert(s.left, { email: 'Ann@Example.com', name: 'Ann', score: null });
    appInsert(s.right, { email: '  ann@example.COM ', name: 'Ann', score: null });
    appInsert(s.left, { email: null, name: 'Bob', score: null, tags: '+1 (555) 010-2000' });
    appInsert(s.right, { email: null, name: 'Bob', score: null, tags: '+1 555 010 2000' });
    // A key that is not unique on the right: never silently doubled.
    appInsert(s.left, { email: 'cy@example.com', name: 'Cy', score: null });
    appInsert(s.right, { email: 'cy@example.com', name: 'Cy A', score: null });
    appInsert(s.right, { email: 'CY@example.com', name: 'Cy B', score: null });
    appInsert(s.left, { email: 'dee@example.com', name: 'Dee', score: null });

    const preview = await kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview).toMatchObject({ leftTotal: 4, rightTotal: 4, matched: 2, createOnRight: 1, createOnLeft: 0, ambiguous: 1 });
    expect(preview.examples.ambiguous[0]?.left?.email).toBe('cy@example.com');
    // With the records it would be confused with, so the user sees why before the first run.
    expect(preview.examples.ambiguous[0]?.candidates?.map((c) => c.name).sort()).toEqual(['Cy A', 'Cy B']);

    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('succeeded');
    expect(run.counts.created).toBe(1); // only Dee
    expect(appRows(s.left)).toHaveLength(4);
    expect(appRows(s.right)).toHaveLength(5); // 4 already there + Dee
    const conflicts = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    expect(conflicts).toHaveLength(1);
    const detail = await kit.call('conflicts/get', { conflictId: conflicts[0]?.id ?? '' });
    expect(detail.duplicate?.candidates.map((c) => c.fields.name).sort()).toEqual(['Cy A', 'Cy B']);

    // A second run does not double anything while the duplicate waits in the inbox.
    await syncAndWait(kit, s.pairId);
    expect(appRows(s.right)).toHaveLength(5);
    expect(appRows(s.left)).toHaveLength(4);

    // The steward links Cy to "Cy A": linked, and the master's (left) name wins.
    const candidate = detail.duplicate?.candidates.find((c) => c.fields.name === 'Cy A');
    const outcome = await kit.call('conflicts/resolve', { conflictId: detail.id, resolution: { kind: 'duplicate', linkTo: candidate?.id ?? '' } });
    expect(outcome.status).toBe('resolved');
    expect(appRows(s.right).filter((r) => r.name === 'Cy')).toHaveLength(1);
    const pair = await kit.call('pairs/get', { pairId: s.pairId });
    expect(pair.linked).toBe(4);

    // "Cy B" still carries the key of the now linked Cy: the next run asks about it.
    await syncAndWait(kit, s.pairId);
    const [again, ...others] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    expect(others).toEqual([]);
    const stale = await kit.call('conflicts/get', { conflictId: again?.id ?? '' });
    expect(stale.duplicate?.record.name).toBe('Cy B');
    expect(stale.duplicate?.candidates[0]?.linkedTo).toBeTruthy();
    // It is a stale copy in the right app: the steward deletes it there; its values stay in the activity.
    const deleted = await kit.call('conflicts/resolve', { conflictId: stale.id, resolution: { kind: 'delete-duplicate' } });
    expect(deleted).toMatchObject({ status: 'resolved', wrote: { left: 0, right: 1 } });
    expect(appRows(s.right).map((r) => r.name).sort()).toEqual(['Ann', 'Bob', 'Cy', 'Dee']);
    const activity = await kit.call('activity/list', { pairId: s.pairId });
    expect(activity.filter((a) => a.action === 'deleted' && a.reason.includes('as a stale duplicate by a steward')).map((a) => [a.field, a.before])).toEqual(
      expect.arrayContaining([['name', 'Cy B']]),
    );
    const quiet = await syncAndWait(kit, s.pairId);
    expect(quiet.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    expect((await kit.call('conflicts/count', {})).open).toBe(0);
    // A preview of a pair that has run says how many linked records each app still holds.
    expect((await kit.call('pairs/preview', { pairId: s.pairId })).linkedFound).toEqual({ left: { found: 4, linked: 4 }, right: { found: 4, linked: 4 } });
  });

  /** A first sync links Ann; later each app gets a new record, the left one with Ann's key (another case and spacing). */
  async function annLinkedThenNewRecords(modes: [ChangeDetection, ChangeDetection]) {
    const s = await setupPair({}, { modes });
    kit = s.kit;
    dir = s.dir;
    const annLeft = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    const annRight = appInsert(s.right, { email: 'ANN@example.com', name: 'Ann', score: 1 });
    const first = await syncAndWait(kit, s.pairId);
    expect(first.status).toBe('succeeded');
    expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(1);
    const annAgain = appInsert(s.left, { email: ' Ann@Example.com ', name: 'Ann (second copy)', score: 2 });
    appInsert(s.right, { email: 'bo@example.com', name: 'Bo', score: 3 });
    return { s, annLeft, annRight, annAgain };
  }
  const anns = (path: string) => appRows(path).filter((r) => r.email?.trim().toLowerCase() === 'ann@example.com');

  it('a duplicate whose stale copy is one of its candidates: the steward deletes that candidate, and the next run links the rest', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'cy@example.com', name: 'Cy', score: 1 });
    const cyA = appInsert(s.right, { email: 'cy@example.com', name: 'Cy', score: 1 });
    const cyOld = appInsert(s.right, { email: 'CY@example.com', name: 'Cy (old)', score: 1 });
    await syncAndWait(kit, s.pairId);
    const [dup] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    // Not a candidate of this duplicate: refused, nothing deleted.
    const wrong = await kit.dispatch('conflicts/resolve', { conflictId: dup?.id ?? '', resolution: { kind: 'delete-duplicate', candidate: '999' } });
    expect(wrong.ok).toBe(false);
    expect(appRows(s.right)).toHaveLength(2);
    const outcome = await kit.call('conflicts/resolve', { conflictId: dup?.id ?? '', resolution: { kind: 'delete-duplicate', candidate: String(cyOld) } });
    expect(outcome).toMatchObject({ status: 'resolved', wrote: { left: 0, right: 1 } });
    expect(appRows(s.right).map((r) => r.id)).toEqual([cyA]);
    const next = await syncAndWait(kit, s.pairId);
    expect(next.counts).toMatchObject({ created: 0, conflicts: 0 });
    expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(1);
    expect((await kit.call('conflicts/count', {})).open).toBe(0);
  });

  it('the preview points out a key that several new records of one app share: each is created in the other app, as the app holds them', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'dup@example.com', name: 'Dup one', score: 1 });
    appInsert(s.left, { email: 'DUP@example.com ', name: 'Dup two', score: 1 });
    appInsert(s.left, { email: 'solo@example.com', name: 'Solo', score: 1 });
    const preview = await kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview).toMatchObject({ createOnRight: 3, ambiguous: 0, sharedKeys: [{ side: 'left', key: 'email=dup@example.com', count: 2 }] });
    // No surprise: the run does what the preview said.
    const run = await syncAndWait(kit, s.pairId);
    expect(run.counts.created).toBe(3);
    expect(appRows(s.right).map((r) => r.name).sort()).toEqual(['Dup one', 'Dup two', 'Solo']);
  });

  it('pitfall 1: duplicates on the first sync — a record created later with an already-linked key goes to the inbox, not into the other app twice', async () => {
    const { s, annLeft, annRight, annAgain } = await annLinkedThenNewRecords(['hash', 'hash']);
    if (!kit) throw new Error('no engine');

    // The preview counts it as ambiguous, not as a create.
    const preview = await kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview).toMatchObject({ matched: 0, createOnRight: 0, createOnLeft: 1, ambiguous: 1 });
    expect(preview.examples.ambiguous[0]?.left?.name).toBe('Ann (second copy)');

    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ created: 1, conflicts: 1 }); // Bo only
    expect(anns(s.right)).toHaveLength(1);
    expect(appRows(s.left).map((r) => r.name)).toEqual(['Ann', 'Ann (second copy)', 'Bo']);
    const [summary, ...more] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    expect(more).toEqual([]);
    const detail = await kit.call('conflicts/get', { conflictId: summary?.id ?? '' });
    expect(detail.leftId).toBe(String(annAgain));
    expect(detail.duplicate?.side).toBe('left');
    // The first sync gave the right Ann the master's (left) spelling of the email.
    expect(detail.duplicate?.candidates).toEqual([{ id: String(annRight), fields: { email: 'ann@example.com', name: 'Ann', score: 1 }, linkedTo: String(annLeft) }]);

    // Later runs keep it in the inbox: still one conflict, still one Ann on the right; Ann's own link syncs on.
    appUpdate(s.right, annRight, { score: 5 });
    const again = await syncAndWait(kit, s.pairId);
    expect(again.counts).toMatchObject({ created: 0, updated: 1, conflicts: 0 });
    expect(anns(s.right)).toHaveLength(1);
    expect(appRows(s.left).find((r) => r.id === annLeft)?.score).toBe(5);
    expect((await kit.call('conflicts/count', {})).open).toBe(1);

    // The linked candidate cannot take a second partner: a clear conflict error, nothing written.
    const refused = await kit.dispatch('conflicts/resolve', { conflictId: detail.id, resolution: { kind: 'duplicate', linkTo: String(annRight) } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('conflict');
      expect(refused.error.message).toContain(`already linked to CRM (contacts) record ${annLeft}`);
      expect(refused.error.message).toContain('Create it on the other side');
    }
    expect(anns(s.right)).toHaveLength(1);
    expect((await kit.call('conflicts/count', {})).open).toBe(1);

    // "Create it on the other side": the steward's explicit choice, linked, and the next run is quiet.
    const created = await kit.call('conflicts/resolve', { conflictId: detail.id, resolution: { kind: 'duplicate', linkTo: null } });
    expect(created).toMatchObject({ status: 'resolved', wrote: { left: 0, right: 1 } });
    expect(anns(s.right).map((r) => r.name).sort()).toEqual(['Ann', 'Ann (second copy)']);
    expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(3);
    const quiet = await syncAndWait(kit, s.pairId);
    expect(quiet.counts).toMatchObject({ created: 0, updated: 0, conflicts: 0 });
  });

  it('pitfall 1 on cursor sides: the key of a linked record the run did not read (unchanged) comes from the base', async () => {
    const { s, annRight } = await annLinkedThenNewRecords(['cursor', 'cursor']);
    if (!kit) throw new Error('no engine');
    const run = await syncAndWait(kit, s.pairId);
    expect(run.counts).toMatchObject({ created: 1, conflicts: 1 });
    expect(anns(s.right)).toHaveLength(1);
    const [summary] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    const detail = await kit.call('conflicts/get', { conflictId: summary?.id ?? '' });
    expect(detail.duplicate?.candidates.map((c) => c.id)).toEqual([String(annRight)]);
  });

  it('pairs/preview works for a draft config before the pair exists', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@x.io', name: 'A', score: 1 });
    appInsert(s.right, { email: 'A@x.io', name: 'A2', score: 1 });
    const { config } = await kit.call('pairs/get', { pairId: s.pairId });
    const preview = await kit.call('pairs/preview', { config: { ...config, name: 'Draft' } });
    expect(preview).toMatchObject({ matched: 1, conflicts: 1, createOnLeft: 0, createOnRight: 0 });
    expect(preview.examples.conflicts[0]?.right?.name).toBe('A2');
  });

  it('rejects a pair whose mapped field does not exist, naming the field', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    const { config } = await kit.call('pairs/get', { pairId: s.pairId });
    const bad = { ...config, fields: [...config.fields, { name: 'city', type: 'string' as const, left: { fields: ['city'] }, right: { fields: ['name'] }, direction: 'both' as const }] };
    const r = await kit.dispatch('pairs/create', { config: bad });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid-input');
      expect(r.error.message).toContain('"city" is not a field of CRM "contacts"');
      expect(r.error.issues?.[0]?.path).toBe('fields.3.left.fields');
    }
  });
});
