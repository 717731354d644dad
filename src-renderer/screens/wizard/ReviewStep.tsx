import { RunProgressBar } from '../../components/widgets';
import { useBusy } from '../../components/use-busy';
import { useConcord } from '../../store/react';
import { draftToConfig } from '../../store/wizard-slice';
import { POLICIES } from './MappingEditor';
import { sideLabel } from './mapping-model';
import { describeDeletes } from './PolicySteps';
import { INTERVALS } from './PolicySteps';

export function ReviewStep() {
  const draft = useConcord((s) => s.draft);
  const createdPairId = useConcord((s) => s.createdPairId);
  const progress = useConcord((s) => (createdPairId ? s.progress[createdPairId] : undefined));
  const pair = useConcord((s) => s.pairs.find((p) => p.id === createdPairId));
  const patchDraft = useConcord((s) => s.patchDraft);
  const createPair = useConcord((s) => s.createPair);
  const resetWizard = useConcord((s) => s.resetWizard);
  const navigate = useConcord((s) => s.navigate);
  const [busy, whileBusy] = useBusy();
  const config = draftToConfig(draft);

  if (createdPairId) {
    const running = pair?.running || progress;
    return (
      <div>
        <p>The pair was created. {running ? 'Its first sync is running:' : pair?.lastRun ? `First sync: ${pair.lastRun.status}.` : ''}</p>
        <div className="progress-slot">{running && <RunProgressBar progress={progress} label="First sync progress" />}</div>
        <div className="actions">
          <button
            type="button"
            className="primary"
            onClick={() => {
              resetWizard();
              navigate({ name: 'pair', pairId: createdPairId, tab: 'runs' });
            }}
          >
            Open the pair
          </button>
        </div>
      </div>
    );
  }

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
        <dd>{sideLabel(config.masterSide)}</dd>
        <dt>Conflicts</dt>
        <dd>{POLICIES.find((p) => p.id === config.conflictPolicy)?.label}</dd>
        <dt>Deletes</dt>
        <dd>{describeDeletes(config.deletes, draft.left.connection?.name, draft.right.connection?.name)}</dd>
        <dt>Schedule</dt>
        <dd>{INTERVALS.find((i) => i.seconds === config.schedule.intervalSeconds)?.label ?? `${config.schedule.intervalSeconds} s`}</dd>
      </dl>
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={() => void whileBusy(createPair)}
      >
        {busy ? 'Creating…' : 'Create the pair and run the first sync'}
      </button>
    </div>
  );
}
