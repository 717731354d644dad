import { useEffect, useState, type FormEvent } from 'react';
import type { ApiCallError } from '../../api/call';
import { ErrorMessage } from '../../components/ErrorMessage';
import { plural } from '../../components/plural';
import { useBusy } from '../../components/use-busy';
import { ConfirmDialog, formatTime } from '../../components/widgets';
import type { ForgetResult } from '../../../src-main/engine/api/model';
import { useConcord } from '../../store/react';

/** Privacy settings on the About screen: how long history is kept (retention), and forgetting a person. */
export function PrivacySettings() {
  const privacy = useConcord((s) => s.privacy);
  const error = useConcord((s) => s.privacyError);
  const loadPrivacy = useConcord((s) => s.loadPrivacy);
  useEffect(() => void loadPrivacy(), [loadPrivacy]);
  return (
    <>
      <ErrorMessage error={error} onRetry={() => void loadPrivacy()} />
      {privacy && <RetentionSetting days={privacy.retentionDays} />}
      <ForgetPerson />
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

/**
 * Forget a person: a key (their email) in, every value of theirs out of Concord's own state. Asks
 * first, saying what it does not do (the apps keep their records) and what follows from it.
 */
function ForgetPerson() {
  const forget = useConcord((s) => s.forgetPerson);
  const notify = useConcord((s) => s.notify);
  const [key, setKey] = useState('');
  const [asking, setAsking] = useState(false);
  const [problem, setProblem] = useState<ApiCallError | null>(null);
  const [done, setDone] = useState<ForgetResult | null>(null);
  const [busy, whileBusy] = useBusy();
  const run = async () => {
    setAsking(false);
    const result = await forget(key.trim());
    if (!result.ok) return setProblem(result.error);
    setProblem(null);
    setDone(result.value);
    setKey('');
    notify('success', result.value.pairs === 0 ? 'Concord held nothing of that person.' : `Forgotten: ${forgottenSummary(result.value)}.`);
  };
  return (
    <form
      className="setting"
      aria-labelledby="forget-title"
      onSubmit={(e) => {
        e.preventDefault();
        setAsking(true);
      }}
    >
      <h3 id="forget-title">Forget a person</h3>
      <p>
        Removes every value equal to what you give (e.g. their email address) from Concord's own records: its links between the
        apps, the activity log, conflicts, failed records, run errors and write journal. The apps keep their records: delete the
        person there first, or the next sync finds and links them again.
      </p>
      <label className="inline-field">
        Email or other value
        <input type="text" required minLength={3} value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
      </label>
      <button type="submit" disabled={busy || key.trim().length < 3}>
        {busy ? 'Forgetting…' : 'Forget…'}
      </button>
      <ErrorMessage error={problem} />
      {done && (
        <p className="muted" role="status">
          {done.pairs === 0 ? 'Concord held nothing of that person.' : `Forgotten: ${forgottenSummary(done)}. The activity log of each pair says a record was forgotten, not what it held.`}
        </p>
      )}
      <ConfirmDialog open={asking} title={`Forget ${key.trim()}?`} confirmLabel="Forget" onCancel={() => setAsking(false)} onConfirm={() => void whileBusy(run)}>
        <p>
          Concord deletes what it holds of <strong>{key.trim()}</strong> in every pair. This cannot be undone: their overwritten values can no
          longer be restored, and their open conflicts are gone. Records that still hold this value in an app are linked again at the next sync.
        </p>
      </ConfirmDialog>
    </form>
  );
}

const forgottenSummary = (r: ForgetResult): string =>
  [
    plural(r.links, 'linked record'),
    plural(r.activity, 'activity entry', 'activity entries'),
    plural(r.conflicts, 'conflict'),
    plural(r.failed, 'failed record'),
    plural(r.runErrors, 'run error'),
  ].join(', ') + ` in ${plural(r.pairs, 'pair')}`;
