/**
 * The sync domain's part of the API: pairs, runs, conflicts, failed records, activity.
 * Each handler validates what needs the apps, then delegates to the runner, resolver or stores.
 */
import type { ApiMethod } from '../api/contract';
import type { Handler } from '../api/dispatch';
import { ApiError, notFound } from '../api/errors';
import type { ConflictDetail, ConflictSummary, PairConfig, PairDetail, PairHealth, PairSummary, Resolution, RunSummary, Side, SideSummary } from '../api/model';
import type { Domain, EngineContext } from '../context';
import type { CallLimits } from '../connections/calls';
import { createConnectorPool, type ConnectorPool } from '../connections/pool';
import type { ConnectionService } from '../connections/service';
import type { AccessMethods } from '../access/handlers';
import type { ActionMethods } from '../actions/domain';
import type { ConnectionMethods } from '../connections/handlers';
import type { OAuthMethods } from '../connections/oauth-flows';
import type { PrivacyMethods } from '../privacy/handlers';
import type { RealtimeMethods } from './events/domain';
import { createBulkJobs } from './bulk-jobs';
import { createConflictList } from './conflict-list';
import { createEventStore, type EventStore } from './events/store';
import { createEventWorker, type EventWorker, type WorkerOptions } from './events/worker';
import { createFeeds, type FeedOptions, type Feeds } from './feeds';
import { createPairStore, type PairRow } from './pair-store';
import { previewPair } from './preview';
import { createRecordsStore, type ConflictRow } from './records-store';
import { describeResolution, resolveConflict, restoreActivity } from './resolver';
import { createRunManager, type RunManager } from './run-manager';
import type { RunDeps } from './runner';
import { createScheduler } from './scheduler';
import { createStateStore } from './state-store';
import { validateAgainstConnections } from './validate';

/** Everything but connections, `app/info` (engine.ts) and `demo/create` (demo/handlers.ts). */
export type SyncMethods = Exclude<ApiMethod, ConnectionMethods | OAuthMethods | AccessMethods | PrivacyMethods | RealtimeMethods | ActionMethods | 'app/info' | 'demo/create' | 'pairs/edit-connection'>;
export type SyncHandlers = { [M in SyncMethods]: Handler<M> };
export type SyncOptions = {
  schedulerTickMs?: number;
  /** Test seam: how long a resolution or restore waits for the pair's run (default 15 s). */
  stewardWaitMs?: number;
  /** Test seam: conflicts per bulk-job batch (default BULK_BATCH). */
  bulkBatch?: number;
  /**
   * An engine that only looks (`concord pairs`, `concord conflicts` beside a running `serve`):
   * no scheduler, and runs left 'running' are not marked failed — they may belong to the engine
   * that holds the data-folder lock and is running them right now.
   */
  passive?: boolean;
  /** Aborts when the engine stops: a resolution, preview or bulk job waiting on an app's network stops waiting. */
  shutdown?: AbortSignal;
  /** The engine's connector pool: runs, resolutions, previews and bulk jobs lease their connectors from it. */
  pool?: ConnectorPool;
  /** Time limits for connector calls, over the defaults and the connectors' own (connections/calls.ts). */
  callLimits?: Partial<CallLimits>;
  /** Change feeds (sync/feeds.ts): their debounce and retry, or false for none (tests that count the runs they start themselves). */
  feeds?: FeedOptions | false;
  /** The event queue's worker (sync/events/worker.ts): its retry backoff. */
  events?: WorkerOptions;
  /** Called inside the transaction that records a run's end (the workflow actions' outbox: actions/announce.ts). */
  onRunFinished?: (run: RunSummary) => void;
};

const RESOLUTION_KINDS: readonly string[] = ['fields', 'update-delete', 'duplicate', 'delete-duplicate'] satisfies Resolution['kind'][];
const isResolution = (v: unknown): v is Resolution => typeof v === 'object' && v !== null && RESOLUTION_KINDS.includes(String((v as { kind?: unknown }).kind));

