/**
 * Issue 13 §1 "Name who resolved" and "A resolved conflict stays on screen": a resolved conflict
 * says who resolved it, when and what was chosen (conflicts/get), and the activity log names the
 * resolver — the token's name headless, the OS user on the desktop (a call with no caller).
 */
import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

describe('who resolved a conflict', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  async function withConflicts(n: number) {
    const s = await setupPair({ conflictPolicy: 'manual' });
    kit = s.kit;
    dir = s.dir;
    for (let i = 0; i < n; i++) appInsert(s.left, { email: `c${i}@x`, name: `C${i}`, score: i });
    await syncAndWait(s.kit, s.pairId);
    const rights = appRows(s.right);
    appRows(s.left).forEach((r, i) => {
      appUpdate(s.left, r.id, { name: `Left ${i}` });
      appUpdate(s.right, rights[i]?.id ?? -1, { name: `Right ${i}` });
    });
    expect((await syncAndWait(s.kit, s.pairId)).counts.conflicts).toBe(n);
    return { ...s, ids: (await s.kit.call('conflicts/list', { sort: { by: 'record', desc: false } })).items.map((c) => c.id) };
  }

  it('headless: the token\'s name is the resolver in the conflict and the activity log; the desktop (no caller) is the OS user', async () => {
    const s = await withConflicts(2);
    const caller = { name: 'night-shift', admin: false, tokenId: 't1' };
    const r = await s.kit.dispatch('conflicts/resolve', { conflictId: s.ids[0], resolution: { kind: 'fields', fields: { name: { take: 'right' } } } }, caller);
    expect(r.ok).toBe(true);
    const detail = await s.kit.call('conflicts/get', { conflictId: s.ids[0] ?? '' });
    expect(detail.status).toBe('resolved');
    expect(detail.resolution).toMatchObject({ by: 'night-shift', what: "a steward resolved the conflict: name = Billing's value" });
    expect(Date.parse(detail.resolution?.at ?? '')).toBeGreaterThan(0);
    const log = await s.kit.call('activity/list', { pairId: s.pairId, record: 'c0@x' });
    expect(log.filter((a) => a.action === 'resolved').map((a) => a.actor)).toEqual(['night-shift', 'night-shift']); // the write and the decision

    await s.kit.call('conflicts/resolve', { conflictId: s.ids[1] ?? '', resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
    expect((await s.kit.call('conflicts/get', { conflictId: s.ids[1] ?? '' })).resolution?.by).toBe(userInfo().username);
  });

  it('a conflict the apps settled themselves says so, and names no steward', async () => {
    const s = await withConflicts(1);
    const left = appRows(s.left)[0];
    appUpdate(s.left, left?.id ?? -1, { name: 'Right 0' });
    await syncAndWait(s.kit, s.pairId);
    const detail = await s.kit.call('conflicts/get', { conflictId: s.ids[0] ?? '' });
    expect(detail.status).toBe('resolved');
    expect(detail.resolution).toMatchObject({ by: null, what: 'both apps now hold the same values' });
  });
});
