/**
 * `node --import tsx bench/postgres-alone.ts`: the PostgreSQL ↔ SQLite scenario alone, with the
 * bench's settings (CONCORD_BENCH_PG_SIZE, CONCORD_BENCH_TIMEOUT_S, CONCORD_BENCH_BUDGET_S), its
 * section printed as BENCHMARKS.md would show it. BENCHMARKS.md itself is left as it is: only
 * the whole bench (`npm run bench`) writes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllChildren } from './child';
import { benchConfig } from './config';
import { otherLine, postgresSection } from './markdown';
import { postgresScenario } from './postgres-run';
import type { Limit } from './size-run';

async function main(): Promise<void> {
  const config = benchConfig(process.env);
  const started = performance.now();
  const deadline = config.budgetS === null ? Infinity : started + config.budgetS * 1000;
  const limit: Limit = () => {
    const left = (deadline - performance.now()) / 1000;
    return left < 1 ? null : Math.min(config.timeoutS, Math.floor(left));
  };
  const root = mkdtempSync(join(tmpdir(), 'concord-bench-pg-'));
  try {
    const rows = await postgresScenario(root, config, limit, (row) => console.log(otherLine(row)));
    console.log(`\n${postgresSection(rows, config.pgSize).join('\n')}`);
    if (rows.some((r) => /DIFFERENT/.test(r.note ?? ''))) process.exitCode = 1;
  } finally {
    killAllChildren();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  killAllChildren();
  process.exitCode = 1;
});
