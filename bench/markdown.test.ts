import { describe, expect, it } from 'vitest';
import { benchConfig } from './config';
import { markdownTable, renderMarkdown, sizeTable, type BenchReport } from './markdown';
import type { Outcome, SizeResult } from './results';

const MiB = 1024 * 1024;
const ok = (seconds: number, read = 20_000, writes = 6_667): Outcome => ({ state: 'done', seconds, read, writes, status: 'succeeded', peakRssBytes: 250 * MiB });
const notRun: Outcome = { state: 'not run', reason: 'the first sync did not succeed' };

const tenK: SizeResult = {
  perSide: 10_000,
  mode: 'cursor',
  notes: ['Both apps agree after the full resync (13,333 people each).'],
  rows: [
    { kind: 'first', label: 'first sync', concord: ok(3.41), raw: ok(0.14) },
    { kind: 'noop', label: 'no-op', concord: ok(0.56, 7_532, 0), raw: ok(0.01, 0, 0) },
  ],
};
const oneM: SizeResult = {
  perSide: 1_000_000,
  mode: 'cursor',
  notes: [],
  rows: [
    { kind: 'first', label: 'first sync', concord: { state: 'done', seconds: 97.2, read: 2_000_000, writes: 0, status: 'failed', error: 'RangeError: Maximum call stack size exceeded', peakRssBytes: 3_000 * MiB }, raw: ok(15.5) },
    { kind: 'noop', label: 'no-op', concord: notRun, raw: ok(0.4, 0, 0) },
  ],
};

const report: BenchReport = {
  machine: { cpu: 'AMD EPYC', cores: 2, ramBytes: 24 * 1024 ** 3, os: 'Debian GNU/Linux 12 (bookworm), Linux 6.1 x64', node: '20.20.2', betterSqlite3: '12.11.1' },
  date: '2025-01-02T03:04:05.000Z',
  commit: '1797b60',
  dirty: false,
  config: benchConfig({ CONCORD_BENCH_SIZES: '10k,1M' }),
  durationS: 252,
  load: { start: 0.5, end: 3.25 },
  sizes: [tenK, oneM],
  inbox: { state: 'not measured', reason: 'bench/inbox.ts missing' },
  others: [{ scenario: 'first sync into a CSV file (6000 rows)', outcome: ok(2.44, 12_000, 6_000), note: 'longest event-loop pause 186 ms' }],
};

