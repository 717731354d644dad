import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../api/model';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { appExec, appInsert, appRows, interceptWrites, removeDir, setupPair, syncAndWait, waitRun, type Kit } from './test-kit.fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const emails = (path: string) => appRows(path).map((r) => r.email).sort();

/** Writes wait at a gate while `held`; `reached()` resolves once a write is waiting. */
function gatedWrites() {
  const g = { held: false, open: null as (() => void) | null };
  const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
    if (g.held) await new Promise<void>((resolve) => (g.open = resolve));
    return real.write(c, ops);
  };
  return {
    wrap: interceptWrites(hook),
    hold: () => void (g.held = true),
    async reached(): Promise<void> {
      while (!g.open) await sleep(2);
    },
    release(): void {
      g.held = false;
      g.open?.();
      g.open = null;
    },
  };
}

describe('"Retry" of a failed record', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('never joins an unrelated run: a run that starts between its wait and its start (a queued full resync) does not swallow its ids', async () => {
    const gate = gatedWrites();
    const s = await setupPair({}, { wrap: gate.wrap });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'bad@example.com', name: 'Bad', score: 1 });
    appExec(s.right, (db) => db.exec("CREATE TRIGGER reject BEFORE INSERT ON contacts WHEN NEW.email = 'bad@example.com' BEGIN SELECT RAISE(ABORT, 'the app rejects it'); END"));
    expect((await syncAndWait(kit, s.pairId)).counts.failed).toBe(1);
    const [failed] = await kit.call('failed/list', { pairId: s.pairId });
    expect(Date.parse(failed?.nextAttemptAt ?? '')).toBeGreaterThan(Date.now()); // backing off: only "Retry" forces it now
    appExec(s.right, (db) => db.exec('DROP TRIGGER reject'));

    // An incremental run is writing; Retry waits for it; a full resync is queued behind it.
    appInsert(s.left, { email: 'other@example.com', name: 'Other', score: 2 });
    gate.hold();
    const { runId: busy } = await kit.call('pairs/sync-now', { pairId: s.pairId });
    await gate.reached();
    const retry = kit.call('failed/retry', { failedId: failed?.id ?? '' });
    const { runId: queued } = await kit.call('pairs/full-resync', { pairId: s.pairId });
    expect(queued).toBe(busy);
    gate.release();

    // The full resync starts the moment the incremental run ends; the retry runs its own ids after it.
    expect(await retry).toEqual({ status: 'done', error: null });
    expect(emails(s.right)).toEqual(['bad@example.com', 'other@example.com']);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
    const runs = await kit.call('runs/list', { pairId: s.pairId });
    const retried = runs.filter((r) => r.trigger === 'retry');
    expect(retried).toHaveLength(1);
    // The UI hears of the retry under its own run id.
    const finished = kit.events.filter((e) => e.event === 'run/finished').map((e) => e.payload as RunSummary);
    expect(finished.map((r) => r.id)).toContain(retried[0]?.id);
    expect(finished.find((r) => r.id === retried[0]?.id)?.counts.created).toBe(1);
  });

  it('retries asked while a run is busy are run together after it, each answered with its own record', async () => {
    const gate = gatedWrites();
    const s = await setupPair({}, { wrap: gate.wrap });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'x@example.com', name: 'X', score: 1 });
    appInsert(s.left, { email: 'y@example.com', name: 'Y', score: 2 });
    appExec(s.right, (db) => db.exec("CREATE TRIGGER reject BEFORE INSERT ON contacts WHEN NEW.email IN ('x@example.com', 'y@example.com') BEGIN SELECT RAISE(ABORT, 'no'); END"));
    expect((await syncAndWait(kit, s.pairId)).counts.failed).toBe(2);
    const failed = await kit.call('failed/list', { pairId: s.pairId });
    appExec(s.right, (db) => db.exec('DROP TRIGGER reject'));

    appInsert(s.left, { email: 'z@example.com', name: 'Z', score: 3 });
    gate.hold();
    const { runId: busy } = await kit.call('pairs/sync-now', { pairId: s.pairId });
    await gate.reached();
    const answers = Promise.all(failed.map((f) => kit?.call('failed/retry', { failedId: f.id })));
    gate.release();
    expect((await waitRun(kit, busy)).counts.created).toBe(1);
    expect(await answers).toEqual([{ status: 'done', error: null }, { status: 'done', error: null }]);
    expect(emails(s.right)).toEqual(['x@example.com', 'y@example.com', 'z@example.com']);
  });

  it('a write the app answers "stale" (the record changed under it) is tried again by the very next run, with no backoff', async () => {
    let staleOnce = true;
    const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (!staleOnce) return real.write(c, ops);
      staleOnce = false;
      return ops.map(() => ({ ok: false, reason: 'stale', error: 'the file changed while Concord was writing it' }) satisfies WriteResult);
    };
    const s = await setupPair({}, { wrap: interceptWrites(hook) });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    expect((await syncAndWait(kit, s.pairId)).counts.failed).toBe(1);
    const [f] = await kit.call('failed/list', { pairId: s.pairId });
    expect(Date.parse(f?.nextAttemptAt ?? '')).toBeLessThanOrEqual(Date.now());
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 1, failed: 0 });
    expect(emails(s.right)).toEqual(['a@example.com']);
  });

  // A propagated delete fails on the network either before the app had it or after (its answer lost,
  // and the answers of the run's own retries too). "Retry all" settles it either way and leaves Failed.
  it.each([
    { lost: 'a delete whose answer was lost (the app did delete) leaves Failed on the next retry: both records are gone, nothing is left to retry', landed: true },
    { lost: 'a delete that never reached the app is sent again by the retry, and leaves Failed', landed: false },
  ])('$lost', async ({ landed }) => {
    let lose = false;
    const unavailable = { ok: false as const, error: 'Cannot reach the app: other side closed.', reason: 'unavailable' as const };
    const wrap = interceptWrites(async (real, c, ops) => {
      if (!lose || !ops.some((o) => o.op === 'delete')) return real.write(c, ops);
      const sent = landed ? ops : ops.filter((o) => o.op !== 'delete');
      const results = await real.write(c, sent);
      return landed ? results.map((r, i) => (ops[i]?.op === 'delete' ? unavailable : r)) : ops.map((o) => (o.op === 'delete' ? unavailable : (results.shift() as WriteResult)));
    });
    const s = await setupPair({}, { wrap, modes: ['hash', 'hash'] });
    kit = s.kit;
    dir = s.dir;
    const ann = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    appInsert(s.left, { email: 'bo@example.com', name: 'Bo', score: 2 });
    await syncAndWait(kit, s.pairId);
    appExec(s.left, (db) => db.prepare('DELETE FROM contacts WHERE id = ?').run(ann));
    lose = true;
    const lost = await syncAndWait(kit, s.pairId);
    expect(lost.counts, JSON.stringify(lost)).toMatchObject({ failed: 1 });
    expect(emails(s.right)).toEqual(landed ? ['bo@example.com'] : ['ann@example.com', 'bo@example.com']);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toHaveLength(1);
    lose = false;
    const { runId } = await kit.call('failed/retry-all', { pairId: s.pairId });
    expect((await waitRun(kit, runId)).status).toBe('succeeded');
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
    const quiet = await syncAndWait(kit, s.pairId);
    expect(quiet.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    expect(emails(s.right)).toEqual(['bo@example.com']);
  });
});
