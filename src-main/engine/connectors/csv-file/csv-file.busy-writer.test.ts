// A CSV file another program keeps writing, synced with a SQLite app (issue 9: every write failed
// with "changed while Concord was writing it" and the rows waited out 30–60 s backoffs).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, expect, it } from 'vitest';
import { appExec, appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { startBusyWriter } from './busy-writer.fixture';

const csvRows = (path: string) => parse(readFileSync(path), { columns: true }) as Record<string, string>[];

let kit: Kit | null = null;
let dir = '';
afterEach(async () => {
  await kit?.close();
  removeDir(dir);
});

it('a sync of 1,200 rows completes within a few runs while another program appends and edits the CSV in a tight loop; nothing is lost on either side', async () => {
  dir = tempDir('concord-csv-busy-');
  const left = join(dir, 'left.sqlite');
  const path = join(dir, 'people.csv');
  createApp(left);
  writeFileSync(path, 'id,email,name,score\n');
  appExec(left, (db) => {
    const insert = db.prepare('INSERT INTO contacts (email, name, score) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 1200; i++) insert.run(`p${i}@example.com`, `P ${i}`, i);
    })();
  });
  kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path, idColumn: 'id' } });
  const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'people.csv', changeDetection: 'hash' } });
  const { id: pairId } = await kit.call('pairs/create', { config });

  const writer = startBusyWriter(path, { prefix: 'w', paceMs: 2, editEvery: 50 });
  let wrote: Awaited<ReturnType<typeof writer.stop>>;
  try {
    // While it writes: the CRM's 1,200 rows reach the file within a bounded number of runs (the
    // old backoff of 30–60 s per failed row would hold them past any of these).
    for (let run = 0; run < 4; run++) {
      await syncAndWait(kit, pairId);
      if (csvRows(path).filter((row) => row.email?.startsWith('p')).length === 1200) break;
    }
    expect(csvRows(path).filter((row) => row.email?.startsWith('p'))).toHaveLength(1200);
  } finally {
    wrote = await writer.stop();
  }
  // It has stopped: a few more runs bring in its last rows, then nothing is left to do.
  let quiet = false;
  for (let run = 0; run < 4 && !quiet; run++) {
    const done = await syncAndWait(kit, pairId);
    quiet = done.status === 'succeeded' && done.counts.created + done.counts.updated + done.counts.deleted === 0;
  }
  expect(quiet).toBe(true);
  expect(await kit.call('failed/list', { pairId })).toEqual([]);

  const sheet = new Map(csvRows(path).map((row) => [row.email, row]));
  const crm = new Map(appRows(left).map((row) => [row.email, row]));
  expect(wrote.appended.length).toBeGreaterThan(0);
  for (let i = 0; i < 1200; i++) expect(sheet.get(`p${i}@example.com`)?.name).toBe(`P ${i}`);
  for (const id of wrote.appended) {
    expect(sheet.has(`${id}@example.com`), `${id} in the file`).toBe(true);
    expect(crm.has(`${id}@example.com`), `${id} in the CRM`).toBe(true);
  }
  for (const id of wrote.edited) {
    expect(sheet.get(`${id}@example.com`)?.name, `${id} edited in the file`).toMatch(/^X /);
    expect(crm.get(`${id}@example.com`)?.name, `${id} edited, in the CRM`).toMatch(/^X /);
  }
  expect(crm.size).toBe(sheet.size);
});
