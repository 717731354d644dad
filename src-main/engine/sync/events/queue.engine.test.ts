/**
 * The event queue's rules (issue 12 §2–3), through a real engine and real SQLite apps, events put
 * in by the webhook receiver over real HTTP: a pair that never ran keeps its events until its
 * first sync; a run that fails as a whole (the other app down) leaves them pending, retried with
 * backoff, and applied once the app answers; several events of one record in one batch make one
 * write that carries all their correlation ids.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/errors';
import { appInsert, appRows, appUpdate, interceptWrites, removeDir, type setupPair, syncAndWait, until, type Kit } from '../test-kit.fixture';
import { WEBHOOK_SECRET, webhookPair, type WebhookPair } from './webhook-kit.fixture';
import { signBody } from './verify';

const SECRET = WEBHOOK_SECRET;
type Setup = WebhookPair;
const hookPair = (setup: Parameters<typeof setupPair>[1] = {}) => webhookPair({ enabled: true, scheme: 'github' }, { setup });
async function send(url: string, event: object): Promise<string> {
  const body = JSON.stringify(event);
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...signBody('github', SECRET, body) } });
  expect(res.status).toBe(202);
  return String(((await res.json()) as { correlationId: string }).correlationId);
}
const eventOf = (kit: Kit, correlationId: string) => kit.call('events/get', { correlationId });

describe('the event queue', () => {
  let s: Setup | null = null;
  afterEach(async () => {
    await s?.kit.close();
    if (s) removeDir(s.dir);
    s = null;
  });

  it("waits for a pair's first sync: its events stay pending, then apply after it", async () => {
    s = await hookPair();
    const id = appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const c = await send(s.url, { id: 'w1', record: { id } });
    const summary = await s.kit.call('pairs/get', { pairId: s.pairId });
    expect(summary.queue).toMatchObject({ depth: 1 });
    expect((await eventOf(s.kit, c)).state).toBe('pending');
    expect(await s.kit.call('runs/list', { pairId: s.pairId })).toEqual([]);
    await syncAndWait(s.kit, s.pairId);
    const done = await until(async () => ((await eventOf(s?.kit as Kit, c)).state !== 'pending' ? eventOf(s?.kit as Kit, c) : undefined));
    expect(done.state).toBe('applied');
    expect((await s.kit.call('pairs/get', { pairId: s.pairId })).queue).toEqual({ depth: 0, oldestAt: null, retrying: 0 });
  });

  it('a run that fails as a whole leaves its events pending with a retry time; once the app answers they apply', async () => {
    let down = true;
    const hook = interceptWrites(async (real, collection, ops) => {
      if (down) throw new ConnectorError('unavailable', 'Billing is down for maintenance.');
      return real.write(collection, ops);
    });
    s = await hookPair({ wrap: hook });
    down = false;
    await syncAndWait(s.kit, s.pairId);
    down = true;
    const id = appInsert(s.left, { email: 'b@example.com', name: 'B', score: 1 });
    const c = await send(s.url, { id: 'w2', record: { id } });
    const waiting = await until(async () => {
      const e = await eventOf(s?.kit as Kit, c);
      return e.attempts >= 2 ? e : undefined;
    });
    expect(waiting.state).toBe('pending');
    expect(waiting.nextAttemptAt).not.toBeNull();
    expect(waiting.detail?.error).toMatch(/down for maintenance/);
    expect((await s.kit.call('pairs/get', { pairId: s.pairId })).queue?.retrying).toBe(1);
    down = false;
    const done = await until(async () => ((await eventOf(s?.kit as Kit, c)).state !== 'pending' ? eventOf(s?.kit as Kit, c) : undefined));
    expect(done.state).toBe('applied');
    expect(appRows(s.right).map((r) => r.email)).toEqual(['b@example.com']);
  });

  it("a record's events in one batch make one write carrying every correlation id", async () => {
    s = await hookPair();
    const id = appInsert(s.left, { email: 'c@example.com', name: 'C', score: 1 });
    await syncAndWait(s.kit, s.pairId);
    await s.kit.call('pairs/pause', { pairId: s.pairId });
    appUpdate(s.left, id, { name: 'C1' });
    const first = await send(s.url, { id: 'w3', record: { id } });
    appUpdate(s.left, id, { name: 'C2' });
    const second = await send(s.url, { id: 'w4', record: { id } });
    await s.kit.call('pairs/resume', { pairId: s.pairId });
    const done = await until(async () => ((await eventOf(s?.kit as Kit, second)).state !== 'pending' ? eventOf(s?.kit as Kit, second) : undefined));
    expect(done.state).toBe('applied');
    expect((await eventOf(s.kit, first)).runId).toBe(done.runId);
    expect(appRows(s.right)[0]?.name).toBe('C2');
    const writes = (await s.kit.call('activity/list', { pairId: s.pairId, record: first })).filter((a) => a.action === 'updated');
    expect(writes).toHaveLength(1);
    expect(writes[0]?.correlationId).toBe(`${first} ${second}`);
  });
});
