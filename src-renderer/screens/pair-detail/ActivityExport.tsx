import { useBusy } from '../../components/use-busy';
import { useConcord } from '../../store/react';

/**
 * "Export CSV" on the activity tab: the whole log (not only the entries loaded) as a file the
 * browser or Electron saves. The engine already neutralised formula-like cells; the byte-order
 * mark makes spreadsheets read the file as UTF-8.
 */
export function ActivityExportButton({ pairId }: { pairId: string }) {
  const exportActivity = useConcord((s) => s.exportActivity);
  const notify = useConcord((s) => s.notify);
  const [busy, whileBusy] = useBusy();
  const save = async () => {
    const file = await exportActivity(pairId);
    if (!file) return;
    const url = URL.createObjectURL(new Blob(['\uFEFF', file.csv], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = file.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked after the click has handed the file over, never before.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    notify('success', `Exported ${file.rows} activity ${file.rows === 1 ? 'entry' : 'entries'} to ${file.fileName}.`);
  };
  return (
    <button type="button" disabled={busy} onClick={() => void whileBusy(save)}>
      {busy ? 'Exporting…' : 'Export CSV'}
    </button>
  );
}
