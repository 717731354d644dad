/**
 * Defects of the run found while it was rebuilt as a stream (issue 9 §6 and §7), each through the
 * engine on real SQLite apps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStore } from '../connections/service';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { appExec, appDelete, appInsert, appRows, appUpdate, crashingService, interceptWrites, removeDir, restartFromCrash, setupPair, syncAndWait, type CrashPlan, type Kit } from './test-kit.fixture';

const byEmail = (path: string, email: string) => appRows(path).find((r) => r.email === email);

function insertPeople(app: string, n: number): void {
  appExec(app, (db) => {
    const insert = db.prepare('INSERT INTO contacts (email, name, score) VALUES (?, ?, 1)');
    db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(`p${i}@example.com`, `P ${i}`);
    })();
  });
}

describe('the streamed run', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    if (dir) removeDir(dir);
  });

  it('a write batch that fails as a whole fails only its own records: batches never sent are not marked failed, and the next run writes them', async () => {
    let failNext = true;
    const hook = async (real: Connector, c: string, ops: WriteOp[], id: string): Promise<WriteResult[]> => {
      if (failNext && id === billing && ops.length > 0) {
        failNext = false;
        throw new Error('the connection dropped');
      }
      return real.write(c, ops);
    };
    let billing = '';
    const s = await setupPair({}, { wrap: interceptWrites(hook) });
    billing = s.rightConn;
    kit = s.kit;
    dir = s.dir;
    insertPeople(s.left, 1200);
    const run = await syncAndWait(s.kit, s.pairId);
    // Only the batch in flight is failed; the rest of the run's writes went through.
    expect(run.counts.failed).toBeGreaterThan(0);
    expect(run.counts.failed).toBeLessThan(1200);
    expect(run.counts.created).toBe(1200 - run.counts.failed);
    expect(s.kit.db.prepare("SELECT count(*) FROM journal WHERE status = 'pending'").pluck().get()).toBe(0);
    await syncAndWait(s.kit, s.pairId, true);
    expect(appRows(s.right)).toHaveLength(1200);
    expect(await s.kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
  });

  it('a 401 half-way through a read restarts it once, and the records the first pass delivered are not counted twice', async () => {
    let expire = true;
    const wrap = (svc: ConnectionStore): ConnectionStore => ({
      ...svc,
      open(id: string): Connector {
        const real = svc.open(id);
        return {
          ...real,
          async *changes(c, cursor, options) {
            let n = 0;
            for await (const b of real.changes(c, cursor, options)) {
              if (expire && n++ === 1) {
                expire = false;
                throw Object.assign(new Error('token expired'), { reason: 'auth' });
              }
              yield b;
            }
          },
        };
      },
    });
    const s = await setupPair({}, { wrap });
    kit = s.kit;
    dir = s.dir;
    insertPeople(s.left, 1200);
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(expire).toBe(false);
    expect(run.counts.read).toBe(1200);
    expect(appRows(s.right)).toHaveLength(1200);
  });

  it('a kill between an app write and its commit keeps the overwritten values: the rerun logs them, restorable (PITFALLS 3, 15)', async () => {
    const plan: CrashPlan = { crashAt: null, count: 0, crashed: false, snapshot: null, db: () => (kit as Kit).db };
    const s = await setupPair({}, { wrap: crashingService(plan) });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    appInsert(s.left, { email: 'bob@example.com', name: 'Bob', score: 1 });
    await syncAndWait(s.kit, s.pairId);
    // Both apps edit both records; master (left) wins, overwriting the right's values.
    for (const email of ['ann@example.com', 'bob@example.com']) {
      appUpdate(s.left, byEmail(s.left, email)?.id ?? -1, { name: `${email} left` });
      appUpdate(s.right, byEmail(s.right, email)?.id ?? -1, { name: `${email} right` });
    }
    plan.crashAt = plan.count + 1; // the first update lands in the app; the engine dies before its commit
    await syncAndWait(s.kit, s.pairId);
    expect(plan.crashed).toBe(true);
    kit = await restartFromCrash(s.kit, plan);
    expect((await syncAndWait(kit, s.pairId)).status).toBe('succeeded');
    const activity = await kit.call('activity/list', { pairId: s.pairId });
    const overwritten = activity.filter((a) => a.side === 'right' && a.field === 'name' && a.restorable).map((a) => a.before);
    expect(overwritten.sort()).toEqual(['ann@example.com right', 'bob@example.com right']);
  });

  it('a contact deleted and typed in again in a cursor app while the other app edits it is one record, not a duplicate', async () => {
    const s = await setupPair({}, { modes: ['cursor', 'cursor'] });
    kit = s.kit;
    dir = s.dir;
    const ann = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(s.kit, s.pairId);
    appDelete(s.left, ann);
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    appUpdate(s.right, byEmail(s.right, 'ann@example.com')?.id ?? -1, { score: 5 });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(appRows(s.left).map((r) => [r.email, r.score])).toEqual([['ann@example.com', 5]]);
    expect(appRows(s.right).map((r) => [r.email, r.score])).toEqual([['ann@example.com', 5]]);
    expect((await s.kit.call('conflicts/count', {})).open).toBe(0);
  });

  it('journal rows are pruned once their run has committed', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    insertPeople(s.left, 50);
    await syncAndWait(s.kit, s.pairId);
    expect(s.kit.db.prepare('SELECT count(*) FROM journal').pluck().get()).toBe(0);
  });
});
