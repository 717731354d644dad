/**
 * PITFALLS 15 with a merge policy (DESIGN §4 steps 3 and 6): a merged field is written to BOTH
 * sides, the left first. A crash between the two writes must not lose the merge: the rerun
 * finishes the right write (it must neither copy the right's old value back over the merge nor
 * merge the already merged value a second time), and a further sync writes nothing.
 * The crash comes from the kit's injection (the first N write ops reach the apps, then the
 * engine "dies" with its database as it was at that instant); everything goes through `dispatch`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FieldMapping, PairConfig } from '../api/model';
import { appInsert, appRows, appUpdate, crashingService, removeDir, restartFromCrash, setupPair, syncAndWait, type CrashPlan, type Kit } from './test-kit.fixture';

const FIELDS: FieldMapping[] = [
  { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
  { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
  { name: 'score', type: 'number', left: { fields: ['score'] }, right: { fields: ['score'] }, direction: 'both', policy: 'merge-numeric' },
  { name: 'tags', type: 'set', left: { fields: ['tags'] }, right: { fields: ['tags'] }, direction: 'both', policy: 'merge-set' },
];

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const writes = (r: { counts: { created: number; updated: number; deleted: number } }) => r.counts.created + r.counts.updated + r.counts.deleted;

/** Two linked records per app (ann, bob): score 10 and tags "a" on both sides, already synced. */
async function linkedPair(policy: PairConfig['conflictPolicy'] = 'master') {
  const plan: CrashPlan = { crashAt: null, count: 0, crashed: false, snapshot: null, db: () => kit.db };
  const s = await setupPair({ fields: FIELDS, conflictPolicy: policy }, { wrap: crashingService(plan) });
  let kit: Kit = s.kit;
  const state = { kit };
  cleanup.push(async () => {
    await state.kit.close();
    removeDir(s.dir);
  });
  appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 10, tags: 'a' });
  appInsert(s.left, { email: 'bob@example.com', name: 'Bob', score: 10, tags: 'a' });
  expect((await syncAndWait(kit, s.pairId)).status).toBe('succeeded');
  const ids = (path: string) => new Map(appRows(path).map((r) => [r.email, r.id]));
  const row = (path: string, email: string) => appRows(path).find((r) => r.email === email);
  /** Syncs with a crash at write op `crashAt`, restarts from the snapshot, and reruns. */
  const crashAndRerun = async (crashAt: number, between?: () => void) => {
    Object.assign(plan, { crashAt, count: 0, crashed: false, snapshot: null });
    await syncAndWait(kit, s.pairId);
    expect(plan.crashed, 'the crash landed').toBe(true);
    between?.();
    kit = await restartFromCrash(kit, plan);
    state.kit = kit;
    const rerun = await syncAndWait(kit, s.pairId);
    expect(rerun.status, rerun.error ?? '').toBe('succeeded');
    return rerun;
  };
  const syncAgain = () => syncAndWait(kit, s.pairId);
  return { ...s, plan, ids: { left: ids(s.left), right: ids(s.right) }, row, crashAndRerun, syncAgain };
}

describe('a crash between the two writes of a merged field (PITFALLS 15)', () => {
  it('merge-numeric: base 10, left +5, right +2 → both 17 after the rerun, and nothing more to do', async () => {
    const p = await linkedPair();
    appUpdate(p.left, p.ids.left.get('ann@example.com') ?? -1, { score: 15 });
    appUpdate(p.right, p.ids.right.get('ann@example.com') ?? -1, { score: 12 });
    // Write op 1 (the left's merged value) commits; the engine dies before the right write.
    const rerun = await p.crashAndRerun(1, () => {
      expect(p.row(p.left, 'ann@example.com')?.score).toBe(17);
      expect(p.row(p.right, 'ann@example.com')?.score).toBe(12);
    });
    expect(p.row(p.left, 'ann@example.com')?.score).toBe(17);
    expect(p.row(p.right, 'ann@example.com')?.score).toBe(17);
    expect(writes(rerun)).toBe(1); // only the right write the crash interrupted
    expect(rerun.counts.conflicts).toBe(0);
    const again = await p.syncAgain();
    expect(writes(again)).toBe(0);
  });

  it('merge-set: base {a}, left +b, right +c → both {a, b, c} after the rerun', async () => {
    const p = await linkedPair();
    appUpdate(p.left, p.ids.left.get('ann@example.com') ?? -1, { tags: 'a, b' });
    appUpdate(p.right, p.ids.right.get('ann@example.com') ?? -1, { tags: 'c;a' });
    await p.crashAndRerun(1, () => expect(p.row(p.right, 'ann@example.com')?.tags).toBe('c;a'));
    expect(p.row(p.left, 'ann@example.com')?.tags).toBe('a, b, c');
    expect(p.row(p.right, 'ann@example.com')?.tags).toBe('a, b, c');
    expect(writes(await p.syncAgain())).toBe(0);
  });

  it('a left write that reached the app but not the journal is not merged a second time (no 19)', async () => {
    const p = await linkedPair();
    for (const e of ['ann@example.com', 'bob@example.com']) {
      appUpdate(p.left, p.ids.left.get(e) ?? -1, { score: 15 });
      appUpdate(p.right, p.ids.right.get(e) ?? -1, { score: 12 });
    }
    // Two left writes in one batch: the first reaches the app, then the engine dies before any
    // result is committed — the journal still says pending for both sides of both records.
    await p.crashAndRerun(1, () => expect(appRows(p.left).map((r) => r.score).sort()).toEqual([15, 17]));
    for (const side of ['left', 'right'] as const) expect(appRows(p[side]).map((r) => r.score)).toEqual([17, 17]);
    expect(writes(await p.syncAgain())).toBe(0);
  });

  it('the right app edited after the crash (12 → 13): its change merges on top (18), nothing is lost', async () => {
    const p = await linkedPair();
    const r = p.ids.right.get('ann@example.com') ?? -1;
    appUpdate(p.left, p.ids.left.get('ann@example.com') ?? -1, { score: 15 });
    appUpdate(p.right, r, { score: 12 });
    await p.crashAndRerun(1, () => appUpdate(p.right, r, { score: 13 }));
    expect(p.row(p.left, 'ann@example.com')?.score).toBe(18);
    expect(p.row(p.right, 'ann@example.com')?.score).toBe(18);
    expect(writes(await p.syncAgain())).toBe(0);
  });

  it('the left app edited after the crash (17 → 20): its edit stands on the merged value (20)', async () => {
    const p = await linkedPair();
    const l = p.ids.left.get('ann@example.com') ?? -1;
    appUpdate(p.left, l, { score: 15 });
    appUpdate(p.right, p.ids.right.get('ann@example.com') ?? -1, { score: 12 });
    await p.crashAndRerun(1, () => appUpdate(p.left, l, { score: 20 }));
    expect(p.row(p.left, 'ann@example.com')?.score).toBe(20);
    expect(p.row(p.right, 'ann@example.com')?.score).toBe(20);
    expect(writes(await p.syncAgain())).toBe(0);
  });
});
