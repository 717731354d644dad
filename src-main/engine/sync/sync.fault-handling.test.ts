/**
 * Issue 12 §3, the engine's side of fault handling, found by the fault-proxy suite
 * (sync.faults.test.ts) and pinned down here on SQLite apps with a write hook.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, appUpdate, interceptWrites, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

describe('fault handling', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('pitfall 14: a failed update whose write reached the app after all (its answer was lost) leaves the failed list once both apps are found equal', async () => {
    let loseAnswers = false;
    const s = await setupPair({}, {
      wrap: interceptWrites(async (real, collection, ops) => {
        const results = await real.write(collection, ops);
        // The app took every write; with loseAnswers its answer to an update never arrives.
        return loseAnswers ? results.map((r, i) => (ops[i]?.op === 'update' ? { ok: false as const, reason: 'invalid' as const, error: 'The connection closed before the app answered.' } : r)) : results;
      }),
    });
    kit = s.kit;
    dir = s.dir;
    const id = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(kit, s.pairId);
    loseAnswers = true;
    appUpdate(s.left, id, { name: 'Annie' });
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ failed: 1 });
    expect(appRows(s.right)[0]?.name).toBe('Annie');
    const [failed] = await kit.call('failed/list', { pairId: s.pairId });
    loseAnswers = false;
    // The retry finds both apps holding "Annie": nothing to write, and nothing failed any more.
    expect(await kit.call('failed/retry', { failedId: failed?.id ?? '' })).toEqual({ status: 'done', error: null });
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
    expect((await kit.call('pairs/get', { pairId: s.pairId })).health).toBe('in-sync');
  });
});
