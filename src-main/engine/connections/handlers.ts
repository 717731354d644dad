/**
 * The connections API: connectors/list and connections/*. Connector errors become
 * `connector-error` answers carrying the connector's actionable message.
 */
import type { Handler } from '../api/dispatch';
import { ApiError } from '../api/errors';
import type { Domain, EngineContext } from '../context';
import { ConnectorError } from '../connectors/errors';
import { connectorDefinitions, connectorInfo, getConnectorDefinition } from '../connectors/registry';
import type { CaptureControl, Connector, ConnectorDefinition } from '../connectors/types';
import { callLimits, guardedCall, type CallLimits } from './calls';
import type { OAuthFlows } from './oauth-flows';
import type { ConnectionStore } from './service';
import { sampleCollection, SAMPLE_SIZE } from './sample';
import type { ConnectorCallKind } from '../api/model';

export type ConnectionMethods =
  | 'connectors/list'
  | 'connections/list'
  | 'connections/create'
  | 'connections/update'
  | 'connections/delete'
  | 'connections/test'
  | 'connections/describe'
  | 'connections/try'
  | 'connections/capture-plan'
  | 'connections/capture-install'
  | 'connections/capture-remove';
export type ConnectionHandlers = { [M in ConnectionMethods]: Handler<M> };

/** `oauth`: the finished draft sign-ins (oauth-flows.ts), whose refresh token a draft's `oauthFlowId` names. */
export type ConnectionsOptions = { shutdown?: AbortSignal; callLimits?: Partial<CallLimits>; oauth?: Pick<OAuthFlows, 'draftSecret' | 'forget'> };

/**
 * Runs `fn` with a fresh connector (a test must really connect, with the settings as they are now)
 * and always closes it; each call aborts on shutdown and within its time limit; connector errors
 * become API errors.
 */
async function withConnector<T>(open: () => { connector: Connector; definition: ConnectorDefinition }, options: ConnectionsOptions, label: string, fn: (call: Call, definition: ConnectorDefinition) => Promise<T>): Promise<T> {
  const { connector, definition } = open();
  const limits = callLimits(definition.capabilities, options.callLimits);
  const call: Call = (kind, run) => guardedCall(label, kind, limits[kind], options.shutdown, (signal) => run(connector, signal));
  try {
    return await fn(call, definition);
  } catch (error) {
    if (error instanceof ConnectorError) {
      throw new ApiError(error.reason === 'unavailable' ? 'unavailable' : 'connector-error', error.message, undefined, { cause: error });
    }
    throw error;
  } finally {
    await connector.close();
  }
}

/** The connector's capture controls, or an answer saying this kind of app has no capture mode. */
function capture(c: Connector, name: string): CaptureControl {
  if (!c.capture) throw new ApiError('invalid-input', `${name} has no capture mode (only PostgreSQL tables do); choose another change-detection mode.`);
  return c.capture;
}

type Call = <T>(kind: ConnectorCallKind, run: (c: Connector, signal: AbortSignal) => Promise<T>) => Promise<T>;

export function createConnectionsDomain(_ctx: EngineContext, store: ConnectionStore, options: ConnectionsOptions = {}): Domain<ConnectionHandlers> {
  const saved = (id: string) => () => ({ connector: store.open(id), definition: store.definition(id) });
  const label = (id: string): string => {
    try {
      return store.get(id).name;
    } catch {
      return 'The app';
    }
  };
  const draftSecret = (flowId: string) => {
    if (!options.oauth) throw new ApiError('unavailable', 'Signing in with OAuth is not available in this engine.');
    return options.oauth.draftSecret(flowId);
  };
  /** A saved connection, or a draft with its secret — typed, or the refresh token of its finished sign-in (`oauthFlowId`). */
  const opener = async (args: { connectionId: string } | { connector: string; config: Record<string, string | number | boolean>; secret?: string; oauthFlowId?: string }) => {
    if ('connectionId' in args) return { open: saved(args.connectionId), name: label(args.connectionId) };
    const handle = args.oauthFlowId !== undefined ? draftSecret(args.oauthFlowId) : undefined;
    const secret = handle ? ((await handle.get()) ?? undefined) : args.secret;
    const definition = getConnectorDefinition(args.connector);
    return { open: () => ({ connector: store.openDraft(args.connector, args.config, secret, handle), definition }), name: definition.label };
  };
  return {
    handlers: {
      'connectors/list': () => connectorDefinitions.map(connectorInfo),
      'connections/list': () => store.list(),
      'connections/create': async ({ oauthFlowId, ...args }) => {
        if (oauthFlowId === undefined) return store.create(args);
        const created = await store.create({ ...args, secret: (await draftSecret(oauthFlowId).get()) ?? undefined });
        // The refresh token is in the credential store now: the draft's copy is not needed.
        options.oauth?.forget(oauthFlowId);
        return created;
      },
      'connections/update': (args) => store.update(args),
      'connections/delete': async ({ connectionId }) => {
        await store.delete(connectionId);
        return { deleted: true };
      },
      'connections/test': async (args) => {
        const { open, name } = await opener(args);
        return withConnector(open, options, name, async (call) => {
          await call('test', (c, signal) => c.test({ signal }));
          const { collections, leftOut } = await call('describe', (c, signal) => c.describe({ signal }));
          return { ok: true, collections: collections.length, names: collections.map((c) => c.name), ...(leftOut?.length ? { leftOut } : {}) };
        });
      },
      'connections/try': async (args) => {
        const { open, name } = await opener(args);
        return withConnector(open, options, name, (call, definition) => sampleCollection(call, definition, name, args.collection, args.limit ?? SAMPLE_SIZE));
      },
      'connections/describe': ({ connectionId }) => withConnector(saved(connectionId), options, label(connectionId), async (call) => (await call('describe', (c, signal) => c.describe({ signal }))).collections),
      // Installing takes a lock on the table (behind the app's running transactions): the write time limit.
      'connections/capture-plan': ({ connectionId, collection }) =>
        withConnector(saved(connectionId), options, label(connectionId), (call) => call('describe', (c, signal) => capture(c, label(connectionId)).plan(collection, { signal }))),
      'connections/capture-install': ({ connectionId, collection, installHash }) =>
        withConnector(saved(connectionId), options, label(connectionId), (call) => call('write', (c, signal) => capture(c, label(connectionId)).install(collection, installHash, { signal }))),
      'connections/capture-remove': ({ connectionId, collection, removeHash }) =>
        withConnector(saved(connectionId), options, label(connectionId), (call) => call('write', (c, signal) => capture(c, label(connectionId)).remove(collection, removeHash, { signal }))),
    },
  };
}
