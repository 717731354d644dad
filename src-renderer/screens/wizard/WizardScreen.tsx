import { useEffect, useRef, useState } from 'react';
import type { Side } from '../../../src-main/engine/api/model';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ConfirmDialog } from '../../components/widgets';
import { useBusy } from '../../components/use-busy';
import { useConcord } from '../../store/react';
import { WIZARD_STEPS, draftToConfig } from '../../store/wizard-slice';
import { describeConfigPath } from '../../components/config-paths';
import { MappingEditor, suggestMapping } from './MappingEditor';
import { CollectionsStep, ConnectionStep } from './ConnectionSteps';
import { MatchStep } from './MatchStep';
import { ReviewStep } from './ReviewStep';
import { PoliciesStep, ScheduleStep } from './PolicySteps';
import { validateStep } from './wizard-validate';

export function WizardScreen() {
  const draft = useConcord((s) => s.draft);
  const connectors = useConcord((s) => s.connectors);
  const connectorsError = useConcord((s) => s.connectorsError);
  const wizardError = useConcord((s) => s.wizardError);
  const loadConnectors = useConcord((s) => s.loadConnectors);
  const patchDraft = useConcord((s) => s.patchDraft);
  const saveConnection = useConcord((s) => s.saveConnection);
  const setWizardError = useConcord((s) => s.setWizardError);
  // Secrets live only here, for as long as the step needs them: they go to the engine once.
  const [secrets, setSecrets] = useState<Record<Side, string>>({ left: '', right: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const createdPairId = useConcord((s) => s.createdPairId);
  const createPair = useConcord((s) => s.createPair);
  const resetWizard = useConcord((s) => s.resetWizard);
  const navigate = useConcord((s) => s.navigate);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [busy, whileBusy] = useBusy();
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!connectors) void loadConnectors();
  }, [connectors, loadConnectors]);
  useEffect(() => headingRef.current?.focus(), [draft.step]);

  const step = draft.step;
  const last = WIZARD_STEPS.length - 1;
  // Once Next has reported a problem, the message follows the edits: it changes or goes away as
  // the user fixes things, instead of repeating a problem that is gone.
  const liveProblem = problem ? validateStep(step, draft, connectors, secrets) : null;

  async function next(): Promise<void> {
    const reason = validateStep(step, draft, connectors, secrets);
    setProblem(reason);
    if (reason) return;
    if (step === 0 || step === 1) {
      const side: Side = step === 0 ? 'left' : 'right';
      const ok = await whileBusy(() => saveConnection(side, secrets[side] || undefined));
      if (!ok) return;
      setSecrets((s) => ({ ...s, [side]: '' }));
    }
    if (step === 2 && draft.fields.length === 0) {
      const fields = suggestMapping(
        draft.left.collections?.find((c) => c.name === draft.left.collection),
        draft.right.collections?.find((c) => c.name === draft.right.collection),
      );
      patchDraft({ fields, matchKeys: draft.matchKeys.length ? draft.matchKeys : fields.filter((f) => /e-?mail/i.test(f.name)).map((f) => f.name).slice(0, 1) });
    }
    setWizardError(null);
    patchDraft({ step: Math.min(last, step + 1) });
  }

  function back(): void {
    setProblem(null);
    setWizardError(null);
    patchDraft({ step: Math.max(0, step - 1) });
  }

  const collectionFields = (side: Side) => draft[side].collections?.find((c) => c.name === draft[side].collection)?.fields;
  const fieldNames = (side: Side): string[] | undefined => collectionFields(side)?.map((f) => f.name);
  const managedNames = (side: Side): string[] => collectionFields(side)?.filter((f) => f.managed).map((f) => f.name) ?? [];

  return (
    <section aria-labelledby="wizard-title" className="screen wizard">
      <h1 id="wizard-title">Create a pair</h1>
      <ol className="wizard-steps" aria-label="Steps">
        {WIZARD_STEPS.map((label, i) => (
          <li key={label} aria-current={i === step && !createdPairId ? 'step' : undefined} className={i < step || createdPairId ? 'done' : ''}>
            {label}
          </li>
        ))}
      </ol>
      <form
        className="wizard-body"
        aria-labelledby="wizard-step-title"
        // Concord's own messages say what is wrong (a connector's bounds come back from the engine's
        // check, beside the field): the browser's bubbles would block Next without them.
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (step < last) void next();
        }}
      >
        <h2 id="wizard-step-title" tabIndex={-1} ref={headingRef}>
          {createdPairId ? 'Done' : `Step ${step + 1} of ${WIZARD_STEPS.length}: ${WIZARD_STEPS[step]}`}
        </h2>
        <ErrorMessage error={connectorsError} onRetry={() => void loadConnectors()} />
        {(step === 0 || step === 1) && (
          <ConnectionStep
            key={step === 0 ? 'left' : 'right'}
            side={step === 0 ? 'left' : 'right'}
            secret={secrets[step === 0 ? 'left' : 'right']}
            onSecret={(v) => setSecrets((s) => ({ ...s, [step === 0 ? 'left' : 'right']: v }))}
            problemId={liveProblem ? 'wizard-problem' : undefined}
          />
        )}
        {step === 2 && <CollectionsStep />}
        {step === 3 && (
          <MappingEditor
            fields={draft.fields}
            onChange={(fields) => patchDraft({ fields })}
            leftFields={fieldNames('left')}
            rightFields={fieldNames('right')}
            managedFields={{ left: managedNames('left'), right: managedNames('right') }}
            hint="Suggested from the fields with the same name in both apps. Change any row, join or transform values under Details, set a field's direction and its own conflict policy, or add and remove fields."
          />
        )}
        {step === 4 && <MatchStep />}
        {step === 5 && <PoliciesStep />}
        {step === 6 && <ScheduleStep />}
        {step === 7 && <ReviewStep />}
        {liveProblem && (
          <p className="field-error" role="alert" id="wizard-problem">
            {liveProblem}
          </p>
        )}
        {/* The connection steps show their error beside the connection's fields. */}
        {step > 1 && <ErrorMessage error={wizardError} describePath={(path) => describeConfigPath(path, draftToConfig(draft))} />}
        {/* Once the pair exists there is no going back to edit it here: its Settings tab does that. */}
        {!createdPairId && (
          <div className="actions wizard-nav">
            <span className="actions">
              <button type="button" onClick={back} disabled={step === 0 || busy}>
                Back
              </button>
              <button type="button" className="link-button" disabled={busy} onClick={() => setConfirmCancel(true)}>
                Cancel
              </button>
            </span>
            {step < last ? (
              <button type="submit" className="primary" disabled={busy}>
                {busy ? (step <= 1 ? 'Testing the connection…' : 'Next…') : 'Next'}
              </button>
            ) : (
              <button type="button" className="primary" disabled={busy} onClick={() => void whileBusy(createPair)}>
                {busy ? 'Creating…' : 'Create the pair and run the first sync'}
              </button>
            )}
          </div>
        )}
        <ConfirmDialog
          open={confirmCancel}
          title="Leave the wizard?"
          confirmLabel="Discard and leave"
          onCancel={() => setConfirmCancel(false)}
          onConfirm={() => {
            setConfirmCancel(false);
            resetWizard();
            navigate({ name: 'pairs' });
          }}
        >
          <p>
            What you chose in these steps is discarded, and no pair is created. Connections you already tested stay saved
            in Concord for your next pair.
          </p>
        </ConfirmDialog>
      </form>
    </section>
  );
}
