import { describe, expect, it } from 'vitest';
import type { Mode } from './config';
import { evaluateTargets, ratio, statusText, type InboxOutcome, type Outcome, type RunKind, type SizeResult } from './results';

const MiB = 1024 * 1024;
const done = (seconds: number, extra: Partial<Extract<Outcome, { state: 'done' }>> = {}): Outcome => ({ state: 'done', seconds, read: 10, writes: 5, status: 'succeeded', peakRssBytes: 100 * MiB, ...extra });
const KINDS: RunKind[] = ['first', 'inc1', 'inc01', 'noop', 'full'];

/** A size whose runs all succeeded, Concord taking `concord[kind]` seconds against the raw's 1 s. */
function size(perSide: number, concord: Partial<Record<RunKind, Outcome>> = {}, mode: Mode = 'cursor'): SizeResult {
  return { perSide, mode, notes: [], rows: KINDS.map((kind) => ({ kind, label: kind, concord: concord[kind] ?? done(2), raw: done(1) })) };
}
const inbox: InboxOutcome = { state: 'measured', figures: { conflicts: 50_000, firstRenderMs: 400, scrollFrameMs: { p50: 8, p95: 16, max: 40 }, bulkResolvePerSec: 2_500 } };
const verdicts = (sizes: SizeResult[], box: InboxOutcome = inbox) => evaluateTargets(sizes, box).map((t) => t.verdict);

describe('ratio to the raw limit', () => {
  it('divides the seconds of two successful runs, and has none when either did not succeed', () => {
    expect(ratio({ concord: done(24), raw: done(1) })).toBe(24);
    expect(ratio({ concord: done(24, { status: 'failed' }), raw: done(1) })).toBeNull();
    expect(ratio({ concord: done(3), raw: { state: 'timed out', afterS: 60, peakRssBytes: null } })).toBeNull();
  });

  it('says what happened to a run that did not finish', () => {
    expect(statusText(done(97, { status: 'failed', error: 'Maximum call stack size exceeded' }))).toBe('failed: Maximum call stack size exceeded');
    expect(statusText({ state: 'timed out', afterS: 120, peakRssBytes: null })).toBe('timed out after 120 s');
    expect(statusText({ state: 'not run', reason: 'the first sync did not succeed' })).toBe('not run: the first sync did not succeed');
  });
});

describe('issue 9 targets', () => {
  it('are all met by a fast, lean engine at 1M and a quick inbox', () => {
    const fast = size(1_000_000, { first: done(2.5), inc1: done(2.9), noop: done(0.5) });
    expect(verdicts([size(10_000), fast])).toEqual(['met', 'met', 'met', 'met', 'met', 'met']);
  });

  it('mark the first sync not met when one size is over 3× or failed, naming the size', () => {
    const [slow] = evaluateTargets([size(10_000), size(100_000, { first: done(24) })], inbox);
    expect(slow).toMatchObject({ verdict: 'not met', measured: '10k: 2.0×; 100k: 24.0×' });
    const [failed] = evaluateTargets([size(1_000_000, { first: done(97, { status: 'failed', error: 'RangeError: Maximum call stack size exceeded' }) })], inbox);
    expect(failed).toMatchObject({ verdict: 'not met' });
    expect(failed?.measured).toMatch(/1M: failed: RangeError/);
  });

  it('mark the 1M targets not measured when 1M was not run, and not met when its runs timed out', () => {
    expect(verdicts([size(10_000)])).toEqual(['met', 'not measured', 'not measured', 'not measured', 'met', 'met']);
    const stuck = size(1_000_000, {
      first: { state: 'timed out', afterS: 120, peakRssBytes: 300 * MiB },
      inc1: { state: 'not run', reason: 'the first sync did not succeed' },
      noop: { state: 'not run', reason: 'the first sync did not succeed' },
    });
    const t = evaluateTargets([stuck], inbox);
    expect(t.map((x) => x.verdict)).toEqual(['not met', 'not met', 'not met', 'not met', 'met', 'met']);
    expect(t[1]?.measured).toMatch(/300 MiB.*did not finish/);
    expect(t[2]?.measured).toBe('not run: the first sync did not succeed');
  });

  it('compare peak RSS in MB over every mode at 1M', () => {
    const lean = size(1_000_000, { noop: done(0.5), inc1: done(1) });
    const fat = size(1_000_000, { full: done(2, { peakRssBytes: 600 * MiB }) }, 'hash');
    const t = evaluateTargets([lean, fat], inbox);
    expect(t[1]).toMatchObject({ verdict: 'not met', measured: '600 MiB = 629 MB (full, hash)' });
    // 476 MiB is just under 500 MB.
    const under = size(1_000_000, { noop: done(0.5), inc1: done(1), full: done(2, { peakRssBytes: 476 * MiB }) });
    expect(evaluateTargets([under], inbox)[1]?.verdict).toBe('met');
  });

  it('judge incremental and no-op at 1M on cursor mode only', () => {
    const hashOnly = size(1_000_000, { noop: done(9) }, 'hash');
    expect(evaluateTargets([hashOnly], inbox)[3]).toMatchObject({ verdict: 'not measured', measured: 'cursor not in CONCORD_BENCH_MODES' });
    const slowNoop = size(1_000_000, { noop: done(1.2), inc1: done(3.1) });
    expect(verdicts([slowNoop]).slice(2, 4)).toEqual(['not met', 'not met']);
  });

  it('take the inbox figures, or say why there are none', () => {
    const missing: InboxOutcome = { state: 'not measured', reason: 'bench/inbox.ts missing' };
    const t = evaluateTargets([size(10_000)], missing);
    expect(t.slice(4)).toEqual([
      { target: 'First render of 50k conflicts under 1 s', measured: 'bench/inbox.ts missing', verdict: 'not measured' },
      { target: 'Bulk resolve at least 1,000 conflicts/s', measured: 'bench/inbox.ts missing', verdict: 'not measured' },
    ]);
    const slow: InboxOutcome = { state: 'measured', figures: { ...inbox.figures, firstRenderMs: 1500, bulkResolvePerSec: 60 } };
    expect(verdicts([size(10_000)], slow).slice(4)).toEqual(['not met', 'not met']);
    const small: InboxOutcome = { state: 'measured', figures: { ...inbox.figures, conflicts: 5_000 } };
    expect(evaluateTargets([size(10_000)], small)[4]).toMatchObject({ verdict: 'not measured', measured: 'only 5000 conflicts measured: 400 ms' });
  });
});
