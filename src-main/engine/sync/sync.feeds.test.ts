/**
 * Change feeds without a server (sync/feeds.ts): the in-memory app fixture in capture mode signals
 * each change as PostgreSQL's LISTEN does. Waits poll for outcomes; no fixed sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../api/model';
import type { ConnectionStore } from '../connections/service';
import { MemoryAppFixture } from './memory-connector.fixture';
import { appInsert, appRows, removeDir, setupPair, syncAndWait, until, type Kit } from './test-kit.fixture';
import { FILE_WATCH_MAX_WAIT_MS } from '../connectors/file-watch';


async function feedPair(app: MemoryAppFixture) {
  // The right connection ("Billing") is stored as usual; only its connector is the in-memory fixture.
  const isMemory = (svc: ConnectionStore, id: string) => svc.get(id).name === 'Billing';
  const wrap = (svc: ConnectionStore): ConnectionStore => ({
    ...svc,
    open: (id) => (isMemory(svc, id) ? app.connector('contacts') : svc.open(id)),
    definition: (id) => (isMemory(svc, id) ? app.definition() : svc.definition(id)),
  });
  return setupPair({}, { wrap, modes: ['hash', 'capture'], engine: { feeds: { debounceMs: 0, retryMs: 10 } } });
}

const runsOf = async (kit: Kit, pairId: string): Promise<RunSummary[]> => (await kit.call('runs/list', { pairId })).slice().reverse();
/** The pair when no run is in progress (else undefined). */
const settled = async (kit: Kit, pairId: string) => {
  const p = await kit.call('pairs/get', { pairId });
  return p.running === null ? p : undefined;
};

describe('change feeds (capture mode) without a server', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('a signalled change runs the pair with no schedule; signals during a run make exactly one more run; a reconnect runs once; pause stops the listener and close ends it', async () => {
    const app = new MemoryAppFixture(['email', 'name', 'score']);
    const s = await feedPair(app);
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    // The left app is a SQLite file, whose own feed (its file watch) judges that insert within
    // FILE_WATCH_MAX_WAIT_MS; it is let pass first, so that its signal (ignored: the pair never ran)
    // cannot land after the first sync and add a run to the ones this test counts.
    await new Promise((r) => setTimeout(r, FILE_WATCH_MAX_WAIT_MS + 500));
    const m = app.put(null, { email: 'm@example.com', name: 'M' });
    await until(() => app.feeds.size === 1);
    // A pair that never ran waits for its first sync: neither listening nor a signalled change starts it.
    app.put(null, { email: 'n@example.com', name: 'N' });
    // The feed's debounce timer (0 ms) was set before this one, so it has fired (and started whatever it would) once this one fires.
    await new Promise((r) => setTimeout(r, 0));
    expect(await runsOf(s.kit, s.pairId)).toEqual([]);
    expect((await s.kit.call('pairs/get', { pairId: s.pairId })).feed).toEqual({ state: 'listening', error: null });
    expect((await syncAndWait(s.kit, s.pairId)).counts.created).toBe(3);
    // Concord's own create in the app signals too: one quiet run follows it.
    await until(async () => (await runsOf(s.kit, s.pairId)).length >= 2 && settled(s.kit, s.pairId));

    // A change in the app reaches the other app with no schedule (interval null) and no Sync now.
    app.put(m, { name: 'M2' });
    await until(() => appRows(s.left).find((r) => r.email === 'm@example.com')?.name === 'M2');
    const fed = await until(async () => (await settled(s.kit, s.pairId))?.lastRun ?? undefined);
    expect(fed).toMatchObject({ trigger: 'feed', status: 'succeeded', counts: { updated: 1 } });

    // A run held mid-read; 200 changes signalled meanwhile; exactly one more run follows it.
    let open = () => {};
    app.gate = new Promise<void>((r) => (open = r));
    const before = (await runsOf(s.kit, s.pairId)).length;
    const readsBefore = app.reading;
    app.put(m, { name: 'M3' });
    await until(() => app.reading > readsBefore);
    for (let i = 0; i < 200; i++) app.put(null, { email: `b${i}@example.com`, name: `B${i}` });
    app.gate = null;
    open();
    await until(() => appRows(s.left).length === 203);
    await until(async () => (await runsOf(s.kit, s.pairId)).length >= before + 2 && settled(s.kit, s.pairId));
    const after = (await runsOf(s.kit, s.pairId)).slice(before);
    expect(after.map((r) => [r.trigger, r.status])).toEqual([
      ['feed', 'succeeded'],
      ['feed', 'succeeded'],
    ]);
    expect(after[1]?.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });

    // A change whose notification was lost (the feed was down): the reconnect runs the pair once.
    app.silent = true;
    app.put(m, { name: 'M4' });
    app.silent = false;
    const count = (await runsOf(s.kit, s.pairId)).length;
    app.reconnect();
    await until(() => appRows(s.left).find((r) => r.email === 'm@example.com')?.name === 'M4');
    await until(async () => settled(s.kit, s.pairId));
    expect((await runsOf(s.kit, s.pairId)).slice(count).map((r) => r.trigger)).toEqual(['feed']);

    // Paused: no listener, no feed in the summary; resumed: listening again.
    expect((await s.kit.call('pairs/pause', { pairId: s.pairId })).feed).toBeNull();
    await until(() => app.feeds.size === 0);
    await s.kit.call('pairs/resume', { pairId: s.pairId });
    await until(() => app.feeds.size === 1);
    await until(async () => settled(s.kit, s.pairId));
    await s.kit.close();
    kit = null;
    expect(app.feeds.size).toBe(0);
  });

  it('an edited pair whose side leaves capture mode stops its listener; one deleted stops it too', async () => {
    const app = new MemoryAppFixture(['email', 'name', 'score']);
    const s = await feedPair(app);
    kit = s.kit;
    dir = s.dir;
    await until(() => app.feeds.size === 1);
    const { config } = await s.kit.call('pairs/get', { pairId: s.pairId });
    await s.kit.call('pairs/update', { pairId: s.pairId, config: { ...config, right: { ...config.right, changeDetection: 'token' } } });
    await until(() => app.feeds.size === 0);
    // What the pair's card shows now is the left side's own feed (a SQLite file's watch), not the capture side's.
    expect((await s.kit.call('pairs/get', { pairId: s.pairId })).feed).toEqual({ state: 'listening', error: null });
    await s.kit.call('pairs/update', { pairId: s.pairId, config });
    await until(() => app.feeds.size === 1);
    await s.kit.call('pairs/delete', { pairId: s.pairId });
    await until(() => app.feeds.size === 0);
  });
});
