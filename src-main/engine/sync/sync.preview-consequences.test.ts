/**
 * Issue 13 §1 "The review step states every consequence": the preview counts, per app, the values
 * the first match will overwrite, the columns Concord will add (a CSV file's concord_id), the
 * records with an empty match key, and the records a run would delete.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appExec, appInsert, basePairConfig, createApp, removeDir, setupPair, startEngine, syncAndWait, tempDir, type Kit } from './test-kit.fixture';

describe('preview: every consequence of the first sync', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('values each app will have overwritten, records with an empty key, the column added to a CSV file, nothing deleted', async () => {
    dir = tempDir('concord-preview-');
    const left = join(dir, 'left.sqlite');
    const csv = join(dir, 'people.csv');
    createApp(left);
    // Ann: name and score differ (the master, CRM, wins: 2 values overwritten in the sheet);
    // bob: same; an empty email on each side; the sheet has no concord_id column yet.
    appInsert(left, { email: 'ann@x', name: 'Ann', score: 1 });
    appInsert(left, { email: 'bob@x', name: 'Bob', score: 2 });
    appInsert(left, { email: null, name: 'No key', score: 3 });
    writeFileSync(csv, 'email,name,score\nann@x,Annie,5\nbob@x,Bob,2\n,Blank,9\n,Blank too,8\n');
    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path: csv } });
    const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'people.csv', changeDetection: 'hash' } });
    const preview = await kit.call('pairs/preview', { config });
    expect(preview.consequences).toEqual({
      overwritten: { left: { values: 0, records: 0 }, right: { values: 2, records: 1 } },
      addedColumns: { left: [], right: ['concord_id'] },
      emptyKeys: { left: 1, right: 2 },
      deletes: { left: 0, right: 0 },
    });
    // With the sheet as master, the CRM loses those values instead.
    const flipped = await kit.call('pairs/preview', { config: { ...config, masterSide: 'right' } });
    expect(flipped.consequences?.overwritten).toEqual({ left: { values: 2, records: 1 }, right: { values: 0, records: 0 } });
  });

  it('a pair that has run: linked records gone from one app are deletes in the other', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    for (let i = 0; i < 3; i++) appInsert(s.left, { email: `c${i}@x`, name: `C${i}`, score: i });
    await syncAndWait(s.kit, s.pairId);
    appExec(s.left, (db) => db.exec("DELETE FROM contacts WHERE email IN ('c0@x', 'c1@x')"));
    const preview = await s.kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview.consequences?.deletes).toEqual({ left: 0, right: 2 });
    expect(preview.consequences?.addedColumns).toEqual({ left: [], right: [] });
  });
});
