/**
 * Connections stay open (issue 10, the connector kit): one connector per connection and side,
 * reused by runs, resolutions, previews and retries; closed when idle, after a network error,
 * when its connection changes or is deleted, and when the engine stops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connector } from '../connectors/types';
import { ConnectorError } from '../connectors/errors';
import { appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from '../sync/test-kit.fixture';
import type { ConnectionStore } from './service';
import { createConnectorPool } from './pool';

/** TEST FIXTURE: a stand-in connector that only counts its closes (the pool never calls anything else). */
function countingConnectorFixture(closed: string[], name: string): Connector {
  const unused = () => Promise.reject(new Error('not used by the pool'));
  return { describe: unused, test: unused, changes: () => ({ [Symbol.asyncIterator]: () => ({ next: unused }) }), read: unused, write: unused, close: async () => void closed.push(name) };
}

/** Polls until `fn` holds (no fixed sub-second sleeps: a busy machine takes what it takes). */
async function until(fn: () => boolean): Promise<void> {
  while (!fn()) await sleep(5);
}

describe('the connector pool', () => {
  const opened: string[] = [];
  const closed: string[] = [];
  const pool = (idleMs = 3_600_000) =>
    createConnectorPool({
      open: (id) => {
        const name = `${id}#${opened.filter((o) => o.startsWith(`${id}#`)).length + 1}`;
        opened.push(name);
        return countingConnectorFixture(closed, name);
      },
      idleMs,
    });
  afterEach(() => {
    opened.length = 0;
    closed.length = 0;
  });

  it('opens once per connection and side; concurrent leases share it; it stays open when released', async () => {
    const p = pool();
    const a = p.acquire('crm', 'left');
    const b = p.acquire('crm', 'left');
    const other = p.acquire('crm', 'right');
    expect(a.connector).toBe(b.connector);
    expect(other.connector).not.toBe(a.connector);
    a.release();
    b.release();
    b.release(); // idempotent
    expect(p.acquire('crm', 'left').connector).toBe(a.connector);
    expect(opened).toEqual(['crm#1', 'crm#2']);
    expect(closed).toEqual([]);
    await p.close();
    expect([...closed].sort()).toEqual(['crm#1', 'crm#2']);
    expect(() => p.acquire('crm', 'left')).toThrow(/stopping/);
  });

  it("a lease's retired signal aborts when its connector is discarded, its connection changes, or the pool closes — not when it idles or another lease ends", async () => {
    const p = pool();
    const held = p.acquire('crm', 'left');
    const other = p.acquire('crm', 'left');
    other.release();
    expect(held.retired.aborted).toBe(false);
    other.discard(); // already released: no effect
    expect(held.retired.aborted).toBe(false);
    const peer = p.acquire('crm', 'left');
    peer.discard();
    expect(held.retired.aborted).toBe(true);
    held.release();
    const next = p.acquire('crm', 'left');
    expect(next.retired.aborted).toBe(false);
    await p.invalidate('crm');
    expect(next.retired.aborted).toBe(true);
    next.release();
    const last = p.acquire('crm', 'right');
    await p.close();
    expect(last.retired.aborted).toBe(true);
  });

  it('closes a connector idle for longer than the idle time, and opens a new one for the next user', async () => {
    const p = pool(20);
    p.acquire('crm', 'left').release();
    await until(() => closed.length === 1);
    expect(closed).toEqual(['crm#1']);
    expect(p.size()).toBe(0);
    p.acquire('crm', 'left').release();
    expect(opened).toEqual(['crm#1', 'crm#2']);
    await p.close();
  });

  it('a lease in use keeps its connector from idling out', async () => {
    const p = pool(10);
    const held = p.acquire('crm', 'left');
    p.acquire('crm', 'left').release();
    // Another connector idles out meanwhile: proof that time passed beyond the idle time.
    p.acquire('billing', 'left').release();
    await until(() => closed.includes('billing#1'));
    expect(closed).not.toContain('crm#1');
    held.release();
    await until(() => closed.includes('crm#1'));
    await p.close();
  });

  it('a discarded connector (a network error) is closed once its last user releases it, and the next acquire opens a new one', async () => {
    const p = pool();
    const run = p.acquire('crm', 'left');
    const resolution = p.acquire('crm', 'left');
    run.discard();
    expect(closed).toEqual([]); // the resolution still uses it
    const next = p.acquire('crm', 'left');
    expect(next.connector).not.toBe(resolution.connector);
    resolution.release();
    await until(() => closed.length === 1);
    expect(closed).toEqual(['crm#1']);
    await p.close();
  });

  it('a changed or deleted connection closes its connectors (after their users are done), not the others', async () => {
    const p = pool();
    p.acquire('crm', 'left').release();
    const inUse = p.acquire('crm', 'right');
    p.acquire('billing', 'right').release();
    await p.invalidate('crm');
    expect(closed).toEqual(['crm#1']);
    expect(p.acquire('crm', 'right').connector).not.toBe(inUse.connector);
    inUse.release();
    await until(() => closed.includes('crm#2'));
    expect(closed).not.toContain('billing#1');
    await p.close();
  });
});

