import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { PairConfig } from '../../api/model';
import { appInsert, appRows, basePairConfig, createApp, crashingService, removeDir, restartFromCrash, startEngine, syncAndWait, tempDir, type CrashPlan, type Kit } from '../../sync/test-kit.fixture';

/** A SQLite app on the left, a CSV file without an id column on the right. */
async function csvPair(csv: string, plan?: CrashPlan, over: Partial<PairConfig> = {}) {
  const dir = tempDir('concord-csv-engine-');
  const left = join(dir, 'left.sqlite');
  const path = join(dir, 'people.csv');
  createApp(left);
  writeFileSync(path, csv);
  const kit = startEngine(dir, join(dir, 'data'), plan ? crashingService(plan) : undefined);
  if (plan) plan.db = () => kit.db;
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path } });
  const config = basePairConfig(l.id, r.id, {
    right: { connectionId: r.id, collection: 'people.csv', changeDetection: 'hash' },
    fields: [
      { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
      ...(over.fallbackKeys ? [{ name: 'score', type: 'number' as const, left: { fields: ['score'] }, right: { fields: ['score'] }, direction: 'both' as const }] : []),
    ],
    ...over,
  });
  const pair = await kit.call('pairs/create', { config });
  return { dir, left, path, kit, pairId: pair.id };
}

const csvRows = (path: string) => parse(readFileSync(path), { columns: true }) as Record<string, string>[];

describe('csv-file connector in a pair', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('a row edited by hand before Concord ever wrote the file (its id still comes from its content) is an edit, not a delete plus a duplicate', async () => {
    const original = 'email,name\nann@x,Ann\nbob@x,Bob\n';
    const s = await csvPair(original);
    kit = s.kit;
    dir = s.dir;
    const ann = appInsert(s.left, { email: 'ann@x', name: 'Ann', score: null });
    appInsert(s.left, { email: 'bob@x', name: 'Bob', score: null });
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(readFileSync(s.path, 'utf8')).toBe(original); // nothing to write: the ids are still content-derived

    // Hand edit in the sheet (the row's content id changes) and, in the CRM, an edit of another record.
    writeFileSync(s.path, 'email,name\nann@x,Ann\nbob@x,Robert\n');
    const { appUpdate } = await import('../../sync/test-kit.fixture');
    appUpdate(s.left, ann, { name: 'Annie' });
    const run = await syncAndWait(kit, s.pairId);
    expect(run).toMatchObject({ status: 'succeeded', counts: { created: 0, deleted: 0, updated: 2, conflicts: 0 } });
    expect(appRows(s.left).map((r) => [r.email, r.name])).toEqual([['ann@x', 'Annie'], ['bob@x', 'Robert']]);
    expect(csvRows(s.path).map((r) => [r.email, r.name])).toEqual([['ann@x', 'Annie'], ['bob@x', 'Robert']]);
    const quiet = await syncAndWait(kit, s.pairId);
    expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);
  });

  it('with a fallback key too, a hand edit of the fallback field (before Concord wrote the file) is an edit: the other app keeps its row', async () => {
    const original = 'email,name,score\nann@x,Ann,1\nbob@x,Bob,2\n';
    const s = await csvPair(original, undefined, { fallbackKeys: ['score'] });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@x', name: 'Ann', score: 1 });
    const bob = appInsert(s.left, { email: 'bob@x', name: 'Bob', score: 2 });
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    writeFileSync(s.path, 'email,name,score\nann@x,Ann,1\nbob@x,Bob,3\n');
    const run = await syncAndWait(kit, s.pairId);
    expect(run.counts).toMatchObject({ created: 0, deleted: 0, updated: 1 });
    expect(appRows(s.left).find((r) => r.email === 'bob@x')).toMatchObject({ id: bob, score: 3 });
  });

  it('pairs/preview and a run that writes nothing leave a CSV without an id column untouched; later runs do not duplicate rows', async () => {
    const original = 'email,name\nann@x,Ann\nbob@x,Bob\n';
    const s = await csvPair(original);
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@x', name: 'Ann', score: null });
    appInsert(s.left, { email: 'bob@x', name: 'Bob', score: null });

    const preview = await kit.call('pairs/preview', { pairId: s.pairId });
    expect(preview).toMatchObject({ leftTotal: 2, rightTotal: 2, matched: 2 });
    expect(readFileSync(s.path, 'utf8')).toBe(original);
    expect((await syncAndWait(kit, s.pairId)).status).toBe('succeeded');
    expect(readFileSync(s.path, 'utf8')).toBe(original);

    appInsert(s.left, { email: 'cy@x', name: 'Cy', score: null });
    expect((await syncAndWait(kit, s.pairId)).status).toBe('succeeded');
    expect(csvRows(s.path).map((r) => r.name)).toEqual(['Ann', 'Bob', 'Cy']);
    // Edited by hand after the ids were stored: an update, not a delete and a create.
    writeFileSync(s.path, readFileSync(s.path, 'utf8').replace('Bob', 'Robert'));
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('succeeded');
    expect(appRows(s.left).map((r) => r.name)).toEqual(['Ann', 'Robert', 'Cy']);
    expect(csvRows(s.path)).toHaveLength(3);
  });

  it('a crash between two writes to the CSV does not duplicate rows on the rerun (PITFALLS 15)', async () => {
    const plan: CrashPlan = { crashAt: 1, count: 0, crashed: false, snapshot: null, db: () => { throw new Error('unset'); } };
    const s = await csvPair('email,name\nann@x,Ann\n', plan);
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@x', name: 'Ann', score: null });
    appInsert(s.left, { email: 'bob@x', name: 'Bob', score: null });
    appInsert(s.left, { email: 'cy@x', name: 'Cy', score: null });
    await syncAndWait(kit, s.pairId);
    expect(plan.crashed).toBe(true);
    kit = await restartFromCrash(kit, plan);
    expect((await syncAndWait(kit, s.pairId)).status).toBe('succeeded');
    expect((await syncAndWait(kit, s.pairId)).counts.created).toBe(0);
    expect(csvRows(s.path).map((r) => r.name).sort()).toEqual(['Ann', 'Bob', 'Cy']);
    expect(appRows(s.left)).toHaveLength(3);
  });
});
