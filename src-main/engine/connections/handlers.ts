// PLACEHOLDER until the connectors work lands: every method answers `unavailable`.
import type { Handler } from '../api/dispatch';
import { ApiError } from '../api/errors';
import type { Domain, EngineContext } from '../context';
import type { ConnectionService } from './service';

export type ConnectionMethods = 'connectors/list' | 'connections/list' | 'connections/create' | 'connections/update' | 'connections/delete' | 'connections/test' | 'connections/describe';
export type ConnectionHandlers = { [M in ConnectionMethods]: Handler<M> };

export function createConnectionsDomain(_ctx: EngineContext, _connections: ConnectionService): Domain<ConnectionHandlers> {
  const unavailable = (): never => {
    throw new ApiError('unavailable', 'Connections are not available in this build yet.');
  };
  return {
    handlers: {
      'connectors/list': () => [],
      'connections/list': () => [],
      'connections/create': unavailable,
      'connections/update': unavailable,
      'connections/delete': unavailable,
      'connections/test': unavailable,
      'connections/describe': unavailable,
    },
  };
}