describe('BENCHMARKS.md', () => {
  it('pads a table into columns, right-aligning figures and escaping pipes', () => {
    expect(markdownTable(['run', 'seconds'], [['a|b', '1.00'], ['first sync', '12.50']], new Set([1]))).toBe(
      ['| run        | seconds |', '|------------|--------:|', '| a\\|b       |    1.00 |', '| first sync |   12.50 |'].join('\n'),
    );
  });

  it('shows each run with its seconds, the raw seconds, the ratio, counts, peak RSS and status', () => {
    const lines = sizeTable(oneM).split('\n');
    expect(lines[0]).toMatch(/^\| run +\| seconds \| raw seconds \| ratio \| records read \| writes \| peak RSS MiB \| status/);
    expect(lines[2]).toMatch(/\| first sync \| +97\.20 \| +15\.50 \| +— \| +2,000,000 \| +0 \| +3000 \| failed: RangeError: Maximum call stack size exceeded \|/);
    expect(lines[3]).toMatch(/\| no-op +\| +— \| +0\.40 \| +— \| +— \| +— \| +— \| not run: the first sync did not succeed/);
    expect(sizeTable(tenK)).toMatch(/\| first sync \| +3\.41 \| +0\.14 \| 24\.4× \| +20,000 \| +6,667 \| +250 \| succeeded/);
  });

  it('holds the machine, commit, how to reproduce, the targets, a table per size, the inbox and the other scenarios', () => {
    const md = renderMarkdown(report);
    const machineRows = [
      ['CPU', 'AMD EPYC (2 cores)'],
      ['RAM', '24.0 GiB'],
      ['better-sqlite3', '12.11.1'],
      ['Commit', '1797b60 (clean tree)'],
      ['Sizes', '10k, 1M records per side; cursor mode'],
      ['Bench duration', '4 min 12 s'],
      ['Load average (1 min)', '0.5 at the start, 3.3 at the end (above 2: other work shared the CPUs'],
    ];
    const literal = (text = '') => text.replace(/[()|.*+?]/g, '\\$&');
    for (const [name, value] of machineRows) expect(md).toMatch(new RegExp(`\\| ${literal(name)} +\\| ${literal(value)}`));
    for (const bit of [
      '# Benchmarks',
      'npm run bench',
      'CONCORD_BENCH_SIZES',
      'CONCORD_BENCH_TIMEOUT_S',
      '## Targets (issue 9)',
      '## SQLite ↔ SQLite, 10k records per side (cursor mode)',
      '## SQLite ↔ SQLite, 1M records per side (cursor mode)',
      '- Raw runs: first sync 20,000 read, 6,667 written; no-op 0 read, 0 written.',
      '- Both apps agree after the full resync (13,333 people each).',
      '## The inbox (50,000 open conflicts)',
      'Not measured: bench/inbox.ts missing.',
      '## Other scenarios (10k records per side)',
      '- first sync into a CSV file (6000 rows): longest event-loop pause 186 ms',
      '## What the raw runs do',
    ]) {
      expect(md).toContain(bit);
    }
    expect(md).toMatch(/\| First sync within 3× the raw limit at every size +\| 10k: 24\.4×; 1M: failed: RangeError.* \| not met +\|/);
    expect(md).toMatch(/\| Peak RSS under 500 MB at 1M per side \(every mode run\) +\| 3000 MiB = 3146 MB \(first sync, cursor\) +\| not met/);
    expect(md).toMatch(/\| First render of 50k conflicts under 1 s +\| bench\/inbox\.ts missing +\| not measured/);
  });

  it('shows measured inbox figures', () => {
    const md = renderMarkdown({ ...report, inbox: { state: 'measured', figures: { conflicts: 50_000, firstRenderMs: 812.4, scrollFrameMs: { p50: 8.33, p95: 16.7, max: 41 }, bulkResolvePerSec: 1234.5 } } });
    expect(md).toContain('| time to first render');
    expect(md).toMatch(/812 ms/);
    expect(md).toMatch(/8\.3 \/ 16\.7 \/ 41\.0 ms/);
    expect(md).toMatch(/\| Bulk resolve at least 1,000 conflicts\/s +\| 1235 conflicts\/s +\| met/);
  });

  it('shows the PostgreSQL scenario under its own heading, run or skipped with the reason', () => {
    const pgRows = [
      { scenario: 'first sync', outcome: ok(41.5, 200_000, 133_334) },
      { scenario: 'incremental 1 % (1000+1000 edits, 100 in conflict)', outcome: ok(1.25, 2_000, 2_000) },
      { scenario: 'capture mode: first run (lists every row)', outcome: ok(9.5, 100_000, 0), latency: { count: 200, p50Ms: 31.24, p99Ms: 88.06, maxMs: 120 } },
    ];
    const md = renderMarkdown({ ...report, config: { ...report.config, pgSize: 100_000 }, postgres: pgRows });
    expect(md).toContain('## PostgreSQL ↔ SQLite (100k records per side, cursor mode, then capture)');
    expect(md).toContain('### Capture-mode latency, commit in PostgreSQL → value in the SQLite app');
    expect(md).toMatch(/\| capture mode: first run \(lists every row\) +\| +200 \| +31\.2 \| +88\.1 \| +120\.0 \|/);
    expect(md).toMatch(/\| first sync +\| +41\.50 \| +200,000 \| +133,334 \| +250 \| succeeded/);
    expect(md).toMatch(/\| incremental 1 % \(1000\+1000 edits, 100 in conflict\) +\| +1\.25 \|/);
    expect(md).toContain('CONCORD_BENCH_PG_SIZE');
    const skipped = renderMarkdown({ ...report, postgres: [{ scenario: 'PostgreSQL ↔ SQLite', outcome: { state: 'not run', reason: 'PostgreSQL not installed' } }] });
    expect(skipped).toMatch(/\| PostgreSQL ↔ SQLite +\| +— \| +— \| +— \| +— \| not run: PostgreSQL not installed/);
  });
});
