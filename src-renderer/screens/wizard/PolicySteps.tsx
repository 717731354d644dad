import { useConcord } from '../../store/react';
import { POLICIES } from './MappingEditor';
import { sideLabel } from './mapping-model';

export function PoliciesStep() {
  const draft = useConcord((s) => s.draft);
  const patchDraft = useConcord((s) => s.patchDraft);
  const policy = (id: string) => POLICIES.find((p) => p.id === id)?.id ?? 'manual';
  return (
    <div>
      <fieldset>
        <legend>Master side</legend>
        {(['left', 'right'] as const).map((side) => (
          <label key={side} className="check">
            <input type="radio" name="master" checked={draft.masterSide === side} onChange={() => patchDraft({ masterSide: side })} />
            {sideLabel(side)} ({draft[side].connection?.name}) is the master
          </label>
        ))}
      </fieldset>
      <div className="form-row">
        <label htmlFor="conflict-policy">When both apps change the same field</label>
        <select id="conflict-policy" value={draft.conflictPolicy} onChange={(e) => patchDraft({ conflictPolicy: policy(e.target.value) })}>
          {POLICIES.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div className="form-row">
        <label htmlFor="initial-policy">When a first sync links two records that differ</label>
        <select id="initial-policy" value={draft.initialMatchPolicy} onChange={(e) => patchDraft({ initialMatchPolicy: policy(e.target.value) })}>
          {POLICIES.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <fieldset>
        <legend>Deletes</legend>
        <label className="check">
          <input type="checkbox" checked={draft.deletes.propagate} onChange={(e) => patchDraft({ deletes: { ...draft.deletes, propagate: e.target.checked } })} />
          Delete a record on the other side when it is deleted on one side
        </label>
        <div className="form-row">
          <label htmlFor="mass-delete">Stop and ask when a run would delete more than (%)</label>
          <input
            id="mass-delete"
            type="number"
            min={1}
            max={100}
            value={Math.round(draft.deletes.massDeleteThreshold * 100)}
            onChange={(e) => patchDraft({ deletes: { ...draft.deletes, massDeleteThreshold: Number(e.target.value) / 100 } })}
          />
        </div>
      </fieldset>
    </div>
  );
}

export const INTERVALS: { label: string; seconds: number | null }[] = [
  { label: 'Only when I press Sync now', seconds: null },
  { label: 'Every minute', seconds: 60 },
  { label: 'Every 5 minutes', seconds: 300 },
  { label: 'Every 15 minutes', seconds: 900 },
  { label: 'Every hour', seconds: 3600 },
  { label: 'Every day', seconds: 86400 },
];

export function ScheduleStep() {
  const draft = useConcord((s) => s.draft);
  const patchDraft = useConcord((s) => s.patchDraft);
  return (
    <fieldset>
      <legend>How often should Concord sync this pair?</legend>
      {INTERVALS.map((i) => (
        <label key={i.label} className="check">
          <input type="radio" name="interval" checked={draft.intervalSeconds === i.seconds} onChange={() => patchDraft({ intervalSeconds: i.seconds })} />
          {i.label}
        </label>
      ))}
    </fieldset>
  );
}
