import type { SliceCreator } from './store';

export type ActivityFile = { fileName: string; csv: string; rows: number };

export type PrivacySlice = {
  /** The pair's activity log as a CSV file's name and text (null after a failure, which is shown as a notice). */
  exportActivity(pairId: string): Promise<ActivityFile | null>;
};

export const createPrivacySlice: SliceCreator<PrivacySlice> = (_set, get, { call, guard }) => ({
  async exportActivity(pairId) {
    const result = await guard('activity/export', () => call('activity/export', { pairId }));
    if (result.ok) return result.value;
    get().notify('error', `The activity log could not be exported: ${result.error.message}`);
    return null;
  },
});
