import { useEffect, useId, useRef } from 'react';
import type { ConflictDetail, ConflictField, Side } from '../../../src-main/engine/api/model';
import { BreakableValue, formatValue } from '../../components/widgets';
import { parseMerged, sameValue, type Pick } from './merge-choices';

/** What the panel and each of its rows share: the steward's picks so far and how to change them. */
type MergeState = {
  picks: Record<string, Pick | undefined>;
  focusedField: string | null;
  onFocusField: (name: string) => void;
  onPick: (field: string, pick: Pick | undefined) => void;
  editErrors: Record<string, string | undefined>;
  /** The field whose Edit was just pressed (a new object per press): its box takes the focus then, and only then. */
  editRequested: { field: string } | null;
  onEdit: (field: string, pick: Pick) => void;
  /** Enter in a merged-value box: apply, as Enter does elsewhere in the panel. */
  onApply: () => void;
};

/**
 * One row per field: last synced (base), master, slave, and the result. Like a three-way merge
 * editor: what changed since the base is highlighted, and one click takes a side.
 */
export function FieldMergePanel(props: MergeState & { detail: ConflictDetail }) {
  const { detail, ...state } = props;
  const master = detail.masterSide;
  const slave = master === 'left' ? 'right' : 'left';
  const label = (side: Side) => (side === 'left' ? detail.leftLabel : detail.rightLabel);

  return (
    <table className="merge-table field-merge" aria-label="Fields of this record">
      {/* Fixed layout: the three value columns share the width equally whatever their content. */}
      <colgroup>
        <col className="merge-col-field" />
        <col />
        <col />
        <col />
        <col className="merge-col-result" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Last synced</th>
          <th scope="col">
            Master <span className="side-label">{label(master)}</span>
          </th>
          <th scope="col">
            Slave <span className="side-label">{label(slave)}</span>
          </th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {detail.fields.map((field) => (
          <FieldRow key={field.name} field={field} master={master} slave={slave} {...state} />
        ))}
      </tbody>
    </table>
  );
}

function FieldRow(props: MergeState & { field: ConflictField; master: Side; slave: Side }) {
  const { field, picks } = props;
  const masterValue = field[props.master];
  const slaveValue = field[props.slave];
  const pick = picks[field.name];
  const taken = pick && 'take' in pick ? pick.take : null;
  // Never synced (a first match has no base): only a difference between the sides is news.
  const neverSynced = field.base === undefined;
  const sidesDiffer = !sameValue(masterValue, slaveValue);
  const masterChanged = neverSynced ? sidesDiffer : !sameValue(masterValue, field.base);
  const slaveChanged = neverSynced ? sidesDiffer : !sameValue(slaveValue, field.base);
  const rowClass = ['merge-row', field.inConflict ? 'in-conflict' : '', props.focusedField === field.name ? 'focused' : ''].join(' ');
  const valueClass = (changed: boolean, picked: boolean): string => `value${changed ? ' changed' : ''}${picked ? ' picked' : ''}`;

  const typed = pick !== undefined && 'text' in pick ? pick : null;
  return (
    <>
    <tr className={rowClass} aria-current={props.focusedField === field.name ? 'true' : undefined} onFocus={() => props.onFocusField(field.name)}>
      <th scope="row">
        {field.name}
        {field.inConflict && <span className="conflict-mark">conflict</span>}
      </th>
      <td className="value base">{neverSynced ? 'never synced' : <BreakableValue value={field.base} />}</td>
      <td className={valueClass(masterChanged, taken === 'master')}>
        <BreakableValue value={masterValue} />
        {masterChanged && <span className="visually-hidden"> (changed)</span>}
      </td>
      <td className={valueClass(slaveChanged, taken === 'slave')}>
        <BreakableValue value={slaveValue} />
        {slaveChanged && <span className="visually-hidden"> (changed)</span>}
      </td>
      <td className="result">
        {field.inConflict ? (
          <FieldChoice {...props} pick={pick} masterValue={masterValue} />
        ) : (
          <span className="muted">{sidesDiffer ? 'syncs normally' : masterChanged && slaveChanged && !neverSynced ? 'changed on both sides, now equal' : 'same on both sides'}</span>
        )}
      </td>
    </tr>
    {/* The typed value gets a row of its own, as wide as the value columns: real values (an
        address, a note) fit, where the result column would show fifteen characters. */}
    {field.inConflict && typed && (
      <tr className={`merge-edit-row${props.focusedField === field.name ? ' focused' : ''}`} onFocus={() => props.onFocusField(field.name)}>
        <td />
        <td colSpan={4}>
          <MergedValueInput {...props} typed={typed} />
        </td>
      </tr>
    )}
    </>
  );
}

/**
 * The per-field choice as one segmented control (master | slave | edit), short enough to stay on
 * one line beside three value columns at 1280 px. The visible words are short; the accessible
 * names say the whole action ("Take master"), and contain the visible word as WCAG 2.5.3 asks.
 */
function FieldChoice(props: MergeState & { field: ConflictField; pick: Pick | undefined; masterValue: ConflictField['left'] }) {
  const { field, pick } = props;
  const taken = pick && 'take' in pick ? pick.take : null;
  const typed = pick !== undefined && 'text' in pick ? pick : null;
  return (
    <div className="pick-group" role="group" aria-label={`Value for ${field.name}`}>
      <div className="segmented">
        <button type="button" aria-label="Take master" title="Take the master's value (key 1)" aria-pressed={taken === 'master'} onClick={() => props.onPick(field.name, { take: 'master' })}>
          Master
        </button>
        <button type="button" aria-label="Take slave" title="Take the slave's value (key 2)" aria-pressed={taken === 'slave'} onClick={() => props.onPick(field.name, { take: 'slave' })}>
          Slave
        </button>
        <button
          type="button"
          title="Type the merged value"
          aria-pressed={typed !== null}
          // Pre-filled with the master's value, selected: typing replaces it, an arrow key edits it.
          onClick={() => props.onEdit(field.name, typed ?? { value: props.masterValue ?? null, text: formatValue(props.masterValue ?? '') })}
        >
          Edit
        </button>
      </div>
    </div>
  );
}

function MergedValueInput(props: MergeState & { field: ConflictField; typed: Extract<Pick, { text: string }> }) {
  const { field, typed, editRequested } = props;
  const error = props.editErrors[field.name];
  const ref = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const request = editRequested?.field === field.name ? editRequested : null;
  // Focus only when Edit was just pressed: a draft restored on coming back leaves the focus where it is.
  useEffect(() => {
    if (request) ref.current?.focus();
  }, [request]);
  return (
    <div className="merged-value">
      <label>
        <span className="merged-label">Merged value for {field.name}</span>
        <input
          ref={ref}
          aria-invalid={error ? true : undefined}
          aria-describedby={errorId}
          value={typed.text}
          onFocus={(e) => e.currentTarget.select()}
          onKeyDown={(e) => {
            if (e.key !== 'Enter') return;
            e.preventDefault();
            props.onApply();
          }}
          onChange={(e) => {
            const parsed = parseMerged(e.target.value, field.type);
            props.onPick(field.name, { value: 'value' in parsed ? parsed.value : typed.value, text: e.target.value });
          }}
        />
      </label>
      {error ? (
        <span className="field-error" id={errorId}>
          {error}
        </span>
      ) : (
        <span className="muted merged-hint" id={errorId}>
          Enter applies
        </span>
      )}
    </div>
  );
}
