import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { appInsert, appRows, appUpdate, crashingService, interceptWrites, removeDir, restartFromCrash, setupPair, syncAndWait, type CrashPlan, type Kit } from './test-kit.fixture';

const byEmail = (path: string, email: string) => appRows(path).find((r) => r.email === email);

describe('resolving a conflict safely (PITFALLS 3 and 16)', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  /** Ann linked on both sides, then a manual conflict on her name: left "L1", right "R1" (base "Ann"). */
  async function annInConflict(opts: Parameters<typeof setupPair>[1] = {}) {
    const s = await setupPair({ conflictPolicy: 'manual' }, opts);
    kit = s.kit;
    dir = s.dir;
    const l = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 10 });
    await syncAndWait(s.kit, s.pairId);
    const r = byEmail(s.right, 'ann@example.com')?.id ?? -1;
    appUpdate(s.left, l, { name: 'L1' });
    appUpdate(s.right, r, { name: 'R1' });
    await syncAndWait(s.kit, s.pairId);
    const [c] = (await s.kit.call('conflicts/list', { pairId: s.pairId })).items;
    if (!c) throw new Error('no conflict was detected');
    return { ...s, l, r, conflictId: c.id };
  }

  const rightName = async (k: Kit, conflictId: string) => (await k.call('conflicts/get', { conflictId })).fields.find((f) => f.name === 'name')?.right;

  it('pitfall 3: a record edited in an app while the steward looks is not overwritten; the conflict is refreshed with the new value and stays open', async () => {
    const s = await annInConflict();
    appUpdate(s.right, s.r, { name: 'R2' }); // edited in Billing after the conflict was recorded, no run since
    const res = await s.kit.dispatch('conflicts/resolve', { conflictId: s.conflictId, resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
    expect(res.ok ? null : res.error.code).toBe('conflict');
    expect(res.ok ? '' : res.error.message).toMatch(/changed in Billing \(contacts\).*refreshed/);
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('R2');
    expect(byEmail(s.left, 'ann@example.com')?.name).toBe('L1');
    expect((await s.kit.call('conflicts/count', {})).open).toBe(1);
    expect(await rightName(s.kit, s.conflictId)).toBe('R2');

    // Resolving again, now knowingly: the activity keeps the value really overwritten.
    await s.kit.call('conflicts/resolve', { conflictId: s.conflictId, resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('L1');
    const activity = await s.kit.call('activity/list', { pairId: s.pairId });
    expect(activity.find((a) => a.action === 'resolved' && a.side === 'right')).toMatchObject({ field: 'name', before: 'R2', after: 'L1', restorable: true });
  });

  it('pitfall 3: an edit between the resolver\'s read and its write is caught by the version check (stale), and the conflict is refreshed', async () => {
    // Armed for the resolution: its first write (left) lands, then Billing is edited just before the second (right).
    let armed = false;
    let writes = 0;
    let s: Awaited<ReturnType<typeof annInConflict>> | null = null;
    const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (armed && ++writes === 2 && s) appUpdate(s.right, s.r, { name: 'R3' });
      return real.write(c, ops);
    };
    s = await annInConflict({ wrap: interceptWrites(hook) });
    armed = true;
    const res = await s.kit.dispatch('conflicts/resolve', { conflictId: s.conflictId, resolution: { kind: 'fields', fields: { name: { value: 'Merged' } } } });
    expect(writes).toBe(2);
    expect(res.ok ? null : res.error.code).toBe('conflict');
    expect(res.ok ? '' : res.error.message).toMatch(/changed in Billing \(contacts\)/);
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('R3');
    expect((await s.kit.call('conflicts/count', {})).open).toBe(1);
    expect(await rightName(s.kit, s.conflictId)).toBe('R3');
  });

  it('DESIGN 4.6: a crash between the two writes of a resolution leaves journal, base and activity together; the rerun finishes the resolution', async () => {
    const plan: CrashPlan = { crashAt: null, count: 0, crashed: false, snapshot: null, db: () => (kit as Kit).db };
    const s = await annInConflict({ wrap: crashingService(plan) });
    plan.crashAt = plan.count + 1; // the left write lands, the engine dies at the right write
    const res = await s.kit.dispatch('conflicts/resolve', { conflictId: s.conflictId, resolution: { kind: 'fields', fields: { name: { value: 'Merged' } } } });
    expect(res.ok).toBe(false);
    kit = await restartFromCrash(s.kit, plan);
    expect(byEmail(s.left, 'ann@example.com')?.name).toBe('Merged');
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('R1');
    // The left write committed with its overwritten value; the base moved with it, so the next run
    // carries the steward's value to Billing instead of seeing a conflict again.
    const activity = await kit.call('activity/list', { pairId: s.pairId });
    expect(activity.find((a) => a.action === 'resolved' && a.side === 'left')).toMatchObject({ field: 'name', before: 'L1', after: 'Merged' });
    const run = await syncAndWait(kit, s.pairId);
    expect(run.counts.conflicts).toBe(0);
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('Merged');
    expect((await kit.call('conflicts/count', {})).open).toBe(0);
    expect(activity.some((a) => a.action === 'updated')).toBe(false);
  });

  it('pitfall 3: a resolution asked for during a run waits for it, and the run cannot put the old base back (the conflict does not return)', async () => {
    let gate: { reached: () => void; released: Promise<void>; release: () => void } | null = null;
    const hold = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (gate && ops.some((o) => o.op === 'update' && 'score' in o.fields)) {
        gate.reached();
        await gate.released;
      }
      return real.write(c, ops);
    };
    const s = await annInConflict({ wrap: interceptWrites(hold) });
    appUpdate(s.left, s.l, { score: 11 }); // the run writes score to the right while the steward resolves name
    let reached!: () => void;
    const atWrite = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    gate = { reached, released: new Promise<void>((r) => (release = r)), release };
    await s.kit.call('pairs/sync-now', { pairId: s.pairId });
    await atWrite;
    const resolving = s.kit.dispatch('conflicts/resolve', { conflictId: s.conflictId, resolution: { kind: 'fields', fields: { name: { take: 'right' } } } });
    // Sync now meanwhile joins the run in progress (the resolution waits behind it).
    expect((await s.kit.dispatch('pairs/sync-now', { pairId: s.pairId })).ok).toBe(true);
    gate.release();
    gate = null;
    expect(await resolving).toMatchObject({ ok: true });
    expect(byEmail(s.left, 'ann@example.com')).toMatchObject({ name: 'R1', score: 11 });
    expect(byEmail(s.right, 'ann@example.com')).toMatchObject({ name: 'R1', score: 11 });
    // A later edit of name in one app propagates; no conflict comes back from a stale base.
    appUpdate(s.left, s.l, { name: 'L3' });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.conflicts).toBe(0);
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('L3');
    expect((await s.kit.call('conflicts/list', { pairId: s.pairId })).items).toEqual([]);
  });

  it('a resolution during a long run answers at once that it must wait (nothing written, the conflict stays open), instead of holding the steward', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let holding = false;
    let reached!: () => void;
    const atWrite = new Promise<void>((r) => (reached = r));
    const hold = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (holding && ops.some((o) => o.op === 'update' && 'score' in o.fields)) {
        reached();
        await released;
      }
      return real.write(c, ops);
    };
    const s = await annInConflict({ wrap: interceptWrites(hold), stewardWaitMs: 50 });
    appUpdate(s.left, s.l, { score: 12 });
    holding = true;
    const { runId } = await s.kit.call('pairs/sync-now', { pairId: s.pairId });
    await atWrite;
    const answer = await s.kit.dispatch('conflicts/resolve', { conflictId: s.conflictId, resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
    expect(answer).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/A sync of this pair is running, so nothing was written and the conflict stays open/) } });
    release();
    holding = false;
    const { waitRun } = await import('./test-kit.fixture');
    await waitRun(s.kit, runId);
    expect((await s.kit.call('conflicts/get', { conflictId: s.conflictId })).status).toBe('open');
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('R1');
    // Once the run is over the same resolution goes through.
    expect(await s.kit.dispatch('conflicts/resolve', { conflictId: s.conflictId, resolution: { kind: 'fields', fields: { name: { take: 'left' } } } })).toMatchObject({ ok: true });
    expect(byEmail(s.right, 'ann@example.com')?.name).toBe('L1');
    const audit = (await s.kit.call('activity/list', { pairId: s.pairId })).filter((a) => a.action === 'resolved' && a.field === null);
    expect(audit.map((a) => a.reason)).toEqual(["a steward resolved the conflict: name = CRM (contacts)'s value"]);
  });
});

