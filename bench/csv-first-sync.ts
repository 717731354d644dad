/**
 * Bench scenario: a first sync from a SQLite table into a CSV file holding the same people under
 * other phone numbers, so every row of the file is rewritten (the write path that rewrites the
 * whole file per call). While it runs, a timer measures the engine process's longest event-loop
 * pause: the headless server answers requests (the UI, Cancel) only between such pauses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine } from '../src-main/engine/engine';
import { call, contactsPairConfig, createContactsApp, people, runAndWait, seedContacts, writesOf } from '../src-main/engine/testing/sqlite-apps';

export type CsvRow = { scenario: string; records: number; seconds: number; writes: number; status: string; longestPauseMs: number };

export async function csvFirstSync(dir: string, rows: number): Promise<CsvRow> {
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'shop.sqlite');
  const csv = join(dir, 'contacts.csv');
  createContactsApp(db);
  seedContacts(db, people(0, rows));
  const lines = ['email,first_name,last_name,phone,credits'];
  for (const p of people(0, rows)) lines.push([p.email, p.first_name, p.last_name, `+44 ${p.phone ?? ''}`, String(p.credits)].join(','));
  writeFileSync(csv, `${lines.join('\n')}\n`);

  const engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: (m, e) => console.error(`[engine] ${m}`, e ?? '') });
  try {
    const left = await call(engine, 'connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path: db } });
    const right = await call(engine, 'connections/create', { name: 'Sheet', connector: 'csv-file', config: { path: csv } });
    const pair = await call(engine, 'pairs/create', { config: { ...contactsPairConfig(left.id, right.id, 'CSV bench'), right: { connectionId: right.id, collection: 'contacts.csv' } } });
    let longest = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 10);
    const start = performance.now();
    const run = await runAndWait(engine, pair.id, 'pairs/sync-now', 3_600_000);
    const seconds = (performance.now() - start) / 1000;
    clearInterval(probe);
    console.error(`  first sync into a CSV file: ${run.status} in ${seconds.toFixed(2)} s, longest event-loop pause ${longest.toFixed(0)} ms`);
    return { scenario: `first sync into a CSV file (${rows} rows)`, records: run.counts.read, seconds, writes: writesOf(run), status: run.status, longestPauseMs: longest };
  } finally {
    await engine.close();
  }
}
