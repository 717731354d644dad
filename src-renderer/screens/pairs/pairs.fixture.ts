/**
 * Engine answers for the pair card and pair detail component tests: each factory returns a value
 * of the contract's shape, with the overrides a test names. Only tests import this file.
 */
import type { ActivityEntry, FailedRecord, PairConfig, PairDetail, PairSummary, RunProgress, RunSummary, SyncEvent } from '../../../src-main/engine/api/model';

export const runSummary = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: 'r1',
  pairId: 'p1',
  trigger: 'manual',
  mode: 'incremental',
  status: 'succeeded',
  startedAt: '2026-01-01T09:00:00Z',
  finishedAt: '2026-01-01T09:00:02Z',
  durationMs: 2000,
  counts: { read: 3, created: 1, updated: 1, deleted: 0, conflicts: 0, failed: 0, skipped: 1 },
  error: null,
  ...over,
});

export const pairSummary = (over: Partial<PairSummary> = {}): PairSummary => ({
  id: 'p1',
  name: 'CRM ⇄ Billing',
  left: { connectionId: 'c1', connectionName: 'CRM', connector: 'sqlite', collection: 'contacts' },
  right: { connectionId: 'c2', connectionName: 'Billing', connector: 'csv', collection: 'customers' },
  masterSide: 'left',
  health: 'in-sync',
  paused: false,
  healthReason: null,
  awaitingDeleteConfirmation: null,
  lastRun: null,
  running: null,
  openConflicts: 0,
  queued: 0,
  failed: 0,
  linked: 0,
  intervalSeconds: null,
  nextRunAt: null,
  ...over,
});

export const pairConfig = (over: Partial<PairConfig> = {}): PairConfig => ({
  name: 'CRM ⇄ Billing',
  left: { connectionId: 'c1', collection: 'contacts' },
  right: { connectionId: 'c2', collection: 'customers' },
  fields: [
    { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['mail'] }, direction: 'both' },
    { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['full_name'] }, direction: 'both' },
  ],
  matchKeys: ['email'],
  masterSide: 'left',
  conflictPolicy: 'manual',
  deletes: { propagate: true, massDeleteThreshold: 0.2 },
  schedule: { intervalSeconds: 300 },
  ...over,
});

export const pairDetail = (over: Partial<PairSummary> = {}, config: PairConfig = pairConfig()): PairDetail => ({
  ...pairSummary(over),
  config,
  createdAt: '2026-01-01T08:00:00Z',
  updatedAt: '2026-01-01T08:00:00Z',
});

export const runProgress = (over: Partial<RunProgress> = {}): RunProgress => ({
  pairId: 'p1',
  runId: 'r2',
  phase: 'reading',
  read: 0,
  total: null,
  written: 0,
  ...over,
});

export const failedRecord = (over: Partial<FailedRecord> = {}): FailedRecord => ({
  id: 'f1',
  pairId: 'p1',
  side: 'right',
  op: 'update',
  record: 'ann@example.com',
  error: 'Billing refused the row: column "mail" must be unique.',
  attempts: 3,
  nextAttemptAt: null,
  failedAt: '2026-01-01T09:00:01Z',
  ...over,
});

export const activityEntry = (over: Partial<ActivityEntry> = {}): ActivityEntry => ({
  id: 'a1',
  pairId: 'p1',
  runId: 'r1',
  record: 'ann@example.com',
  side: 'left',
  action: 'updated',
  field: 'name',
  before: 'Ann Smith',
  after: 'Ann Jones',
  reason: 'changed in Billing',
  at: '2026-01-01T09:00:01Z',
  restorable: true,
  ...over,
});

export const syncEvent = (over: Partial<SyncEvent & { seq: number }> = {}): SyncEvent & { seq: number } => ({
  seq: 1,
  correlationId: 'evt_AAAAAAAAAAAAAAAAAAAAAA',
  pairId: 'p1',
  side: 'left',
  source: 'webhook',
  recordId: '42',
  kind: 'upsert',
  fat: false,
  state: 'applied',
  attempts: 1,
  nextAttemptAt: null,
  receivedAt: '2026-01-01T09:00:00Z',
  finishedAt: '2026-01-01T09:00:01Z',
  runId: 'r1',
  detail: { wrote: [{ side: 'right', action: 'updated', recordId: '7', fields: ['name'] }] },
  ...over,
});

/** A promise the test settles when it chooses: a call that is still in flight. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
