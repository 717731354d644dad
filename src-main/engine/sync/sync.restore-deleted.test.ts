/**
 * Issue 13 §1 "Delete it on both sides needs a net": a record a steward deleted on both sides, or
 * that a confirmed mass delete removed, has a Restore in the activity log, which brings it back in
 * every app that lost it as a new record linked to the old history.
 */
import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { appDelete, appExec, appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, waitRun, type Kit } from './test-kit.fixture';

const byEmail = (path: string, email: string) => appRows(path).find((r) => r.email === email);

describe('restore a deleted record', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  async function seeded(n: number, over: Parameters<typeof setupPair>[0] = {}) {
    const s = await setupPair(over);
    kit = s.kit;
    dir = s.dir;
    const ids = Array.from({ length: n }, (_, i) => appInsert(s.left, { email: `c${i}@example.com`, name: `C${i}`, score: i }));
    expect((await syncAndWait(s.kit, s.pairId)).counts.created).toBe(n);
    return { ...s, ids };
  }

  it('"Delete it on both sides" is logged as one restorable record entry naming the steward; Restore creates it again in both apps, linked, under new ids', async () => {
    const s = await seeded(2, { conflictPolicy: 'manual' });
    const rightC1 = byEmail(s.right, 'c1@example.com')?.id ?? -1;
    appDelete(s.left, s.ids[1] ?? -1);
    appUpdate(s.right, rightC1, { name: 'Edited' });
    expect((await syncAndWait(s.kit, s.pairId)).counts.conflicts).toBe(1);
    const [c] = (await s.kit.call('conflicts/list', { kind: 'update-delete' })).items;
    await s.kit.call('conflicts/resolve', { conflictId: c?.id ?? '', resolution: { kind: 'update-delete', keep: 'deleted' } });
    expect(byEmail(s.right, 'c1@example.com')).toBeUndefined();

    const log = await s.kit.call('activity/list', { pairId: s.pairId, record: 'c1@example.com' });
    const deleted = log.filter((a) => a.action === 'deleted' && a.field === null);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ restorable: true, lostIn: ['left', 'right'], actor: userInfo().username });

    await s.kit.call('activity/restore', { activityId: deleted[0]?.id ?? '' });
    const left = byEmail(s.left, 'c1@example.com');
    const right = byEmail(s.right, 'c1@example.com');
    expect(left).toMatchObject({ name: 'Edited', score: 1 });
    expect(right).toMatchObject({ name: 'Edited', score: 1 });
    expect(left?.id).not.toBe(s.ids[1]); // a new record
    expect(right?.id).not.toBe(rightC1);
    // Linked: the next run has nothing to do, and an edit in one app reaches the other.
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
    appUpdate(s.left, left?.id ?? -1, { score: 42 });
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 0, updated: 1 });
    expect(byEmail(s.right, 'c1@example.com')?.score).toBe(42);
    // The history reads as one: the restore names the old ids; the entry offers no second restore.
    const after = await s.kit.call('activity/list', { pairId: s.pairId, record: 'c1@example.com' });
    const restored = after.filter((a) => a.action === 'restored');
    expect(restored.map((a) => a.side).sort()).toEqual(['left', 'right']);
    expect(restored[0]?.reason).toContain(`${rightC1} in Billing`);
    expect(after.find((a) => a.id === deleted[0]?.id)?.restorable).toBe(false);
    await expect(s.kit.call('activity/restore', { activityId: deleted[0]?.id ?? '' })).rejects.toThrow(/restored already/);
  });

  it('a mass delete confirmed on the pair\'s card is restorable record by record, in both apps', async () => {
    const s = await seeded(4, { deletes: { propagate: true, massDeleteThreshold: 0.3 } });
    appExec(s.left, (db) => db.exec('DELETE FROM contacts'));
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('halted');
    const { runId } = await s.kit.call('pairs/sync-now', { pairId: s.pairId, confirmDeletes: 4 });
    expect(await waitRun(s.kit, runId)).toMatchObject({ status: 'succeeded', counts: { deleted: 4 } });
    expect(appRows(s.right)).toHaveLength(0);

    const log = await s.kit.call('activity/list', { pairId: s.pairId });
    const deleted = log.filter((a) => a.action === 'deleted' && a.field === null && a.restorable);
    expect(deleted.map((a) => a.record).sort()).toEqual(['c0@example.com', 'c1@example.com', 'c2@example.com', 'c3@example.com']);
    expect(deleted[0]?.lostIn).toEqual(['left', 'right']);
    expect(deleted[0]?.actor).toBeUndefined(); // a run's delete names no steward

    const c2 = deleted.find((a) => a.record === 'c2@example.com');
    await s.kit.call('activity/restore', { activityId: c2?.id ?? '' });
    expect(appRows(s.left).map((r) => [r.email, r.name, r.score])).toEqual([['c2@example.com', 'C2', 2]]);
    expect(appRows(s.right).map((r) => [r.email, r.name, r.score])).toEqual([['c2@example.com', 'C2', 2]]);
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 0, deleted: 0, updated: 0 });
  });
});
