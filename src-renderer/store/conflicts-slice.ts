import type { ConflictDetail, ConflictSummary, Resolution, ResolveOutcome } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import type { SliceCreator } from './store';

export type ConflictsSlice = {
  openCount: number;
  openByPair: Record<string, number>;
  conflicts: ConflictSummary[];
  conflictsLoaded: boolean;
  conflictsError: ApiCallError | null;
  conflictDetails: Record<string, ConflictDetail | undefined>;
  conflictErrors: Record<string, ApiCallError | undefined>;
  /** The last outcome of Apply per conflict, so the panel can say what was written. */
  outcomes: Record<string, ResolveOutcome | undefined>;
  bulkOutcome: { resolved: number; failed: ResolveOutcome[] } | null;
  loadConflictCount(): Promise<void>;
  loadConflicts(): Promise<void>;
  loadConflict(conflictId: string): Promise<void>;
  resolveConflict(conflictId: string, resolution: Resolution): Promise<ResolveOutcome | null>;
  resolveBulk(conflictIds: string[], take: 'master' | 'slave'): Promise<void>;
  applyConflictCount(count: { open: number; byPair: Record<string, number> }): void;
};

export const createConflictsSlice: SliceCreator<ConflictsSlice> = (set, get, { call, guard }) => ({
  openCount: 0,
  openByPair: {},
  conflicts: [],
  conflictsLoaded: false,
  conflictsError: null,
  conflictDetails: {},
  conflictErrors: {},
  outcomes: {},
  bulkOutcome: null,

  async loadConflictCount() {
    const result = await guard('conflicts/count', () => call('conflicts/count', {}));
    if (result.ok) get().applyConflictCount(result.value);
  },
  async loadConflicts() {
    const result = await guard('conflicts/list', () => call('conflicts/list', { status: 'open' }));
    if (result.ok) set({ conflicts: result.value, conflictsLoaded: true, conflictsError: null });
    else set({ conflictsError: result.error, conflictsLoaded: true });
  },
  async loadConflict(conflictId) {
    const result = await guard('conflicts/get', () => call('conflicts/get', { conflictId }));
    if (result.ok) {
      set({
        conflictDetails: { ...get().conflictDetails, [conflictId]: result.value },
        conflictErrors: { ...get().conflictErrors, [conflictId]: undefined },
      });
    } else set({ conflictErrors: { ...get().conflictErrors, [conflictId]: result.error } });
  },
  async resolveConflict(conflictId, resolution) {
    set({ conflictErrors: { ...get().conflictErrors, [conflictId]: undefined } });
    const result = await guard('conflicts/resolve', () => call('conflicts/resolve', { conflictId, resolution }));
    if (!result.ok) {
      set({ conflictErrors: { ...get().conflictErrors, [conflictId]: result.error } });
      return null;
    }
    const outcome = result.value;
    set({ outcomes: { ...get().outcomes, [conflictId]: outcome } });
    // A resolved conflict leaves the open list; a failed one stays, with its outcome shown.
    if (outcome.status === 'resolved') set({ conflicts: get().conflicts.filter((c) => c.id !== conflictId) });
    return outcome;
  },
  async resolveBulk(conflictIds, take) {
    set({ bulkOutcome: null, conflictsError: null });
    const result = await guard('conflicts/resolve-bulk', () => call('conflicts/resolve-bulk', { conflictIds, take }));
    if (!result.ok) {
      set({ conflictsError: result.error });
      return;
    }
    const resolved = new Set(result.value.filter((o) => o.status === 'resolved').map((o) => o.conflictId));
    set({
      conflicts: get().conflicts.filter((c) => !resolved.has(c.id)),
      bulkOutcome: { resolved: resolved.size, failed: result.value.filter((o) => o.status === 'failed') },
    });
  },
  applyConflictCount(count) {
    set({ openCount: count.open, openByPair: count.byPair });
  },
});
