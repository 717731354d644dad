/**
 * BENCHMARKS.md, rendered from a finished bench (pure). The per-size tables are also what the
 * bench prints to stdout as it goes, so the terminal and the file show the same figures.
 */
import { DEFAULT_BUDGET_S, DEFAULT_CONFLICTS, DEFAULT_PG_SIZE, DEFAULT_TIMEOUT_S, formatSize, type BenchConfig } from './config';
import { evaluateTargets, mib, ratio, statusText, succeeded, type InboxOutcome, type OtherRow, type Outcome, type SizeResult } from './results';

export type Machine = { cpu: string; cores: number; ramBytes: number; os: string; node: string; betterSqlite3: string };
export type BenchReport = {
  machine: Machine;
  /** ISO date-time the bench started. */
  date: string;
  commit: string;
  /** Uncommitted changes to tracked files when the bench started; null when git could not say. */
  dirty: boolean | null;
  config: BenchConfig;
  durationS: number;
  /** The 1-minute load average when the bench started and ended: the machine is shared, and absolute seconds move with it. */
  load: { start: number; end: number };
  sizes: SizeResult[];
  inbox: InboxOutcome;
  others: OtherRow[];
  /** PostgreSQL ↔ SQLite (issue 10): its runs, or one row saying why it did not run; absent in reports from before it. */
  postgres?: OtherRow[];
};

