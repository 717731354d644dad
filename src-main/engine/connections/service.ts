// PLACEHOLDER interface until the connectors work lands (the connectors helper implements it).
import type { ConnectionSummary } from '../api/model';
import { ApiError } from '../api/errors';
import type { EngineContext } from '../context';
import type { Connector, ConnectorDefinition } from '../connectors/types';

/** How the rest of the engine reaches a connection: the sync domain opens connectors through this. */
export interface ConnectionService {
  get(connectionId: string): ConnectionSummary;
  definition(connectionId: string): ConnectorDefinition;
  /** Opens a connector for the connection; its secret is read from the credential store on demand. */
  open(connectionId: string): Connector;
}

export function createConnectionService(_ctx: EngineContext): ConnectionService {
  const missing = (): never => {
    throw new ApiError('unavailable', 'Connections are not available in this build yet.');
  };
  return { get: missing, definition: missing, open: missing };
}
