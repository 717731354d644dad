/**
 * The privacy domain's part of the API: the activity export, retention (a setting, a background
 * prune with an incremental vacuum) and, below, forgetting a person. Apart from the sync domain:
 * these read and prune the store, they never run a sync.
 */
import type { Handler } from '../api/dispatch';
import type { Domain, EngineContext } from '../context';
import { exportActivity } from './activity-export';
import { forgetPerson } from './forget';
import { prune, startRetention, type PruneResult } from './retention';
import { retentionDays, setRetentionDays } from './settings';

export type PrivacyMethods = 'activity/export' | 'privacy/settings' | 'privacy/set-retention' | 'privacy/prune' | 'privacy/forget';
export type PrivacyHandlers = { [M in PrivacyMethods]: Handler<M> };

export type PrivacyOptions = {
  /** Test seam: the clock retention measures age by (default: the system's). */
  now?: () => Date;
  /** How often the background prune runs (default hourly), and the first time after start (default 1 minute). */
  retentionIntervalMs?: number;
  retentionFirstMs?: number;
  /** No background work (a read-only CLI engine). */
  passive?: boolean;
};

function openConflicts(ctx: EngineContext): { open: number; byPair: Record<string, number> } {
  const rows = ctx.db.prepare("SELECT pair_id, count(*) AS n FROM conflicts WHERE status = 'open' GROUP BY pair_id").all() as { pair_id: string; n: number }[];
  return { open: rows.reduce((sum, r) => sum + r.n, 0), byPair: Object.fromEntries(rows.map((r) => [r.pair_id, r.n])) };
}

export function createPrivacyDomain(ctx: EngineContext, options: PrivacyOptions = {}): Domain<PrivacyHandlers> {
  const now = options.now ?? (() => new Date());
  let lastPrune: PruneResult | null = null;
  const background = options.passive
    ? null
    : startRetention(ctx.db, { now, intervalMs: options.retentionIntervalMs ?? 3_600_000, firstAfterMs: options.retentionFirstMs ?? 60_000, log: ctx.log, done: (r) => (lastPrune = r) });
  return {
    handlers: {
      'activity/export': ({ pairId }) => exportActivity(ctx.db, pairId),
      'privacy/settings': () => ({ retentionDays: retentionDays(ctx.db), lastPrune }),
      'privacy/set-retention': ({ days }) => {
        setRetentionDays(ctx.db, days);
        return { retentionDays: retentionDays(ctx.db), lastPrune };
      },
      'privacy/prune': async () => {
        lastPrune = await prune(ctx.db, now());
        return lastPrune;
      },
      'privacy/forget': ({ key }) => {
        const result = forgetPerson(ctx.db, key, () => now().toISOString());
        // The inbox's counts and the pairs' cards change when conflicts and failed records go.
        ctx.emit('conflicts/changed', openConflicts(ctx));
        return result;
      },
    },
    close: () => background?.stop(),
  };
}
