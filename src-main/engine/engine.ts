/**
 * The engine: opens the store, builds every domain's handlers into one table, and exposes
 * `dispatch` (for any transport) and an event bus. No Electron here: the same engine runs in
 * Electron's utilityProcess and headless under Node.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { EventMessage } from './api/contract';
import { createDispatcher, type Handlers, type Logger } from './api/dispatch';
import { ApiError } from './api/errors';
import type { AppInfo } from './api/model';
import { createAccessDomain } from './access/handlers';
import { createAccessStore, type AccessOptions } from './access/store';
import { createActionsDomain } from './actions/domain';
import type { DeliveryTiming } from './actions/worker';
import { createConnectionsDomain } from './connections/handlers';
import { createOAuthFlows, type OAuthFlowsOptions } from './connections/oauth-flows';
import { createConnectorPool } from './connections/pool';
import { createConnectionService, type ConnectionStore } from './connections/service';
import type { Domain, Emit, EngineContext } from './context';
import type { CallLimits } from './connections/calls';
import type { CredentialStore } from './credentials/types';
import { prepareFilesRoot, type FileAccess } from './connections/files-root';
import { DATABASE_FILE, openDatabase } from './store/db';
import { createDemoDomain } from './demo/handlers';
import type { FeedOptions } from './sync/feeds';
import { createPrivacyDomain } from './privacy/handlers';
import { createConnectionEditDomain } from './sync/connection-edit';
import { createSyncDomain } from './sync/handlers';
import { createRealtimeDomain, type WebhookListenOptions } from './sync/events/domain';
import type { WorkerOptions } from './sync/events/worker';
import { VERSION } from './version';

export type EngineOptions = {
  dataDir: string;
  credentials: CredentialStore;
  log?: Logger;
  /**
   * Test seam: wraps the connection service the sync domain runs on, so a test can inject faults
   * (a 429, a 401, a crash mid-write) around real connectors. The connections API keeps the real one.
   */
  wrapConnections?: (service: ConnectionStore) => ConnectionStore;
  /** Test seam: how often the scheduler looks for due pairs (default 1 s). */
  schedulerTickMs?: number;
  /** Test seam: how long a resolution or restore waits for the pair's run before it says to try again (default 15 s). */
  stewardWaitMs?: number;
  /** Test seam: conflicts per bulk-resolve batch (default 500). */
  bulkBatch?: number;
  /** The better-sqlite3 addon built for this runtime, when node_modules' own is not (the desktop engine on Electron). */
  sqliteBinding?: string;
  /**
   * Time limits for connector calls, in milliseconds per call kind, over the defaults (30 s for
   * describe, test and read; longer for write batches) and what each connector declares.
   */
  connectorCallLimits?: Partial<CallLimits>;
  /** How long an unused connector stays open (default 5 minutes; connections/pool.ts). */
  connectorIdleMs?: number;
  /**
   * Which files connections may name: inside a root (headless: `concord serve` and the CLI, where
   * a token holder is not the machine's owner), or `anywhere` (the desktop app, whose user owns the
   * machine). Left out, `anywhere` (tests, benches); every real entry point says which it means.
   */
  files?: FileAccess;
  /** Session limits and the clock of the access store (tests inject a clock). */
  access?: AccessOptions;
  /** Test seam: the clock retention measures age by, and how often (and first when) its background prune runs. */
  clock?: () => Date;
  retentionIntervalMs?: number;
  retentionFirstMs?: number;
  /** Looks without running anything: no scheduler, no clean-up of another engine's runs (read-only CLI commands). */
  passive?: boolean;
  /**
   * Change feeds (sync/feeds.ts): how long a burst of signals is gathered into one run (default
   * 10 ms) and how long a failed feed waits before it listens again (default 2 s); false turns
   * them off (tests that count the runs they start themselves).
   */
  feeds?: FeedOptions | false;
  /** The webhook receiver (issue 12): where it listens; left out, this engine receives no webhooks (tests, the CLI). */
  webhooks?: WebhookListenOptions;
  /** Test seam: the event queue's retry backoff (sync/events/worker.ts). */
  events?: WorkerOptions;
  /** Test seam: how long an OAuth sign-in waits for the browser, and how long a finished one is kept (connections/oauth-flows.ts). */
  oauthFlows?: OAuthFlowsOptions;
  /** Test seam: the workflow actions' retry timing (actions/worker.ts). */
  actionDelivery?: DeliveryTiming;
};

export type Engine = ReturnType<typeof createEngine>;

