/**
 * The privacy domain's part of the API: the activity export, retention (a setting, a background
 * prune with an incremental vacuum) and, below, forgetting a person. Apart from the sync domain:
 * these read and prune the store, they never run a sync.
 */
import type { Handler } from '../api/dispatch';
import type { Domain, EngineContext } from '../context';
import { exportActivity } from './activity-export';
import { prune, startRetention, type PruneResult } from './retention';
import { retentionDays, setRetentionDays } from './settings';

export type PrivacyMethods = 'activity/export' | 'privacy/settings' | 'privacy/set-retention' | 'privacy/prune';
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
    },
    close: () => background?.stop(),
  };
}
