// The workflow-actions API (issue 12 §4): actions per pair, their secrets (credential store only),
// notifications, test events, paging, and what bad input gets.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { prune } from '../privacy/retention';
import { appInsert, appUpdate, removeDir, setupPair, syncAndWait, until, type Kit } from '../sync/test-kit.fixture';
import { startReceiver, type Receiver } from './receiver.fixture';

const FAST = { retryBaseMs: 5, random: () => 0.5 };

describe('workflow actions API', () => {
  let kit: Kit | null = null;
  let dir = '';
  let receiver: Receiver | null = null;
  afterEach(async () => {
    await kit?.close();
    await receiver?.close();
    removeDir(dir);
  });

  async function pair(credentials = new InMemoryCredentialStoreForTests()) {
    const s = await setupPair({}, { engine: { credentials, actionDelivery: FAST } });
    kit = s.kit;
    dir = s.dir;
    receiver = await startReceiver();
    return { ...s, credentials };
  }

  it('keeps a signing secret in the credential store only: shown once, never in SQLite, rotated on request, removed with its action and its pair', async () => {
    const s = await pair();
    const { action, secret } = await s.kit.call('actions/create', { pairId: s.pairId, action: { kind: 'url', url: receiver!.url, events: ['run.finished'] } });
    expect(s.credentials.secrets.get(`action:${action.id}`)).toBe(secret);
    expect(action).toMatchObject({ kind: 'url', url: receiver!.url, events: ['run.finished'], enabled: true, hasSecret: true });
    // Listing never shows it again.
    expect(JSON.stringify(await s.kit.call('actions/list', { pairId: s.pairId }))).not.toContain(secret);
    const rotated = await s.kit.call('actions/rotate-secret', { actionId: action.id });
    expect(rotated.secret).not.toBe(secret);
    expect(s.credentials.secrets.get(`action:${action.id}`)).toBe(rotated.secret);
    // The old secret no longer signs: the receiver that knows only the new one accepts.
    receiver!.secret = rotated.secret;
    expect((await s.kit.call('actions/test', { actionId: action.id })).status).toBe('delivered');

    await syncAndWait(s.kit, s.pairId);
    await until(async () => (await s.kit.call('actions/deliveries', { pairId: s.pairId })).items.every((d) => d.status === 'delivered'));
    s.kit.db.pragma('wal_checkpoint(FULL)');
    for (const name of readdirSync(s.kit.dataDir)) {
      const bytes = readFileSync(join(s.kit.dataDir, name));
      expect(bytes.includes(Buffer.from(secret ?? 'x')), name).toBe(false);
      expect(bytes.includes(Buffer.from(rotated.secret)), name).toBe(false);
    }

    const second = await s.kit.call('actions/create', { pairId: s.pairId, action: { kind: 'url', url: receiver!.url, events: ['run.finished'] } });
    await s.kit.call('actions/delete', { actionId: action.id });
    expect(s.credentials.secrets.has(`action:${action.id}`)).toBe(false);
    expect((await s.kit.call('actions/deliveries', { pairId: s.pairId })).total).toBe(0);
    await s.kit.call('pairs/delete', { pairId: s.pairId });
    await until(() => !s.credentials.secrets.has(`action:${second.action.id}`));
    expect(s.kit.db.prepare('SELECT count(*) FROM actions').pluck().get()).toBe(0);
  });

  it('a notify action shows through the notification event, and may not ask for "pair starts failing" (Concord notifies that already)', async () => {
    const s = await pair();
    const refused = await s.kit.dispatch('actions/create', { pairId: s.pairId, action: { kind: 'notify', events: ['pair.failing', 'run.finished'] } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('already shows a desktop notification when a pair starts failing') } });
    const { action, secret } = await s.kit.call('actions/create', { pairId: s.pairId, action: { kind: 'notify', events: ['run.finished'] } });
    expect(secret).toBeNull();
    expect(action.hasSecret).toBe(false);
    expect((await s.kit.dispatch('actions/update', { actionId: action.id, events: ['pair.failing'] })).ok).toBe(false);
    expect((await s.kit.dispatch('actions/rotate-secret', { actionId: action.id })).ok).toBe(false);
    await syncAndWait(s.kit, s.pairId);
    const shown = await until(() => s.kit.events.find((e) => e.event === 'actions/notify'));
    expect(shown.payload).toMatchObject({ pairId: s.pairId, event: 'run.finished', title: 'Concord: “Contacts”', body: 'A sync run ended: succeeded.' });
    const [d] = (await s.kit.call('actions/deliveries', { pairId: s.pairId })).items;
    expect(d).toMatchObject({ actionKind: 'notify', status: 'delivered', attempts: [{ response: 'Shown as a desktop notification.' }] });
  });

  it('bad input gets a clear error and changes nothing', async () => {
    const s = await pair();
    const bad = async (args: unknown) => {
      const r = await s.kit.dispatch('actions/create', args);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.error.message;
    };
    expect(await bad({ pairId: s.pairId, action: { kind: 'url', url: 'ftp://example.com/x', events: ['run.finished'] } })).toContain('http:// or https://');
    expect(await bad({ pairId: s.pairId, action: { kind: 'url', url: 'https://user:pw@example.com/x', events: ['run.finished'] } })).toContain('leave the user name and password out of the URL');
    expect(await bad({ pairId: s.pairId, action: { kind: 'url', url: 'https://example.com/x', events: [] } })).toContain('choose at least one event');
    expect(await bad({ pairId: s.pairId, action: { kind: 'url', url: 'https://example.com/x', events: ['record.deleted'] } })).toContain('events.0');
    expect(await bad({ pairId: 'no-such-pair', action: { kind: 'url', url: 'https://example.com/x', events: ['run.finished'] } })).toContain('does not exist');
    expect(s.kit.db.prepare('SELECT count(*) FROM actions').pluck().get()).toBe(0);
    expect(s.credentials.secrets.size).toBe(0);
  });

  it('a test event is one attempt with no retries; a disabled action announces nothing; deliveries page newest first', async () => {
    const s = await pair();
    const { action, secret } = await s.kit.call('actions/create', { pairId: s.pairId, action: { kind: 'url', url: receiver!.url, events: ['run.finished'] } });
    receiver!.secret = secret ?? '';
    receiver!.failFirst = 1;
    const failed = await s.kit.call('actions/test', { actionId: action.id });
    expect(failed).toMatchObject({ event: 'test', status: 'failed', nextAttemptAt: null, attempts: [{ httpStatus: 500 }] });
    expect(receiver!.received.map((r) => r.json)).toMatchObject([{ id: failed.id, event: 'test', pairId: s.pairId, pairName: 'Contacts', data: { message: expect.any(String) } }]);

    await s.kit.call('actions/update', { actionId: action.id, enabled: false });
    await syncAndWait(s.kit, s.pairId);
    await s.kit.call('actions/update', { actionId: action.id, enabled: true });
    for (let i = 0; i < 3; i++) await s.kit.call('actions/test', { actionId: action.id });
    const first = await s.kit.call('actions/deliveries', { pairId: s.pairId, limit: 2 });
    const rest = await s.kit.call('actions/deliveries', { pairId: s.pairId, offset: 2, limit: 2 });
    expect(first.total).toBe(4);
    const ids = [...first.items, ...rest.items].map((d) => d.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(ids.at(-1)).toBe(failed.id);
    expect([...first.items, ...rest.items].every((d) => d.event === 'test')).toBe(true);
  });

  it('forgetting a person removes the deliveries that named them; retention prunes settled deliveries and keeps pending ones', async () => {
    const s = await pair();
    const { secret } = await s.kit.call('actions/create', { pairId: s.pairId, action: { kind: 'url', url: receiver!.url, events: ['conflict.opened', 'run.finished'] } });
    receiver!.secret = secret ?? '';
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(s.kit, s.pairId);
    await s.kit.call('pairs/update', { pairId: s.pairId, config: { ...(await s.kit.call('pairs/get', { pairId: s.pairId })).config, conflictPolicy: 'manual' } });
    appUpdate(s.left, 1, { name: 'Ann L' });
    appUpdate(s.right, 1, { name: 'Ann R' });
    await syncAndWait(s.kit, s.pairId);
    await until(async () => (await s.kit.call('actions/deliveries', { pairId: s.pairId })).items.filter((d) => d.status === 'delivered').length === 3);
    const named = () => s.kit.db.prepare("SELECT count(*) FROM action_deliveries WHERE data_json LIKE '%ann@example.com%'").pluck().get();
    expect(named()).toBe(1);
    await s.kit.call('privacy/forget', { key: 'ANN@example.com ' });
    expect(named()).toBe(0);
    expect((await s.kit.call('actions/deliveries', { pairId: s.pairId })).total).toBe(2);

    // A week later (retention: 1 day), the settled ones go; one still pending stays to be sent.
    s.kit.db.prepare("UPDATE action_deliveries SET status = 'pending', next_attempt_at = '2999-01-01T00:00:00.000Z' WHERE id = (SELECT min(id) FROM action_deliveries)").run();
    await s.kit.call('privacy/set-retention', { days: 1 });
    await prune(s.kit.db, new Date(Date.now() + 7 * 86_400_000));
    expect(s.kit.db.prepare('SELECT status FROM action_deliveries').pluck().all()).toEqual(['pending']);
  });
});
