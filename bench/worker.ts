/**
 * A bench child process (forked by bench/child.ts): holds one side of one size — Concord's engine
 * or the raw limit — or runs one of the other scenarios, and answers the parent's requests over
 * IPC. Each request reports the peak RSS of this process while it ran: VmHWM after resetting it
 * through /proc/self/clear_refs (Linux), else the largest of RSS samples taken every 50 ms (which
 * a long synchronous stretch of the engine can hide).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine, type Engine } from '../src-main/engine/engine';
import { call, contactsPairConfig, runAndWait, writesOf } from '../src-main/engine/testing/sqlite-apps';
import type { Mode } from './config';
import { csvFirstSync } from './csv-first-sync';
import { appFiles, applyEdits, compareApps, copyApps, onlyOneSide, population, seedApps, type IncrementalKind } from './population';
import { pgBench, type PgStep } from './postgres';
import { RawLimit } from './raw-limit';
import type { InboxFigures, RunKind } from './results';
import { rerunAfterCrash, seeded } from './rerun-after-crash';

export type Request =
  | { op: 'seed'; dir: string; perSide: number; mode: Mode }
  | { op: 'setup'; side: 'raw' | 'concord'; seedDir: string; workDir: string; perSide: number; mode: Mode }
  | { op: 'edit'; kind: IncrementalKind }
  | { op: 'run'; kind: RunKind }
  | { op: 'check' }
  | { op: 'crash'; dir: string; perSide: number }
  | { op: 'csv'; dir: string; rows: number }
  | { op: 'inbox'; file: string; dir: string; conflicts: number }
  | { op: 'pg'; step: PgStep; dir: string; perSide: number }
  | { op: 'exit' };

/** A run's figures as the child reports them (the parent adds the peak RSS it saw). */
export type RunFigures = { seconds: number; read: number; writes: number; status: string; error?: string; note?: string };
export type Reply = { id: number; ok: true; value: unknown; peakRssBytes: number | null } | { id: number; ok: false; error: string; peakRssBytes: number | null };

type Concord = { engine: Engine; pairId: string };
let state: { side: 'raw'; raw: RawLimit; workDir: string; perSide: number; mode: Mode } | { side: 'concord'; concord: Concord; workDir: string; perSide: number; mode: Mode } | null = null;

function vmHwmBytes(): number | null {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : null;
}

/** Starts measuring this process's peak RSS; the returned function stops and reads it. */
function peakRss(): () => number {
  let hwm = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    hwm = true;
  } catch {
    // Not Linux, or not allowed: the samples alone.
  }
  let max = process.memoryUsage().rss;
  const timer = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 50);
  return () => {
    clearInterval(timer);
    return Math.max(max, process.memoryUsage().rss, (hwm ? vmHwmBytes() : null) ?? 0);
  };
}

const timed = async (body: () => Promise<Omit<RunFigures, 'seconds'>> | Omit<RunFigures, 'seconds'>): Promise<RunFigures> => {
  const start = performance.now();
  const out = await body();
  return { ...out, seconds: (performance.now() - start) / 1000 };
};

