/**
 * One size in one detection mode: two fresh child processes, one holding Concord's engine and one
 * the raw limit, each on its own copy of the same seeded apps. Run by run they take turns (raw,
 * then Concord), so a load spike on the shared machine lands on both rather than one. A run that
 * times out or dies ends its child; that side's later runs are "not run" with the reason.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BenchChild, type CallResult } from './child';
import { formatSize, type Mode } from './config';
import { editLabel, editPlan } from './population';
import { RUN_KINDS, statusText, succeeded, type Outcome, type RunKind, type SizeResult, type SizeRow } from './results';
import type { RunFigures } from './worker';

/** Seconds a request may take now (the smaller of the per-run limit and what is left of the budget), or null when the budget is spent. */
export type Limit = () => number | null;
export const BUDGET_SPENT = "the bench's time budget was spent (CONCORD_BENCH_BUDGET_S)";

const firstLine = (text: string, max = 160) => {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** A child's answer as a run outcome. */
export function outcomeOf(r: CallResult): Outcome {
  switch (r.kind) {
    case 'ok': {
      const f = r.value as RunFigures;
      return { state: 'done', seconds: f.seconds, read: f.read, writes: f.writes, status: f.status, ...(f.error ? { error: firstLine(f.error) } : {}), peakRssBytes: r.peakRssBytes };
    }
    case 'timeout':
      return { state: 'timed out', afterS: Number(r.afterS.toFixed(1)), peakRssBytes: r.peakRssBytes };
    case 'error':
    case 'died':
      return { state: 'crashed', error: firstLine(r.error), peakRssBytes: r.peakRssBytes };
  }
}

const LABELS: Record<Exclude<RunKind, 'inc1' | 'inc01'>, string> = { first: 'first sync', noop: 'no-op', full: 'full resync' };
export const runLabel = (perSide: number, kind: RunKind) => (kind === 'inc1' || kind === 'inc01' ? editLabel(kind, editPlan(perSide, kind)) : LABELS[kind]);

/** Why a side's later runs cannot run after this one, or null if they can. */
function blocks(kind: RunKind, label: string, o: Outcome): string | null {
  if (o.state === 'not run') return o.reason;
  if (o.state === 'timed out') return `the ${label} timed out`;
  if (o.state === 'crashed') return `the ${label} failed`;
  if (kind === 'first' && !succeeded(o)) return 'the first sync did not succeed';
  return null;
}

class Side {
  blocked: string | null = null;
  constructor(readonly child: BenchChild, private readonly limit: Limit) {}

  /** A set-up request; on failure the side is blocked with the reason. */
  async prepare(req: Parameters<BenchChild['call']>[0], what: string): Promise<void> {
    if (this.blocked) return;
    const l = this.limit();
    if (l === null) {
      this.blocked = BUDGET_SPENT;
      return;
    }
    const r = await this.child.call(req, l);
    if (r.kind !== 'ok') this.blocked = `${what} ${statusText(outcomeOf(r))}`;
  }

  async run(kind: RunKind, label: string): Promise<Outcome> {
    if (this.blocked) return { state: 'not run', reason: this.blocked };
    let out: Outcome | null = null;
    if (kind === 'inc1' || kind === 'inc01') {
      const l = this.limit();
      const edited = l === null ? null : await this.child.call({ op: 'edit', kind }, l);
      if (edited === null) out = { state: 'not run', reason: BUDGET_SPENT };
      else if (edited.kind !== 'ok') {
        const o = outcomeOf(edited);
        out = o.state === 'crashed' ? { ...o, error: `the apps' edits: ${o.error}` } : o;
      }
    }
    if (out === null) {
      const l = this.limit();
      out = l === null ? { state: 'not run', reason: BUDGET_SPENT } : outcomeOf(await this.child.call({ op: 'run', kind }, l));
    }
    this.blocked = blocks(kind, label, out);
    return out;
  }

  /** After the runs: do both apps hold the same people? Null when it could not be checked. */
  async agree(): Promise<string | null> {
    const l = this.limit();
    if (this.blocked || l === null) return null;
    const r = await this.child.call({ op: 'check' }, l);
    if (r.kind !== 'ok') return null;
    const c = r.value as { left: number; right: number; differing: number };
    return c.differing === 0 && c.left === c.right ? `agree (${c.left.toLocaleString('en-US')} people each)` : `DIFFER (${c.left} and ${c.right} rows, ${c.differing} rows differ)`;
  }
}

export async function benchSize(root: string, perSide: number, mode: Mode, limit: Limit, onRow: (row: SizeRow) => void): Promise<{ result: SizeResult; disagree: boolean }> {
  const dir = join(root, `${perSide}-${mode}`);
  const seedDir = join(dir, 'seed');
  const raw = new Side(new BenchChild(`raw ${formatSize(perSide)} ${mode}`), limit);
  const concord = new Side(new BenchChild(`concord ${formatSize(perSide)} ${mode}`), limit);
  const notes: string[] = [];
  const rows: SizeRow[] = [];
  let disagree = false;
  try {
    const t = performance.now();
    await raw.prepare({ op: 'seed', dir: seedDir, perSide, mode }, 'seeding the apps');
    if (raw.blocked) concord.blocked = raw.blocked;
    await raw.prepare({ op: 'setup', side: 'raw', seedDir, workDir: join(dir, 'raw'), perSide, mode }, 'the set-up');
    await concord.prepare({ op: 'setup', side: 'concord', seedDir, workDir: join(dir, 'concord'), perSide, mode }, 'the set-up');
    rmSync(seedDir, { recursive: true, force: true });
    if (raw.blocked && concord.blocked) notes.push(`Not set up: ${raw.blocked}.`);
    else notes.push(`Set-up (seeding ${perSide.toLocaleString('en-US')} rows per side, copying the apps for each side, creating the pair): ${((performance.now() - t) / 1000).toFixed(1)} s.`);

    for (const kind of RUN_KINDS) {
      const label = runLabel(perSide, kind);
      const rawOut = await raw.run(kind, label);
      const concordOut = await concord.run(kind, label);
      const row = { kind, label, raw: rawOut, concord: concordOut };
      rows.push(row);
      onRow(row);
    }
    for (const [name, side] of [['Concord', concord], ['raw', raw]] as const) {
      const verdict = await side.agree();
      if (verdict !== null) notes.push(`After the ${name} runs, both apps ${verdict}.`);
      if (verdict?.startsWith('DIFFER')) disagree = true;
    }
  } finally {
    await Promise.all([raw.child.close(), concord.child.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
  return { result: { perSide, mode, rows, notes }, disagree };
}
