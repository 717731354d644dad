// PLACEHOLDER until the sync engine lands: lists answer empty, actions answer `unavailable`.
import type { ApiMethod } from '../api/contract';
import type { Handler } from '../api/dispatch';
import { ApiError } from '../api/errors';
import type { Domain, EngineContext } from '../context';
import type { ConnectionService } from '../connections/service';
import type { ConnectionMethods } from '../connections/handlers';

export type SyncMethods = Exclude<ApiMethod, ConnectionMethods | 'app/info'>;
export type SyncHandlers = { [M in SyncMethods]: Handler<M> };

export function createSyncDomain(_ctx: EngineContext, _connections: ConnectionService): Domain<SyncHandlers> {
  const unavailable = (): never => {
    throw new ApiError('unavailable', 'Sync is not available in this build yet.');
  };
  return {
    handlers: {
      'pairs/list': () => [],
      'pairs/get': unavailable,
      'pairs/create': unavailable,
      'pairs/update': unavailable,
      'pairs/delete': unavailable,
      'pairs/preview': unavailable,
      'pairs/sync-now': unavailable,
      'pairs/full-resync': unavailable,
      'pairs/pause': unavailable,
      'pairs/resume': unavailable,
      'runs/list': () => [],
      'runs/get': unavailable,
      'runs/cancel': unavailable,
      'conflicts/list': () => [],
      'conflicts/count': () => ({ open: 0, byPair: {} }),
      'conflicts/get': unavailable,
      'conflicts/resolve': unavailable,
      'conflicts/resolve-bulk': unavailable,
      'failed/list': () => [],
      'failed/retry': unavailable,
      'activity/list': () => [],
      'activity/restore': unavailable,
      'demo/create': unavailable,
    },
  };
}
