/**
 * Issue 13 §1 "Records with an empty match key are created on the other side without a word": by
 * default such a record waits in the inbox (nothing can tell whether the other app holds it); the
 * pair may choose to create them. The preview counts them apart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

describe('records with an empty match key', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('wait in the inbox by default: not created, counted apart in the preview; given a key in their app they sync', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@x', name: 'Ann', score: 1 });
    const blank = appInsert(s.left, { email: null, name: 'No email', score: 2 });
    const preview = await s.kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview).toMatchObject({ createOnRight: 1, consequences: { emptyKeys: { left: 1, right: 0 } } });

    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts).toMatchObject({ created: 1, conflicts: 1 });
    expect(appRows(s.right).map((r) => r.email)).toEqual(['ann@x']);
    const [c] = (await s.kit.call('conflicts/list', {})).items;
    const detail = await s.kit.call('conflicts/get', { conflictId: c?.id ?? '' });
    expect(detail).toMatchObject({ kind: 'duplicate', duplicate: { side: 'left', candidates: [], emptyKey: true } });
    // Held, not created on the next run either.
    expect((await syncAndWait(s.kit, s.pairId)).counts.created).toBe(0);

    // The app gives it a key: the hold ends by itself and the record syncs.
    appUpdate(s.left, blank, { email: 'found@x' });
    expect((await syncAndWait(s.kit, s.pairId)).counts.created).toBe(1);
    expect(appRows(s.right).map((r) => r.email).sort()).toEqual(['ann@x', 'found@x']);
    expect((await s.kit.call('conflicts/get', { conflictId: c?.id ?? '' })).status).toBe('resolved');
  });

  it('"create them" creates each in the other app, as before', async () => {
    const s = await setupPair({ emptyKeys: 'create' });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: null, name: 'No email', score: 2 });
    expect((await s.kit.call('pairs/preview', { pairId: s.pairId })).createOnRight).toBe(1);
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 1, conflicts: 0 });
    expect(appRows(s.right).map((r) => r.name)).toEqual(['No email']);
  });

  it('a steward creates a held record from the inbox', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: null, name: 'No email', score: 2 });
    await syncAndWait(s.kit, s.pairId);
    const [c] = (await s.kit.call('conflicts/list', {})).items;
    await s.kit.call('conflicts/resolve', { conflictId: c?.id ?? '', resolution: { kind: 'duplicate', linkTo: null } });
    expect(appRows(s.right).map((r) => r.name)).toEqual(['No email']);
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 0, conflicts: 0 });
  });
});
