/**
 * What the bench measured, and how it compares with issue 9's targets (pure: no I/O, so the
 * verdicts are unit-tested). A verdict is "met" only on a finished, successful run: a run that
 * failed or timed out counts as "not met", and a figure the bench did not take as "not measured".
 */
import { formatSize, type Mode } from './config';

export type RunKind = 'first' | 'inc1' | 'inc01' | 'noop' | 'full';
export const RUN_KINDS: readonly RunKind[] = ['first', 'inc1', 'inc01', 'noop', 'full'];

/** One run's result, Concord's or the raw limit's. */
export type Outcome =
  /** The run finished; `status` is the engine's (succeeded, failed, …) or "succeeded" for a raw run. */
  | { state: 'done'; seconds: number; read: number; writes: number; status: string; error?: string; peakRssBytes: number | null }
  | { state: 'timed out'; afterS: number; peakRssBytes: number | null }
  /** The process died, or the request threw, before the run could report (shown as failed, with the error). */
  | { state: 'crashed'; error: string; peakRssBytes: number | null }
  | { state: 'not run'; reason: string };

export type SizeRow = { kind: RunKind; label: string; concord: Outcome; raw: Outcome };
export type SizeResult = { perSide: number; mode: Mode; rows: SizeRow[]; notes: string[] };

export type InboxFigures = { conflicts: number; firstRenderMs: number; scrollFrameMs: { p50: number; p95: number; max: number }; bulkResolvePerSec: number };
export type InboxOutcome = { state: 'measured'; figures: InboxFigures } | { state: 'not measured'; reason: string };

/** Latencies of single changes, from the commit in one app to the value in the other, in milliseconds. */
export type Latency = { count: number; p50Ms: number; p99Ms: number; maxMs: number };
export type OtherRow = { scenario: string; outcome: Outcome; note?: string; latency?: Latency };

export type Verdict = 'met' | 'not met' | 'not measured';
export type TargetRow = { target: string; measured: string; verdict: Verdict };

const MB = 1_000_000;
const MIB = 1024 * 1024;
export const ONE_MILLION = 1_000_000;

export const succeeded = (o: Outcome): o is Extract<Outcome, { state: 'done' }> => o.state === 'done' && o.status === 'succeeded';

/** Concord's seconds over the raw limit's, when both runs succeeded. */
export function ratio(row: Pick<SizeRow, 'concord' | 'raw'>): number | null {
  if (!succeeded(row.concord) || !succeeded(row.raw)) return null;
  return row.concord.seconds / Math.max(row.raw.seconds, 1e-3);
}

export const mib = (bytes: number): string => (bytes / MIB).toFixed(0);

/** The status cell: the engine's words, or what happened to the run. */
export function statusText(o: Outcome): string {
  switch (o.state) {
    case 'done':
      return o.error ? `${o.status}: ${o.error}` : o.status;
    case 'timed out':
      return `timed out after ${o.afterS} s`;
    case 'crashed':
      return `failed: ${o.error}`;
    case 'not run':
      return `not run: ${o.reason}`;
  }
}

