import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { appExec, appInsert, appRows, basePairConfig, createApp, interceptWrites, removeDir, setupPair, startEngine, syncAndWait, tempDir, waitRun, type Kit } from './test-kit.fixture';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `n` contacts p0@… to p{n-1}@…, in one transaction (fast enough for thousands). */
function insertPeople(app: string, n: number): void {
  appExec(app, (db) => {
    const insert = db.prepare("INSERT INTO contacts (email, name, score, updated_at) VALUES (?, ?, 1, '2024-01-01T00:00:00Z')");
    db.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(`p${i}@example.com`, `P ${i}`);
    })();
  });
}

/** Holds the first write batch of a run until `release()`: `reached()` resolves once a run is writing. */
function firstWriteHeld() {
  let release: (() => void) | null = null;
  const wrap = interceptWrites(async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
    if (!release) await new Promise<void>((resolve) => (release = resolve));
    return real.write(c, ops);
  });
  return {
    wrap,
    async reached(): Promise<void> {
      while (!release) await sleep(2);
    },
    release: () => (release as (() => void) | null)?.(),
  };
}

describe('runs and the scheduler', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('a long run leaves the event loop turns between write chunks: a Cancel asked from a timer lands mid-run', async () => {
    // Local connectors work synchronously; without a turn of the event loop between chunks a
    // request (Cancel from the UI, any HTTP call) would wait until the whole run was written.
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    insertPeople(s.left, 5000);
    const { runId } = await kit.call('pairs/sync-now', { pairId: s.pairId });
    const live = kit;
    let answer: Promise<{ cancelled: boolean }> | null = null;
    // Asked from a macrotask, as a request off the network would be, once the run is writing.
    const poll = setInterval(() => {
      const writing = live.events.some((e) => e.event === 'run/progress' && (e.payload as { written: number }).written > 0);
      if (writing && !answer) answer = live.call('runs/cancel', { runId });
    }, 0);
    const run = await waitRun(kit, runId);
    clearInterval(poll);
    expect(await answer).toEqual({ cancelled: true });
    expect(run.status).toBe('cancelled');
    expect(run.counts.created).toBeGreaterThan(0);
    expect(run.counts.created).toBeLessThan(5000);
    // The writes it left wait for the next run: the pair is not "in sync" meanwhile.
    expect(await kit.call('pairs/get', { pairId: s.pairId })).toMatchObject({ health: 'needs-attention' });
    expect((await syncAndWait(kit, s.pairId)).status).toBe('succeeded');
    expect(await kit.call('pairs/get', { pairId: s.pairId })).toMatchObject({ health: 'in-sync' });
  });

  it('progress: a first sync has a total from its first batch (exact once both sides are read), and the writes count up as they land', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    insertPeople(s.left, 1200);
    appInsert(s.right, { email: 'only-right@example.com', name: 'R', score: 1 });
    const run = await syncAndWait(kit, s.pairId);
    type P = { phase: string; read: number; total: number | null; written: number; toWrite?: number; totalEstimated?: boolean };
    const progress = kit.events.filter((e) => e.event === 'run/progress').map((e) => e.payload as P);
    const reading = progress.filter((p) => p.phase === 'reading' && p.read > 0);
    expect(reading.length).toBeGreaterThan(0);
    // From the first batch on, the bar has a total; it never falls below what was read.
    for (const p of reading) {
      expect(p.total).not.toBeNull();
      expect(p.total ?? 0).toBeGreaterThanOrEqual(p.read);
    }
    expect(reading.at(-1)?.total).toBe(1201);
    // Until the second app says its size, the total is marked as an estimate.
    expect(reading[0]?.totalEstimated).toBe(true);
    expect(reading.at(-1)).not.toHaveProperty('totalEstimated');
    // A streamed run writes as it goes: `written` only grows, in more than one step, up to every write.
    const written = progress.map((p) => p.written);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(new Set(written.filter((w) => w > 0 && w < 1201)).size).toBeGreaterThan(0);
    expect(written.at(-1)).toBe(1201);
    expect(run.counts.created).toBe(1201);
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
    // No deadline of its own (the test's timeout is one): a busy machine may take seconds to tick.
    while (runs.length === 0) {
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

  it('a full resync asked for during an incremental run does not vanish into it: it runs in full right after', async () => {
    const held = firstWriteHeld();
    const s = await setupPair({}, { wrap: held.wrap });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const first = await kit.call('pairs/sync-now', { pairId: s.pairId });
    await held.reached();
    const asked = await kit.call('pairs/full-resync', { pairId: s.pairId });
    expect(asked.runId).toBe(first.runId); // it joins the run in progress…
    held.release();
    expect((await waitRun(kit, first.runId)).mode).toBe('incremental');
    let runs = await kit.call('runs/list', { pairId: s.pairId });
    while (!(runs.length === 2 && runs[0]?.status !== 'running')) {
      await sleep(5);
      runs = await kit.call('runs/list', { pairId: s.pairId });
    }
    // …and a full resync follows it.
    expect(runs.map((r) => [r.mode, r.trigger, r.status])).toEqual([
      ['full', 'full-resync', 'succeeded'],
      ['incremental', 'first-sync', 'succeeded'],
    ]);
  });

  it('a side fed by a native change feed (token mode) gets a periodic full reconciliation from the scheduler (a lost event is not permanent drift)', async () => {
    const { MemoryAppFixture } = await import('./memory-connector.fixture');
    const app = new MemoryAppFixture(['email', 'name', 'score']);
    const wrap = (svc: import('../connections/service').ConnectionStore) => ({
      ...svc,
      open: (id: string) => (svc.get(id).name === 'Billing' ? app.connector('contacts') : svc.open(id)),
      definition: (id: string) => (svc.get(id).name === 'Billing' ? app.definition() : svc.definition(id)),
    });
    const s = await setupPair({ schedule: { intervalSeconds: 10 } }, { wrap, modes: ['hash', 'token'], schedulerTickMs: 20 });
    kit = s.kit;
    dir = s.dir;
    let runs = await kit.call('runs/list', { pairId: s.pairId });
    // No deadline of its own (the test's timeout is one): a busy machine may take seconds to tick.
    while (runs.length === 0) {
      await sleep(10);
      runs = await kit.call('runs/list', { pairId: s.pairId });
    }
    expect(runs[0]?.trigger).toBe('full-resync');
  });

  it('a pair saved without a change-detection mode gets the one its table supports (no updated_at column: not a cursor), and its runs succeed', async () => {
    dir = tempDir();
    const path = (n: string) => join(dir, `${n}.sqlite`);
    createApp(path('left'));
    appExec(path('right'), (db) => db.exec('CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER)'));
    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: path('left') } });
    const r = await kit.call('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: path('right') } });
    const config = basePairConfig(l.id, r.id);
    delete config.left.changeDetection;
    delete config.right.changeDetection;
    const pair = await kit.call('pairs/create', { config });
    expect(pair.config.right.changeDetection).toBe('hash');
    expect(pair.config.left.changeDetection).toBeDefined();
    appInsert(path('left'), { email: 'a@example.com', name: 'A', score: 1 });
    const run = await syncAndWait(kit, pair.id);
    expect(run.status).toBe('succeeded');
    expect(run.counts.created).toBe(1);
  });

  it('pausing a pair stops its run in progress (no more writes after Pause), and the cursor stays', async () => {
    const held = firstWriteHeld();
    const s = await setupPair({}, { wrap: held.wrap });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const { runId } = await kit.call('pairs/sync-now', { pairId: s.pairId });
    await held.reached();
    expect((await kit.call('pairs/pause', { pairId: s.pairId })).paused).toBe(true);
    held.release();
    expect((await waitRun(kit, runId)).status).toBe('cancelled');
    expect(kit.db.prepare('SELECT count(*) FROM cursors').pluck().get()).toBe(0);
  });
});

