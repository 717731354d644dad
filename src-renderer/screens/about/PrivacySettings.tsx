import { useEffect, useState, type FormEvent } from 'react';
import type { ApiCallError } from '../../api/call';
import { ErrorMessage } from '../../components/ErrorMessage';
import { plural } from '../../components/plural';
import { useBusy } from '../../components/use-busy';
import { formatTime } from '../../components/widgets';
import { useConcord } from '../../store/react';

/** Privacy settings on the About screen: how long history is kept (retention). */
export function PrivacySettings() {
  const privacy = useConcord((s) => s.privacy);
  const error = useConcord((s) => s.privacyError);
  const loadPrivacy = useConcord((s) => s.loadPrivacy);
  useEffect(() => void loadPrivacy(), [loadPrivacy]);
  return (
    <>
      <ErrorMessage error={error} onRetry={() => void loadPrivacy()} />
      {privacy && <RetentionSetting days={privacy.retentionDays} />}
    </>
  );
}

function RetentionSetting({ days }: { days: number }) {
  const setRetention = useConcord((s) => s.setRetention);
  const pruneNow = useConcord((s) => s.pruneNow);
  const lastPrune = useConcord((s) => s.privacy?.lastPrune ?? null);
  const [value, setValue] = useState(String(days));
  const [problem, setProblem] = useState<ApiCallError | null>(null);
  const [saving, whileSaving] = useBusy();
  const [pruning, whilePruning] = useBusy();
  useEffect(() => setValue(String(days)), [days]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(await setRetention(Number(value)));
  };
  return (
    <form className="setting" aria-labelledby="retention-title" onSubmit={(e) => void whileSaving(() => save(e))}>
      <h3 id="retention-title">History kept</h3>
      <p>
        The activity log, finished runs, resolved conflicts and the write journal are kept for this many days, then deleted, and the
        space they took is given back to the disk. Checked every hour. The latest run of each pair and open conflicts are always kept.
      </p>
      <label className="inline-field">
        Keep for (days)
        <input type="number" min={1} max={36500} step={1} required value={value} onChange={(e) => setValue(e.target.value)} />
      </label>{' '}
      <button type="submit" disabled={saving || value === String(days)}>
        {saving ? 'Saving…' : 'Save'}
      </button>{' '}
      <button type="button" disabled={pruning} onClick={() => void whilePruning(pruneNow)}>
        {pruning ? 'Deleting…' : 'Delete older history now'}
      </button>
      <ErrorMessage error={problem} />
      {lastPrune && (
        <p className="muted" role="status">
          Last clean-up deleted {plural(lastPrune.activity, 'activity entry', 'activity entries')}, {plural(lastPrune.runs, 'run')},{' '}
          {plural(lastPrune.conflicts, 'resolved conflict')} and {plural(lastPrune.journal, 'journal row')} from before {formatTime(lastPrune.cutoff)}.
        </p>
      )}
    </form>
  );
}