const short = (text: string, max = 90) => {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const where = (s: SizeResult, modes: number) => (modes > 1 ? `${formatSize(s.perSide)} ${s.mode}` : formatSize(s.perSide));
const rowOf = (s: SizeResult, kind: RunKind) => s.rows.find((r) => r.kind === kind);

function firstSyncTarget(sizes: SizeResult[], modeCount: number): TargetRow {
  const target = 'First sync within 3× the raw limit at every size';
  if (sizes.length === 0) return { target, measured: 'no size run', verdict: 'not measured' };
  const parts: string[] = [];
  let failed = false;
  let missing = false;
  let over = false;
  for (const s of sizes) {
    const row = rowOf(s, 'first');
    const r = row ? ratio(row) : null;
    if (row && r !== null) {
      parts.push(`${where(s, modeCount)}: ${r.toFixed(1)}×`);
      if (r > 3) over = true;
    } else if (row && !succeeded(row.concord)) {
      failed = true;
      parts.push(`${where(s, modeCount)}: ${short(statusText(row.concord), 60)}`);
    } else {
      missing = true;
      parts.push(`${where(s, modeCount)}: no raw figure`);
    }
  }
  return { target, measured: parts.join('; '), verdict: failed || over ? 'not met' : missing ? 'not measured' : 'met' };
}

function rssTarget(at1M: SizeResult[]): TargetRow {
  const target = 'Peak RSS under 500 MB at 1M per side (every mode run)';
  if (at1M.length === 0) return { target, measured: '1M not in CONCORD_BENCH_SIZES', verdict: 'not measured' };
  let peak = 0;
  let peakAt = '';
  let unfinished = 0;
  for (const s of at1M) {
    for (const r of s.rows) {
      const bytes = r.concord.state === 'not run' ? null : r.concord.peakRssBytes;
      if (bytes !== null && bytes > peak) {
        peak = bytes;
        peakAt = `${r.label}, ${s.mode}`;
      }
      if (!succeeded(r.concord)) unfinished++;
    }
  }
  if (peak === 0) return { target, measured: 'no RSS figure', verdict: 'not measured' };
  const figure = `${mib(peak)} MiB = ${(peak / MB).toFixed(0)} MB (${peakAt})`;
  if (peak >= 500 * MB) return { target, measured: figure, verdict: 'not met' };
  if (unfinished > 0) return { target, measured: `${figure}, but ${unfinished} run(s) did not finish`, verdict: 'not met' };
  return { target, measured: figure, verdict: 'met' };
}

function secondsTarget(target: string, row: SizeRow | undefined, limitS: number, why: string): TargetRow {
  if (!row) return { target, measured: why, verdict: 'not measured' };
  if (!succeeded(row.concord)) return { target, measured: short(statusText(row.concord), 80), verdict: 'not met' };
  const s = row.concord.seconds;
  return { target, measured: `${s.toFixed(2)} s`, verdict: s < limitS ? 'met' : 'not met' };
}

function inboxTargets(inbox: InboxOutcome, wanted: number): TargetRow[] {
  const render = 'First render of 50k conflicts under 1 s';
  const bulk = 'Bulk resolve at least 1,000 conflicts/s';
  if (inbox.state !== 'measured') {
    return [
      { target: render, measured: inbox.reason, verdict: 'not measured' },
      { target: bulk, measured: inbox.reason, verdict: 'not measured' },
    ];
  }
  const f = inbox.figures;
  const renderRow: TargetRow =
    f.conflicts < wanted
      ? { target: render, measured: `only ${f.conflicts} conflicts measured: ${f.firstRenderMs.toFixed(0)} ms`, verdict: 'not measured' }
      : { target: render, measured: `${f.firstRenderMs.toFixed(0)} ms (${f.conflicts} conflicts)`, verdict: f.firstRenderMs < 1000 ? 'met' : 'not met' };
  return [renderRow, { target: bulk, measured: `${f.bulkResolvePerSec.toFixed(0)} conflicts/s`, verdict: f.bulkResolvePerSec >= 1000 ? 'met' : 'not met' }];
}

/** Issue 9's targets against what this bench measured. */
export function evaluateTargets(sizes: SizeResult[], inbox: InboxOutcome): TargetRow[] {
  const modeCount = new Set(sizes.map((s) => s.mode)).size;
  const at1M = sizes.filter((s) => s.perSide === ONE_MILLION);
  const cursor1M = at1M.find((s) => s.mode === 'cursor');
  const why = at1M.length === 0 ? '1M not in CONCORD_BENCH_SIZES' : 'cursor not in CONCORD_BENCH_MODES';
  return [
    firstSyncTarget(sizes, modeCount),
    rssTarget(at1M),
    secondsTarget('Incremental 1 % of 1M under 3 s (cursor mode)', cursor1M && rowOf(cursor1M, 'inc1'), 3, why),
    secondsTarget('No-op at 1M under 1 s (cursor mode)', cursor1M && rowOf(cursor1M, 'noop'), 1, why),
    ...inboxTargets(inbox, 50_000),
  ];
}
