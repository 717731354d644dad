/**
 * Issue 12 §2, CardDAV sync-collection polling: a card another client saves on the server (a
 * phone's contacts app) reaches the SQLite app by a run the feed starts (trigger 'feed'), with no
 * schedule and no Sync now; Concord's own writes into the address book start no run. Against a
 * real Radicale; the SQLite side has its own feed (its file watch) too.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PairConfig } from '../../api/model';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from '../../testing/radicale-server';
import { appInsert, appRows, createApp, removeDir, startEngine, syncAndWait, tempDir, until, type Kit } from '../../sync/test-kit.fixture';
import { FILE_WATCH_MAX_WAIT_MS } from '../file-watch';
import { quietRuns, settledRuns } from '../feed-test.fixture';

const gate = radicaleTestGate();
const card = (uid: string, fn: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEMAIL;TYPE=INTERNET:${uid}@example.com\r\nEND:VCARD\r\n`;
const POLL_MS = 20;
/** Longer than both feeds take to judge the last run's writes (a file watch's burst, a few polls). */
const QUIET_MS = FILE_WATCH_MAX_WAIT_MS + 500;

describe.skipIf(!gate.available)('a CardDAV ↔ SQLite pair with no schedule (Radicale)', () => {
  let server: RadicaleServer;
  let kit: Kit | null = null;
  let dir = '';
  beforeAll(async () => {
    server = await startRadicaleServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it("a card saved by another client reaches the SQLite app by a feed run; Concord's own writes into the book start no run", async () => {
    dir = tempDir('concord-dav-feed-');
    const left = join(dir, 'crm.sqlite');
    createApp(left);
    appInsert(left, { email: 'ann@example.com', name: 'Ann', score: null });
    const url = await server.app.createAddressBook('feedbook');
    await server.app.putCard(url, 'bob.vcf', card('bob', 'Bob'));
    kit = startEngine(dir, join(dir, 'data'), undefined, undefined, undefined, { feeds: { debounceMs: 5, retryMs: 200, pollMs: POLL_MS } });
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Phone', connector: 'carddav', config: { serverUrl: `${server.url}/`, username: server.user }, secret: server.password });
    const string = (name: string) => ({ name, type: 'string' as const, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
    const config: PairConfig = {
      name: 'Contacts',
      left: { connectionId: l.id, collection: 'contacts', changeDetection: 'hash' },
      right: { connectionId: r.id, collection: new URL(url).pathname, changeDetection: 'token' },
      fields: [string('email'), string('name')],
      matchKeys: ['email'],
      masterSide: 'left',
      conflictPolicy: 'manual',
      deletes: { propagate: true, massDeleteThreshold: 1 },
      schedule: { intervalSeconds: null },
    };
    const { id: pairId } = await kit.call('pairs/create', { config });
    // The first sync writes Ann into the book and Bob into the CRM.
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 2 } });
    await until(async () => (await kit?.call('pairs/get', { pairId }))?.feed?.state === 'listening');
    // The feeds' catch-up run when they began listening (the token the first sync's writes led to is stored by it).
    const before = await quietRuns(kit, pairId, QUIET_MS);
    expect(before[0]?.trigger).toBe('first-sync');

    await server.app.putCard(url, 'cy.vcf', card('cy', 'Cy'));
    await until(() => appRows(left).some((row) => row.email === 'cy@example.com'));
    const runs = await settledRuns(kit, pairId, QUIET_MS);
    const fed = runs.slice(before.length);
    expect(fed.length).toBeGreaterThan(0);
    expect(fed.map((run) => run.trigger)).toEqual(fed.map(() => 'feed'));

    // A change in the CRM is written into the book by a feed run (the SQLite file's watch); that write starts no run.
    appInsert(left, { email: 'dee@example.com', name: 'Dee', score: null });
    await until(async () => (await server.app.listCards(url)).length === 4);
    const after = await settledRuns(kit, pairId, QUIET_MS);
    expect(after.slice(runs.length).map((run) => run.trigger)).toEqual(after.slice(runs.length).map(() => 'feed'));
    expect(after.slice(runs.length).reduce((n, run) => n + run.counts.created, 0)).toBe(1);
  });
});
