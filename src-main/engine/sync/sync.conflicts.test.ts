import { afterEach, describe, expect, it } from 'vitest';
import type { WriteResult } from '../connectors/types';
import { appInsert, appRows, appUpdate, interceptWrites, removeDir, setupPair, syncAndWait, waitBulk, type Kit } from './test-kit.fixture';

const byEmail = (path: string, email: string) => appRows(path).find((r) => r.email === email);

describe('conflicts', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  async function linkedAnn(over: Parameters<typeof setupPair>[0] = {}, opts: Parameters<typeof setupPair>[1] = {}) {
    const s = await setupPair(over, opts);
    kit = s.kit;
    dir = s.dir;
    const l = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 10 });
    await syncAndWait(s.kit, s.pairId);
    const r = byEmail(s.right, 'ann@example.com')?.id ?? -1;
    return { ...s, l, r };
  }

  it('pitfall 3: lost updates — master wins but the overwritten value is kept and restorable in one action', async () => {
    const s = await linkedAnn({ conflictPolicy: 'master', masterSide: 'left' });
    appUpdate(s.left, s.l, { name: 'Ann (left)' });
    appUpdate(s.right, s.r, { name: 'Ann (right)' });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.updated).toBe(1);
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('Ann (left)');
    const activity = await s.kit.call('activity/list', { pairId: s.pairId });
    const overwrite = activity.find((a) => a.action === 'updated' && a.field === 'name');
    expect(overwrite).toMatchObject({ side: 'right', before: 'Ann (right)', after: 'Ann (left)', restorable: true });
    await s.kit.call('activity/restore', { activityId: overwrite?.id ?? '' });
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('Ann (right)');
    // The restore is itself reversible, and the next run carries the restored value to the other app.
    const restored = (await s.kit.call('activity/list', { pairId: s.pairId })).find((a) => a.action === 'restored');
    expect(restored).toMatchObject({ before: 'Ann (left)', after: 'Ann (right)', restorable: true });
    await syncAndWait(s.kit, s.pairId);
    expect(byEmail(s.left, 'ann@example.com')?.name).toBe('Ann (right)');
  });

  it('pitfall 3: lost updates — "manual" never writes until a steward decides; the other fields still sync', async () => {
    const s = await linkedAnn({ conflictPolicy: 'manual' });
    appUpdate(s.left, s.l, { name: 'Left name', score: 11 });
    appUpdate(s.right, s.r, { name: 'Right name' });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.conflicts).toBe(1);
    expect(byEmail(s.left, 'ann@example.com')?.name).toBe('Left name');
    expect(byEmail(s.right, 'ann@example.com')).toMatchObject({ name: 'Right name', score: 11 });
  });

  it('pitfall 3: lost updates — a write never overwrites a newer remote value (stale version check)', async () => {
    let sneak: (() => void) | null = null;
    const hook = async (real: import('../connectors/types').Connector, c: string, ops: import('../connectors/types').WriteOp[]): Promise<WriteResult[]> => {
      sneak?.(); // a user edits the target between Concord's read and its write
      sneak = null;
      return real.write(c, ops);
    };
    const s = await linkedAnn({}, { wrap: interceptWrites(hook) });
    appUpdate(s.left, s.l, { name: 'From left' });
    sneak = () => appUpdate(s.right, s.r, { name: 'Newer on right' });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.failed).toBe(1);
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('Newer on right');
    const failed = await s.kit.call('failed/list', { pairId: s.pairId });
    expect(failed[0]?.error).toMatch(/changed|version|stale/i);
    // The retry re-reads both sides: both changed since the base, so the policy (master = left) decides knowingly.
    const retry = await s.kit.call('failed/retry', { failedId: failed[0]?.id ?? '' });
    expect(retry.status).toBe('done');
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('From left');
    expect((await s.kit.call('activity/list', { pairId: s.pairId })).some((a) => a.before === 'Newer on right')).toBe(true);
  });

  it('pitfall 16: the conflict UI hides the conflict — counts, base/left/right per field, one conflict kept open and updated until resolved', async () => {
    const s = await linkedAnn({ conflictPolicy: 'manual' });
    appUpdate(s.left, s.l, { name: 'L1' });
    appUpdate(s.right, s.r, { name: 'R1' });
    await syncAndWait(s.kit, s.pairId);
    expect(await s.kit.call('conflicts/count', {})).toEqual({ open: 1, byPair: { [s.pairId]: 1 } });
    expect(s.kit.events.some((e) => e.event === 'conflicts/changed')).toBe(true);
    const [summary] = (await s.kit.call('conflicts/list', { search: 'ann@' })).items;
    expect(summary).toMatchObject({ kind: 'field', fields: ['name'], record: 'ann@example.com', status: 'open' });
    const detail = await s.kit.call('conflicts/get', { conflictId: summary?.id ?? '' });
    expect(detail.masterSide).toBe('left');
    expect(detail.fields.find((f) => f.name === 'name')).toEqual({ name: 'name', type: 'string', base: 'Ann', left: 'L1', right: 'R1', inConflict: true });
    expect(detail.fields.find((f) => f.name === 'score')?.inConflict).toBe(false);

    // The right side edits again while the steward looks: same conflict, fresh values, not a second one.
    appUpdate(s.right, s.r, { name: 'R2' });
    await syncAndWait(s.kit, s.pairId);
    const again = (await s.kit.call('conflicts/list', { pairId: s.pairId })).items;
    expect(again.map((c) => c.id)).toEqual([summary?.id]);
    expect((await s.kit.call('conflicts/get', { conflictId: summary?.id ?? '' })).fields.find((f) => f.name === 'name')?.right).toBe('R2');

    // Resolve with a merged value: both apps get it, the base moves, the inbox empties.
    const out = await s.kit.call('conflicts/resolve', { conflictId: summary?.id ?? '', resolution: { kind: 'fields', fields: { name: { value: 'Ann Merged' } } } });
    expect(out).toMatchObject({ status: 'resolved', wrote: { left: 1, right: 1 } });
    expect(byEmail(s.left, 'ann@example.com')?.name).toBe('Ann Merged');
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('Ann Merged');
    expect((await s.kit.call('conflicts/count', {})).open).toBe(0);
    const next = await syncAndWait(s.kit, s.pairId);
    expect(next.counts.updated + next.counts.conflicts).toBe(0);
    const second = await s.kit.dispatch('conflicts/resolve', { conflictId: summary?.id ?? '', resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
    expect(second.ok ? null : second.error.code).toBe('conflict');
  });

  it('bulk take slave resolves many conflicts; policies merge numbers and sets per field', async () => {
    const s = await linkedAnn({
      conflictPolicy: 'manual',
      fields: [
        { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
        { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
        { name: 'score', type: 'number', left: { fields: ['score'] }, right: { fields: ['score'] }, direction: 'both', policy: 'merge-numeric' },
        { name: 'tags', type: 'set', left: { fields: ['tags'] }, right: { fields: ['tags'] }, direction: 'both', policy: 'merge-set' },
      ],
    });
    const l2 = appInsert(s.left, { email: 'bob@example.com', name: 'Bob', score: 1, tags: 'a' });
    await syncAndWait(s.kit, s.pairId);
    const r2 = byEmail(s.right, 'bob@example.com')?.id ?? -1;
    appUpdate(s.left, s.l, { name: 'L', score: 15 }); // +5
    appUpdate(s.right, s.r, { name: 'R', score: 7 }); // -3
    appUpdate(s.left, l2, { name: 'L2', tags: 'a, b' });
    appUpdate(s.right, r2, { name: 'R2', tags: 'c;a' });
    await syncAndWait(s.kit, s.pairId);
    expect(byEmail(s.left, 'ann@example.com')?.score).toBe(12);
    expect(byEmail(s.right, 'ann@example.com')?.score).toBe(12);
    expect(byEmail(s.right, 'bob@example.com')?.tags).toBe('a, b, c');
    const open = (await s.kit.call('conflicts/list', { pairId: s.pairId })).items;
    expect(open).toHaveLength(2);
    const job = await s.kit.call('conflicts/resolve-bulk', { conflictIds: open.map((c) => c.id), take: 'slave' });
    expect(await waitBulk(s.kit, job.id)).toMatchObject({ status: 'done', total: 2, resolved: 2, failed: 0 });
    expect(appRows(s.left).map((r) => r.name).sort()).toEqual(['R', 'R2']);
  });
});
