/**
 * Runs each enabled (not paused) pair on its interval. Pairs are independent: one slow pair never
 * delays another (each run is its own promise). A pair whose connector cannot report deletes gets
 * a periodic full reconciliation (PITFALLS 4), and so does a side fed by a native change feed
 * (token mode): a feed can lose or expire a token, and a lost event must not become permanent
 * drift (DESIGN §4, PITFALLS 12). A capture side (a trigger's change table) needs none. Stops when the domain closes.
 */
import type { ConnectionService } from '../connections/service';
import type { PairStore } from './pair-store';
import type { RunManager } from './run-manager';
import { sideMode } from './runner';

export type SchedulerOptions = { tickMs?: number; log: (m: string, e?: unknown) => void };

/** How many intervals pass between full reconciliations (pairs that cannot see deletes, or fed by a change feed); at most hourly. */
const FULL_EVERY_INTERVALS = 12;

export function createScheduler(pairs: PairStore, runs: RunManager, connections: ConnectionService, opts: SchedulerOptions) {
  const tickMs = opts.tickMs ?? 1000;
  function needsFull(pairId: string): boolean {
    const p = pairs.get(pairId);
    if (!p || p.config.schedule.intervalSeconds === null) return false;
    const blind = (['left', 'right'] as const).some((side) => {
      try {
        const { def, mode } = sideMode(connections, p.config, side);
        // A hash side sees deletes by absence and a capture side has them reported (its trigger
        // records them in the same transaction, so none is lost); any other mode, including one
        // this code does not know, is blind to deletes unless the connector reports them.
        if (mode === 'hash' || mode === 'capture') return false;
        return def.capabilities.deletes === 'by-scan' || mode === 'token';
      } catch {
        return false;
      }
    });
    if (!blind) return false;
    const every = Math.max(FULL_EVERY_INTERVALS * p.config.schedule.intervalSeconds, 3600) * 1000;
    return p.lastFullAt === null || Date.now() - Date.parse(p.lastFullAt) >= every;
  }
  const tick = () => {
    const t = Date.now();
    for (const p of pairs.list()) {
      const interval = p.config.schedule.intervalSeconds;
      if (interval === null || p.paused || runs.busy(p.id)) continue;
      if (p.pausedUntil && Date.parse(p.pausedUntil) > t) continue;
      const last = pairs.lastFinishedRun(p.id);
      const due = (last ? Date.parse(last.startedAt) : 0) + interval * 1000;
      if (due > t) {
        if (p.nextRunAt !== new Date(due).toISOString()) pairs.setNextRunAt(p.id, new Date(due).toISOString());
        continue;
      }
      try {
        const full = needsFull(p.id);
        runs.start(p.id, full ? 'full-resync' : 'schedule', full);
        pairs.setNextRunAt(p.id, new Date(t + interval * 1000).toISOString());
      } catch (e) {
        opts.log(`scheduled run of pair ${p.id} did not start`, e);
      }
    }
  };
  const timer = setInterval(tick, tickMs);
  timer.unref?.();
  return {
    tick,
    stop(): void {
      clearInterval(timer);
    },
  };
}
