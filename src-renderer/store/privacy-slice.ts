import type { FormulaWarning } from '../../src-main/engine/api/model';
import type { SliceCreator } from './store';

export type ActivityFile = { fileName: string; csv: string; rows: number };

export type PrivacySlice = {
  /** The pair's activity log as a CSV file's name and text (null after a failure, which is shown as a notice). */
  exportActivity(pairId: string): Promise<ActivityFile | null>;
  /**
   * Turns on the setting a preview's formula warning names (a CSV connection's "Neutralise
   * formulas"), keeps the wizard's copy of that connection in step, and previews again.
   */
  neutraliseFormulas(warning: FormulaWarning): Promise<boolean>;
};

export const createPrivacySlice: SliceCreator<PrivacySlice> = (_set, get, { call, guard }) => ({
  async exportActivity(pairId) {
    const result = await guard('activity/export', () => call('activity/export', { pairId }));
    if (result.ok) return result.value;
    get().notify('error', `The activity log could not be exported: ${result.error.message}`);
    return null;
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
