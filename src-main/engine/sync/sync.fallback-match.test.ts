import { afterEach, describe, expect, it } from 'vitest';
import type { FieldMapping } from '../api/model';
import { appInsert, appRows, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

// The fixture's `tags` column holds the phone here.
const fields: FieldMapping[] = [
  { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
  { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
  { name: 'phone', type: 'string', left: { fields: ['tags'] }, right: { fields: ['tags'] }, direction: 'both' },
];

describe('matching on the fallback key (PITFALLS 1)', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('pitfall 1: duplicates on the first sync — a record with email and phone matches one with the phone only: preview shows 1 matched, the sync creates nothing', async () => {
    const s = await setupPair({ fields, fallbackKeys: ['phone'] });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: null, tags: '+1 (555) 010-2000' });
    appInsert(s.right, { email: null, name: 'Ann', score: null, tags: '+1 555 010 2000' });
    // Same phone, different emails: two customers, never linked by the phone.
    appInsert(s.left, { email: 'bo@example.com', name: 'Bo', score: null, tags: '555 777 8888' });
    appInsert(s.right, { email: 'bob@example.com', name: 'Bob', score: null, tags: '555-777-8888' });

    const preview = await kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview).toMatchObject({ matched: 1, createOnLeft: 1, createOnRight: 1, ambiguous: 0 });

    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('succeeded');
    expect(run.counts.created).toBe(2); // Bo and Bob, not Ann
    const annRows = (path: string) => appRows(path).filter((r) => r.name === 'Ann');
    expect(annRows(s.left)).toHaveLength(1);
    expect(annRows(s.right)).toEqual([expect.objectContaining({ email: 'ann@example.com' })]); // the master's email filled in
    expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(3);
    const again = await syncAndWait(kit, s.pairId);
    expect(again.counts).toMatchObject({ created: 0, updated: 0 });
  });

  it('pitfall 1: duplicates on the first sync — two records with the phone on the other side go to the inbox, not created twice', async () => {
    const s = await setupPair({ fields, fallbackKeys: ['phone'] });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: null, tags: '5550102000' });
    appInsert(s.right, { email: null, name: 'Ann A', score: null, tags: '555 010 2000' });
    appInsert(s.right, { email: null, name: 'Ann B', score: null, tags: '555.010.2000' });
    expect(await kit.call('pairs/preview', { pairId: s.pairId })).toMatchObject({ matched: 0, createOnLeft: 0, createOnRight: 0, ambiguous: 1 });
    await syncAndWait(kit, s.pairId);
    expect(appRows(s.left)).toHaveLength(1);
    expect(appRows(s.right)).toHaveLength(2);
    expect((await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items).toHaveLength(1);
  });
});