export function createEngine(options: EngineOptions) {
  const log: Logger = options.log ?? ((message, error) => console.error(`[engine] ${message}`, error ?? ''));
  const files: FileAccess = options.files === undefined || options.files === 'anywhere' ? 'anywhere' : { root: prepareFilesRoot(options.files.root, options.dataDir) };
  const db = openDatabase(options.dataDir, options.sqliteBinding ? { nativeBinding: options.sqliteBinding } : {});
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const emit: Emit = (event, payload) => {
    bus.emit('event', { event, payload } as EventMessage);
  };
  const ctx: EngineContext = {
    db,
    dataDir: options.dataDir,
    credentials: options.credentials,
    files,
    emit,
    log,
    version: VERSION,
    startedAt: new Date().toISOString(),
  };

  const info = (): AppInfo => ({
    name: 'Concord',
    version: ctx.version,
    dataDir: ctx.dataDir,
    databasePath: join(ctx.dataDir, DATABASE_FILE),
    credentialStore: ctx.credentials.description,
    nodeVersion: process.versions.node,
    startedAt: ctx.startedAt,
  });

  const domains: Domain<Partial<Handlers>>[] = [];
  // Stopping aborts every connector call in flight (a run's, a resolution's, a test's).
  const shutdown = new AbortController();
  // Connectors stay open between runs, resolutions and previews; a changed or deleted connection closes its own.
  const connectionService = createConnectionService(ctx, { changed: (id) => pool.invalidate(id) });
  const syncConnections = options.wrapConnections?.(connectionService) ?? connectionService;
  const pool = createConnectorPool({ open: (id) => syncConnections.open(id), ...(options.connectorIdleMs !== undefined ? { idleMs: options.connectorIdleMs } : {}), log });
  // OAuth sign-ins through a loopback redirect; a draft's refresh token waits here for connections/test and -create.
  const oauth = createOAuthFlows(connectionService, options.oauthFlows);
  const connections = createConnectionsDomain(ctx, connectionService, { shutdown: shutdown.signal, oauth, ...(options.connectorCallLimits ? { callLimits: options.connectorCallLimits } : {}) });
  // Workflow actions: a run's end writes their outbox in its own transaction (onRunFinished).
  const actions = createActionsDomain(ctx, { ...options.actionDelivery, shutdown: shutdown.signal, ...(options.passive ? { passive: true } : {}) });
  bus.on('event', actions.onEngineEvent);
  const sync = createSyncDomain(ctx, syncConnections, {
    pool,
    onRunFinished: actions.announceRun,
    ...(options.schedulerTickMs !== undefined ? { schedulerTickMs: options.schedulerTickMs } : {}),
    ...(options.stewardWaitMs !== undefined ? { stewardWaitMs: options.stewardWaitMs } : {}),
    ...(options.bulkBatch !== undefined ? { bulkBatch: options.bulkBatch } : {}),
    ...(options.passive ? { passive: true } : {}),
    ...(options.feeds !== undefined ? { feeds: options.feeds } : {}),
    ...(options.events ? { events: options.events } : {}),
    shutdown: shutdown.signal,
    ...(options.connectorCallLimits ? { callLimits: options.connectorCallLimits } : {}),
  });
  // "Test and save" of a pair's connection: the check is connections/test, the hold and the preview the sync domain's.
  const connectionEdit = createConnectionEditDomain({
    store: connectionService,
    pairs: sync.deps.pairs,
    exclusive: sync.exclusive,
    test: async (args) => connections.handlers['connections/test'](args),
    preview: async (pairId) => sync.handlers['pairs/preview']({ pairId }),
    announce: (pairId) => sync.announce(pairId),
  });
  // The demo builds its workspace through the same API the wizard uses, so it calls the dispatcher.
  const demo = createDemoDomain(ctx, async (method, args) => {
    const response = await dispatch(method, args);
    if (!response.ok) throw new ApiError(response.error.code, response.error.message);
    return response.value as never;
  });
  const access = createAccessStore(db, options.access);
  const accessDomain = createAccessDomain(access);
  const privacy = createPrivacyDomain(ctx, {
    ...(options.clock ? { now: options.clock } : {}),
    ...(options.retentionIntervalMs !== undefined ? { retentionIntervalMs: options.retentionIntervalMs } : {}),
    ...(options.retentionFirstMs !== undefined ? { retentionFirstMs: options.retentionFirstMs } : {}),
    ...(options.passive ? { passive: true } : {}),
  });
  const realtime = createRealtimeDomain(ctx, { pairs: sync.deps.pairs, ...sync.realtime }, options.passive ? null : (options.webhooks ?? null));
  // A deleted pair's webhook secret goes with it.
  bus.on('event', (m: EventMessage) => {
    if (m.event === 'pairs/removed') void realtime.forgetPair(m.payload.pairId).catch((e: unknown) => log('a deleted pair\'s webhook secret was not removed', e));
  });
  // Closed in reverse: the webhook receiver first (no new events), actions after sync, so a run ending during the stop still writes its outbox.
  domains.push(actions, connections, oauth, sync, demo, accessDomain, privacy, realtime);
  const handlers: Handlers = { 'app/info': info, ...connections.handlers, ...oauth.handlers, ...sync.handlers, ...connectionEdit.handlers, ...demo.handlers, ...accessDomain.handlers, ...privacy.handlers, ...actions.handlers, ...realtime.handlers };
  const dispatch = createDispatcher(handlers, log);

  let closed = false;
  return {
    context: ctx,
    dispatch,
    /** Tokens and sessions of the headless server. */
    access,
    /** The webhook receiver: resolves once it listens (or failed to: `webhooks/info` says why). */
    webhooksReady: realtime.ready,
    webhookAddress: () => realtime.receiver?.address() ?? null,
    /** Why the receiver could not listen (the port taken, say), for the entry point to print. */
    webhookError: () => realtime.error(),
    /** Every event, in order; returns the unsubscribe function. */
    onEvent(listener: (message: EventMessage) => void): () => void {
      bus.on('event', listener);
      return () => bus.off('event', listener);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      shutdown.abort(new Error('Concord is stopping.'));
      for (const d of domains.reverse()) await d.close?.();
      await pool.close();
      bus.removeAllListeners();
      db.close();
    },
  };
}
