/**
 * The connections API: connectors/list and connections/*. Connector errors become
 * `connector-error` answers carrying the connector's actionable message.
 */
import type { Handler } from '../api/dispatch';
import { ApiError } from '../api/errors';
import type { Domain, EngineContext } from '../context';
import { ConnectorError } from '../connectors/errors';
import { connectorDefinitions, connectorInfo } from '../connectors/registry';
import type { Connector } from '../connectors/types';
import type { ConnectionStore } from './service';

export type ConnectionMethods = 'connectors/list' | 'connections/list' | 'connections/create' | 'connections/update' | 'connections/delete' | 'connections/test' | 'connections/describe';
export type ConnectionHandlers = { [M in ConnectionMethods]: Handler<M> };

/** Runs `fn` with a connector and always closes it; connector errors become API errors. */
async function withConnector<T>(open: () => Connector, fn: (c: Connector) => Promise<T>): Promise<T> {
  const connector = open();
  try {
    return await fn(connector);
  } catch (error) {
    if (error instanceof ConnectorError) {
      throw new ApiError(error.reason === 'unavailable' ? 'unavailable' : 'connector-error', error.message, undefined, { cause: error });
    }
    throw error;
  } finally {
    await connector.close();
  }
}

export function createConnectionsDomain(_ctx: EngineContext, store: ConnectionStore): Domain<ConnectionHandlers> {
  return {
    handlers: {
      'connectors/list': () => connectorDefinitions.map(connectorInfo),
      'connections/list': () => store.list(),
      'connections/create': (args) => store.create(args),
      'connections/update': (args) => store.update(args),
      'connections/delete': async ({ connectionId }) => {
        await store.delete(connectionId);
        return { deleted: true };
      },
      'connections/test': async (args) => {
        const open = 'connectionId' in args ? () => store.open(args.connectionId) : () => store.openDraft(args.connector, args.config, args.secret);
        return withConnector(open, async (c) => {
          await c.test();
          const { collections, leftOut } = await c.describe();
          return { ok: true, collections: collections.length, ...(leftOut?.length ? { leftOut } : {}) };
        });
      },
      'connections/describe': ({ connectionId }) => withConnector(() => store.open(connectionId), async (c) => (await c.describe()).collections),
    },
  };
}
