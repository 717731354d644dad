/**
 * Cancel, shutdown and time limits reach a connector waiting on a network (issue 10, the
 * connector kit): every connector call carries an AbortSignal, and the engine stops waiting when
 * it aborts — also for a connector that ignores it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hangingPlan, type HangingCall } from './hanging-connector.fixture';
import { appInsert, removeDir, setupPair, waitRun, type Kit } from './test-kit.fixture';

describe('cancel, shutdown and time limits reach a connector waiting on a network', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  async function stuckRun(hang: HangingCall[], opts: { ignoreSignal?: boolean; limits?: Record<string, number> } = {}) {
    const plan = hangingPlan(hang, opts.ignoreSignal ? { ignoreSignal: true } : {});
    const s = await setupPair({}, { wrap: plan.wrap, ...(opts.limits ? { engine: { connectorCallLimits: opts.limits } } : {}) });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    plan.armed = true;
    const { runId } = await s.kit.call('pairs/sync-now', { pairId: s.pairId });
    await plan.hanging;
    return { ...s, plan, runId };
  }

  it.each<HangingCall>(['describe', 'changes'])('Cancel ends a run whose connector never answers %s, and the connector sees the abort', async (call) => {
    const s = await stuckRun([call]);
    expect(await s.kit.call('runs/cancel', { runId: s.runId })).toEqual({ cancelled: true });
    const run = await waitRun(s.kit, s.runId);
    expect(run.status).toBe('cancelled');
    expect(s.plan.aborted).toHaveLength(1);
    expect(String(s.plan.aborted[0])).toMatch(/cancelled/);
  });

  it('Cancel ends a run even when the connector ignores the signal (the engine stops waiting)', async () => {
    const s = await stuckRun(['changes'], { ignoreSignal: true });
    await s.kit.call('runs/cancel', { runId: s.runId });
    expect((await waitRun(s.kit, s.runId)).status).toBe('cancelled');
  });

  it('shutdown reaches a connector waiting on a network: close() ends, the connector saw the abort, the run is cancelled', async () => {
    const s = await stuckRun(['describe']);
    await s.kit.close();
    kit = null;
    expect(s.plan.aborted).toHaveLength(1);
    expect(String(s.plan.aborted[0])).toMatch(/stopping/);
  });

  it('a call past its time limit fails the run with an actionable "did not answer within" error', async () => {
    const s = await stuckRun(['describe'], { limits: { describe: 50 } });
    const run = await waitRun(s.kit, s.runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^(CRM|Billing) \(contacts\) did not answer within 50 ms \(listing its collections\) — check that it is running and reachable/);
  });

  it('a page of changes past its time limit fails the run; the time limit is per page, not for the whole read', async () => {
    const s = await stuckRun(['changes'], { limits: { changes: 50 } });
    const run = await waitRun(s.kit, s.runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/did not answer within 50 ms \(the next page of changes\)/);
  });
});
