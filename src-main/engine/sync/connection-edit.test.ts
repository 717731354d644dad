/**
 * pairs/edit-connection over real SQLite apps: a pair's connection saved with new settings only
 * when they reach the same app, put back as it was otherwise, and no run of the pair meanwhile.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from './events/verify';
import { WEBHOOK_SECRET, webhookPair } from './events/webhook-kit.fixture';
import { hangingPlan } from './hanging-connector.fixture';
import { appInsert, appRows, basePairConfig, createApp, removeDir, setupPair, syncAndWait, until, type Kit } from './test-kit.fixture';

describe('pairs/edit-connection', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  async function syncedPair(opts: Parameters<typeof setupPair>[1] = {}) {
    const s = await setupPair({}, opts);
    kit = s.kit;
    dir = s.dir;
    for (let i = 0; i < 6; i++) appInsert(s.right, { email: `p${i}@example.com`, name: `P${i}`, score: i });
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    const connection = async () => (await s.kit.call('connections/list', {})).find((c) => c.id === s.rightConn);
    return { ...s, connection };
  }

  it('the app moved to another file: saved, and the pair syncs with it', async () => {
    const s = await syncedPair();
    const moved = join(s.dir, 'moved.sqlite');
    copyFileSync(s.right, moved);
    const out = await s.kit.call('pairs/edit-connection', { pairId: s.pairId, side: 'right', name: 'Billing (moved)', config: { path: moved } });
    expect(out).toMatchObject({ connection: { id: s.rightConn, name: 'Billing (moved)', config: { path: moved } }, collections: 1, leftOut: [] });
    appInsert(moved, { email: 'new@example.com', name: 'New', score: 9 });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts).toMatchObject({ created: 1, deleted: 0, conflicts: 0 });
    expect(appRows(s.left).map((r) => r.name)).toContain('New');
  });

  it('an app without the pair’s collection is refused before anything is saved', async () => {
    const s = await syncedPair();
    const other = join(s.dir, 'other.sqlite');
    new Database(other).exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)').close();
    const r = await s.kit.dispatch('pairs/edit-connection', { pairId: s.pairId, side: 'right', name: 'Billing', config: { path: other } });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'invalid-input', message: 'The app there has no “contacts”, which this pair syncs (it has: invoices). The connection was left as it was.' });
    expect((await s.connection())?.config).toEqual({ path: s.right });
  });

  it('settings that would lose another pair’s collection through the same connection are refused, naming that pair', async () => {
    const s = await syncedPair();
    const moved = join(s.dir, 'moved.sqlite');
    copyFileSync(s.right, moved); // has contacts only
    new Database(s.right).exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score REAL)').close();
    const config = basePairConfig(s.leftConn, s.rightConn, { name: 'Invoices', right: { connectionId: s.rightConn, collection: 'invoices', changeDetection: 'hash' } });
    await s.kit.call('pairs/create', { config });
    const r = await s.kit.dispatch('pairs/edit-connection', { pairId: s.pairId, side: 'right', name: 'Billing', config: { path: moved } });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'invalid-input', message: 'The app there has no “invoices”, which the pair “Invoices” syncs through the same connection (it has: contacts). The connection was left as it was.' });
    expect((await s.connection())?.config).toEqual({ path: s.right });
  });

  it('another app’s data under the same collection is put back: few of the linked records are there', async () => {
    const s = await syncedPair();
    const other = join(s.dir, 'other.sqlite');
    createApp(other);
    appInsert(other, { email: 'someone@else.com', name: 'Someone else', score: 1 }); // id 1, as one of the linked records
    const r = await s.kit.dispatch('pairs/edit-connection', { pairId: s.pairId, side: 'right', name: 'Other billing', config: { path: other } });
    expect(r.ok ? null : r.error).toMatchObject({
      code: 'invalid-input',
      message: 'Only 1 of the 6 records Concord linked in “Billing” are there: it looks like another app\'s data, and the next sync would read the rest as deleted. The connection was left as it was.',
    });
    expect(await s.connection()).toMatchObject({ name: 'Billing', config: { path: s.right } });
    // Nothing was read as deleted: the next sync has nothing to do.
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });

  it('no run of the pair starts while the new settings are checked', async () => {
    const plan = hangingPlan(['changes']);
    const s = await syncedPair({ wrap: plan.wrap });
    const moved = join(s.dir, 'moved.sqlite');
    copyFileSync(s.right, moved);
    plan.armed = true; // the preview's read (the last check) waits
    const editing = s.kit.dispatch('pairs/edit-connection', { pairId: s.pairId, side: 'right', name: 'Billing', config: { path: moved } });
    await plan.hanging;
    const refused = await s.kit.dispatch('pairs/sync-now', { pairId: s.pairId });
    expect(refused.ok ? null : refused.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('a connection’s new settings are being written or checked for this pair') });
    expect(await s.kit.call('runs/list', { pairId: s.pairId })).toHaveLength(1);
    await s.kit.close(); // aborts the waiting read: the edit ends, one way or the other
    kit = null;
    await editing;
  });

  it('a webhook event received while the settings are checked waits, and is applied once they are saved', async () => {
    const plan = hangingPlan(['changes']);
    // The preview's read (the last check) waits until its time limit ends it: the check is left out then, and the settings saved.
    const s = await webhookPair({ enabled: true, scheme: 'github' }, { setup: { wrap: plan.wrap, engine: { connectorCallLimits: { changes: 3_000 } } } });
    kit = s.kit;
    dir = s.dir;
    await syncAndWait(s.kit, s.pairId);
    const moved = join(s.dir, 'moved.sqlite');
    copyFileSync(s.right, moved);
    plan.armed = true;
    const editing = s.kit.dispatch('pairs/edit-connection', { pairId: s.pairId, side: 'right', name: 'Billing', config: { path: moved } });
    await plan.hanging;
    plan.armed = false;
    const id = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    const body = JSON.stringify({ id: 'delivery-1', type: 'contact.created', record: { id } });
    const res = await fetch(s.url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...signBody('github', WEBHOOK_SECRET, body) } });
    expect(res.status).toBe(202);
    const { correlationId } = (await res.json()) as { correlationId: string };
    expect((await editing).ok).toBe(true);
    // Nothing else happens on the pair: the end of the hold alone sends the event on.
    const done = await until(async () => {
      const e = await s.kit.call('events/get', { correlationId });
      return e.state === 'pending' ? undefined : e;
    });
    expect(done.state).toBe('applied');
    expect(appRows(moved).map((r) => r.email)).toEqual(['ann@example.com']);
  });

  it('a pair that does not exist, or bad settings, get a clear error and change nothing', async () => {
    const s = await syncedPair();
    const gone = await s.kit.dispatch('pairs/edit-connection', { pairId: 'no-such-pair', side: 'right', name: 'Billing', config: { path: s.right } });
    expect(gone.ok ? null : gone.error).toMatchObject({ code: 'not-found', message: expect.stringContaining('Pair "no-such-pair" does not exist') });
    const bad = await s.kit.dispatch('pairs/edit-connection', { pairId: s.pairId, side: 'right', name: ' ', config: { path: s.right } });
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('give the connection a name') });
    expect(await s.connection()).toMatchObject({ name: 'Billing', config: { path: s.right } });
  });
});
