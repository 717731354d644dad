import type { ConflictDetail, ConflictField } from '../../../src-main/engine/api/model';
import { formatValue } from '../../components/widgets';
import { parseMerged, sameValue, type Pick } from './merge-choices';

/**
 * One row per field: last synced (base), master, slave, and the result. Like a three-way merge
 * editor: what changed since the base is highlighted, and one click takes a side.
 */
export function FieldMergePanel(props: {
  detail: ConflictDetail;
  picks: Record<string, Pick | undefined>;
  focusedField: string | null;
  onFocusField: (name: string) => void;
  onPick: (field: string, pick: Pick | undefined) => void;
  editErrors: Record<string, string | undefined>;
  onEditError: (field: string, error: string | undefined) => void;
}) {
  const { detail } = props;
  const master = detail.masterSide;
  const slave = master === 'left' ? 'right' : 'left';
  const label = (side: 'left' | 'right') => (side === 'left' ? detail.leftLabel : detail.rightLabel);

  return (
    <table className="merge-table" aria-label="Fields of this record">
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
          <FieldRow key={field.name} field={field} master={master} slave={slave} {...props} />
        ))}
      </tbody>
    </table>
  );
}

function FieldRow(props: {
  field: ConflictField;
  master: 'left' | 'right';
  slave: 'left' | 'right';
  picks: Record<string, Pick | undefined>;
  focusedField: string | null;
  onFocusField: (name: string) => void;
  onPick: (field: string, pick: Pick | undefined) => void;
  editErrors: Record<string, string | undefined>;
  onEditError: (field: string, error: string | undefined) => void;
}) {
  const { field, picks } = props;
  const masterValue = field[props.master];
  const slaveValue = field[props.slave];
  const pick = picks[field.name];
  // Never synced (a first match has no base): only a difference between the sides is news.
  const neverSynced = field.base === undefined;
  const masterChanged = neverSynced ? !sameValue(masterValue, slaveValue) : !sameValue(masterValue, field.base);
  const slaveChanged = neverSynced ? !sameValue(masterValue, slaveValue) : !sameValue(slaveValue, field.base);
  const focused = props.focusedField === field.name;
  const editing = pick !== undefined && 'value' in pick;
  const error = props.editErrors[field.name];
  const rowClass = ['merge-row', field.inConflict ? 'in-conflict' : '', focused ? 'focused' : ''].join(' ');

  return (
    <tr className={rowClass} onFocus={() => props.onFocusField(field.name)}>
      <th scope="row">
        {field.name}
        {field.inConflict && <span className="conflict-mark">conflict</span>}
      </th>
      <td className="value base">{neverSynced ? 'never synced' : formatValue(field.base)}</td>
      <td className={`value${masterChanged ? ' changed' : ''}${pick && 'take' in pick && pick.take === 'master' ? ' picked' : ''}`}>
        {formatValue(masterValue)}
      </td>
      <td className={`value${slaveChanged ? ' changed' : ''}${pick && 'take' in pick && pick.take === 'slave' ? ' picked' : ''}`}>
        {formatValue(slaveValue)}
      </td>
      <td className="result">
        {field.inConflict ? (
          <div className="pick-group" role="group" aria-label={`Value for ${field.name}`}>
            <button type="button" aria-pressed={pick !== undefined && 'take' in pick && pick.take === 'master'} onClick={() => props.onPick(field.name, { take: 'master' })}>
              Take master
            </button>
            <button type="button" aria-pressed={pick !== undefined && 'take' in pick && pick.take === 'slave'} onClick={() => props.onPick(field.name, { take: 'slave' })}>
              Take slave
            </button>
            <button
              type="button"
              aria-pressed={editing}
              onClick={() => props.onPick(field.name, { value: masterValue ?? null, text: formatValue(masterValue ?? '') })}
            >
              Edit
            </button>
            {editing && (
              <input
                aria-label={`Merged value for ${field.name}`}
                aria-invalid={error ? true : undefined}
                value={pick.text}
                onChange={(e) => {
                  const parsed = parseMerged(e.target.value, field.type);
                  props.onEditError(field.name, 'error' in parsed ? parsed.error : undefined);
                  props.onPick(field.name, { value: 'value' in parsed ? parsed.value : pick.value, text: e.target.value });
                }}
              />
            )}
            {error && <span className="field-error">{error}</span>}
          </div>
        ) : (
          <span className="muted">{sameValue(masterValue, slaveValue) ? 'same on both sides' : 'syncs normally'}</span>
        )}
      </td>
    </tr>
  );
}