export function createSyncDomain(
  outer: EngineContext,
  connections: ConnectionService,
  options: SyncOptions = {},
): Domain<SyncHandlers> & { deps: RunDeps; realtime: { events: EventStore; worker: EventWorker | null }; exclusive: RunManager['exclusive']; announce(pairId: string): void; waitForRun(runId: string): Promise<void>; waitForBulkJob(jobId: string): Promise<void> } {
  // Whatever changes a pair says so with pairs/changed or pairs/removed (its handler, a run that
  // ends or pauses it, a bulk job): the change feeds follow the pairs from those events.
  let feeds: Feeds | null = null;
  let worker: EventWorker | null = null;
  const ctx: EngineContext = {
    ...outer,
    emit: (event, payload) => {
      outer.emit(event, payload);
      if (event === 'pairs/changed' || event === 'pairs/removed') feeds?.refresh();
      // A run's end, a resume: the pair's queued events may go now.
      if (event === 'run/finished' || event === 'pairs/changed') worker?.kick((payload as { pairId?: string; id?: string }).pairId ?? (payload as { id: string }).id);
    },
  };
  // The engine passes its pool (which it closes last, and which hears of connection changes); a sync domain built alone keeps its own.
  const pool = options.pool ?? createConnectorPool({ open: (id) => connections.open(id), log: ctx.log });
  const deps: RunDeps = {
    pairs: createPairStore(ctx.db),
    state: createStateStore(ctx.db),
    records: createRecordsStore(ctx.db),
    connections,
    connectors: { signal: options.shutdown ?? new AbortController().signal, ...(options.callLimits ? { limits: options.callLimits } : {}), pool },
  };
  const { pairs, state, records } = deps;
  if (!options.passive) {
    pairs.failInterruptedRuns();
    // Conflicts saved before migration 5 get their search and list columns once.
    records.backfillConflictColumns();
  }
  const conflictList = createConflictList(ctx.db);
  const events = createEventStore(ctx.db);

  const sideSummary = (s: PairConfig['left']): SideSummary => {
    try {
      const c = connections.get(s.connectionId);
      return { connectionId: s.connectionId, connectionName: c.name, connector: c.connector, collection: s.collection };
    } catch {
      return { connectionId: s.connectionId, connectionName: '(missing connection)', connector: 'unknown', collection: s.collection };
    }
  };
  const pairRow = (id: string): PairRow => pairs.get(id) ?? (() => { throw notFound('Pair', id); })();

  // Summaries' revisions: microseconds since the epoch at start, then one more per summary, so a
  // later summary always has the larger one, also after a restart.
  let revision = Date.now() * 1000;
  function summary(id: string): PairSummary {
    const p = pairRow(id);
    const lastRun = pairs.lastFinishedRun(id);
    const running = runs.current(id);
    const openConflicts = records.openCounts().byPair[id] ?? 0;
    const failed = records.failedCount(id);
    let health: PairHealth;
    if (p.paused) health = 'paused';
    else if (running) health = 'syncing';
    else if (!lastRun) health = 'never-run';
    else if (lastRun.status === 'failed') health = 'failing';
    // A cancelled run left its remaining writes for the next one: not "in sync" until that ran.
    else if (lastRun.status === 'halted' || lastRun.status === 'cancelled' || openConflicts > 0 || failed > 0 || p.healthReason) health = 'needs-attention';
    else health = 'in-sync';
    return {
      id,
      name: p.name,
      left: sideSummary(p.config.left),
      right: sideSummary(p.config.right),
      masterSide: p.config.masterSide,
      health,
      paused: p.paused,
      healthReason: p.healthReason ?? (health === 'failing' ? lastRun?.error ?? null : null),
      awaitingDeleteConfirmation: !p.paused && p.haltedGone !== null ? { gone: p.haltedGone } : null,
      rateLimit: p.pausedUntil && Date.parse(p.pausedUntil) > Date.now() ? { until: p.pausedUntil, side: p.pausedSide } : null,
      lastRun,
      running,
      openConflicts,
      queued: state.pendingCount(id),
      failed,
      linked: state.linkedCount(id),
      intervalSeconds: p.config.schedule.intervalSeconds,
      revision: ++revision,
      nextRunAt: p.paused ? null : p.nextRunAt,
      feed: feeds?.status(id) ?? null,
      queue: events.status(id),
      webhooks: (['left', 'right'] as const).filter((side) => p.config.webhooks?.[side]?.enabled === true),
    };
  }
  const detail = (id: string): PairDetail => {
    const p = pairRow(id);
    return { ...summary(id), config: p.config, createdAt: p.createdAt, updatedAt: p.updatedAt };
  };

  const runs = createRunManager(ctx, deps, summary, { ...(options.stewardWaitMs !== undefined ? { stewardWaitMs: options.stewardWaitMs } : {}), changedSoon: (pairId) => worker?.changed(pairId), ...(options.onRunFinished ? { onFinished: options.onRunFinished } : {}) });
  const scheduler = options.passive ? null : createScheduler(pairs, runs, connections, { tickMs: options.schedulerTickMs ?? 1000, log: ctx.log });
  const emitSummary = (pairId: string) => pairs.get(pairId) && outer.emit('pairs/changed', summary(pairId));
  if (!options.passive) {
    // Through ctx: a run of queued events may have paused its pair, which the feeds must hear.
    worker = createEventWorker({ db: ctx.db, events, pairs, runs, changed: (pairId) => pairs.get(pairId) && ctx.emit('pairs/changed', summary(pairId)), log: ctx.log }, options.events ?? {});
    worker.start();
  }
  if (!options.passive && options.feeds !== false && worker) {
    const w = worker;
    feeds = createFeeds({ pairs, connections, pool, runs, enqueue: (pairId, side, source) => w.enqueueSide(pairId, side, source), log: ctx.log, changed: emitSummary }, options.feeds ?? {});
    feeds.refresh();
  }

  const conflictSummary = (c: ConflictRow): ConflictSummary => ({
    id: c.id,
    pairId: c.pairId,
    pairName: pairs.get(c.pairId)?.name ?? '(deleted pair)',
    kind: c.kind,
    record: c.record,
    fields: c.fields,
    status: c.status,
    detectedAt: c.detectedAt,
  });
  const emitConflicts = () => ctx.emit('conflicts/changed', records.openCounts());
  const bulkJobs = createBulkJobs(
    ctx,
    deps,
    conflictList,
    (pairId, fn) => runs.exclusive(pairId, fn),
    (pairIds) => {
      emitConflicts();
      for (const pairId of pairIds) if (pairs.get(pairId)) ctx.emit('pairs/changed', summary(pairId));
    },
    options.bulkBatch,
  );

  /** A mapping or key change needs a full resync to reach records that already sit in the base. */
  const needsFullResync = (a: PairConfig, b: PairConfig): boolean =>
    JSON.stringify(a.fields) !== JSON.stringify(b.fields) || JSON.stringify(a.matchKeys) !== JSON.stringify(b.matchKeys) || JSON.stringify(a.fallbackKeys ?? []) !== JSON.stringify(b.fallbackKeys ?? []);

  /** A resolved conflict's who, when and what (ConflictDetail.resolution). */
  const resolutionOf = (conflictId: string, label: (s: Side) => string): { resolution?: { at: string; by: string | null; what: string } } => {
    const r = records.resolutionOf(conflictId);
    if (!r) return {};
    const stored = r.resolution;
    const what = isResolution(stored) ? describeResolution(stored, label) : typeof (stored as { auto?: unknown } | null)?.auto === 'string' ? String((stored as { auto: string }).auto) : 'resolved';
    return { resolution: { at: r.at, by: r.by, what } };
  };
  /**
   * An open duplicate's candidates as they stand now, not as the run that held it saw them: a
   * candidate another resolution linked since is shown linked (and cannot be chosen), one unlinked
   * since is free again. The held records are not read again by runs, so only this read can tell.
   */
  const currentCandidates = (pairId: string, dup: NonNullable<ConflictDetail['duplicate']>): NonNullable<ConflictDetail['duplicate']> => {
    const candSide = dup.side === 'left' ? 'right' : 'left';
    const links = state.linksFor(pairId, candSide, dup.candidates.map((k) => k.id));
    return {
      ...dup,
      candidates: dup.candidates.map(({ linkedTo: _was, ...k }) => {
        const l = links.get(k.id);
        if (!l) return k;
        // As the resolver sees it (resolver.ts refuses any candidate with a link): the partner, or null when it is gone.
        return { ...k, linkedTo: l.deletedSide === dup.side ? null : dup.side === 'left' ? l.leftId : l.rightId };
      }),
    };
  };
  const handlers: SyncHandlers = {
    'pairs/list': () => pairs.list().map((p) => summary(p.id)),
    'pairs/get': ({ pairId }) => detail(pairId),
    'pairs/create': async (args) => {
      const config = await validateAgainstConnections(deps, args.config);
      const p = pairs.create(config);
      feeds?.refresh();
      ctx.emit('pairs/changed', summary(p.id));
      return detail(p.id);
    },
    'pairs/update': async ({ pairId, config: given }) => {
      const before = pairRow(pairId).config;
      const config = await validateAgainstConnections(deps, given);
      if (before.left.connectionId !== config.left.connectionId || before.left.collection !== config.left.collection || before.right.connectionId !== config.right.connectionId || before.right.collection !== config.right.collection) {
        throw new ApiError('invalid-input', 'A pair cannot switch to another app or collection: its links belong to the old one. Create a new pair instead.');
      }
      pairs.updateConfig(pairId, config);
      feeds?.refresh();
      ctx.emit('pairs/changed', summary(pairId));
      return { pair: detail(pairId), needsFullResync: needsFullResync(before, config) };
    },
    'pairs/delete': async ({ pairId }) => {
      pairRow(pairId);
      const current = runs.current(pairId);
      if (current) {
        runs.cancel(current.id);
        await runs.waitPair(pairId);
      }
      pairs.delete(pairId);
      ctx.emit('pairs/removed', { pairId });
      emitConflicts();
      return { deleted: true as const };
    },
    'pairs/preview': async (args) =>
      'pairId' in args ? previewPair(deps, pairRow(args.pairId).config, args.pairId) : previewPair(deps, await validateAgainstConnections(deps, args.config), null),
    'pairs/sync-now': ({ pairId, confirmDeletes }) => ({ runId: runs.start(pairId, pairs.lastFinishedRun(pairId) ? 'manual' : 'first-sync', false, confirmDeletes).run.id }),
    'pairs/full-resync': ({ pairId }) => ({ runId: runs.start(pairId, 'full-resync', true).run.id }),
    'pairs/pause': ({ pairId }) => {
      pairRow(pairId);
      pairs.setPaused(pairId, true, 'Paused by hand: press Resume to sync again.');
      // Paused means no more writes: the run in progress stops too (its cursor stays where it was).
      const current = runs.current(pairId);
      if (current) runs.cancel(current.id);
      feeds?.refresh();
      const s = summary(pairId);
      ctx.emit('pairs/changed', s);
      return s;
    },
    'pairs/resume': ({ pairId }) => {
      pairRow(pairId);
      pairs.setPaused(pairId, false, null);
      pairs.setPausedUntil(pairId, null);
      feeds?.refresh();
      const s = summary(pairId);
      ctx.emit('pairs/changed', s);
      return s;
    },
    'runs/list': ({ pairId, limit }) => {
      pairRow(pairId);
      return pairs.runs(pairId, limit ?? 50);
    },
    'runs/get': ({ runId }) => pairs.run(runId) ?? (() => { throw notFound('Run', runId); })(),
    'runs/cancel': ({ runId }) => {
      if (!pairs.run(runId)) throw notFound('Run', runId);
      return { cancelled: runs.cancel(runId) };
    },
    'conflicts/list': (query) => conflictList.page(query),
    'conflicts/facets': ({ status }) => conflictList.facets(status ?? 'open'),
    'conflicts/count': () => records.openCounts(),
    'conflicts/get': ({ conflictId }): ConflictDetail => {
      const c = records.conflict(conflictId);
      if (!c) throw notFound('Conflict', conflictId);
      const p = pairs.get(c.pairId);
      const label = (s: 'left' | 'right') => (p ? sideSummary(p.config[s]) : null);
      const l = label('left');
      const r = label('right');
      return {
        ...conflictSummary(c),
        masterSide: p?.config.masterSide ?? 'left',
        leftId: c.leftId,
        rightId: c.rightId,
        leftLabel: l ? `${l.connectionName} · ${l.collection}` : 'left',
        rightLabel: r ? `${r.connectionName} · ${r.collection}` : 'right',
        fields: c.data.fields,
        ...(c.data.deletedSide ? { deletedSide: c.data.deletedSide } : {}),
        ...(c.data.duplicate ? { duplicate: c.status === 'open' ? currentCandidates(c.pairId, c.data.duplicate) : c.data.duplicate } : {}),
        ...resolutionOf(c.id, (s) => (s === 'left' ? (l?.connectionName ?? 'left') : (r?.connectionName ?? 'right'))),
      };
    },
    'conflicts/resolve': async ({ conflictId, resolution }) => {
      const pairId = records.conflict(conflictId)?.pairId;
      const out = pairId ? await runs.exclusive(pairId, () => resolveConflict(deps, conflictId, resolution)) : await resolveConflict(deps, conflictId, resolution);
      emitConflicts();
      const c = records.conflict(conflictId);
      if (c && pairs.get(c.pairId)) ctx.emit('pairs/changed', summary(c.pairId));
      return out;
    },
    'conflicts/resolve-bulk': (req) => bulkJobs.start(req),
    'conflicts/bulk-get': ({ jobId }) => bulkJobs.get(jobId),
    'conflicts/bulk-cancel': ({ jobId }) => bulkJobs.cancel(jobId),
    'failed/list': ({ pairId }) => {
      pairRow(pairId);
      return records.failedList(pairId).map(({ leftId: _l, rightId: _r, ...f }) => f);
    },
    'failed/retry': async ({ failedId }) => {
      const f = ctx.db.prepare('SELECT pair_id, left_id, right_id FROM failed WHERE id = ?').get(failedId) as { pair_id: string; left_id: string | null; right_id: string | null } | undefined;
      if (!f) throw notFound('Failed record', failedId);
      // A run of its own (queued if the pair is busy): joining another run would leave the record to its backoff.
      await runs.retry(f.pair_id, { left: f.left_id ? [f.left_id] : [], right: f.right_id ? [f.right_id] : [] });
      const still = records.failedList(f.pair_id).find((x) => x.id === failedId);
      return still ? { status: 'failed' as const, error: still.error } : { status: 'done' as const, error: null };
    },
    'failed/retry-all': async ({ pairId }) => {
      pairRow(pairId);
      const all = records.failedList(pairId);
      if (all.length === 0) throw new ApiError('conflict', 'This pair has no failed records to retry.');
      const ids = { left: all.flatMap((f) => (f.leftId !== null ? [f.leftId] : [])), right: all.flatMap((f) => (f.rightId !== null ? [f.rightId] : [])) };
      const run = await runs.retry(pairId, ids);
      return { runId: run.id, retried: all.length, failed: records.failedCount(pairId) };
    },
    'activity/list': ({ pairId, record, limit }) => {
      pairRow(pairId);
      return records.activity({ pairId, ...(record ? { record } : {}), limit: limit ?? 200 }).map(({ recordId: _r, deleted: _d, ...a }) => a);
    },
    'activity/restore': async ({ activityId }) => {
      const pairId = records.activityEntry(activityId)?.pairId;
      await (pairId ? runs.exclusive(pairId, () => restoreActivity(deps, activityId)) : restoreActivity(deps, activityId));
      return { restored: true as const };
    },
  };

  return {
    handlers,
    deps,
    realtime: { events, worker },
    exclusive: runs.exclusive,
    /** Sends the pair's summary (pairs/changed): the cards show it, and its queued events are looked at again. */
    announce: (pairId: string) => {
      if (pairs.get(pairId)) ctx.emit('pairs/changed', summary(pairId));
    },
    async waitForRun(runId: string) {
      await runs.wait(runId);
    },
    async waitForBulkJob(jobId: string) {
      await bulkJobs.wait(jobId);
    },
    async close() {
      scheduler?.stop();
      // Listeners first: a signal arriving now would start a run that is aborted at once.
      await feeds?.close();
      // The queue stops starting runs now (it stops at once, before its first await) and is
      // waited for once the runs it may be waiting on were cancelled.
      const queueClosed = worker?.close();
      await bulkJobs.close();
      await runs.close();
      await queueClosed;
      if (!options.pool) await pool.close();
    },
  };
}
