import { useState } from 'react';
import type { ConflictPolicy, DeletePolicy } from '../../../src-main/engine/api/model';
import { useConcord } from '../../store/react';
import { PAIR_POLICIES, POLICIES } from './MappingEditor';
import { sideLabel } from './mapping-model';

type DeleteChoice = 'both' | 'left' | 'right' | 'never';

const deleteChoiceOf = (d: DeletePolicy): DeleteChoice => (!d.propagate ? 'never' : (d.from ?? 'both'));

function deleteChoices(leftName = 'App A', rightName = 'App B'): { id: DeleteChoice; label: string }[] {
  return [
    { id: 'both', label: 'A record deleted in either app is deleted in the other' },
    { id: 'left', label: `Only deletes in ${leftName} reach ${rightName} (a record deleted in ${rightName} stays in ${leftName})` },
    { id: 'right', label: `Only deletes in ${rightName} reach ${leftName} (a record deleted in ${leftName} stays in ${rightName})` },
    { id: 'never', label: 'Never delete: a record deleted in one app stays in the other' },
  ];
}

/** One sentence for the review step and the pair's settings. */
export function describeDeletes(d: DeletePolicy, leftName = 'App A', rightName = 'App B'): string {
  return deleteChoices(leftName, rightName).find((c) => c.id === deleteChoiceOf(d))?.label ?? '';
}

/** How deletes travel, as four radios (the wizard's policies step and the pair's settings). */
export function DeleteChoiceRadios(props: { value: DeletePolicy; leftName?: string | undefined; rightName?: string | undefined; onChange: (d: DeletePolicy) => void }) {
  return (
    <>
      {deleteChoices(props.leftName, props.rightName).map((c) => (
        <label key={c.id} className="check">
          <input
            type="radio"
            name="deletes"
            checked={deleteChoiceOf(props.value) === c.id}
            onChange={() => {
              const { from: _from, ...rest } = props.value;
              props.onChange({ ...rest, propagate: c.id !== 'never', ...(c.id === 'left' || c.id === 'right' ? { from: c.id } : {}) });
            }}
          />
          {c.label}
        </label>
      ))}
    </>
  );
}

export function PoliciesStep() {
  const draft = useConcord((s) => s.draft);
  const patchDraft = useConcord((s) => s.patchDraft);
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
      <PolicySelect id="conflict-policy" label="When both apps change the same field" value={draft.conflictPolicy} onChange={(conflictPolicy) => patchDraft({ conflictPolicy })} />
      <PolicySelect id="initial-policy" label="When a first sync links two records that differ" value={draft.initialMatchPolicy} onChange={(initialMatchPolicy) => patchDraft({ initialMatchPolicy })} />
      <fieldset>
        <legend>Deletes</legend>
        <DeleteChoiceRadios value={draft.deletes} leftName={draft.left.connection?.name} rightName={draft.right.connection?.name} onChange={(deletes) => patchDraft({ deletes })} />
        <MassDeleteInput value={draft.deletes.massDeleteThreshold} onChange={(massDeleteThreshold) => patchDraft({ deletes: { ...draft.deletes, massDeleteThreshold } })} />
      </fieldset>
    </div>
  );
}

/**
 * The mass-delete share in percent. The text is the field's own while the user types: clearing it
 * leaves it empty (not 0, so typing "15" gives 15), and an empty or unreadable text reaches the
 * draft as NaN, which the step's check refuses on Next. Leaving the field says what is wrong.
 */
export function MassDeleteInput({ value, onChange }: { value: number; onChange: (share: number) => void }) {
  const [text, setText] = useState(() => (Number.isFinite(value) ? String(Math.round(value * 1000) / 10) : ''));
  const [left, setLeft] = useState(false);
  const percent = text.trim() === '' ? Number.NaN : Number(text);
  const invalid = !(percent >= 1 && percent <= 100);
  return (
    <div className="form-row">
      <label htmlFor="mass-delete">Stop and ask when more than this share (%) of the linked records is gone from one app</label>
      <input
        id="mass-delete"
        type="number"
        min={1}
        max={100}
        value={text}
        aria-invalid={left && invalid ? true : undefined}
        aria-describedby={left && invalid ? 'mass-delete-error' : undefined}
        onBlur={() => setLeft(true)}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value) / 100);
        }}
      />
      {left && invalid && (
        <p className="field-error" id="mass-delete-error">
          Type a share between 1 and 100 (%).
        </p>
      )}
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

export function PolicySelect(props: { id: string; label: string; value: ConflictPolicy; onChange: (policy: ConflictPolicy) => void }) {
  return (
    <div className="form-row">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(POLICIES.find((p) => p.id === e.target.value)?.id ?? 'manual')}>
        {PAIR_POLICIES.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
    </div>
  );
}