const count = (n: number) => n.toLocaleString('en-US');
const escape = (cell: string) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A Markdown table padded into columns, so it reads in a terminal as well as on GitHub. */
export function markdownTable(head: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const cells = [head, ...rows].map((r) => r.map(escape));
  const widths = head.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Two decimals, three below 0.1 s (a raw no-op takes milliseconds). */
export const secondsText = (s: number) => s.toFixed(s < 0.1 ? 3 : 2);
const seconds = (o: Outcome) => (o.state === 'done' ? secondsText(o.seconds) : '—');
const rss = (o: Outcome) => (o.state !== 'not run' && o.peakRssBytes !== null ? mib(o.peakRssBytes) : '—');

export function sizeHeading(s: SizeResult): string {
  return `SQLite ↔ SQLite, ${formatSize(s.perSide)} records per side (${s.mode} mode)`;
}

export function sizeTable(s: SizeResult): string {
  const rows = s.rows.map((r) => {
    const x = ratio(r);
    const c = r.concord;
    return [
      r.label,
      seconds(c),
      seconds(r.raw),
      x === null ? '—' : `${x.toFixed(1)}×`,
      c.state === 'done' ? count(c.read) : '—',
      c.state === 'done' ? count(c.writes) : '—',
      rss(c),
      statusText(c),
    ];
  });
  return markdownTable(['run', 'seconds', 'raw seconds', 'ratio', 'records read', 'writes', 'peak RSS MiB', 'status'], rows, new Set([1, 2, 3, 4, 5, 6]));
}

/** What the raw runs read and wrote, and any raw run that did not succeed. */
export function rawNote(s: SizeResult): string {
  const parts = s.rows.map((r) => (succeeded(r.raw) ? `${r.label} ${count(r.raw.read)} read, ${count(r.raw.writes)} written` : `${r.label} ${statusText(r.raw)}`));
  return `Raw runs: ${parts.join('; ')}.`;
}

function inboxSection(inbox: InboxOutcome, wanted: number): string {
  if (inbox.state !== 'measured') return `Not measured: ${inbox.reason}.`;
  const f = inbox.figures;
  return markdownTable(
    ['figure', 'value'],
    [
      ['open conflicts', count(f.conflicts)],
      ['time to first render', `${f.firstRenderMs.toFixed(0)} ms`],
      ['frame time while scrolling (p50 / p95 / max)', `${f.scrollFrameMs.p50.toFixed(1)} / ${f.scrollFrameMs.p95.toFixed(1)} / ${f.scrollFrameMs.max.toFixed(1)} ms`],
      ['bulk resolve', `${f.bulkResolvePerSec.toFixed(0)} conflicts/s`],
    ],
  ) + (f.conflicts === wanted ? '' : `\n\n(CONCORD_BENCH_CONFLICTS asked for ${count(wanted)}.)`);
}

/** A scenario's line in the terminal, as it finishes. */
export function otherLine(row: OtherRow): string {
  const o = row.outcome;
  const peak = o.state !== 'not run' && o.peakRssBytes !== null ? `, peak RSS ${mib(o.peakRssBytes)} MiB` : '';
  return `  ${row.scenario}: ${o.state === 'done' ? `${o.seconds.toFixed(2)} s, ` : ''}${statusText(o)}${peak}${row.note ? `; ${row.note}` : ''}`;
}

function othersSection(others: OtherRow[]): string {
  if (others.length === 0) return 'Not run.';
  const rows = others.map((o) => [o.scenario, seconds(o.outcome), o.outcome.state === 'done' ? count(o.outcome.read) : '—', o.outcome.state === 'done' ? count(o.outcome.writes) : '—', rss(o.outcome), statusText(o.outcome)]);
  const notes = others.filter((o) => o.note).map((o) => `- ${o.scenario}: ${o.note}`);
  return [markdownTable(['scenario', 'seconds', 'records read', 'writes', 'peak RSS MiB', 'status'], rows, new Set([1, 2, 3, 4])), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export const PG_SETUP = `A throwaway PostgreSQL cluster on 127.0.0.1 (fsync off, as in the tests) holds the right app in
\`public.contacts\` (\`updated_at timestamptz\`), a SQLite file the left, with the population above;
both sides in cursor mode. The incremental run edits 1 % of N on each side as the SQLite bench does
(the left changes phones; PostgreSQL credits, and phones for the tenth in conflict). Then the
PostgreSQL side switches to capture mode through the API the wizard uses (trigger and change table
installed, the pair's setting changed); its first run lists every row. With no schedule, single-row
edits are then committed in PostgreSQL one at a time, each after the previous arrived, and each is
timed from its COMMIT to its value being readable in the SQLite file (polled by primary key every
turn of the event loop): the change feed (LISTEN) starts each run. Peak RSS is Concord's process,
not the server's.`;

export function postgresSection(rows: OtherRow[] | undefined, pgSize: number | null): string[] {
  const heading = `## PostgreSQL ↔ SQLite${pgSize === null ? '' : ` (${formatSize(pgSize)} records per side, cursor mode, then capture)`}`;
  const latencies = (rows ?? []).flatMap((r) => (r.latency ? [[r.scenario, count(r.latency.count), r.latency.p50Ms.toFixed(1), r.latency.p99Ms.toFixed(1), r.latency.maxMs.toFixed(1)]] : []));
  const latency = latencies.length === 0 ? [] : ['', '### Capture-mode latency, commit in PostgreSQL → value in the SQLite app', '', markdownTable(['after', 'commits', 'p50 ms', 'p99 ms', 'max ms'], latencies, new Set([1, 2, 3, 4]))];
  return [heading, '', PG_SETUP, '', rows === undefined || rows.length === 0 ? 'Not run.' : othersSection(rows), ...latency, ''];
}

const duration = (s: number) => (s < 60 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

export const HOW_TO = `Written by \`npm run bench\` (bench/run.ts); do not edit by hand, run it again. Each size runs in a
fresh child process (and the raw limit in another, alternating run by run with Concord's), so one
size's heap does not inflate the next and a crash is a failed row, not a dead bench.

Environment variables:
- \`CONCORD_BENCH_SIZES\` — records per side, e.g. \`10k,100k\` or \`10000,1000000\` (default \`10k,100k,1M\`).
  \`CONCORD_BENCH_RECORDS=N\`, the old name, still means one size.
- \`CONCORD_BENCH_MODES\` — change detection of both apps: any of \`cursor,hash,flag\` (default \`cursor\`).
- \`CONCORD_BENCH_TIMEOUT_S\` — a run (or a set-up) taking longer is killed and shown as timed out (default ${DEFAULT_TIMEOUT_S}).
- \`CONCORD_BENCH_BUDGET_S\` — no run starts after this many seconds of bench, and none runs past it,
  so the default bench stays under 10 minutes (default ${DEFAULT_BUDGET_S}; 0 = no budget).
- \`CONCORD_BENCH_CONFLICTS\` — open conflicts for the inbox figures (default ${DEFAULT_CONFLICTS}).
- \`CONCORD_BENCH_PG_SIZE\` — records per side for PostgreSQL ↔ SQLite (default ${formatSize(DEFAULT_PG_SIZE)}; 0 leaves it out). It runs
  after the sizes, within the same budget, on a throwaway PostgreSQL cluster (skipped when PostgreSQL is not installed).`;

export const POPULATION = `Population (as before): of U = 4/3 × N people, 50 % are in both apps (same email), 25 % only
on the left, 25 % only on the right, so each app holds N rows; one in ten shared people has another
phone on the right (the first sync updates it from the master, left). The incremental runs edit
1 % (then 0.1 %) of N on each side, as the apps would (the left changes phones, the right credits,
each bumping \`updated_at\`, and in flag mode setting \`needs_sync\`); a tenth of those edits are
conflicts: the same shared record's phone edited on both sides.`;

export const RAW_RUNS = `The raw limit is the same work done directly with better-sqlite3 on its own copy of the apps,
with a links table (one row per record) in a separate database file and no sync logic, in one
transaction per file:
- **first sync** reads every row of both apps, matches them by email in a Map, writes the rows each
  side lacks into the other app, copies the left's values over the shared rows that differ
  (the master's, as Concord does), and writes one link row per record.
- **incremental** reads the rows changed since its cursor (\`updated_at\` > the latest it has seen;
  the apps have no index on it, so this scans each table once, as Concord's cursor read must),
  writes each across through its link (the left's value wins where both changed), and updates
  those link rows. Its own writes are stamped at or before its new cursor, so it never reads them back.
- **no-op** makes the same cursor reads and finds nothing.
- **full resync** joins every link row with both apps' rows and compares the mapped fields.

The raw runs read by \`updated_at\` in every mode.`;

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const c = r.config;
  const machine = markdownTable(
    ['', ''],
    [
      ['CPU', `${m.cpu} (${m.cores} cores)`],
      ['RAM', `${(m.ramBytes / 1024 ** 3).toFixed(1)} GiB`],
      ['OS', m.os],
      ['Node', m.node],
      ['better-sqlite3', m.betterSqlite3],
      ['Date', r.date],
      ['Commit', `${r.commit}${r.dirty === null ? '' : r.dirty ? ' (with uncommitted changes)' : ' (clean tree)'}`],
      ['Sizes', `${c.sizes.map(formatSize).join(', ')} records per side; ${c.modes.join(', ')} mode`],
      ['Time limits', `${c.timeoutS} s per run; ${c.budgetS === null ? 'no budget' : `budget ${c.budgetS} s`}`],
      ['Bench duration', duration(r.durationS)],
      ['Load average (1 min)', `${r.load.start.toFixed(1)} at the start, ${r.load.end.toFixed(1)} at the end${Math.max(r.load.start, r.load.end) > m.cores ? ` (above ${m.cores}: other work shared the CPUs, so absolute seconds are slower than on an idle machine; the ratios, taken run by run, move less)` : ''}`],
    ],
  );
  const targets = markdownTable(
    ['target', 'measured', 'verdict'],
    evaluateTargets(r.sizes, r.inbox).map((t) => [t.target, t.measured, t.verdict]),
  );
  const sizes = r.sizes.flatMap((s) => [`## ${sizeHeading(s)}`, '', sizeTable(s), '', ...[rawNote(s), ...s.notes].map((n) => `- ${n}`), '']);
  return [
    '# Benchmarks',
    '',
    HOW_TO,
    '',
    '## Machine',
    '',
    machine,
    '',
    '## Targets (issue 9)',
    '',
    targets,
    '',
    POPULATION,
    '',
    ...sizes,
    '## What the raw runs do',
    '',
    RAW_RUNS,
    '',
    `## The inbox (${count(c.conflicts)} open conflicts)`,
    '',
    inboxSection(r.inbox, c.conflicts),
    '',
    `## Other scenarios (${formatSize(c.otherSize)} records per side)`,
    '',
    othersSection(r.others),
    '',
    ...postgresSection(r.postgres, c.pgSize),
  ].join('\n');
}
