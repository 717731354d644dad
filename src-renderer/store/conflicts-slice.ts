import type { ConflictDetail, ConflictSummary, Resolution, ResolveOutcome } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import { reconcileDraft, withPick, type MergeDraft, type Pick } from './merge-drafts';
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
  /**
   * The steward's unapplied choices per conflict, kept while they look at other conflicts; dropped
   * when the conflict is resolved or leaves the open list, and per field when its values change.
   */
  mergeDrafts: Record<string, MergeDraft | undefined>;
  setPick(conflictId: string, field: string, pick: Pick | undefined): void;
  setPicks(conflictId: string, picks: Record<string, Pick>): void;
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
  mergeDrafts: {},

  setPick(conflictId, field, pick) {
    const drafts = get().mergeDrafts;
    set({ mergeDrafts: { ...drafts, [conflictId]: withPick(drafts[conflictId], get().conflictDetails[conflictId], field, pick) } });
  },
  setPicks(conflictId, picks) {
    const detail = get().conflictDetails[conflictId];
    const draft = Object.entries(picks).reduce<MergeDraft | undefined>((d, [field, pick]) => withPick(d, detail, field, pick), get().mergeDrafts[conflictId]);
    set({ mergeDrafts: { ...get().mergeDrafts, [conflictId]: draft } });
  },
  async loadConflictCount() {
    const result = await guard('conflicts/count', () => call('conflicts/count', {}));
    if (result.ok) get().applyConflictCount(result.value);
  },
  async loadConflicts() {
    const result = await guard('conflicts/list', () => call('conflicts/list', { status: 'open' }));
    if (result.ok) {
      // A conflict resolved elsewhere (another window, the CLI) takes its draft with it.
      const open = new Set(result.value.map((c) => c.id));
      const mergeDrafts = Object.fromEntries(Object.entries(get().mergeDrafts).filter(([id]) => open.has(id)));
      set({ conflicts: result.value, conflictsLoaded: true, conflictsError: null, mergeDrafts });
    } else set({ conflictsError: result.error, conflictsLoaded: true });
  },
  async loadConflict(conflictId) {
    const result = await guard('conflicts/get', () => call('conflicts/get', { conflictId }));
    if (result.ok) {
      set({
        conflictDetails: { ...get().conflictDetails, [conflictId]: result.value },
        conflictErrors: { ...get().conflictErrors, [conflictId]: undefined },
        mergeDrafts: { ...get().mergeDrafts, [conflictId]: reconcileDraft(get().mergeDrafts[conflictId], result.value) },
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
    if (outcome.status === 'resolved') {
      set({ conflicts: get().conflicts.filter((c) => c.id !== conflictId), mergeDrafts: { ...get().mergeDrafts, [conflictId]: undefined } });
    }
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
      mergeDrafts: Object.fromEntries(Object.entries(get().mergeDrafts).filter(([id]) => !resolved.has(id))),
      bulkOutcome: { resolved: resolved.size, failed: result.value.filter((o) => o.status === 'failed') },
    });
  },
  applyConflictCount(count) {
    set({ openCount: count.open, openByPair: count.byPair });
  },
});
