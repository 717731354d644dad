import { Fragment, useState } from 'react';
import type { ConflictPolicy, Direction, FieldMapping, Side } from '../../../src-main/engine/api/model';
import { MappingSideEditor } from './MappingSideEditor';
import { VALUE_TYPES, describeSide, showSeparator, sideLabel, validateMapping, withFields } from './mapping-model';

export const POLICIES: { id: ConflictPolicy; label: string }[] = [
  { id: 'manual', label: 'Ask me (conflict inbox)' },
  { id: 'master', label: 'Master wins' },
  { id: 'newest', label: 'Newest change wins' },
  { id: 'merge-numeric', label: 'Merge numbers (base + both changes)' },
  { id: 'merge-set', label: 'Merge sets (union)' },
];
/** A pair-wide policy applies to every field without its own: merge-set fits only set fields, so it is chosen per field. */
export const PAIR_POLICIES = POLICIES.filter((p) => p.id !== 'merge-set');
const DIRECTIONS: { id: Direction; label: string }[] = [
  { id: 'both', label: 'Both ways' },
  { id: 'left-to-right', label: 'A → B only' },
  { id: 'right-to-left', label: 'B → A only' },
];
export { suggestMapping } from './mapping-model';

/**
 * The pair's field mapping: one compact row per canonical field (name, type, the field on each
 * side, direction, conflict policy); "Details" opens both sides in full — joined fields with their
 * separator, and the ordered transforms with their parameters. Problems are listed under the table.
 */
