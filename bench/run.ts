/**
 * `npm run bench`: the engine's throughput and memory on two SQLite apps, through the public API
 * only, against the raw limit (the same reads and writes straight through better-sqlite3), and
 * BENCHMARKS.md written from the figures. Settings come from the environment (bench/config.ts;
 * the header of BENCHMARKS.md lists them).
 *
 * Order: the other scenarios (rerun after a SIGKILL, CSV first sync) and the inbox first, then
 * each size smallest first, each mode in turn, then PostgreSQL ↔ SQLite (bench/postgres-run.ts:
 * last, so issue 9's figures never wait for it), every one in fresh child processes
 * (bench/size-run.ts). Each request to a child has a time limit, and the whole bench a budget,
 * so the default run ends within 10 minutes whatever the engine does; a run cut short shows as
 * timed out, a crash as failed with its error. A performance goal lives here, never in a timed
 * unit test (DESIGN §8). Temp folders are removed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchChild, killAllChildren } from './child';
import { benchConfig, formatSize, type BenchConfig } from './config';
import { machine, gitState } from './machine';
import { markdownTable, otherLine, renderMarkdown, secondsText, sizeHeading, sizeTable, type BenchReport } from './markdown';
import { evaluateTargets, mib, ratio, statusText, type InboxFigures, type InboxOutcome, type OtherRow, type SizeResult, type SizeRow } from './results';
import { postgresScenario } from './postgres-run';
import { benchSize, BUDGET_SPENT, outcomeOf, type Limit } from './size-run';
import type { RunFigures } from './worker';

const REPO = resolve(__dirname, '..');
const OUT = join(REPO, 'BENCHMARKS.md');

function printRow(where: string, r: SizeRow): void {
  const c = r.concord;
  const x = ratio(r);
  const raw = r.raw.state === 'done' ? `raw ${secondsText(r.raw.seconds)} s` : `raw ${statusText(r.raw)}`;
  const secs = c.state === 'done' ? `${secondsText(c.seconds)} s` : '';
  const rss = c.state !== 'not run' && c.peakRssBytes !== null ? `, peak RSS ${mib(c.peakRssBytes)} MiB` : '';
  console.log(`  ${where} ${r.label}: ${secs ? `${secs} (${raw}${x === null ? '' : `, ${x.toFixed(1)}×`}), ` : `(${raw}) `}${statusText(c)}${rss}`);
}

const printOther = (row: OtherRow): void => console.log(otherLine(row));

async function otherScenarios(root: string, config: BenchConfig, limit: Limit): Promise<OtherRow[]> {
  const rows: OtherRow[] = [];
  const perSide = config.otherSize;
  const run = async (fallback: string, req: Parameters<BenchChild['call']>[0]) => {
    const l = limit();
    if (l === null) return rows.push({ scenario: fallback, outcome: { state: 'not run', reason: BUDGET_SPENT } });
    const child = new BenchChild(fallback);
    try {
      const r = await child.call(req, l);
      const v = r.kind === 'ok' ? (r.value as RunFigures & { label: string }) : null;
      rows.push({ scenario: v?.label ?? fallback, outcome: outcomeOf(r), ...(v?.note ? { note: v.note } : {}) });
    } finally {
      await child.close();
    }
    const row = rows.at(-1);
    if (row) printOther(row);
  };
  if (perSide >= 1000) await run('rerun after crash', { op: 'crash', dir: join(root, 'crash'), perSide });
  else rows.push({ scenario: 'rerun after crash', outcome: { state: 'not run', reason: 'fewer than 1,000 records per side' } });
  await run('first sync into a CSV file', { op: 'csv', dir: join(root, 'csv'), rows: Math.max(4, Math.floor(perSide * 0.6)) });
  return rows;
}

async function inboxFigures(root: string, config: BenchConfig, limit: Limit): Promise<InboxOutcome> {
  const file = join(__dirname, 'inbox.ts');
  if (!existsSync(file)) return { state: 'not measured', reason: 'bench/inbox.ts missing' };
  const l = limit();
  if (l === null) return { state: 'not measured', reason: BUDGET_SPENT };
  const child = new BenchChild('inbox');
  try {
    const r = await child.call({ op: 'inbox', file, dir: join(root, 'inbox'), conflicts: config.conflicts }, l);
    if (r.kind === 'ok') return { state: 'measured', figures: r.value as InboxFigures };
    return { state: 'not measured', reason: statusText(outcomeOf(r)) };
  } finally {
    await child.close();
  }
}

async function main(): Promise<void> {
  let config: BenchConfig;
  try {
    config = benchConfig(process.env);
  } catch (e) {
    console.error(`npm run bench: ${(e as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const date = new Date().toISOString();
  const git = gitState();
  const loadAtStart = loadavg()[0] ?? 0;
  const host = machine();
  const deadline = config.budgetS === null ? Infinity : started + config.budgetS * 1000;
  const limit: Limit = () => {
    const left = (deadline - performance.now()) / 1000;
    return left < 1 ? null : Math.min(config.timeoutS, Math.floor(left));
  };
  const root = mkdtempSync(join(tmpdir(), 'concord-bench-'));
  const cleanUp = () => rmSync(root, { recursive: true, force: true });
  process.once('SIGINT', () => {
    killAllChildren();
    cleanUp();
    process.exit(130);
  });

  for (const n of config.notices) console.log(n);
  console.log(`Concord bench at ${config.sizes.map(formatSize).join(', ')} records per side (${config.modes.join(', ')} mode); ${config.timeoutS} s per run, ${config.budgetS === null ? 'no budget' : `${config.budgetS} s budget`}`);
  console.log(`${host.cpu}, ${host.cores} cores, Node ${host.node}, commit ${git.commit}${git.dirty ? ' with uncommitted changes' : ''}\n`);
  let failedCheck = false;
  try {
    console.log(`Other scenarios (${formatSize(config.otherSize)} records per side):`);
    const others = await otherScenarios(root, config, limit);
    failedCheck ||= others.some((o) => o.outcome.state === 'done' && /DIFFERENT|DUPLICATES/.test(o.outcome.status));
    const inbox = await inboxFigures(root, config, limit);
    console.log(`\nThe inbox: ${inbox.state === 'measured' ? JSON.stringify(inbox.figures) : `not measured: ${inbox.reason}`}`);

    const sizes: SizeResult[] = [];
    for (const perSide of config.sizes) {
      for (const mode of config.modes) {
        console.log(`\n${sizeHeading({ perSide, mode, rows: [], notes: [] })}`);
        const { result, disagree } = await benchSize(root, perSide, mode, limit, (row) => printRow(`${formatSize(perSide)} ${mode}`, row));
        failedCheck ||= disagree;
        sizes.push(result);
        console.log(`\n${sizeTable(result)}\n${result.notes.join('\n')}`);
      }
    }

    console.log(`\nPostgreSQL ↔ SQLite${config.pgSize === null ? '' : ` (${formatSize(config.pgSize)} records per side, cursor mode, then capture)`}:`);
    const postgres = await postgresScenario(root, config, limit, printOther);
    failedCheck ||= postgres.some((o) => /DIFFERENT/.test(o.note ?? ''));

    const report: BenchReport = { machine: host, date, commit: git.commit, dirty: git.dirty, config, durationS: (performance.now() - started) / 1000, load: { start: loadAtStart, end: loadavg()[0] ?? 0 }, sizes, inbox, others, postgres };
    // The sections other benches write (between their markers: bench:vcard, bench:realtime) stay.
    const kept = existsSync(OUT) ? [...readFileSync(OUT, 'utf8').matchAll(/<!-- bench:([a-z]+) -->[\s\S]*?<!-- \/bench:\1 -->/g)].map((m) => m[0]) : [];
    writeFileSync(OUT, [renderMarkdown(report).trimEnd(), ...kept].join('\n\n') + '\n');
    console.log(`\n${markdownTable(['target', 'measured', 'verdict'], evaluateTargets(sizes, inbox).map((t) => [t.target, t.measured, t.verdict]))}`);
    console.log(`\nWrote ${OUT} in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
    // A slow or failing run is a finding, written down above; apps left different are a defect.
    if (failedCheck) {
      console.error('The apps were left DIFFERENT (or with duplicates) after runs that succeeded: see BENCHMARKS.md.');
      process.exitCode = 1;
    }
  } finally {
    killAllChildren();
    cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  killAllChildren();
  process.exitCode = 1;
});
