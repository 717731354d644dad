// Workflow actions over real HTTP (issue 12 §4): a receiver on 127.0.0.1 checks every signature,
// fails the first calls with 500, then accepts. The engine's retry timing is a test seam (a few
// milliseconds instead of 30 s), so nothing here waits on a clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionEventName, RunSummary } from '../api/model';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { appExec, appInsert, appRows, appUpdate, removeDir, setupPair, startEngine, syncAndWait, until, type Kit } from '../sync/test-kit.fixture';
import { startReceiver, type Receiver } from './receiver.fixture';
import { retryDelayMs } from './worker';

const FAST = { retryBaseMs: 5, random: () => 0.5 };
const rejectEmail = (path: string, email: string) =>
  appExec(path, (db) => db.exec(`CREATE TRIGGER reject BEFORE INSERT ON contacts WHEN NEW.email = '${email}' BEGIN SELECT RAISE(ABORT, 'the app rejects ${email}'); END`));

describe('workflow actions', () => {
  let kit: Kit | null = null;
  let dir = '';
  let receiver: Receiver | null = null;
  afterEach(async () => {
    await kit?.close();
    await receiver?.close();
    removeDir(dir);
  });

  async function pairWithUrlAction(events: ActionEventName[], opts: Parameters<typeof setupPair>[1] = {}) {
    receiver = await startReceiver();
    const s = await setupPair({ conflictPolicy: 'manual' }, { ...opts, engine: { actionDelivery: FAST, ...opts.engine } });
    kit = s.kit;
    dir = s.dir;
    const made = await s.kit.call('actions/create', { pairId: s.pairId, action: { kind: 'url', url: receiver.url, events } });
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    receiver.secret = made.secret ?? '';
    return { ...s, action: made.action };
  }

  it('a conflict opening, a record failing and a run ending each reach the URL signed; 500s are retried with the same delivery id until accepted', async () => {
    const s = await pairWithUrlAction(['conflict.opened', 'record.failed', 'run.finished']);
    const r = receiver!;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(s.kit, s.pairId);
    await until(() => r.received.length === 1);
    r.received.length = 0;

    const ann = appRows(s.right).find((x) => x.email === 'ann@example.com')!;
    appUpdate(s.left, 1, { name: 'Ann (left)' });
    appUpdate(s.right, ann.id, { name: 'Ann (right)' });
    rejectEmail(s.right, 'bob@example.com');
    appInsert(s.left, { email: 'bob@example.com', name: 'Bob', score: 2 });
    r.failFirst = 2;
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts).toMatchObject({ conflicts: 1, failed: 1 });

    // Three deliveries (one per event); two calls failed with 500 and were tried again.
    const delivered = await until(async () => {
      const page = await s.kit.call('actions/deliveries', { pairId: s.pairId });
      const fresh = page.items.filter((d) => d.event !== 'run.finished' || (d.data as { run: RunSummary }).run.id === run.id);
      return fresh.length === 3 && fresh.every((d) => d.status === 'delivered') && fresh;
    });
    expect(r.received.every((x) => x.signatureOk)).toBe(true);
    expect(r.received.filter((x) => x.answered === 500)).toHaveLength(2);
    expect(r.received.filter((x) => x.answered === 200)).toHaveLength(3);
    // Every call of one delivery carries the same id (the receiver's idempotency key), in the header and the body.
    for (const d of delivered) {
      const calls = r.received.filter((x) => x.json.id === d.id);
      expect(calls.every((x) => x.headers['concord-delivery'] === d.id && x.headers['concord-event'] === d.event)).toBe(true);
      expect(calls.map((x) => x.answered)).toEqual(d.attempts.map((a) => a.httpStatus));
      expect(d.attempts.at(-1)).toMatchObject({ httpStatus: 200, response: 'thanks', error: null, manual: false });
    }
    const retried = delivered.filter((d) => d.attempts.length > 1).flatMap((d) => d.attempts.slice(0, -1));
    expect(retried).toHaveLength(2);
    expect(retried.every((a) => a.httpStatus === 500 && a.response === 'receiver down for a moment' && a.error?.includes('500'))).toBe(true);

    const conflict = r.received.find((x) => x.json.event === 'conflict.opened' && x.answered === 200)!.json;
    const [open] = (await s.kit.call('conflicts/list', { pairId: s.pairId })).items;
    expect(conflict).toMatchObject({ pairId: s.pairId, pairName: 'Contacts', data: { runId: run.id, count: 1, more: 0, items: [{ conflictId: open?.id, kind: 'field', leftId: '1', rightId: String(ann.id), fields: ['name'] }] } });
    const failed = r.received.find((x) => x.json.event === 'record.failed' && x.answered === 200)!.json;
    expect(failed.data).toMatchObject({ runId: run.id, count: 1, items: [{ side: 'right', op: 'create', record: 'bob@example.com', leftId: '2', rightId: null }] });
    expect((failed.data as { items: { error: string }[] }).items[0]?.error).toContain('the app rejects bob@example.com');
  });

  it('a run that opens 150 conflicts makes one call per action and event, carrying 100 of them and the count', async () => {
    const s = await pairWithUrlAction(['conflict.opened']);
    for (let i = 1; i <= 150; i++) appInsert(s.left, { email: `c${i}@example.com`, name: `C${i}`, score: i });
    await syncAndWait(s.kit, s.pairId);
    for (let i = 1; i <= 150; i++) {
      appUpdate(s.left, i, { name: `Left ${i}` });
      appUpdate(s.right, i, { name: `Right ${i}` });
    }
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.conflicts).toBe(150);
    const [call] = await until(() => receiver!.received.length > 0 && receiver!.received);
    expect(call?.json.data).toMatchObject({ runId: run.id, count: 150, more: 50 });
    expect((call?.json.data as { items: unknown[] }).items).toHaveLength(100);
    // A later run with nothing new announces nothing (the conflicts were announced once).
    await syncAndWait(s.kit, s.pairId);
    expect((await s.kit.call('actions/deliveries', { pairId: s.pairId })).total).toBe(1);
  });

  it('a pair starting to fail and recovering is announced once each, not on every failed run', async () => {
    let down = false;
    const s = await pairWithUrlAction(['pair.failing', 'pair.recovered'], {
      wrap: (svc) => ({
        ...svc,
        open(id) {
          const real = svc.open(id);
          return {
            ...real,
            changes: (...args: Parameters<typeof real.changes>) => {
              if (down) throw new Error('The app is down.');
              return real.changes(...args);
            },
          };
        },
      }),
    });
    await syncAndWait(s.kit, s.pairId);
    down = true;
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('failed');
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('failed');
    down = false;
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    await syncAndWait(s.kit, s.pairId);
    const calls = await until(() => receiver!.received.length >= 2 && receiver!.received);
    const page = await s.kit.call('actions/deliveries', { pairId: s.pairId });
    expect(page.items.map((d) => d.event)).toEqual(['pair.recovered', 'pair.failing']);
    expect(calls.map((c) => c.json.event)).toEqual(['pair.failing', 'pair.recovered']);
    expect(calls[0]?.json.data).toMatchObject({ error: expect.stringContaining('The app is down.') });
  });

  it('a delivery out of attempts is marked failed; Redeliver makes a new attempt now with the same delivery id', async () => {
    const s = await pairWithUrlAction(['run.finished'], { engine: { actionDelivery: { ...FAST, maxAttempts: 3 } } });
    receiver!.failFirst = 100;
    await syncAndWait(s.kit, s.pairId);
    const [given] = await until(async () => {
      const { items } = await s.kit.call('actions/deliveries', { pairId: s.pairId });
      return items[0]?.status === 'failed' && items;
    });
    expect(given?.attempts.map((a) => a.httpStatus)).toEqual([500, 500, 500]);
    expect(given?.nextAttemptAt).toBeNull();
    receiver!.failFirst = 0;
    const again = await s.kit.call('actions/redeliver', { deliveryId: given!.id });
    expect(again).toMatchObject({ id: given!.id, status: 'delivered' });
    expect(again.attempts.map((a) => [a.httpStatus, a.manual])).toEqual([[500, false], [500, false], [500, false], [200, true]]);
    expect(receiver!.received.map((x) => x.json.id)).toEqual([given!.id, given!.id, given!.id, given!.id]);
  });

  it('a delivery pending when the engine stops is sent after it starts again (the outbox is in SQLite)', async () => {
    const credentials = new InMemoryCredentialStoreForTests();
    const s = await pairWithUrlAction(['run.finished'], { engine: { credentials } });
    const r = receiver!;
    r.hang = true; // the call is in flight, unanswered, when the engine stops
    const run = await syncAndWait(s.kit, s.pairId);
    await until(() => r.received.length === 1);
    await s.kit.close();
    kit = null;

    r.hang = false;
    const restarted = startEngine(s.dir, s.kit.dataDir, undefined, undefined, undefined, { credentials, actionDelivery: FAST });
    kit = restarted;
    const delivered = await until(async () => {
      const [d] = (await restarted.call('actions/deliveries', { pairId: s.pairId })).items;
      return d?.status === 'delivered' && d;
    });
    expect(r.received.map((x) => [x.json.id, x.answered, x.signatureOk])).toEqual([
      [delivered.id, 0, true],
      [delivered.id, 200, true],
    ]);
    expect((r.received[1]?.json.data as { run: RunSummary }).run.id).toBe(run.id);
    expect(delivered.attempts.map((a) => [a.httpStatus, a.error])).toEqual([
      [null, 'Concord stopped during the call; it is sent again when Concord starts.'],
      [200, null],
    ]);
  });

  it('backs off exponentially with jitter: 8 attempts span about an hour at the default timing', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 30_000, () => 0.5));
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000]);
    expect(waits.reduce((a, b) => a + b) / 60_000).toBeCloseTo(63.5);
    expect(retryDelayMs(1, 30_000, () => 0)).toBe(22_500);
    expect(retryDelayMs(1, 30_000, () => 1)).toBe(37_500);
  });
});