async function setUpConcord(workDir: string, mode: Mode): Promise<Concord> {
  const engine = createEngine({ dataDir: join(workDir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: (m, e) => console.error(`[engine] ${m}`, e ?? '') });
  const files = appFiles(workDir);
  const left = await call(engine, 'connections/create', { name: 'Bench left', connector: 'sqlite-table', config: { path: files.left } });
  const right = await call(engine, 'connections/create', { name: 'Bench right', connector: 'sqlite-table', config: { path: files.right } });
  const config = contactsPairConfig(left.id, right.id, 'Bench');
  config.left.changeDetection = mode;
  config.right.changeDetection = mode;
  const pair = await call(engine, 'pairs/create', { config });
  return { engine, pairId: pair.id };
}

function rawRun(raw: RawLimit, kind: RunKind) {
  const figures = kind === 'first' ? raw.firstSync() : kind === 'full' ? raw.fullResync() : raw.incremental();
  return { ...figures, status: 'succeeded' };
}

async function concordRun({ engine, pairId }: Concord, kind: RunKind) {
  // The parent enforces the time limit (it kills this process); this wait only has to outlast it.
  const run = await runAndWait(engine, pairId, kind === 'full' ? 'pairs/full-resync' : 'pairs/sync-now', 24 * 3_600_000);
  return { read: run.counts.read, writes: writesOf(run), status: run.status, ...(run.error ? { error: run.error } : {}) };
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** bench/inbox.ts is written elsewhere: loaded by path, and its answer checked before it is believed. */
async function inbox(file: string, dir: string, conflicts: number): Promise<InboxFigures> {
  if (!existsSync(file)) throw new Error(`${file} is missing`);
  const mod: unknown = await import(pathToFileURL(file).href);
  const fn = typeof mod === 'object' && mod !== null && 'inboxBench' in mod ? mod.inboxBench : undefined;
  if (typeof fn !== 'function') throw new Error('bench/inbox.ts does not export inboxBench(dir, conflicts)');
  const out: unknown = await fn(dir, conflicts);
  const f = out as Partial<InboxFigures> | null;
  if (!f || !isNumber(f.conflicts) || !isNumber(f.firstRenderMs) || !isNumber(f.bulkResolvePerSec) || !f.scrollFrameMs || ![f.scrollFrameMs.p50, f.scrollFrameMs.p95, f.scrollFrameMs.max].every(isNumber)) {
    throw new Error(`inboxBench answered ${JSON.stringify(out)}, not { conflicts, firstRenderMs, scrollFrameMs: { p50, p95, max }, bulkResolvePerSec }`);
  }
  return { conflicts: f.conflicts, firstRenderMs: f.firstRenderMs, scrollFrameMs: { p50: f.scrollFrameMs.p50, p95: f.scrollFrameMs.p95, max: f.scrollFrameMs.max }, bulkResolvePerSec: f.bulkResolvePerSec };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'seed':
      seedApps(req.dir, req.perSide, req.mode);
      return null;
    case 'setup':
      copyApps(req.seedDir, req.workDir);
      state =
        req.side === 'raw'
          ? { side: 'raw', raw: new RawLimit(req.workDir), workDir: req.workDir, perSide: req.perSide, mode: req.mode }
          : { side: 'concord', concord: await setUpConcord(req.workDir, req.mode), workDir: req.workDir, perSide: req.perSide, mode: req.mode };
      return null;
    case 'edit':
      if (!state) throw new Error('edit before setup');
      return applyEdits(state.workDir, state.perSide, req.kind, state.mode).count;
    case 'run': {
      const s = state;
      if (!s) throw new Error('run before setup');
      return timed(() => (s.side === 'raw' ? rawRun(s.raw, req.kind) : concordRun(s.concord, req.kind)));
    }
    case 'check':
      if (!state) throw new Error('check before setup');
      return compareApps(state.workDir);
    case 'crash': {
      // Early (5 % of the left's creates): nearly every create of the plan is pending at the rerun.
      const row = await rerunAfterCrash(req.dir, req.perSide, seeded(population(req.perSide)), Math.floor(onlyOneSide(req.perSide) / 20));
      return { seconds: row.seconds, read: row.records, writes: row.writes, status: row.status, label: row.scenario };
    }
    case 'csv': {
      const row = await csvFirstSync(req.dir, req.rows);
      return { seconds: row.seconds, read: row.records, writes: row.writes, status: row.status, label: row.scenario, note: `longest event-loop pause ${row.longestPauseMs.toFixed(0)} ms (the server answers only between pauses)` };
    }
    case 'inbox':
      return inbox(req.file, req.dir, req.conflicts);
    case 'pg':
      return pgBench(req.step, req.dir, req.perSide);
    case 'exit':
      await pgBench('stop', '', 0);
      if (state?.side === 'raw') state.raw.close();
      if (state?.side === 'concord') await state.concord.engine.close();
      state = null;
      return null;
  }
}

process.on('message', (message: { id: number; req: Request }) => {
  const stop = peakRss();
  const send = (reply: Reply) => process.send?.(reply, () => (message.req.op === 'exit' ? process.exit(0) : undefined));
  handle(message.req).then(
    (value) => send({ id: message.id, ok: true, value, peakRssBytes: stop() }),
    (error: unknown) => send({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error), peakRssBytes: stop() }),
  );
});
