import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { appInsert, appRows, interceptWrites, removeDir, setupPair, syncAndWait, waitRun, type Kit } from './test-kit.fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runs and the scheduler', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('serializes runs of a pair: a trigger during a run joins it; cancel stops it without moving the cursor', async () => {
    let gate: (() => void) | null = null;
    let hold = true;
    const slow = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (hold) await new Promise<void>((resolve) => (gate = resolve));
      return real.write(c, ops);
    };
    const s = await setupPair({}, { wrap: interceptWrites(slow) });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const first = await kit.call('pairs/sync-now', { pairId: s.pairId });
    const second = await kit.call('pairs/full-resync', { pairId: s.pairId });
    expect(second.runId).toBe(first.runId);
    while (!gate) await sleep(2);
    expect((await kit.call('pairs/get', { pairId: s.pairId })).health).toBe('syncing');
    expect(await kit.call('runs/cancel', { runId: first.runId })).toEqual({ cancelled: true });
    (gate as () => void)();
    const run = await waitRun(kit, first.runId);
    expect(run.status).toBe('cancelled');
    expect(kit.db.prepare('SELECT count(*) FROM cursors').pluck().get()).toBe(0);
    const events = kit.events.map((e) => e.event);
    expect(events).toContain('run/progress');
    expect(events).toContain('run/finished');
    expect(events).toContain('pairs/changed');
    // The write in flight when the cancel came was committed (not lost); the next run has nothing left to do.
    expect(appRows(s.right)).toHaveLength(1);
    hold = false;
    const next = await syncAndWait(kit, s.pairId);
    expect(next.status).toBe('succeeded');
    expect(next.counts.created).toBe(0);
    expect(appRows(s.right)).toHaveLength(1);
  });

  it('the scheduler runs each enabled pair on its interval (a full reconciliation first for a cursor pair), skips paused pairs and stops on close', async () => {
    const s = await setupPair({ schedule: { intervalSeconds: 10 } }, { modes: ['cursor', 'cursor'], schedulerTickMs: 20 });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    let runs = await kit.call('runs/list', { pairId: s.pairId });
    for (let i = 0; i < 200 && runs.length === 0; i++) {
      await sleep(10);
      runs = await kit.call('runs/list', { pairId: s.pairId });
    }
    expect(runs[0]?.trigger).toBe('full-resync'); // a cursor connector cannot see deletes: reconcile in full first
    await waitRun(kit, runs[0]?.id ?? '');
    expect(appRows(s.right)).toHaveLength(1);
    await sleep(100);
    expect(await kit.call('runs/list', { pairId: s.pairId })).toHaveLength(1); // not due again for 10 s
    const summary = await kit.call('pairs/pause', { pairId: s.pairId });
    expect(summary.nextRunAt).toBeNull();
    await kit.call('pairs/delete', { pairId: s.pairId });
    expect(kit.events.some((e) => e.event === 'pairs/removed')).toBe(true);
  });

  it('lists runs and pairs with their health and counts', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    expect((await kit.call('pairs/list', {}))[0]).toMatchObject({ id: s.pairId, health: 'never-run', linked: 0, left: { connectionName: 'CRM', connector: 'sqlite-table' } });
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const run = await syncAndWait(kit, s.pairId);
    expect(run.trigger).toBe('first-sync');
    const [pair] = await kit.call('pairs/list', {});
    expect(pair).toMatchObject({ health: 'in-sync', linked: 1, openConflicts: 0, failed: 0, queued: 0 });
    expect(pair?.lastRun?.id).toBe(run.id);
    expect((await kit.call('runs/list', { pairId: s.pairId, limit: 5 })).map((r) => r.id)).toEqual([run.id]);
    const missing = await kit.dispatch('runs/get', { runId: 'nope' });
    expect(missing.ok ? null : missing.error.code).toBe('not-found');
  });
});
