/**
 * Issue 12 §2: "Saving the file in a spreadsheet syncs within a second, debounced, with no fixed
 * interval to wait for." A CSV file saved by another program reaches the other app by a run the
 * file's watch starts (trigger 'feed'), with no schedule and no Sync now; the runs' own writes into
 * the file (the concord_id column, rows from the other app) start none.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, until, type Kit } from '../../sync/test-kit.fixture';
import { FILE_WATCH_MAX_WAIT_MS } from '../file-watch';
import { settledRuns } from '../feed-test.fixture';

/** Longer than a burst takes to be judged: an echo of the last run's write would have started a run by then. */
const QUIET_MS = FILE_WATCH_MAX_WAIT_MS + 500;

describe('a CSV file pair with no schedule', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it("a spreadsheet's save reaches the other app by a feed run; Concord's own writes into the file start no run", async () => {
    dir = tempDir('concord-csv-feed-engine-');
    const left = join(dir, 'crm.sqlite');
    const path = join(dir, 'people.csv');
    createApp(left);
    appInsert(left, { email: 'ann@x', name: 'Ann', score: null });
    writeFileSync(path, 'email,name\nbob@x,Bob\n');
    kit = startEngine(dir, join(dir, 'data'), undefined, undefined, undefined, { feeds: { debounceMs: 5, retryMs: 200 } });
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path } });
    const config = basePairConfig(l.id, r.id, {
      right: { connectionId: r.id, collection: 'people.csv', changeDetection: 'hash' },
      fields: [
        { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
        { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
      ],
      schedule: { intervalSeconds: null },
    });
    const { id: pairId } = await kit.call('pairs/create', { config });
    // The first sync writes the file (Ann, and the concord_id column) before the feed listens.
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 2 } });
    await until(async () => (await kit?.call('pairs/get', { pairId }))?.feed?.state === 'listening');
    expect(readFileSync(path, 'utf8')).toContain('ann@x');
    const first = await settledRuns(kit, pairId, QUIET_MS);

    // A spreadsheet's save: the whole file written to a temp file, renamed over the original.
    const saved = readFileSync(path, 'utf8').replace('Bob', 'Robert') + 'cy@x,Cy,\n';
    writeFileSync(join(dir, '.~people.csv.tmp'), saved);
    renameSync(join(dir, '.~people.csv.tmp'), path);
    await until(() => appRows(left).some((row) => row.email === 'cy@x') && appRows(left).some((row) => row.name === 'Robert'));
    // Its run wrote Cy's new concord_id into the file: an echo again.
    const runs = await settledRuns(kit, pairId, QUIET_MS);
    const fed = runs.slice(first.length);
    expect(fed.length).toBeGreaterThan(0);
    expect(fed.map((run) => run.trigger)).toEqual(fed.map(() => 'feed'));
    // Before it, the first sync alone: the feed began listening when the pair was created, before
    // any run, so it has nothing to catch up on (not even when the first sync starts within its debounce).
    expect(first.map((run) => run.trigger)).toEqual(['first-sync']);

    // A change in the CRM (the SQLite app's own feed) is written into the file: that write starts no run.
    appInsert(left, { email: 'dee@x', name: 'Dee', score: null });
    await until(() => readFileSync(path, 'utf8').includes('dee@x'));
    const after = await settledRuns(kit, pairId, QUIET_MS);
    expect(after.slice(runs.length).map((run) => run.trigger)).toEqual(after.slice(runs.length).map(() => 'feed'));
    expect(after.slice(runs.length).reduce((n, run) => n + run.counts.created, 0)).toBe(1);
  });
});
