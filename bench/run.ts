/**
 * `npm run bench`: the engine's throughput on two SQLite apps, through the public API only.
 *
 * Population of U people: 50% in both apps (same email), 25% only on the left, 25% only on the
 * right, so each app holds CONCORD_BENCH_RECORDS (default 100,000) rows. One in ten shared people
 * has another phone on the right (the first sync updates it from the master, left).
 *
 * Scenarios, in order, on the same data folder:
 *   first sync      match, create and update everything
 *   incremental     after 1% edits on each side (different records and fields)
 *   no-op           nothing changed
 *   full resync     re-read and hash-compare every record on both sides
 *   rerun after crash  fresh apps seeded alike; a child process runs the first sync and is
 *                   SIGKILLed early in its writes; the rerun that finishes the work is timed
 *                   (bench/rerun-after-crash.ts; skipped below 1,000 records per side)
 *   CSV first sync  a SQLite table into a CSV file of the same people (60% of the records per
 *                   side), every row rewritten, with the longest event-loop pause during it
 *                   (bench/csv-first-sync.ts)
 *
 * Prints a table (scenario, records read, seconds, records/s, writes) and the peak RSS. A
 * performance goal lives here, never in a timed unit test (DESIGN §8). Temp folders are removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine } from '../src-main/engine/engine';
import type { RunSummary } from '../src-main/engine/api/model';
import {
  contentByEmail,
  createContactsApp,
  createContactsPair,
  mutateApp,
  people,
  runAndWait,
  writesOf,
} from '../src-main/engine/testing/sqlite-apps';
import { csvFirstSync } from './csv-first-sync';
import { rerunAfterCrash, seeded } from './rerun-after-crash';

function recordsPerSide(): number {
  const raw = process.env.CONCORD_BENCH_RECORDS;
  if (raw === undefined || raw === '') return 100_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 4) throw new Error(`CONCORD_BENCH_RECORDS must be a whole number of at least 4 (records per side); got "${raw}".`);
  return n;
}

type Row = { scenario: string; records: number; seconds: number; writes: number; status: string };

function printTable(rows: Row[]): void {
  const head = ['scenario', 'records', 'seconds', 'records/s', 'writes', 'status'];
  const body = rows.map((r) => [r.scenario, String(r.records), r.seconds.toFixed(2), String(Math.round(r.records / Math.max(r.seconds, 1e-3))), String(r.writes), r.status]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  const perSide = recordsPerSide();
  const onlyOneSide = Math.floor(perSide / 3); // 25% of the union U = 4/3 · perSide
  const dir = mkdtempSync(join(tmpdir(), 'concord-bench-'));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const left = join(dir, 'left.sqlite');
    const right = join(dir, 'right.sqlite');
    let t = performance.now();
    createContactsApp(left);
    createContactsApp(right);
    const population = () => ({
      left: people(0, perSide),
      right: people(onlyOneSide, onlyOneSide + perSide, (p, n) => (n < perSide && n % 10 === 0 ? { ...p, phone: `right ${n}` } : p)),
    });
    seeded(population)(left, right);
    console.log(`Concord bench: ${perSide} records per side (${perSide - onlyOneSide} shared, ${onlyOneSide} only left, ${onlyOneSide} only right); seeded in ${((performance.now() - t) / 1000).toFixed(2)} s`);

    const engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: (m, e) => console.error(`[engine] ${m}`, e ?? '') });
    const rows: Row[] = [];
    try {
      const pairId = await createContactsPair(engine, left, right, { name: 'Bench' });
      const measure = async (scenario: string, method: 'pairs/sync-now' | 'pairs/full-resync') => {
        const start = performance.now();
        const run: RunSummary = await runAndWait(engine, pairId, method, 3_600_000);
        const seconds = (performance.now() - start) / 1000;
        rows.push({ scenario, records: run.counts.read, seconds, writes: writesOf(run), status: run.status });
        console.error(`  ${scenario}: ${run.status} in ${seconds.toFixed(2)} s${run.error ? ` — ${run.error}` : ''}`);
        return run;
      };

      await measure('first sync', 'pairs/sync-now');

      // 1% edits on each side, as the apps would make them: the left changes phones, the right credits.
      const edits = Math.max(1, Math.floor(perSide / 100));
      t = performance.now();
      mutateApp(left, (db) => {
        db.prepare(`UPDATE contacts SET phone = 'edited ' || id, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id IN (SELECT id FROM contacts ORDER BY id LIMIT ?)`).run(edits);
      });
      mutateApp(right, (db) => {
        db.prepare(`UPDATE contacts SET credits = credits + 1000, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id IN (SELECT id FROM contacts ORDER BY id DESC LIMIT ?)`).run(edits);
      });
      await measure(`incremental (${edits}+${edits} edits)`, 'pairs/sync-now');
      await measure('no-op', 'pairs/sync-now');
      await measure('full resync', 'pairs/full-resync');

      t = performance.now();
      const l = contentByEmail(left);
      const r = contentByEmail(right);
      const agree = l.size === r.size && [...l].every(([email, v]) => JSON.stringify(r.get(email)) === JSON.stringify(v));
      console.error(`  checked both apps in ${((performance.now() - t) / 1000).toFixed(2)} s: ${l.size} people on each side, ${agree ? 'identical' : 'DIFFERENT'}`);
      if (!agree) process.exitCode = 1;
    } finally {
      await engine.close();
    }
    if (perSide >= 1000) {
      // Early (5% of the left's creates): nearly every create of the plan is pending at the rerun.
      const row = await rerunAfterCrash(join(dir, 'crash'), perSide, seeded(population), Math.floor(onlyOneSide / 20));
      rows.push(row);
      if (row.status !== 'succeeded') process.exitCode = 1;
    } else console.error('  rerun after crash: skipped (fewer than 1,000 records per side)');
    const csv = await csvFirstSync(join(dir, 'csv'), Math.max(4, Math.floor(perSide * 0.6)));
    rows.push(csv);
    if (csv.status !== 'succeeded') process.exitCode = 1;
    console.log('');
    printTable(rows);
    console.log('');
    console.log(`longest event-loop pause during the CSV first sync: ${csv.longestPauseMs.toFixed(0)} ms (the server answers between pauses)`);
    console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB   (Node ${process.versions.node}, ${process.platform} ${process.arch})`);
  } finally {
    cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
