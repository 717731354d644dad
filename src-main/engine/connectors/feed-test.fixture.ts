/**
 * TEST FIXTURE (not shipped code): what the change feeds' engine tests share — a pair's runs in the
 * order they ran, and the check that a pair's runs have settled (Concord's own writes start none).
 */
import type { RunSummary } from '../api/model';
import { until, type Kit } from '../sync/test-kit.fixture';

/** The pair's runs, oldest first. */
export const runsOf = async (kit: Kit, pairId: string): Promise<RunSummary[]> => (await kit.call('runs/list', { pairId })).slice().reverse();

/** No run of the pair in progress. */
export const idle = async (kit: Kit, pairId: string): Promise<boolean> => (await kit.call('pairs/get', { pairId })).running === null;

/** Waits until the pair is idle, for `quietMs` more, and idle again: the runs that whatever came before started have run. */
export async function quietRuns(kit: Kit, pairId: string, quietMs: number): Promise<RunSummary[]> {
  await until(() => idle(kit, pairId));
  await new Promise((r) => setTimeout(r, quietMs));
  await until(() => idle(kit, pairId));
  return runsOf(kit, pairId);
}

/**
 * Waits until the pair is idle, then for `quietMs` more — longer than a feed takes to judge and
 * signal the writes of the last run (a file watch's burst, a poll), not a timing assertion: an echo
 * that came later still shows as a run, never as a failure of a slow machine — and returns the runs
 * then, after checking that no run started meanwhile (Concord's own writes started none).
 */
export async function settledRuns(kit: Kit, pairId: string, quietMs: number): Promise<RunSummary[]> {
  await until(() => idle(kit, pairId));
  const before = await runsOf(kit, pairId);
  await new Promise((r) => setTimeout(r, quietMs));
  await until(() => idle(kit, pairId));
  const after = await runsOf(kit, pairId);
  if (after.length !== before.length) {
    throw new Error(`the pair ran again without a change by another program: ${after.slice(before.length).map((r) => `${r.trigger} ${JSON.stringify(r.counts)}`).join('; ')}`);
  }
  return after;
}
