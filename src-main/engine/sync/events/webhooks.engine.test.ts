/**
 * Webhooks end to end over real HTTP (issue 12 §1): a real engine with its receiver on a free port
 * on 127.0.0.1, two real SQLite apps, real HMAC signatures. Both modes; thin and fat events;
 * replays, duplicates, bad signatures and bad bodies refused with nothing stored; the correlation
 * id found again in the journal and the activity.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PairConfig, PairSummary, WebhookSideSettings } from '../../api/model';
import { appInsert, appRows, appSql, appUpdate, removeDir, syncAndWait, until, type Kit } from '../test-kit.fixture';
import { postHook, WEBHOOK_SECRET, webhookPair, type WebhookPair } from './webhook-kit.fixture';
import { signBody } from './verify';

type Setup = WebhookPair;
const SECRET = WEBHOOK_SECRET;
const hookPair = (mode: 'sync' | 'async', side: WebhookSideSettings, over: Partial<PairConfig> = {}) => webhookPair(side, { mode, over });
const post = postHook;
const eventCount = (kit: Kit) => kit.db.prepare('SELECT count(*) FROM events').pluck().get() as number;

describe('webhooks over real HTTP', () => {
  let s: Setup | null = null;
  afterEach(async () => {
    await s?.kit.close();
    if (s) removeDir(s.dir);
    s = null;
  });

  it('async (GitHub-style signature, thin event): 202 with a correlation id at once; the status URL says applied; the id is in the journal and the activity', async () => {
    const h = await hookPair('async', { enabled: true, scheme: 'github' });
    s = h;
    await syncAndWait(h.kit, h.pairId);
    const id = appInsert(h.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    const body = JSON.stringify({ id: 'delivery-1', type: 'contact.created', record: { id } });
    const r = await post(h.url, body, signBody('github', SECRET, body));
    expect(r.status).toBe(202);
    expect(r.json.status).toBe('pending');
    const correlationId = String(r.json.correlationId);
    expect(correlationId).toMatch(/^evt_[A-Za-z0-9_-]{22}$/);
    const statusUrl = `${h.origin}${String(r.json.statusUrl)}`;
    const done = await until(async () => {
      const j = (await (await fetch(statusUrl)).json()) as Record<string, unknown>;
      return j.status === 'pending' ? undefined : j;
    });
    expect(done.status).toBe('applied');
    expect(appRows(h.right).map((row) => row.email)).toEqual(['ann@example.com']);
    expect(done.detail).toEqual({ wrote: [{ side: 'right', action: 'created', recordId: expect.any(String), fields: [] }] });
    // The id followed the change: the activity entry (found by searching for it), the run.
    const found = await h.kit.call('activity/list', { pairId: h.pairId, record: correlationId });
    expect(found.map((a) => [a.action, a.side, a.correlationId])).toEqual([['created', 'right', correlationId]]);
    const run = await h.kit.call('runs/get', { runId: String(done.runId ?? (await h.kit.call('events/get', { correlationId })).runId) });
    expect(run.trigger).toBe('webhook');
    // A redelivery of the same event is stored once and answered with the first one's id and outcome.
    const again = await post(h.url, body, signBody('github', SECRET, body));
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ correlationId, status: 'applied', duplicate: true });
    expect(eventCount(h.kit)).toBe(1);
    expect(appRows(h.right)).toHaveLength(1);
  });

  it('sync (Stripe-style signature, fat event): answered after the write with the outcome; a conflict and a failure say so', async () => {
    const h = await hookPair('sync', { enabled: true, scheme: 'stripe', paths: { recordId: 'data.object.id', record: 'data.object' } }, { conflictPolicy: 'manual' });
    s = h;
    // The right app refuses negative scores: its own rule, its own message.
    appSql(h.right, 'CREATE TRIGGER no_negative BEFORE INSERT ON contacts WHEN NEW.score < 0 BEGIN SELECT RAISE(ABORT, \'score must not be negative\'); END;');
    const bob = appInsert(h.left, { email: 'bob@example.com', name: 'Bob', score: 1 });
    await syncAndWait(h.kit, h.pairId);
    // A fat event: its record is used as sent (the left app is not read; here it even differs).
    const fat = JSON.stringify({ id: 'evt_a', type: 'customer.updated', data: { object: { id: bob, email: 'bob@example.com', name: 'Robert', score: 1 } } });
    const applied = await post(h.url, fat, signBody('stripe', SECRET, fat));
    expect(applied.status).toBe(200);
    expect(applied.json).toMatchObject({ status: 'applied', detail: { wrote: [{ side: 'right', action: 'updated', fields: ['name'] }] } });
    expect(appRows(h.right)[0]?.name).toBe('Robert');

    // Both apps changed the same field: the manual policy sends it to the inbox, and the answer says so.
    appUpdate(h.left, bob, { name: 'Bobby' });
    appUpdate(h.right, appRows(h.right)[0]?.id ?? 0, { name: 'Rob' });
    const thin = JSON.stringify({ id: 'evt_b', type: 'customer.updated', data: { object: { id: bob } } });
    const conflict = await post(h.url, thin, signBody('stripe', SECRET, thin));
    expect(conflict.json).toMatchObject({ status: 'conflict', detail: { conflictId: expect.any(String) } });

    const neg = appInsert(h.left, { email: 'neg@example.com', name: 'Neg', score: -5 });
    const bad = JSON.stringify({ id: 'evt_c', type: 'customer.created', data: { object: { id: neg } } });
    const failed = await post(h.url, bad, signBody('stripe', SECRET, bad));
    expect(failed.json).toMatchObject({ status: 'failed', detail: { error: expect.stringContaining('score must not be negative') } });
    expect((await h.kit.call('failed/list', { pairId: h.pairId })).map((f) => f.record)).toHaveLength(1);
  });

  // The pair card shows the queue from pairs/changed: an event that waits (the pair paused) must say so, not only an applied one.
  it('an event received while the pair waits sends the pair\'s summary with its queue (the card shows it), and again once applied', async () => {
    const h = await hookPair('async', { enabled: true, scheme: 'github' });
    s = h;
    await syncAndWait(h.kit, h.pairId);
    await h.kit.call('pairs/pause', { pairId: h.pairId });
    const id = appInsert(h.left, { email: 'cy@example.com', name: 'Cy', score: 1 });
    const body = JSON.stringify({ id: 'delivery-q', type: 'contact.created', record: { id } });
    expect((await post(h.url, body, signBody('github', SECRET, body))).status).toBe(202);
    const queueOf = (e: { event: string; payload: unknown }) => (e.event === 'pairs/changed' ? (e.payload as PairSummary).queue : undefined);
    const waiting = await until(() => h.kit.events.map(queueOf).find((q) => q?.depth === 1));
    expect(waiting).toEqual({ depth: 1, oldestAt: expect.any(String), retrying: 0 });
    await h.kit.call('pairs/resume', { pairId: h.pairId });
    await until(() => appRows(h.right).some((r) => r.email === 'cy@example.com'));
    await until(() => h.kit.events.map(queueOf).findLast((q) => q !== undefined)?.depth === 0);
  });

  it('refuses what fails a check, with a status and a message, and stores nothing of it', async () => {
    const h = await hookPair('async', { enabled: true, scheme: 'stripe', toleranceSeconds: 60 });
    s = h;
    await syncAndWait(h.kit, h.pairId);
    const body = JSON.stringify({ id: 'e1', type: 'updated', record: { id: 1 } });
    const refusals: [string, { status: number; json: Record<string, unknown> }, number, RegExp][] = [
      ['no signature', await post(h.url, body, {}), 401, /no Stripe-Signature header/],
      ['wrong secret', await post(h.url, body, signBody('stripe', 'another-secret-entirely', body)), 401, /does not match/],
      ['body changed after signing', await post(h.url, body.replace('e1', 'e2'), signBody('stripe', SECRET, body)), 401, /does not match/],
      ['a replay from ten minutes ago', await post(h.url, body, signBody('stripe', SECRET, body, Math.floor(Date.now() / 1000) - 600)), 401, /replay window/],
      ['signed in the future', await post(h.url, body, signBody('stripe', SECRET, body, Math.floor(Date.now() / 1000) + 600)), 401, /future/],
      ['not JSON', await post(h.url, 'not json', signBody('stripe', SECRET, 'not json')), 400, /not JSON/],
      ['no record id', await post(h.url, '{"id":"x"}', signBody('stripe', SECRET, '{"id":"x"}')), 400, /names no record/],
      ['too large', await post(h.url, 'x'.repeat(1024 * 1024 + 1), {}), 413, /larger than/],
      ['another pair', await post(h.url.replace(h.pairId, 'no-such-pair'), body, signBody('stripe', SECRET, body)), 404, /No webhook endpoint/],
      ['the side without webhooks', await post(h.url.replace('/left', '/right'), body, signBody('stripe', SECRET, body)), 404, /No webhook endpoint/],
    ];
    for (const [what, r, status, message] of refusals) {
      expect({ what, status: r.status }).toEqual({ what, status });
      expect(String(r.json.error), what).toMatch(message);
    }
    expect(eventCount(h.kit)).toBe(0);
    expect((await fetch(`${h.origin}/hooks/${h.pairId}/left/events/evt_nothing`)).status).toBe(404);
  });
});
