import type { ForgetResult, FormulaWarning, PrivacySettings, PruneResult } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import type { SliceCreator } from './store';

export type ActivityFile = { fileName: string; csv: string; rows: number };

export type PrivacySlice = {
  privacy: PrivacySettings | null;
  privacyError: ApiCallError | null;
  loadPrivacy(): Promise<void>;
  /** Saves the retention period; the error (a period out of range) is returned for the form to show. */
  setRetention(days: number): Promise<ApiCallError | null>;
  pruneNow(): Promise<PruneResult | null>;
  /** Forgets a person by key (an email); the error (a key too short, a sync running) is returned for the form to show. */
  forgetPerson(key: string): Promise<{ ok: true; value: ForgetResult } | { ok: false; error: ApiCallError }>;
  /** The pair's activity log as a CSV file's name and text (null after a failure, which is shown as a notice). */
  exportActivity(pairId: string): Promise<ActivityFile | null>;
  /**
   * Turns on the setting a preview's formula warning names (a CSV connection's "Neutralise
   * formulas"), keeps the wizard's copy of that connection in step, and previews again.
   */
  neutraliseFormulas(warning: FormulaWarning): Promise<boolean>;
};

export const createPrivacySlice: SliceCreator<PrivacySlice> = (set, get, { call, guard }) => ({
  privacy: null,
  privacyError: null,
  async loadPrivacy() {
    const result = await guard('privacy/settings', () => call('privacy/settings', {}));
    if (result.ok) set({ privacy: result.value, privacyError: null });
    else set({ privacyError: result.error });
  },
  async setRetention(days) {
    const result = await guard('privacy/set-retention', () => call('privacy/set-retention', { days }));
    if (!result.ok) return result.error;
    set({ privacy: result.value, privacyError: null });
    get().notify('success', `Activity, runs, resolved conflicts and journal rows are now kept for ${days} ${days === 1 ? 'day' : 'days'}.`);
    return null;
  },
  async pruneNow() {
    const result = await guard('privacy/prune', () => call('privacy/prune', {}));
    if (!result.ok) {
      set({ privacyError: result.error });
      return null;
    }
    const prev = get().privacy;
    if (prev) set({ privacy: { ...prev, lastPrune: result.value } });
    return result.value;
  },
  async exportActivity(pairId) {
    const result = await guard('activity/export', () => call('activity/export', { pairId }));
    if (result.ok) return result.value;
    get().notify('error', `The activity log could not be exported: ${result.error.message}`);
    return null;
  },
  async forgetPerson(key) {
    const result = await guard('privacy/forget', () => call('privacy/forget', { key }));
    if (result.ok) {
      // Lists loaded before (activity, conflicts, failed records) may show what was just forgotten.
      set({ extras: {} });
      void get().loadPairs();
    }
    return result;
  },
  async neutraliseFormulas({ side, connectionId, setting, settingLabel }) {
    const current = await guard('connections/list', () => call('connections/list', {}));
    const connection = current.ok ? current.value.find((c) => c.id === connectionId) : undefined;
    const updated = connection
      ? await guard('connections/update', () => call('connections/update', { connectionId, config: { ...connection.config, [setting]: true } }))
      : current.ok ? null : current;
    if (!updated || !updated.ok) {
      get().notify('error', `"${settingLabel}" could not be turned on${updated ? `: ${updated.error.message}` : ': the connection is gone.'}`);
      return false;
    }
    const draft = get().draft[side];
    if (draft.connection?.id === connectionId) get().patchSide(side, { connection: updated.value, config: { ...draft.config, [setting]: true } });
    get().notify('success', `"${settingLabel}" is on for ${updated.value.name}.`);
    await get().loadPreview();
    return true;
  },
});
