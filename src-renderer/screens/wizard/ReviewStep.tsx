import { ErrorMessage } from '../../components/ErrorMessage';
import { plural } from '../../components/plural';
import { RunProgressBar } from '../../components/widgets';
import { useConcord } from '../../store/react';
import { draftToConfig } from '../../store/wizard-slice';
import { POLICIES } from './MappingEditor';
import { sideLabel } from './mapping-model';
import { describeRun } from '../pairs/PairCard';
import { describeDeletes, INTERVALS } from './PolicySteps';
import { ReviewConsequences } from './ReviewConsequences';

/** After Create: the first sync's progress, then its outcome and where to go next. */
function CreatedPair({ pairId }: { pairId: string }) {
  const progress = useConcord((s) => s.progress[pairId]);
  const pair = useConcord((s) => s.pairs.find((p) => p.id === pairId));
  // A first sync that could not start (the engine refused Sync now) says why here, not only on the card.
  const startError = useConcord((s) => s.pairErrors[pairId]);
  const resetWizard = useConcord((s) => s.resetWizard);
  const navigate = useConcord((s) => s.navigate);
  const running = Boolean(pair?.running || progress);
  const run = running ? null : pair?.lastRun;
  const leave = (route: Parameters<typeof navigate>[0]): void => {
    resetWizard();
    navigate(route);
  };
  return (
    <div className="created-pair" role="status" aria-live="polite">
      <p>
        <strong>“{pair?.name}” is created.</strong> {running ? 'Its first sync is running:' : run ? `First sync ${describeRun(run)}.` : ''}
      </p>
      {run?.error && <p className="field-error">{run.error}</p>}
      <ErrorMessage error={startError} />
      {pair && pair.openConflicts > 0 && !running && (
        <p>
          {plural(pair.openConflicts, 'conflict waits', 'conflicts wait')} for your decision in the inbox.
        </p>
      )}
      <div className="progress-slot">{running && <RunProgressBar progress={progress} label="First sync progress" />}</div>
      <div className="actions">
        <button type="button" className="primary" onClick={() => leave({ name: 'pair', pairId, tab: 'runs' })}>
          Open the pair
        </button>
        {pair && pair.openConflicts > 0 && (
          <button type="button" onClick={() => leave({ name: 'conflicts', pairId })}>
            Review {plural(pair.openConflicts, 'conflict')}
          </button>
        )}
        <button type="button" onClick={() => leave({ name: 'wizard' })}>
          Create another pair
        </button>
      </div>
    </div>
  );
}

export function ReviewStep() {
  const draft = useConcord((s) => s.draft);
  const createdPairId = useConcord((s) => s.createdPairId);
  const patchDraft = useConcord((s) => s.patchDraft);
  const config = draftToConfig(draft);

  if (createdPairId) return <CreatedPair pairId={createdPairId} />;

  return (
    <div>
      <div className="form-row">
        <label htmlFor="pair-name">Pair name</label>
        <input id="pair-name" value={draft.name} placeholder={config.name} onChange={(e) => patchDraft({ name: e.target.value })} />
      </div>
      <dl className="facts">
        <dt>App A</dt>
        <dd>
          {draft.left.connection?.name} · {draft.left.collection}
        </dd>
        <dt>App B</dt>
        <dd>
          {draft.right.connection?.name} · {draft.right.collection}
        </dd>
        <dt>Fields</dt>
        <dd>{config.fields.map((f) => f.name).join(', ')}</dd>
        <dt>Matched on</dt>
        <dd>{config.matchKeys.join(', ')}</dd>
        <dt>Master</dt>
        <dd>
          {sideLabel(config.masterSide)} · {draft[config.masterSide].connection?.name}
        </dd>
        <dt>Conflicts</dt>
        <dd>{POLICIES.find((p) => p.id === config.conflictPolicy)?.label}</dd>
        <dt>First match</dt>
        <dd>{POLICIES.find((p) => p.id === config.initialMatchPolicy)?.label} (when a first sync links two records that differ)</dd>
        <dt>Deletes</dt>
        <dd>{describeDeletes(config.deletes, draft.left.connection?.name, draft.right.connection?.name)}</dd>
        <dt>Schedule</dt>
        <dd>{INTERVALS.find((i) => i.seconds === config.schedule.intervalSeconds)?.label ?? `${config.schedule.intervalSeconds} s`}</dd>
      </dl>
      <ReviewConsequences config={config} names={{ left: draft.left.connection?.name ?? 'App A', right: draft.right.connection?.name ?? 'App B' }} />
      <p className="muted">Nothing is written to either app until you create the pair; its first sync starts right after.</p>
    </div>
  );
}
