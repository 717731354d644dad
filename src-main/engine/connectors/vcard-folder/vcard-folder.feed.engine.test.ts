/**
 * Issue 11 §2: a folder of vCard files is watched for real-time changes. A contact another program
 * saves into the folder reaches the other app by a run the folder's watch starts (trigger 'feed'),
 * with no schedule and no Sync now; Concord's own writes into the folder start none.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, until, type Kit } from '../../sync/test-kit.fixture';


describe('a vCard folder pair with no schedule', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('a card saved into the folder by another program is synced by the folder watch; the pair says its feed is listening', async () => {
    dir = tempDir('concord-vcard-feed-');
    const folder = join(dir, 'contacts');
    mkdirSync(folder);
    const left = join(dir, 'crm.sqlite');
    createApp(left);
    appInsert(left, { email: 'ann@x', name: 'Ann', score: 1 });
    kit = startEngine(dir, join(dir, 'data'), undefined, undefined, undefined, { feeds: { debounceMs: 5, retryMs: 200 } });
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Phone book', connector: 'vcard-folder', config: { path: folder } });
    const config = basePairConfig(l.id, r.id, {
      right: { connectionId: r.id, collection: (await kit.call('connections/describe', { connectionId: r.id }))[0]?.name ?? '', changeDetection: 'hash' },
      fields: [
        { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
        { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
      ],
      schedule: { intervalSeconds: null },
    });
    const { id: pairId } = await kit.call('pairs/create', { config });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1 } });
    await until(async () => (await kit?.call('pairs/get', { pairId }))?.feed?.state === 'listening');

    writeFileSync(join(folder, 'bob.vcf'), 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bob\r\nFN:Bob\r\nEMAIL:bob@x\r\nEND:VCARD\r\n');
    await until(() => appRows(left).some((row) => row.email === 'bob@x'));
    // No schedule and no Sync now: every run after the first sync was started by the folder's watch.
    const runs = (await kit.call('runs/list', { pairId })).slice().reverse();
    expect(runs[0]?.trigger).toBe('first-sync');
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.slice(1).map((run) => run.trigger)).toEqual(runs.slice(1).map(() => 'feed'));
    expect(appRows(left).find((row) => row.email === 'bob@x')?.name).toBe('Bob');
  });
});
