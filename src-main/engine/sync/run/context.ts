/**
 * What every stage of a run shares: the pair, its two sides, the counts, the working state in
 * SQLite, and the few in-memory sets whose size is bounded by trouble, not by the pair's size
 * (records held by the inbox, failed records backing off, an interrupted run's decisions, ops a
 * rate limit or a cancel left unsent).
 */
import type { PairConfig, RunCounts, RunProgress, Side } from '../../api/model';
import type { CallLimits } from '../../connections/calls';
import type { ConnectorPool } from '../../connections/pool';
import type { ConnectionService } from '../../connections/service';
import type { CanonicalRecord } from '../../core/canonical';
import type { AppRecord } from '../../connectors/types';
import type { PlannedOp } from '../../core/plan';
import type { Interrupted } from '../../core/resume';
import type { PairStore } from '../pair-store';
import type { RecordsStore } from '../records-store';
import type { RateLimited, SideIo } from '../side-io';
import type { StateStore } from '../state-store';
import type { WorkingState } from './working-state';

export type RunDeps = {
  pairs: PairStore;
  state: StateStore;
  records: RecordsStore;
  connections: ConnectionService;
  /**
   * How the engine reaches connectors: the pool that keeps them open between runs, resolutions and
   * previews; the engine's shutdown signal (reaches a resolution or preview waiting on a network);
   * configured time limits. Without a pool, each user opens and closes its own connector.
   */
  connectors?: { signal: AbortSignal; limits?: Partial<CallLimits>; pool?: ConnectorPool };
};
export type RunRequest = {
  pairId: string;
  runId: string;
  full: boolean;
  signal: AbortSignal;
  onProgress: (p: Omit<RunProgress, 'pairId' | 'runId'>) => void;
  /**
   * Retry mode: process just these records (read by id); no change feed, no cursor move. An event
   * run (sync/events/worker.ts) also hands, per side and record id, the correlation ids of the
   * events that named it, and the record a fat event carried (used as read, not read again).
   */
  only?: { left: string[]; right: string[]; events?: Record<Side, Map<string, { correlationId: string; record: AppRecord | null }>> };
  /** A user confirmed the deletes the mass-delete guard stopped (this many records gone): this run applies up to that many. */
  confirmDeletes?: number;
};

export const SIDES = ['left', 'right'] as const;
export const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');
/** Records per batch in every stage: small enough that one batch's planning and commit stay far below a 200 ms turn. */
export const BATCH = 500;

/**
 * The correlation ids of the events that brought an op's change: those naming its source record
 * (the other side's), else its target. Null outside an event run.
 */
export function correlationOf(req: RunRequest, op: Pick<PlannedOp, 'side' | 'sourceId' | 'targetId'>): string | null {
  const events = req.only?.events;
  if (!events) return null;
  const src = op.sourceId !== null ? events[other(op.side)].get(op.sourceId) : undefined;
  const tgt = op.targetId !== null ? events[op.side].get(op.targetId) : undefined;
  return src?.correlationId ?? tgt?.correlationId ?? null;
}

export type PendingCreate = { id: number; side: Side; sourceId: string | null; payload: CanonicalRecord };

export type RunContext = {
  deps: RunDeps;
  req: RunRequest;
  pairId: string;
  runId: string;
  config: PairConfig;
  io: Record<Side, SideIo>;
  counts: RunCounts;
  work: WorkingState;
  names: string[];
  keyOf: (c: CanonicalRecord) => string | null;
  sideNames: Record<Side, string>;
  /** Records held by an open duplicate conflict: they wait for the steward. */
  held: Record<Side, Set<string>>;
  /** Of those, the ones held only for want of a match key, with their conflict's id (released once they have one). */
  emptyKeyHolds: Record<Side, Map<string, string>>;
  /** Records a steward's resolution released from the inbox (released.ts): read by id this run, forgotten once it has matched them. */
  released: Record<Side, string[]>;
  /** Failed records whose next attempt is in the future. */
  waiting: Record<Side, Set<string>>;
  /** An interrupted run's update decisions, by link id: finished, not re-planned (core/resume.ts). */
  interrupted: Map<number, Interrupted>;
  /** Whether an interrupted run left creates to look up (crash recovery, PITFALLS 15). */
  hasPendingCreates: boolean;
  /**
   * Whether the pair had links when this stage began (a first sync has none): with none, no read
   * record can be linked and no complete scan can find a linked record gone, so lookups are skipped.
   */
  hasLinks: boolean;
  /** Per side: the app never reuses a record's id (CollectionInfo.stableIds), so a linked id needs no identity check. */
  stableIds: Record<Side, boolean>;
  /** Links planned this run: the other side's read skips them (their versions may not have moved, e.g. a failed write). */
  planned: Set<number>;
  /** Ids of records whose op a rate limit or a cancel left unsent: their flags stay, the cursor stays. */
  unprocessed: Record<Side, Set<string>>;
  rateLimited: RateLimited | null;
  totals: Record<Side, number | null>;
  written: number;
  /** The stage running now, as progress reports name it. */
  phase: RunProgress['phase'];
  progress(phase: RunProgress['phase']): void;
};
