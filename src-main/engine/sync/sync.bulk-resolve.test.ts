// Bulk "take master / slave" as a job (issue 9 §4): over a selection or every conflict matching a
// filter, with no cap on count, progress after every batch, Cancel, batched app writes, and the
// resolver's safety rules kept (PITFALLS 3: a side that moved is never overwritten).
import { afterEach, describe, expect, it } from 'vitest';
import type { BulkJob } from '../api/model';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { appExec, appRows, appUpdate, interceptWrites, removeDir, setupPair, syncAndWait, waitBulk, type Kit } from './test-kit.fixture';

let kit: Kit | null = null;
let dir = '';
afterEach(async () => {
  await kit?.close();
  kit = null;
  removeDir(dir);
});

/** `n` people in both apps with another name on each side: the first sync (manual policy) sends every one to the inbox. */
async function manyInConflict(n: number, opts: Parameters<typeof setupPair>[1] = {}) {
  const s = await setupPair({ conflictPolicy: 'manual', initialMatchPolicy: 'manual' }, opts);
  kit = s.kit;
  dir = s.dir;
  for (const [path, prefix] of [[s.left, 'L'], [s.right, 'R']] as const) {
    appExec(path, (db) => {
      const insert = db.prepare('INSERT INTO contacts (email, name, score) VALUES (?, ?, ?)');
      db.transaction(() => {
        for (let i = 0; i < n; i++) insert.run(`p${i}@example.com`, `${prefix}${i}`, i);
      })();
    });
  }
  const run = await syncAndWait(s.kit, s.pairId);
  expect(run.counts.conflicts).toBe(n);
  return s;
}

const progressOf = (k: Kit, jobId: string) => k.events.filter((e) => e.event === 'conflicts/bulk-progress').map((e) => e.payload as BulkJob).filter((j) => j.id === jobId);

