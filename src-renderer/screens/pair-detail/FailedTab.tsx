import { ListTable } from '../../components/ListTable';
import { plural } from '../../components/plural';
import { useBusy } from '../../components/use-busy';
import { Time } from '../../components/widgets';
import { useConcord } from '../../store/react';
import { useSideName } from './use-side-name';

/**
 * The pair's failed records. "Retry all" retries every one of them in one run (a file that was
 * read-only fails hundreds of records the same way: they are retried together, not one click each).
 */
export function FailedTab({ pairId }: { pairId: string }) {
  const failed = useConcord((s) => s.extras[pairId]?.failed);
  const retry = useConcord((s) => s.retryFailed);
  const retryAll = useConcord((s) => s.retryAllFailed);
  const sideName = useSideName(pairId);
  const [busy, whileBusy] = useBusy();
  return (
    <>
      {failed && failed.length > 1 && (
        <p>
          <button type="button" disabled={busy} onClick={() => void whileBusy(() => retryAll(pairId))}>
            {busy ? `Retrying ${plural(failed.length, 'record')}…` : `Retry all ${failed.length}`}
          </button>
        </p>
      )}
      <ListTable
        label="Failed records"
        items={failed}
        empty="No failed records. Records an app refuses appear here with its error and a Retry button."
        columns={['Record', 'Write', 'Error', 'Attempts', 'Next attempt', { hidden: 'Actions' }]}
        row={(f) => (
          <>
            <td>{f.record}</td>
            <td>
              {f.op} in {sideName(f.side)}
            </td>
            <td>{f.error}</td>
            <td>{f.attempts}</td>
            <td className="nowrap">
              <Time iso={f.nextAttemptAt} />
            </td>
            <td>
              <RetryButton record={f.record} disabled={busy} onRetry={() => retry(pairId, f.id)} />
            </td>
          </>
        )}
      />
    </>
  );
}

/** A retry is a whole run: one at a time per record, and the button says it is running. */
function RetryButton({ record, disabled, onRetry }: { record: string; disabled: boolean; onRetry: () => Promise<void> }) {
  const [busy, whileBusy] = useBusy();
  return (
    <button type="button" aria-label={`Retry ${record}`} disabled={busy || disabled} onClick={() => void whileBusy(onRetry)}>
      {busy ? 'Retrying…' : 'Retry'}
    </button>
  );
}
