import { useState } from 'react';
import type { PairConfig } from '../../../src-main/engine/api/model';
import type { ApiCallError } from '../../api/call';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useBusy } from '../../components/use-busy';
import { ConfirmDialog } from '../../components/widgets';
import { useConcord } from '../../store/react';
import { MappingEditor, PAIR_POLICIES, POLICIES } from '../wizard/MappingEditor';
import { DeleteChoiceRadios, INTERVALS, MassDeleteInput, PolicySelect } from '../wizard/PolicySteps';
import { followFieldEdits } from '../../store/wizard-slice';
import { validateMapping } from '../wizard/mapping-model';
import { describeConfigPath } from '../../components/config-paths';
import { FullResyncDialog } from '../pairs/PairCard';
import { ChangeDetectionSettings } from './ChangeDetectionSettings';
import { WebhookSettings } from './WebhookSettings';

/** Edits a saved pair's mapping and policies; tells the user when the change needs a full resync. */
export function PairSettings({ pairId }: { pairId: string }) {
  const detail = useConcord((s) => s.extras[pairId]?.detail);
  const appFields = useConcord((s) => s.extras[pairId]?.appFields);
  const managedFields = useConcord((s) => s.extras[pairId]?.managedFields);
  const updatePair = useConcord((s) => s.updatePair);
  const fullResync = useConcord((s) => s.fullResync);
  const pair = useConcord((s) => s.pairs.find((p) => p.id === pairId));
  const running = useConcord((s) => s.progress[pairId] !== undefined || s.pending[pairId] !== undefined);
  const resyncBlocked = !pair || pair.paused || pair.running !== null || running;
  const [confirmResync, setConfirmResync] = useState(false);
  const deletePair = useConcord((s) => s.deletePair);
  const navigate = useConcord((s) => s.navigate);
  // The user's edits, once there are any (kept in the store, so a look at another tab keeps them);
  // until then the form shows the saved config as loaded.
  const edited = useConcord((s) => s.settingsDrafts[pairId]);
  const editSettings = useConcord((s) => s.editSettings);
  const config = edited ?? detail?.config ?? null;
  const [error, setError] = useState<ApiCallError | null>(null);
  const [saved, setSaved] = useState<{ needsFullResync: boolean } | null>(null);
  const [saving, whileSaving] = useBusy();
  const [confirmDelete, setConfirmDelete] = useState(false);

  if (!config) return <p className="muted">Loading settings…</p>;

  // The engine would refuse some of these and silently mis-sync others: nothing is saved until fixed.
  const mappingInvalid = validateMapping(config.fields, appFields ?? undefined).length > 0;
  const patch = (p: Partial<PairConfig>): void => {
    editSettings(pairId, { ...config, ...p });
    setSaved(null);
  };
  const describePath = (path: string): string | null => describeConfigPath(path, config);

  return (
    <form
      className="settings-form"
      aria-label="Pair settings"
      onSubmit={async (e) => {
        e.preventDefault();
        const result = await whileSaving(() => updatePair(pairId, config));
        if (result.ok) {
          setError(null);
          setSaved({ needsFullResync: result.needsFullResync });
        } else setError(result.error);
      }}
    >
      <label>
        Name
        <input value={config.name} onChange={(e) => patch({ name: e.target.value })} />
      </label>
      <MappingEditor
        fields={config.fields}
        // Match keys follow a renamed field and leave with a removed one, as in the wizard.
        onChange={(fields) => patch({ fields, matchKeys: followFieldEdits(config.fields, fields, config.matchKeys) })}
        {...(appFields ? { leftFields: appFields.left, rightFields: appFields.right } : {})}
        {...(managedFields ? { managedFields } : {})}
      />
      <fieldset>
        <legend>Matching</legend>
        <p className="help">
          A new record is linked to the other app's record with equal values in these fields (ignoring case and spaces) instead
          of being created twice.
        </p>
        <div role="group" aria-label="Match records on">
          {config.fields.map((f) => (
            <label key={f.name} className="check">
              <input
                type="checkbox"
                checked={config.matchKeys.includes(f.name)}
                onChange={(e) => patch({ matchKeys: e.target.checked ? [...config.matchKeys, f.name] : config.matchKeys.filter((k) => k !== f.name) })}
              />
              {f.name || '(unnamed field)'}
            </label>
          ))}
        </div>
        {config.matchKeys.length === 0 && <p className="field-error">Choose at least one field to match records on.</p>}
        <div role="radiogroup" aria-label="Records with no value for the match keys">
          <label className="check">
            <input type="radio" name={`empty-keys-${pairId}`} checked={(config.emptyKeys ?? 'hold') === 'hold'} onChange={() => patch({ emptyKeys: 'hold' })} />
            Records with no value for the match keys wait in the conflict inbox
          </label>
          <label className="check">
            <input type="radio" name={`empty-keys-${pairId}`} checked={config.emptyKeys === 'create'} onChange={() => patch({ emptyKeys: 'create' })} />
            Records with no value for the match keys are created in the other app
          </label>
        </div>
        <PolicySelect
          id={`initial-policy-${pairId}`}
          label="When two newly matched records differ"
          value={config.initialMatchPolicy ?? 'master'}
          onChange={(initialMatchPolicy) => patch({ initialMatchPolicy })}
        />
      </fieldset>
      <fieldset>
        <legend>Policies</legend>
        <label>
          Master side
          <select value={config.masterSide} onChange={(e) => patch({ masterSide: e.target.value === 'right' ? 'right' : 'left' })}>
            {/* The same names as the wizard and the pair card: App A / App B and their connections. */}
            <option value="left">App A · {detail?.left.connectionName ?? 'left'}</option>
            <option value="right">App B · {detail?.right.connectionName ?? 'right'}</option>
          </select>
        </label>
        <label>
          When both sides change a field
          <select value={config.conflictPolicy} onChange={(e) => patch({ conflictPolicy: POLICIES.find((p) => p.id === e.target.value)?.id ?? 'manual' })}>
            {PAIR_POLICIES.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            {/* A pair saved before merge-set became per field only: shown as it is, to be changed. */}
            {!PAIR_POLICIES.some((p) => p.id === config.conflictPolicy) && (
              <option value={config.conflictPolicy}>{POLICIES.find((p) => p.id === config.conflictPolicy)?.label} — choose another: it applies per field only</option>
            )}
          </select>
        </label>
        <fieldset>
          <legend>Deletes</legend>
          <DeleteChoiceRadios value={config.deletes} leftName={detail?.left.connectionName} rightName={detail?.right.connectionName} onChange={(deletes) => patch({ deletes })} />
          {/* The limit a halted run's message tells the user to raise. */}
          <MassDeleteInput value={config.deletes.massDeleteThreshold} onChange={(massDeleteThreshold) => patch({ deletes: { ...config.deletes, massDeleteThreshold } })} />
        </fieldset>
        <label>
          Schedule
          {/* The wizard's choices; an interval saved through the API that is not one of them is shown as it is. */}
          <select
            aria-label="Schedule"
            value={String(config.schedule.intervalSeconds)}
            onChange={(e) => patch({ schedule: { intervalSeconds: e.target.value === 'null' ? null : Number(e.target.value) } })}
          >
            {INTERVALS.map((i) => (
              <option key={String(i.seconds)} value={String(i.seconds)}>
                {i.label}
              </option>
            ))}
            {!INTERVALS.some((i) => i.seconds === config.schedule.intervalSeconds) && (
              <option value={String(config.schedule.intervalSeconds)}>Every {config.schedule.intervalSeconds} seconds</option>
            )}
          </select>
        </label>
      </fieldset>
      <ChangeDetectionSettings pairId={pairId} config={config} onChange={(side, changeDetection) => patch({ [side]: { ...config[side], changeDetection } })} />
      <WebhookSettings pairId={pairId} config={config} onChange={(webhooks) => patch({ webhooks })} />
      <ErrorMessage error={error} describePath={describePath} />
      <div className="actions">
        <button type="submit" className="primary" disabled={saving || mappingInvalid || config.matchKeys.length === 0 || !(config.deletes.massDeleteThreshold > 0 && config.deletes.massDeleteThreshold <= 1)}>
          {saving ? 'Saving…' : 'Save settings'}
        </button>
        {edited && (
          <button
            type="button"
            onClick={() => {
              editSettings(pairId, null);
              setError(null);
            }}
          >
            Discard changes
          </button>
        )}
        <button
          type="button"
          className="danger"
          onClick={() => setConfirmDelete(true)}
        >
          Delete pair
        </button>
        {mappingInvalid && <span className="muted">Fix the field mapping problems listed above to save.</span>}
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${detail?.name ?? 'this pair'}?`}
        confirmLabel="Delete the pair"
        onCancel={() => setConfirmDelete(false)}
        onConfirm={async () => {
          setConfirmDelete(false);
          if (await deletePair(pairId)) navigate({ name: 'pairs' });
        }}
      >
        <p>Concord stops syncing these apps and forgets the pair's links, history and conflicts. The records in both apps stay as they are.</p>
      </ConfirmDialog>
      <FullResyncDialog
        open={confirmResync}
        pairName={config.name}
        onCancel={() => setConfirmResync(false)}
        onConfirm={() => {
          setConfirmResync(false);
          void fullResync(pairId);
        }}
      />
      <div role="status">
        {saved && !saved.needsFullResync && <p>Saved. The next run uses the new settings.</p>}
        {saved?.needsFullResync && (
          <p className="banner">
            Saved. This change applies to existing records only after a full resync.{' '}
            <button type="button" disabled={resyncBlocked} onClick={() => setConfirmResync(true)}>
              Run full resync now
            </button>
            {pair?.paused && <span className="muted"> Resume the pair first.</span>}
          </p>
        )}
      </div>
    </form>
  );
}