describe('the engine keeps connectors open (issue 10)', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  /** Counts every connector the sync side opens and closes, per connection (the definition's create(), through the seam). */
  const counting = (opens: Map<string, number>, closes = new Map<string, number>()) => (svc: ConnectionStore): ConnectionStore => ({
    ...svc,
    open(id: string): Connector {
      opens.set(id, (opens.get(id) ?? 0) + 1);
      const real = svc.open(id);
      return {
        ...real,
        close: async () => {
          closes.set(id, (closes.get(id) ?? 0) + 1);
          await real.close();
        },
      };
    },
  });

  it('a run, a preview, a resolution and a full resync reuse one opened connector per side', async () => {
    const opens = new Map<string, number>();
    const s = await setupPair({ conflictPolicy: 'manual' }, { wrap: counting(opens) });
    kit = s.kit;
    dir = s.dir;
    const l = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(s.kit, s.pairId);
    await s.kit.call('pairs/preview', { pairId: s.pairId });
    const r = appRows(s.right)[0]?.id ?? -1;
    appUpdate(s.left, l, { name: 'L1' });
    appUpdate(s.right, r, { name: 'R1' });
    await syncAndWait(s.kit, s.pairId);
    const [c] = (await s.kit.call('conflicts/list', { pairId: s.pairId })).items;
    await s.kit.call('conflicts/resolve', { conflictId: c?.id ?? '', resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
    expect(appRows(s.right)[0]?.name).toBe('L1');
    await syncAndWait(s.kit, s.pairId, true);
    expect(Object.fromEntries(opens)).toEqual({ [s.leftConn]: 1, [s.rightConn]: 1 });
  });

  it('a network error closes the connector and the next attempt opens a new one; changing the connection closes it too', async () => {
    const opens = new Map<string, number>();
    /** How many of the next describes of the right side fail. */
    let failNext = 0;
    const flaky = (svc: ConnectionStore): ConnectionStore => {
      const inner = counting(opens)(svc);
      return {
        ...inner,
        open(id: string): Connector {
          const real = inner.open(id);
          return { ...real, describe: (o) => (failNext > 0 && id === s?.rightConn ? (failNext--, Promise.reject(new ConnectorError('unavailable', 'connection reset by peer'))) : real.describe(o)) };
        },
      };
    };
    let s: Awaited<ReturnType<typeof setupPair>> | null = null;
    s = await setupPair({}, { wrap: flaky });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    // One reset: the call is retried at once on a new connector (issue 12 §3), and the run goes on.
    failNext = 1;
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    expect(opens.get(s.rightConn)).toBe(2);
    // Resets on every attempt (1 + 3 retries, each on a new connector): the run fails with the error it met.
    failNext = 4;
    const failed = await syncAndWait(s.kit, s.pairId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/connection reset by peer/);
    expect(opens.get(s.rightConn)).toBe(5);
    // The last one was closed too: the next run opens a new one.
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    expect(opens.get(s.rightConn)).toBe(6);
    expect(opens.get(s.leftConn)).toBe(1);
    // New settings: the connector opened with the old ones is closed, the next run opens one with the new.
    await s.kit.call('connections/update', { connectionId: s.leftConn, config: { path: s.left } });
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    expect(opens.get(s.leftConn)).toBe(2);
  });

  it('a new secret closes the connector opened with the old one; deleting the connection closes its connector', async () => {
    const opens = new Map<string, number>();
    const closes = new Map<string, number>();
    const s = await setupPair({}, { wrap: counting(opens, closes) });
    kit = s.kit;
    dir = s.dir;
    await syncAndWait(s.kit, s.pairId);
    expect([opens.get(s.rightConn), closes.get(s.rightConn) ?? 0]).toEqual([1, 0]);
    await s.kit.call('connections/update', { connectionId: s.rightConn, secret: 'rotated by the user' });
    expect(closes.get(s.rightConn)).toBe(1);
    await syncAndWait(s.kit, s.pairId);
    expect(opens.get(s.rightConn)).toBe(2);
    await s.kit.call('pairs/delete', { pairId: s.pairId });
    await s.kit.call('connections/delete', { connectionId: s.rightConn });
    expect(closes.get(s.rightConn)).toBe(2);
  });

  it('an idle connector is closed after the configured idle time, and the next run opens a new one', async () => {
    const opens = new Map<string, number>();
    const closes = new Map<string, number>();
    const s = await setupPair({}, { wrap: counting(opens, closes), engine: { connectorIdleMs: 20 } });
    kit = s.kit;
    dir = s.dir;
    await syncAndWait(s.kit, s.pairId);
    const opened = opens.get(s.leftConn) ?? 0;
    await until(() => (closes.get(s.leftConn) ?? 0) === opened);
    await syncAndWait(s.kit, s.pairId);
    expect(opens.get(s.leftConn)).toBe(opened + 1);
  });
});
