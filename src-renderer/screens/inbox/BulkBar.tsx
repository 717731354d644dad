import { useState } from 'react';
import type { BulkJob } from '../../../src-main/engine/api/model';
import { plural } from '../../components/plural';
import { ConfirmDialog } from '../../components/widgets';
import { useConcord } from '../../store/react';

export type BulkTarget = 'selected' | 'matching';
type Ask = { take: 'master' | 'slave'; target: BulkTarget };

/** What a finished job did, in one sentence (failures name their record and reason). */
export function describeJob(job: BulkJob, target: BulkTarget): string {
  const parts = [`${job.resolved.toLocaleString()} resolved`];
  if (job.failed > 0) {
    const named = job.failures.map((f) => `${f.record}: ${f.error}`).join('; ');
    const more = job.failed > job.failures.length ? `; and ${(job.failed - job.failures.length).toLocaleString()} more` : '';
    parts.push(`${job.failed.toLocaleString()} failed (${target === 'selected' ? 'still selected' : 'still open'}): ${named}${more}`);
  }
  if (job.skipped > 0) parts.push(`${plural(job.skipped, 'duplicate')} left for you (each needs its own choice)`);
  const text = parts.join(', ');
  if (job.status === 'cancelled') return `Cancelled after ${(job.done).toLocaleString()} of ${job.total.toLocaleString()}: ${text}; the rest are still open`;
  if (job.status === 'failed') return `Stopped: ${job.error ?? 'the engine gave no reason'}. ${text}`;
  return text;
}

/**
 * The inbox's bulk actions: take master or slave for the selected conflicts, or (with a filter
 * applied) for every conflict matching it. The engine runs them as a job; its progress shows
 * here with Cancel, then what it did.
 */
export function BulkBar(props: {
  shown: number;
  selectedIds: string[];
  filtered: boolean;
  busy: boolean;
  onRun: (take: 'master' | 'slave', target: BulkTarget) => void;
  lastTarget: BulkTarget;
}) {
  const job = useConcord((s) => s.bulkJob);
  const cancelBulk = useConcord((s) => s.cancelBulk);
  const [ask, setAsk] = useState<Ask | null>(null);
  const running = job?.status === 'running';
  const n = props.selectedIds.length;
  const count = ask?.target === 'matching' ? props.shown : n;
  const take = ask?.take ?? 'master';
  const disabled = props.busy || running;
  return (
    <div className="bulk-bar" aria-live="polite">
      <span>
        {props.shown.toLocaleString()} shown{n > 0 ? `, ${n.toLocaleString()} selected` : ''}
      </span>
      <button type="button" disabled={n === 0 || disabled} onClick={() => setAsk({ take: 'master', target: 'selected' })}>
        Take master for selected
      </button>
      <button type="button" disabled={n === 0 || disabled} onClick={() => setAsk({ take: 'slave', target: 'selected' })}>
        Take slave for selected
      </button>
      {props.filtered && props.shown > 0 && (
        <>
          <button type="button" disabled={disabled} onClick={() => setAsk({ take: 'master', target: 'matching' })}>
            Take master for all {props.shown.toLocaleString()} matching
          </button>
          <button type="button" disabled={disabled} onClick={() => setAsk({ take: 'slave', target: 'matching' })}>
            Take slave for all {props.shown.toLocaleString()} matching
          </button>
        </>
      )}
      <ConfirmDialog
        open={ask !== null}
        title={`Take the ${take}'s values for ${ask?.target === 'matching' ? 'all ' : ''}${plural(count, 'conflict')}?`}
        confirmLabel={`Take ${take} for ${ask?.target === 'matching' ? 'all ' : ''}${count.toLocaleString()}`}
        onCancel={() => setAsk(null)}
        onConfirm={() => {
          const chosen = ask ?? { take: 'master', target: 'selected' };
          setAsk(null);
          props.onRun(chosen.take, chosen.target);
        }}
      >
        <p>
          For each {ask?.target === 'matching' ? 'conflict matching the filters' : 'selected conflict'}, Concord writes the {take}'s value of every field in conflict
          into both apps (an edit against a delete keeps what the {take} did; a duplicate is left for you to choose). Each overwritten value stays in the pair's
          activity, where it can be restored. You can cancel while it runs.
        </p>
      </ConfirmDialog>
      {job && running && (
        <span className="bulk-progress">
          <progress aria-label="Bulk resolve progress" value={job.done} max={Math.max(1, job.total)} />
          <span>
            Resolving {job.done.toLocaleString()} of {job.total.toLocaleString()}…
          </span>
          <button type="button" onClick={() => void cancelBulk()}>
            Cancel
          </button>
        </span>
      )}
      {job && !running && <span role="status">{describeJob(job, props.lastTarget)}</span>}
    </div>
  );
}
