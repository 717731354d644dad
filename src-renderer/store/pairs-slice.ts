import type { ActivityEntry, CapturePlan, ChangeDetection, CollectionField, ConnectionSummary, FailedRecord, LeftOutCollection, PairConfig, PairDetail, PairSummary, RunProgress, RunSummary, Side } from '../../src-main/engine/api/model';
import type { ApiMethod } from '../../src-main/engine/api/contract';
import { ApiCallError } from '../api/call';
import { plural } from '../components/plural';
import type { Outcome, SliceCreator } from './store';

export type PairExtras = {
  detail: PairDetail | null;
  runs: RunSummary[] | null;
  failed: FailedRecord[] | null;
  activity: ActivityEntry[] | null;
  /** How many activity entries are loaded (newest first); "Show more" raises it. */
  activityLimit: number;
  /** The activity's search (a record id, key or name, or a webhook's correlation id); empty: all of it. */
  activitySearch?: string;
  /** The fields of each side's collection, for the settings' field pickers (null until described, or when an app cannot be read). */
  appFields: { left: string[]; right: string[] } | null;
  /** The app fields the connector keeps itself (updated_at, the sync flag, concord_id): never offered as "not synced". */
  managedFields: { left: string[]; right: string[] } | null;
  /** The change-detection modes each side's collection offers (null until described). */
  modes?: { left: ChangeDetection[]; right: ChangeDetection[] } | null;
  error: ApiCallError | null;
};

/** Activity entries loaded at a time. */
export const ACTIVITY_PAGE = 200;

export type PairsSlice = {
  pairs: PairSummary[];
  pairsLoaded: boolean;
  pairsError: ApiCallError | null;
  demoError: ApiCallError | null;
  /** Live progress of the run in flight, per pair (from `run/progress`). */
  progress: Record<string, RunProgress>;
  /** The last failed action on a pair card (Sync now, Pause…), shown on that card. */
  pairErrors: Record<string, ApiCallError | undefined>;
  /** The API method in flight per pair, so buttons disable at once (before the engine's event arrives). */
  pending: Record<string, ApiMethod | undefined>;
  extras: Record<string, PairExtras>;
  /** Unsaved edits of a pair's settings, kept across the detail's tabs; null/absent: the form shows the saved config. */
  settingsDrafts: Record<string, PairConfig | undefined>;
  editSettings(pairId: string, config: PairConfig | null): void;
  loadPairs(): Promise<void>;
  /** `confirmDeletes`: apply the deletes the mass-delete guard stopped (the count it showed), for this one run. */
  syncNow(pairId: string, options?: { confirmDeletes?: number }): Promise<void>;
  fullResync(pairId: string): Promise<void>;
  cancelRun(pairId: string): Promise<void>;
  setPaused(pairId: string, paused: boolean): Promise<void>;
  createDemo(): Promise<string | null>;
  loadPairDetail(pairId: string): Promise<void>;
  /** Capture mode's SQL for a connection's collection: shown (`plan`), or run once the user confirmed that SQL (its hash). */
  capture(connectionId: string, collection: string, action: 'plan' | 'install' | 'remove', hash?: string): Promise<Outcome<CapturePlan>>;
  loadRuns(pairId: string): Promise<void>;
  loadFailed(pairId: string): Promise<void>;
  /** `limit`: how many entries to hold (default: as many as are loaded now); `search`: a new search (default: the one shown). */
  loadActivity(pairId: string, limit?: number, search?: string): Promise<void>;
  retryFailed(pairId: string, failedId: string): Promise<void>;
  /** Retries every failed record of the pair in one run. */
  retryAllFailed(pairId: string): Promise<void>;
  /** `done`: the notice to show once it is restored (default: an overwritten value was restored). */
  restoreActivity(pairId: string, activityId: string, done?: string): Promise<void>;
  updatePair(pairId: string, config: PairConfig): Promise<{ ok: true; needsFullResync: boolean } | { ok: false; error: ApiCallError }>;
  deletePair(pairId: string): Promise<boolean>;
  listConnections(): Promise<Outcome<ConnectionSummary[]>>;
  /**
   * Changes the saved connection of one side of a pair (a moved file, a new password) so that it
   * still serves the pair: the engine checks it reaches the same app and puts it back as it was
   * when not (pairs/edit-connection), with no run of the pair meanwhile.
   */
  updateConnection(
    change: { name: string; config: Record<string, string | number | boolean>; secret: string },
    pair: { pairId: string; side: Side },
  ): Promise<Outcome<{ connection: ConnectionSummary; collections: number; leftOut: LeftOutCollection[] }>>;
  /** Engine events: a pair's summary replaced, a pair removed, progress, a finished run. */
  applyPairChanged(pair: PairSummary): void;
  applyPairRemoved(pairId: string): void;
  applyProgress(progress: RunProgress): void;
  applyRunFinished(run: RunSummary): void;
};

