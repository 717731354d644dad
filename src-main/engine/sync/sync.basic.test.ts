import { afterEach, describe, expect, it } from 'vitest';
import { appDelete, appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

const strip = (rows: { email: string | null; name: string | null; score: number | null }[]) =>
  rows.map(({ email, name, score }) => ({ email, name, score })).sort((a, b) => String(a.email).localeCompare(String(b.email)));

describe('sync through the API on real SQLite apps', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  for (const mode of ['hash', 'cursor', 'flag'] as const) {
    it(`creates on both sides, propagates edits, and a second run writes nothing (${mode} mode)`, async () => {
      const s = await setupPair({}, { modes: [mode, mode] });
      kit = s.kit;
      dir = s.dir;
      const a = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
      appInsert(s.right, { email: 'bob@example.com', name: 'Bob', score: 2 });
      const first = await syncAndWait(kit, s.pairId);
      expect(first.status, first.error ?? '').toBe('succeeded');
      expect(first.counts.created).toBe(2);
      expect(strip(appRows(s.left))).toEqual(strip(appRows(s.right)));

      appUpdate(s.left, a, { name: 'Ann Smith' });
      const second = await syncAndWait(kit, s.pairId);
      expect(second.counts.updated).toBe(1);
      expect(appRows(s.right).find((r) => r.email === 'ann@example.com')?.name).toBe('Ann Smith');

      const third = await syncAndWait(kit, s.pairId);
      expect(third.counts.created + third.counts.updated + third.counts.deleted).toBe(0);
      const summary = await kit.call('pairs/get', { pairId: s.pairId });
      expect(summary.linked).toBe(2);
      expect(summary.health).toBe('in-sync');
    });
  }

  it('activity reasons name the apps ("CRM (contacts)"), never "left" or "right" (the UI shows them verbatim)', async () => {
    const s = await setupPair({ matchKeys: ['email'] });
    kit = s.kit;
    dir = s.dir;
    const a = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    appInsert(s.left, { email: 'both@example.com', name: 'Both', score: 2 });
    appInsert(s.right, { email: 'both@example.com', name: 'Both', score: 2 });
    await syncAndWait(kit, s.pairId);
    appDelete(s.left, a);
    await syncAndWait(kit, s.pairId);
    const reasons = (await kit.call('activity/list', { pairId: s.pairId })).map((e) => `${e.action}: ${e.reason}`);
    expect(reasons).toEqual(expect.arrayContaining(['created: copied from CRM (contacts), where it is new', expect.stringMatching(/^linked: matched with record \d+ in Billing \(contacts\) on the match keys$/), 'deleted: deleted in CRM (contacts)']));
    expect(reasons.filter((r) => /\b(left|right)\b/.test(r))).toEqual([]);
  });
});
