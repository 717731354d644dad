/**
 * Issue 12 §2: a SQLite app's commits reach the other app by runs its feed starts (trigger 'feed'),
 * with no schedule and no Sync now, in either direction of a SQLite ↔ SQLite pair (cursor mode on
 * one side, hash on the other); the runs' own writes into either database start none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, until, type Kit } from '../../sync/test-kit.fixture';
import { FILE_WATCH_MAX_WAIT_MS } from '../file-watch';
import { quietRuns, settledRuns } from '../feed-test.fixture';

/** Longer than a burst takes to be judged: an echo of the last run's writes would have started a run by then. */
const QUIET_MS = FILE_WATCH_MAX_WAIT_MS + 500;

describe('a SQLite ↔ SQLite pair with no schedule', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it("another program's commit on either side reaches the other by a feed run; Concord's own writes start no run", async () => {
    const s = await setupPair({ schedule: { intervalSeconds: null } }, { modes: ['cursor', 'hash'], engine: { feeds: { debounceMs: 5, retryMs: 200 } } });
    kit = s.kit;
    dir = s.dir;
    // The feeds listen from the pair's creation: this insert signals too, and runs once the first sync has.
    const ann = appInsert(s.left, { email: 'ann@x', name: 'Ann', score: 1 });
    expect(await syncAndWait(kit, s.pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1 } });
    await until(async () => (await kit?.call('pairs/get', { pairId: s.pairId }))?.feed?.state === 'listening');
    const first = await quietRuns(kit, s.pairId, QUIET_MS);
    expect(first[0]?.trigger).toBe('first-sync');

    appUpdate(s.left, ann, { name: 'Annie' });
    await until(() => appRows(s.right).some((r) => r.name === 'Annie'));
    const afterLeft = await settledRuns(kit, s.pairId, QUIET_MS);

    appInsert(s.right, { email: 'bob@x', name: 'Bob', score: 2 });
    await until(() => appRows(s.left).some((r) => r.email === 'bob@x'));
    const runs = await settledRuns(kit, s.pairId, QUIET_MS);

    const fed = runs.slice(1);
    expect(fed.map((r) => r.trigger)).toEqual(fed.map(() => 'feed'));
    expect(runs.length).toBeGreaterThan(afterLeft.length);
    expect(afterLeft.length).toBeGreaterThan(first.length);
    expect(fed.reduce((n, r) => n + r.counts.created + r.counts.updated, 0)).toBe(2);
  });
});
