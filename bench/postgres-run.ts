/**
 * The parent's side of the PostgreSQL ↔ SQLite scenario (bench/postgres.ts runs in a bench
 * child): set-up, first sync, 1 % incremental, a check that both apps agree, and the switch to
 * capture mode with its commit-to-SQLite latency, each a request under the bench's time limit and budget. Its rows go to BENCHMARKS.md's PostgreSQL section; a
 * machine without PostgreSQL gets one row saying so. A cluster its killed child left running is
 * stopped here.
 */
import { join } from 'node:path';
import { BenchChild, type CallResult } from './child';
import { formatSize, type BenchConfig } from './config';
import { PG_MISSING, pgAvailable, startedServerDir, stopLeftoverCluster, type PgFigures, type PgStep } from './postgres';
import type { CaptureFigures } from './postgres-capture';
import { statusText, succeeded, type OtherRow } from './results';
import { BUDGET_SPENT, outcomeOf, runLabel, type Limit } from './size-run';

const SCENARIO = 'PostgreSQL ↔ SQLite';

export async function postgresScenario(root: string, config: BenchConfig, limit: Limit, print: (row: OtherRow) => void = () => {}): Promise<OtherRow[]> {
  if (config.pgSize === null) return [{ scenario: SCENARIO, outcome: { state: 'not run', reason: 'left out (CONCORD_BENCH_PG_SIZE=0)' } }];
  if (!pgAvailable()) return [{ scenario: SCENARIO, outcome: { state: 'not run', reason: PG_MISSING } }];
  const perSide = config.pgSize;
  const dir = join(root, 'postgres');
  const rows: OtherRow[] = [];
  const push = (row: OtherRow) => {
    rows.push(row);
    print(row);
  };
  const child = new BenchChild('postgres');
  const step = async (s: PgStep): Promise<CallResult | null> => {
    const l = limit();
    return l === null ? null : child.call({ op: 'pg', step: s, dir, perSide }, l);
  };
  try {
    const setup = await step('setup');
    const setupValue = setup?.kind === 'ok' ? (setup.value as PgFigures) : null;
    if (!setup || !setupValue) {
      const why = setup ? `the set-up failed: ${statusText(outcomeOf(setup))}` : BUDGET_SPENT;
      for (const kind of ['first', 'inc1'] as const) push({ scenario: runLabel(perSide, kind), outcome: { state: 'not run', reason: why } });
      return rows;
    }
    const setupNote = `set-up (a cluster started, ${formatSize(perSide)} rows seeded on each side) ${setupValue.seconds.toFixed(1)} s`;
    let blocked: string | null = null;
    for (const kind of ['first', 'inc1'] as const) {
      const label = runLabel(perSide, kind);
      if (blocked) {
        push({ scenario: label, outcome: { state: 'not run', reason: blocked } });
        continue;
      }
      const r = await step(kind);
      if (!r) {
        blocked = BUDGET_SPENT;
        push({ scenario: label, outcome: { state: 'not run', reason: BUDGET_SPENT } });
        continue;
      }
      const outcome = outcomeOf(r);
      let note = kind === 'first' ? setupNote : undefined;
      if (!succeeded(outcome)) blocked = `the ${label} did not succeed`;
      else if (kind === 'inc1') {
        const checked = await step('check');
        const c = checked?.kind === 'ok' ? (checked.value as { left: number; right: number; differing: number }) : null;
        note = !c
          ? `not checked: ${checked ? statusText(outcomeOf(checked)) : BUDGET_SPENT}`
          : c.differing === 0 && c.left === c.right
            ? `both apps agree after it (${c.left.toLocaleString('en-US')} people each)`
            : `the apps are left DIFFERENT: ${c.differing} rows differ (${c.left} in SQLite, ${c.right} in PostgreSQL)`;
      }
      push({ scenario: label, outcome, ...(note ? { note } : {}) });
    }
    const captureLabel = 'capture mode: first run (lists every row)';
    if (blocked) {
      push({ scenario: captureLabel, outcome: { state: 'not run', reason: blocked } });
      return rows;
    }
    const capture = await step('capture');
    if (!capture) {
      push({ scenario: captureLabel, outcome: { state: 'not run', reason: BUDGET_SPENT } });
      return rows;
    }
    const figures = capture.kind === 'ok' ? (capture.value as CaptureFigures) : null;
    const latency = figures?.latency ?? null;
    const runs = figures?.feedRunP50Ms !== undefined ? `; the feed's runs themselves took p50 ${figures.feedRunP50Ms.toFixed(0)} ms` : '';
    const note = latency ? `commit in PostgreSQL → value in the SQLite app, ${latency.count} single-row commits one after another: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms (max ${latency.maxMs.toFixed(1)} ms)${runs}` : 'latency not measured';
    push({ scenario: captureLabel, outcome: outcomeOf(capture), note, ...(latency ? { latency } : {}) });
    return rows;
  } finally {
    await child.close();
    const serverDir = startedServerDir(dir);
    if (serverDir) stopLeftoverCluster(serverDir);
  }
}