describe('bulk resolve as a job', () => {
  it('takes the master for all 10,500 conflicts matching a filter: no cap, progress per batch, the apps written in batches, every overwritten value kept', async () => {
    let writeCalls = 0;
    let written = 0;
    const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      writeCalls++;
      written += ops.length;
      return real.write(c, ops);
    };
    const s = await manyInConflict(10_500, { wrap: interceptWrites(hook) });
    writeCalls = 0;
    written = 0;
    const job = await s.kit.call('conflicts/resolve-bulk', { take: 'master', filter: { pairId: s.pairId, kind: 'field' } });
    expect(job).toMatchObject({ status: 'running', total: 10_500, take: 'master' });
    const done = await waitBulk(s.kit, job.id);
    expect(done).toMatchObject({ status: 'done', total: 10_500, done: 10_500, resolved: 10_500, failed: 0 });
    expect((await s.kit.call('conflicts/count', {})).open).toBe(0);
    // The master (left) wins: the right app holds the left's names now.
    expect(appRows(s.right).filter((r) => r.name?.startsWith('R'))).toEqual([]);
    expect(appRows(s.left).filter((r) => r.name?.startsWith('L'))).toHaveLength(10_500);
    // One write per conflict, sent in batches (not one app call per conflict).
    expect(written).toBe(10_500);
    expect(writeCalls).toBeLessThan(10_500 / 50);
    // Progress moved batch by batch, and ended done.
    const progress = progressOf(s.kit, job.id);
    expect(progress.filter((p) => p.status === 'running' && p.done > 0 && p.done < 10_500).length).toBeGreaterThanOrEqual(5);
    expect(progress.at(-1)).toMatchObject({ status: 'done', resolved: 10_500 });
    // Each overwritten value is in the activity log, restorable; each resolution is audited.
    const overwritten = s.kit.db.prepare("SELECT count(*) FROM activity WHERE action = 'resolved' AND field = 'name' AND restorable = 1 AND side = 'right'").pluck().get();
    expect(overwritten).toBe(10_500);
    const [one] = await s.kit.call('activity/list', { pairId: s.pairId, record: 'p42@example.com' });
    expect(one).toBeDefined();
    const entry = (await s.kit.call('activity/list', { pairId: s.pairId, record: 'p42@example.com' })).find((a) => a.field === 'name');
    expect(entry).toMatchObject({ before: 'R42', after: 'L42', restorable: true });
    await s.kit.call('activity/restore', { activityId: entry?.id ?? '' });
    expect(appRows(s.right).find((r) => r.email === 'p42@example.com')?.name).toBe('R42');
    // The next run finds nothing to do: the bases moved with the writes.
    const next = await syncAndWait(s.kit, s.pairId);
    expect(next.counts.conflicts).toBe(0);
  });

  it('Cancel stops the job after the batch in progress: what was written is resolved, the rest stays open', async () => {
    const s = await manyInConflict(3000);
    const job = await s.kit.call('conflicts/resolve-bulk', { take: 'slave', filter: {} });
    // Cancel as soon as the first batch has reported.
    while (!progressOf(s.kit, job.id).some((p) => p.done > 0)) await new Promise((r) => setTimeout(r, 1));
    await s.kit.call('conflicts/bulk-cancel', { jobId: job.id });
    const end = await waitBulk(s.kit, job.id);
    expect(end.status).toBe('cancelled');
    expect(end.resolved).toBeGreaterThan(0);
    expect(end.resolved).toBeLessThan(3000);
    expect((await s.kit.call('conflicts/count', {})).open).toBe(3000 - end.resolved);
    // Exactly the resolved ones were written (the slave's, right, names went left).
    expect(appRows(s.left).filter((r) => r.name?.startsWith('R'))).toHaveLength(end.resolved);
  });

  it('a selection of ids: unknown and already-resolved ids are reported, the rest resolved', async () => {
    const s = await manyInConflict(3);
    const ids = (await s.kit.call('conflicts/list', {})).items.map((c) => c.id);
    const first = await waitBulk(s.kit, (await s.kit.call('conflicts/resolve-bulk', { take: 'master', conflictIds: [ids[0] ?? ''] })).id);
    expect(first).toMatchObject({ resolved: 1, failed: 0 });
    const job = await waitBulk(s.kit, (await s.kit.call('conflicts/resolve-bulk', { take: 'master', conflictIds: [...ids, 'no-such-conflict'] })).id);
    expect(job).toMatchObject({ status: 'done', total: 4, resolved: 2, failed: 2 });
    expect(job.failures.map((f) => f.error).sort()).toEqual(['This conflict no longer exists.', 'This conflict was already resolved.']);
  });

  it('pitfall 3: a record edited in its app since the conflict was recorded is not overwritten by a bulk job; its conflict is refreshed and stays open', async () => {
    const s = await manyInConflict(20);
    const p7 = appRows(s.right).find((r) => r.email === 'p7@example.com')?.id ?? -1;
    appUpdate(s.right, p7, { name: 'R7 edited' }); // no run since
    const job = await waitBulk(s.kit, (await s.kit.call('conflicts/resolve-bulk', { take: 'master', filter: {} })).id);
    expect(job).toMatchObject({ resolved: 19, failed: 1 });
    expect(job.failures[0]).toMatchObject({ record: 'p7@example.com' });
    expect(job.failures[0]?.error).toMatch(/changed in Billing \(contacts\).*refreshed/);
    expect(appRows(s.right).find((r) => r.id === p7)?.name).toBe('R7 edited');
    const [open] = (await s.kit.call('conflicts/list', {})).items;
    expect(open?.record).toBe('p7@example.com');
    const detail = await s.kit.call('conflicts/get', { conflictId: open?.id ?? '' });
    expect(detail.fields.find((f) => f.name === 'name')?.right).toBe('R7 edited');
  });

  it('pitfall 3: an edit between the job\'s read and its write comes back stale; that conflict is refreshed, the others resolve', async () => {
    let armed = false;
    let target: { path: string; id: number } | null = null;
    const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (armed && target) {
        armed = false;
        appUpdate(target.path, target.id, { name: 'edited meanwhile' });
      }
      return real.write(c, ops);
    };
    const s = await manyInConflict(10, { wrap: interceptWrites(hook) });
    target = { path: s.right, id: appRows(s.right).find((r) => r.email === 'p3@example.com')?.id ?? -1 };
    armed = true;
    const job = await waitBulk(s.kit, (await s.kit.call('conflicts/resolve-bulk', { take: 'master', filter: {} })).id);
    expect(job).toMatchObject({ resolved: 9, failed: 1 });
    expect(appRows(s.right).find((r) => r.email === 'p3@example.com')?.name).toBe('edited meanwhile');
    const [open] = (await s.kit.call('conflicts/list', {})).items;
    expect((await s.kit.call('conflicts/get', { conflictId: open?.id ?? '' })).fields.find((f) => f.name === 'name')?.right).toBe('edited meanwhile');
  });
});
