/**
 * Issue 12 §2, REST modified-since polling: an edit made in the web app (the SaaS stand-in, cursor
 * mode) reaches the SQLite app by a run the feed starts (trigger 'feed'), with no schedule and no
 * Sync now; Concord's own writes into the web app start no run. The SQLite side has its own feed
 * (its file watch), so a change there is written into the web app by a feed run too.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, until, type Kit } from '../../sync/test-kit.fixture';
import { startSaasStandin, type SaasStandin } from '../../testing/saas-standin/server';
import { STANDIN_API_KEY, standinProfile } from '../../testing/saas-standin/profile-fixture';
import { FILE_WATCH_MAX_WAIT_MS } from '../file-watch';
import { quietRuns, settledRuns } from '../feed-test.fixture';

const POLL_MS = 20;
/** Longer than both feeds take to judge the last run's writes (a file watch's burst, a few polls). */
const QUIET_MS = FILE_WATCH_MAX_WAIT_MS + 500;

describe('a REST (cursor mode) ↔ SQLite pair with no schedule', () => {
  let kit: Kit | null = null;
  let standin: SaasStandin | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    await standin?.stop();
    standin = null;
    removeDir(dir);
  });

  it("an edit in the web app reaches the SQLite app by a feed run; Concord's own writes into the web app start no run", async () => {
    dir = tempDir('concord-rest-feed-');
    const left = join(dir, 'crm.sqlite');
    createApp(left);
    appInsert(left, { email: 'ann@x', name: 'Ann', score: null });
    standin = await startSaasStandin({ auth: { kind: 'api-key', in: 'header', name: 'X-Api-Key', key: STANDIN_API_KEY }, etags: true });
    standin.app.insert([{ id: 'p1', name: 'Bob', email: 'bob@x' }]);
    kit = startEngine(dir, join(dir, 'data'), undefined, undefined, undefined, { feeds: { debounceMs: 5, retryMs: 200, pollMs: POLL_MS } });
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Web app', connector: 'rest', config: { profile: JSON.stringify(standinProfile(standin.url)) }, secret: STANDIN_API_KEY });
    const config = basePairConfig(l.id, r.id, {
      right: { connectionId: r.id, collection: 'contacts', changeDetection: 'cursor' },
      fields: [
        { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
        { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
      ],
      schedule: { intervalSeconds: null },
    });
    const { id: pairId } = await kit.call('pairs/create', { config });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 2 } });
    await until(async () => (await kit?.call('pairs/get', { pairId }))?.feed?.state === 'listening');
    const before = await quietRuns(kit, pairId, QUIET_MS);
    expect(before[0]?.trigger).toBe('first-sync');

    // The stand-in's own users edit Bob (at the app's clock, later than anything Concord read).
    standin.app.update('p1', { name: 'Robert' });
    await until(() => appRows(left).some((row) => row.name === 'Robert'));
    const runs = await settledRuns(kit, pairId, QUIET_MS);
    const fed = runs.slice(before.length);
    expect(fed.length).toBeGreaterThan(0);
    expect(fed.map((run) => run.trigger)).toEqual(fed.map(() => 'feed'));

    // A change in the CRM is written into the web app by a feed run; that write starts no run.
    appInsert(left, { email: 'cy@x', name: 'Cy', score: null });
    const s = standin;
    await until(() => s.app.ids().some((id) => s.app.get(id)?.email === 'cy@x'));
    const after = await settledRuns(kit, pairId, QUIET_MS);
    expect(after.slice(runs.length).map((run) => run.trigger)).toEqual(after.slice(runs.length).map(() => 'feed'));
    expect(after.slice(runs.length).reduce((n, run) => n + run.counts.created, 0)).toBe(1);
  });
});