export function MappingEditor(props: {
  fields: FieldMapping[];
  onChange: (fields: FieldMapping[]) => void;
  leftFields?: string[];
  rightFields?: string[];
  /** A line above the table (the wizard says where its suggestions came from). */
  hint?: string;
  /** Fields the connectors keep themselves (updated_at, concord_id…): not listed as "not synced". */
  managedFields?: Partial<Record<Side, string[]>>;
}) {
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const update = (index: number, patch: Partial<FieldMapping>): void =>
    props.onChange(props.fields.map((f, i) => (i === index ? { ...f, ...patch } : f)));
  const toggle = (index: number): void => {
    const next = new Set(open);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setOpen(next);
  };
  const appFields: Partial<Record<Side, string[]>> = {};
  if (props.leftFields) appFields.left = props.leftFields;
  if (props.rightFields) appFields.right = props.rightFields;
  const problems = validateMapping(props.fields, appFields);
  const optionsOf = (side: Side): string[] | undefined => (side === 'left' ? props.leftFields : props.rightFields);

  const sideCell = (index: number, side: Side) => {
    const field = props.fields[index];
    if (!field) return null;
    const sf = field[side];
    const label = `${sideLabel(side)} field for ${field.name || `row ${index + 1}`}`;
    const summary = describeSide(sf);
    const options = optionsOf(side);
    return (
      <div className="side-cell">
        {sf.fields.length > 1 ? (
          <button type="button" className="link-button joined" aria-label={`${label}: ${summary.fields}, joined with ${showSeparator(sf.separator)}`} onClick={() => toggle(index)}>
            {summary.fields}
          </button>
        ) : options ? (
          <select aria-label={label} value={sf.fields[0] ?? ''} onChange={(e) => update(index, { [side]: withFields(sf, [e.target.value]) })}>
            <option value="">(choose)</option>
            {options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        ) : (
          <input aria-label={label} value={sf.fields[0] ?? ''} onChange={(e) => update(index, { [side]: withFields(sf, [e.target.value.trim()]) })} />
        )}
        {summary.transforms && <span className="side-transforms">{summary.transforms}</span>}
      </div>
    );
  };

  return (
    <fieldset className="mapping">
      <legend>Field mapping</legend>
      {props.hint && <p className="help">{props.hint}</p>}
      {props.fields.length === 0 && <p className="muted">No fields mapped yet. Add a field, or go back and choose collections with fields of the same name.</p>}
      {props.fields.length > 0 && (
        <div className="table-scroll">
        <table className="data-table mapping-table" aria-label="Mapped fields">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">App A field</th>
              <th scope="col">App B field</th>
              <th scope="col">Direction</th>
              <th scope="col">On conflict</th>
              <th scope="col">
                <span className="visually-hidden">Details and remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.fields.map((f, i) => {
              const name = f.name || `row ${i + 1}`;
              const rowProblems = problems.filter((p) => p.row === i);
              const expanded = open.has(i);
              return (
                <Fragment key={i}>
                  <tr className={`mapping-row${expanded ? ' expanded' : ''}${rowProblems.length > 0 ? ' has-problem' : ''}`}>
                    <td>
                      <input aria-label={`Name of row ${i + 1}`} value={f.name} onChange={(e) => update(i, { name: e.target.value })} />
                    </td>
                    <td>
                      <select aria-label={`Type of ${f.name}`} value={f.type} onChange={(e) => update(i, { type: VALUE_TYPES.find((t) => t === e.target.value) ?? 'string' })}>
                        {VALUE_TYPES.map((t) => (
                          <option key={t}>{t}</option>
                        ))}
                      </select>
                    </td>
                    <td>{sideCell(i, 'left')}</td>
                    <td>{sideCell(i, 'right')}</td>
                    <td>
                      <select aria-label={`Direction of ${f.name}`} value={f.direction} onChange={(e) => update(i, { direction: DIRECTIONS.find((d) => d.id === e.target.value)?.id ?? 'both' })}>
                        {DIRECTIONS.map((d) => (
                          <option key={d.id} value={d.id}>
                            {d.label}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <select aria-label={`Conflict policy of ${f.name}`} value={f.policy ?? ''} onChange={(e) => update(i, { policy: POLICIES.find((p) => p.id === e.target.value)?.id })}>
                        <option value="">Pair default</option>
                        {POLICIES.map((p) => (
                          <option key={p.id} value={p.id}>
                            {p.label}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="details-toggle"
                        aria-expanded={expanded}
                        aria-controls={`mapping-details-${i}`}
                        aria-label={`Edit details of ${name}`}
                        title="Join fields, transforms, value maps"
                        onClick={() => toggle(i)}
                      >
                        {expanded ? '▾' : '▸'} Details{rowProblems.length > 0 && <span className="problem-dot" aria-hidden="true" />}
                      </button>
                      <button
                        type="button"
                        className="mapping-remove"
                        aria-label={`Remove ${name}`}
                        title="Remove this field from the mapping"
                        onClick={() => {
                          setOpen(new Set());
                          props.onChange(props.fields.filter((_, j) => j !== i));
                        }}
                      >
                        ×
                      </button>
                    </td>
                  </tr>
                  {expanded && (
                    <tr className="mapping-details" id={`mapping-details-${i}`}>
                      <td colSpan={7}>
                        <div className="side-editors">
                          {(['left', 'right'] as const).map((side) => (
                            <MappingSideEditor
                              key={side}
                              side={side}
                              name={name}
                              type={f.type}
                              value={f[side]}
                              {...(optionsOf(side) ? { options: optionsOf(side) } : {})}
                              onChange={(value) => update(i, { [side]: value })}
                            />
                          ))}
                        </div>
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
        </div>
      )}
      <div className="mapping-footer">
        <button
          type="button"
          onClick={() => props.onChange([...props.fields, { name: '', type: 'string', left: { fields: [] }, right: { fields: [] }, direction: 'both' }])}
        >
          Add a field
        </button>
        <UnmappedFields fields={props.fields} left={props.leftFields} right={props.rightFields} managed={props.managedFields} />
      </div>
      {problems.length > 0 && (
        <div className="mapping-problems-box" aria-live="polite">
          <strong>To fix before going on:</strong>
          <ul className="mapping-problems">
            {problems.map((p, k) => (
              <li key={k}>{p.message}</li>
            ))}
          </ul>
        </div>
      )}
    </fieldset>
  );
}

/** The app fields no row reads or writes: what this pair leaves alone, so nothing is left out unnoticed. */
function UnmappedFields(props: { fields: FieldMapping[]; left: string[] | undefined; right: string[] | undefined; managed: Partial<Record<Side, string[]>> | undefined }) {
  const { fields, left, right } = props;
  const unused = (side: Side, all: string[] | undefined): string[] => {
    const used = new Set([...fields.flatMap((f) => f[side].fields), ...(props.managed?.[side] ?? [])]);
    return (all ?? []).filter((name) => !used.has(name));
  };
  const parts = [
    { side: 'left' as const, names: unused('left', left) },
    { side: 'right' as const, names: unused('right', right) },
  ].filter((p) => p.names.length > 0);
  if (parts.length === 0) return null;
  return (
    <p className="muted unmapped">
      Not synced:{' '}
      {parts.map((p, i) => (
        <span key={p.side}>
          {i > 0 && '; '}
          {sideLabel(p.side)} — {p.names.join(', ')}
        </span>
      ))}
      . Add a field to sync one.
    </p>
  );
}
