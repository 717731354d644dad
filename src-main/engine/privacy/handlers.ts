/**
 * The privacy domain's part of the API: the activity export (and, below, retention and forgetting
 * a person). Apart from the sync domain: these read and prune the store, they never run a sync.
 */
import type { Handler } from '../api/dispatch';
import type { Domain, EngineContext } from '../context';
import { exportActivity } from './activity-export';

export type PrivacyMethods = 'activity/export';

export type PrivacyHandlers = { [M in PrivacyMethods]: Handler<M> };

export function createPrivacyDomain(ctx: EngineContext): Domain<PrivacyHandlers> {
  return {
    handlers: {
      'activity/export': ({ pairId }) => exportActivity(ctx.db, pairId),
    },
  };
}