const emptyExtras: PairExtras = { detail: null, runs: null, failed: null, activity: null, activityLimit: ACTIVITY_PAGE, appFields: null, managedFields: null, error: null };

/** Whether `a` was built before `b` (summaries without a revision are never older). */
const isOlder = (a: PairSummary, b: PairSummary): boolean => a.revision !== undefined && b.revision !== undefined && a.revision < b.revision;
/** `listed`, unless `known` is a newer summary of the same pair. */
const newer = (listed: PairSummary, known: PairSummary | undefined): PairSummary => (known && isOlder(listed, known) ? known : listed);

export const createPairsSlice: SliceCreator<PairsSlice> = (set, get, { call, guard }) => {
  const patchExtras = (pairId: string, patch: Partial<PairExtras>): void => {
    const extras = get().extras;
    set({ extras: { ...extras, [pairId]: { ...(extras[pairId] ?? emptyExtras), ...patch } } });
  };
  const setPending = (pairId: string, action: ApiMethod | undefined): void =>
    set({ pending: { ...get().pending, [pairId]: action } });
  const setPairError = (pairId: string, error: ApiCallError | undefined): void =>
    set({ pairErrors: { ...get().pairErrors, [pairId]: error } });

  /** One card action: marks it pending, clears the card's last error, records a new one. */
  async function cardAction<T>(pairId: string, method: ApiMethod, run: () => Promise<T>): Promise<T | null> {
    setPending(pairId, method);
    setPairError(pairId, undefined);
    const result = await guard(method, run);
    setPending(pairId, undefined);
    if (result.ok) return result.value;
    setPairError(pairId, result.error);
    return null;
  }

  return {
    pairs: [],
    pairsLoaded: false,
    pairsError: null,
    demoError: null,
    progress: {},
    pairErrors: {},
    pending: {},
    extras: {},
    settingsDrafts: {},

    editSettings(pairId, config) {
      set({ settingsDrafts: { ...get().settingsDrafts, [pairId]: config ?? undefined } });
    },
    async loadPairs() {
      const result = await guard('pairs/list', () => call('pairs/list', {}));
      // A listed summary older than one an event brought meanwhile (a run that finished while the
      // list was on its way) must not put the older state back: the newer one stays.
      if (result.ok) set({ pairs: result.value.map((p) => newer(p, get().pairs.find((k) => k.id === p.id))), pairsLoaded: true, pairsError: null });
      else set({ pairsError: result.error, pairsLoaded: true });
    },
    async syncNow(pairId, options = {}) {
      await cardAction(pairId, 'pairs/sync-now', () => call('pairs/sync-now', options.confirmDeletes !== undefined ? { pairId, confirmDeletes: options.confirmDeletes } : { pairId }));
    },
    async fullResync(pairId) {
      await cardAction(pairId, 'pairs/full-resync', () => call('pairs/full-resync', { pairId }));
    },
    async cancelRun(pairId) {
      const runId = get().pairs.find((p) => p.id === pairId)?.running?.id ?? get().progress[pairId]?.runId;
      if (!runId) return;
      const answer = await cardAction(pairId, 'runs/cancel', () => call('runs/cancel', { runId }));
      // The run ended before the cancel reached it: say so, rather than a button that just greys out.
      if (answer && !answer.cancelled) get().notify('info', 'The run had already finished, so there was nothing to cancel.');
    },
    async setPaused(pairId, paused) {
      const summary = await cardAction(pairId, paused ? 'pairs/pause' : 'pairs/resume', () =>
        call(paused ? 'pairs/pause' : 'pairs/resume', { pairId }),
      );
      if (summary) get().applyPairChanged(summary);
    },
    async createDemo() {
      set({ demoError: null });
      const result = await guard('demo/create', () => call('demo/create', {}));
      if (!result.ok) {
        set({ demoError: result.error });
        return null;
      }
      await get().loadPairs();
      return result.value.pairId;
    },
    async loadPairDetail(pairId) {
      const result = await guard('pairs/get', () => call('pairs/get', { pairId }));
      if (!result.ok) return patchExtras(pairId, { error: result.error });
      const fresher = get().pairs.find((p) => p.id === pairId);
      patchExtras(pairId, { detail: fresher && isOlder(result.value, fresher) ? { ...result.value, ...fresher } : result.value, error: null });
      // The pickers of the settings' mapping: each side's fields as its app has them now. An app
      // that cannot be read leaves free-text boxes (the engine still checks every field on save).
      const collectionOf = async (side: 'left' | 'right') => {
        const { connectionId, collection } = result.value.config[side];
        const described = await guard('connections/describe', () => call('connections/describe', { connectionId }));
        return described.ok ? (described.value.find((c) => c.name === collection) ?? null) : null;
      };
      const [leftInfo, rightInfo] = await Promise.all([collectionOf('left'), collectionOf('right')]);
      const left = leftInfo?.fields;
      const right = rightInfo?.fields;
      const names = (fields: CollectionField[]) => fields.map((f) => f.name);
      const managed = (fields: CollectionField[]) => fields.filter((f) => f.managed).map((f) => f.name);
      if (left && right) patchExtras(pairId, { appFields: { left: names(left), right: names(right) }, managedFields: { left: managed(left), right: managed(right) } });
      if (leftInfo && rightInfo) patchExtras(pairId, { modes: { left: leftInfo.changeDetection, right: rightInfo.changeDetection } });
    },
    capture(connectionId, collection, action, hash = '') {
      if (action === 'plan') return guard('connections/capture-plan', () => call('connections/capture-plan', { connectionId, collection }));
      if (action === 'install') return guard('connections/capture-install', () => call('connections/capture-install', { connectionId, collection, installHash: hash }));
      return guard('connections/capture-remove', () => call('connections/capture-remove', { connectionId, collection, removeHash: hash }));
    },
    async loadRuns(pairId) {
      const result = await guard('runs/list', () => call('runs/list', { pairId, limit: 50 }));
      if (result.ok) patchExtras(pairId, { runs: result.value, error: null });
      else patchExtras(pairId, { error: result.error });
    },
    async loadFailed(pairId) {
      const result = await guard('failed/list', () => call('failed/list', { pairId }));
      if (result.ok) patchExtras(pairId, { failed: result.value, error: null });
      else patchExtras(pairId, { error: result.error });
    },
    async loadActivity(pairId, limit, search) {
      const want = limit ?? get().extras[pairId]?.activityLimit ?? ACTIVITY_PAGE;
      const record = search ?? get().extras[pairId]?.activitySearch ?? '';
      if (search !== undefined) patchExtras(pairId, { activitySearch: search });
      const result = await guard('activity/list', () => call('activity/list', { pairId, limit: want, ...(record.trim() ? { record: record.trim() } : {}) }));
      // The answer to a search typed over since is dropped: the newer one's answer follows.
      if ((get().extras[pairId]?.activitySearch ?? '') !== record) return;
      if (result.ok) patchExtras(pairId, { activity: result.value, activityLimit: want, error: null });
      else patchExtras(pairId, { error: result.error });
    },
    async retryFailed(pairId, failedId) {
      const result = await guard('failed/retry', () => call('failed/retry', { failedId }));
      if (!result.ok) return patchExtras(pairId, { error: result.error });
      if (result.value.status === 'done') get().notify('success', 'The record was written.');
      else get().notify('error', `The retry failed again: ${result.value.error ?? 'no reason given'}`);
      await get().loadFailed(pairId);
    },
    async retryAllFailed(pairId) {
      const result = await guard('failed/retry-all', () => call('failed/retry-all', { pairId }));
      if (!result.ok) return patchExtras(pairId, { error: result.error });
      const { retried, failed } = result.value;
      if (failed === 0) get().notify('success', `Retried ${plural(retried, 'failed record')}: all written.`);
      else get().notify('error', `${plural(retried - failed, 'record')} of ${retried.toLocaleString()} written; ${plural(failed, 'record')} failed again — see the errors below.`);
      await get().loadFailed(pairId);
    },
    async restoreActivity(pairId, activityId, done) {
      const result = await guard('activity/restore', () => call('activity/restore', { activityId }));
      if (!result.ok) return patchExtras(pairId, { error: result.error });
      get().notify('success', done ?? 'The overwritten value was restored.');
      await get().loadActivity(pairId);
    },
    async updatePair(pairId, config) {
      const result = await guard('pairs/update', () => call('pairs/update', { pairId, config }));
      if (!result.ok) return result;
      // The answer's config is the saved one; its summary part may be older than an event that
      // overtook the answer (the feed listening already): then the fresher summary stays.
      const fresher = get().pairs.find((p) => p.id === pairId);
      patchExtras(pairId, { detail: fresher && isOlder(result.value.pair, fresher) ? { ...result.value.pair, ...fresher } : result.value.pair });
      get().editSettings(pairId, null);
      get().applyPairChanged(result.value.pair);
      return { ok: true, needsFullResync: result.value.needsFullResync };
    },
    async deletePair(pairId) {
      const result = await guard('pairs/delete', () => call('pairs/delete', { pairId }));
      if (!result.ok) {
        patchExtras(pairId, { error: result.error });
        return false;
      }
      get().applyPairRemoved(pairId);
      return true;
    },

    listConnections: () => guard('connections/list', () => call('connections/list', {})),
    async updateConnection(change, { pairId, side }) {
      const before = get().pairs.find((p) => p.id === pairId);
      const saved = await guard('pairs/edit-connection', () => call('pairs/edit-connection', { pairId, side, name: change.name, config: change.config, ...(change.secret === '' ? {} : { secret: change.secret }) }));
      // The pairs show the connection's name: a renamed one reads anew there too.
      if (saved.ok && before && saved.value.connection.name !== before[side].connectionName) void get().loadPairs();
      return saved;
    },

    applyPairChanged(pair) {
      const pairs = get().pairs;
      const index = pairs.findIndex((p) => p.id === pair.id);
      const known = pairs[index];
      if (known && isOlder(pair, known)) return;
      const next = index === -1 ? [...pairs, pair] : pairs.map((p) => (p.id === pair.id ? pair : p));
      const extras = get().extras[pair.id];
      // Keep the detail's config; the summary part is the fresher one.
      if (extras?.detail) patchExtras(pair.id, { detail: { ...extras.detail, ...pair } });
      set({ pairs: next });
    },
    applyPairRemoved(pairId) {
      const { [pairId]: _gone, ...progress } = get().progress;
      set({ pairs: get().pairs.filter((p) => p.id !== pairId), progress });
    },
    applyProgress(progress) {
      set({ progress: { ...get().progress, [progress.pairId]: progress } });
    },
    applyRunFinished(run) {
      const { [run.pairId]: _done, ...progress } = get().progress;
      const pairs = get().pairs.map((p) => (p.id === run.pairId ? { ...p, running: null, lastRun: run } : p));
      const extras = get().extras[run.pairId];
      set({ progress, pairs });
      if (extras?.runs) patchExtras(run.pairId, { runs: [run, ...extras.runs.filter((r) => r.id !== run.id)] });
    },
  };
};
