/** Pairs and their runs in the store. */
import { randomUUID } from 'node:crypto';
import type { PairConfig, RunCounts, RunStatus, RunSummary, RunTrigger, Side } from '../api/model';
import { statementCache, type Db } from '../store/db';
import { now } from './state-store';

export type PairRow = {
  id: string;
  name: string;
  config: PairConfig;
  paused: boolean;
  healthReason: string | null;
  /** Records gone from an app when the mass-delete guard stopped the last run (see migration 4). */
  haltedGone: number | null;
  pausedUntil: string | null;
  /** The side whose app asked for the pause (kept in memory: after a restart only the time is known). */
  pausedSide: Side | null;
  lastFullAt: string | null;
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
};

type RawPair = {
  id: string;
  name: string;
  config_json: string;
  paused: number;
  health_reason: string | null;
  halted_gone: number | null;
  paused_until: string | null;
  paused_side: Side | null;
  last_full_at: string | null;
  next_run_at: string | null;
  created_at: string;
  updated_at: string;
};
type RawRun = {
  id: string;
  pair_id: string;
  trigger: RunTrigger;
  mode: 'incremental' | 'full';
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  counts_json: string;
  error: string | null;
};

const toPair = (r: RawPair): PairRow => ({
  id: r.id,
  name: r.name,
  config: JSON.parse(r.config_json) as PairConfig,
  paused: r.paused === 1,
  healthReason: r.health_reason,
  haltedGone: r.halted_gone,
  pausedUntil: r.paused_until,
  pausedSide: r.paused_until ? r.paused_side : null,
  lastFullAt: r.last_full_at,
  nextRunAt: r.next_run_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRun = (r: RawRun): RunSummary => {
  const finished = r.finished_at;
  return {
    id: r.id,
    pairId: r.pair_id,
    trigger: r.trigger,
    mode: r.mode,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: finished,
    durationMs: finished ? Date.parse(finished) - Date.parse(r.started_at) : null,
    counts: JSON.parse(r.counts_json) as RunCounts,
    error: r.error,
  };
};

export const emptyCounts = (): RunCounts => ({ read: 0, created: 0, updated: 0, deleted: 0, conflicts: 0, failed: 0, skipped: 0 });

export function createPairStore(db: Db) {
  // Prepared once: a webhook burst asks for its pair on every call.
  const prepare = statementCache(db);
  return {
    list(): PairRow[] {
      return (prepare('SELECT * FROM pairs ORDER BY created_at').all() as RawPair[]).map((r) => toPair(r));
    },
    get(id: string): PairRow | null {
      const r = prepare('SELECT * FROM pairs WHERE id = ?').get(id) as RawPair | undefined;
      return r ? toPair(r) : null;
    },
    create(config: PairConfig): PairRow {
      const id = randomUUID();
      const t = now();
      prepare('INSERT INTO pairs (id, name, config_json, paused, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)').run(id, config.name, JSON.stringify(config), t, t);
      return this.get(id) as PairRow;
    },
    updateConfig(id: string, config: PairConfig): void {
      prepare('UPDATE pairs SET name = ?, config_json = ?, updated_at = ? WHERE id = ?').run(config.name, JSON.stringify(config), now(), id);
    },
    setPaused(id: string, paused: boolean, reason: string | null): void {
      prepare('UPDATE pairs SET paused = ?, health_reason = ?, halted_gone = NULL, updated_at = ? WHERE id = ?').run(paused ? 1 : 0, reason, now(), id);
    },
    /** `haltedGone`: the mass-delete guard stopped the run with this many records gone (a reason otherwise clears it). */
    setHealthReason(id: string, reason: string | null, haltedGone: number | null = null): void {
      prepare('UPDATE pairs SET health_reason = ?, halted_gone = ? WHERE id = ?').run(reason, haltedGone, id);
    },
    /** A side answered 429 (or 503 with Retry-After): the pair waits until then (the scheduler and triggers respect it). */
    setPausedUntil(id: string, until: string | null, side: Side | null = null): void {
      prepare('UPDATE pairs SET paused_until = ?, paused_side = ? WHERE id = ?').run(until, until !== null ? side : null, id);
    },
    setLastFullAt(id: string, at: string): void {
      prepare('UPDATE pairs SET last_full_at = ? WHERE id = ?').run(at, id);
    },
    setNextRunAt(id: string, at: string | null): void {
      prepare('UPDATE pairs SET next_run_at = ? WHERE id = ?').run(at, id);
    },
    delete(id: string): void {
      prepare('DELETE FROM pairs WHERE id = ?').run(id);
    },
    startRun(pairId: string, trigger: RunTrigger, mode: 'incremental' | 'full'): RunSummary {
      const id = randomUUID();
      prepare('INSERT INTO runs (id, pair_id, trigger, mode, status, started_at, counts_json) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        id,
        pairId,
        trigger,
        mode,
        'running',
        now(),
        JSON.stringify(emptyCounts()),
      );
      return this.run(id) as RunSummary;
    },
    finishRun(id: string, status: RunStatus, counts: RunCounts, error: string | null): RunSummary {
      prepare('UPDATE runs SET status = ?, finished_at = ?, counts_json = ?, error = ? WHERE id = ?').run(status, now(), JSON.stringify(counts), error, id);
      return this.run(id) as RunSummary;
    },
    /** Runs left 'running' by a killed process are marked failed at start. */
    failInterruptedRuns(): void {
      prepare("UPDATE runs SET status = 'failed', finished_at = ?, error = 'Concord stopped during this run; the next run resumes from the journal.' WHERE status = 'running'").run(now());
    },
    run(id: string): RunSummary | null {
      const r = prepare('SELECT * FROM runs WHERE id = ?').get(id) as RawRun | undefined;
      return r ? toRun(r) : null;
    },
    runs(pairId: string, limit: number): RunSummary[] {
      return (prepare('SELECT * FROM runs WHERE pair_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ?').all(pairId, limit) as RawRun[]).map(toRun);
    },
    lastFinishedRun(pairId: string): RunSummary | null {
      const r = prepare("SELECT * FROM runs WHERE pair_id = ? AND status <> 'running' ORDER BY started_at DESC, rowid DESC LIMIT 1").get(pairId) as RawRun | undefined;
      return r ? toRun(r) : null;
    },
  };
}

export type PairStore = ReturnType<typeof createPairStore>;
