import { useState } from 'react';
import type { Side, SideField, Transform, ValueType } from '../../../src-main/engine/api/model';
import {
  MAX_SEPARATOR,
  TRANSFORM_CHOICES,
  VALUE_TYPES,
  defaultTransform,
  problemsOfValueMapRows,
  rowsToValueMap,
  sideLabel,
  transformKind,
  valueMapRows,
  withFields,
  type ValueMapRow,
} from './mapping-model';

/** The app's text form a coercion can read and write back (the engine checks the format fits the type). */
const FORMAT_HINTS: Partial<Record<string, string>> = { date: 'DD/MM/YYYY', datetime: 'DD/MM/YYYY HH:mm', number: '1.234,5', boolean: 'yes/no' };

/**
 * One side of a mapped field in detail: the app field, or several joined with a separator (split
 * back on write), then the transforms applied in order when reading (inverted on write).
 */
export function MappingSideEditor(props: { side: Side; name: string; type: ValueType; value: SideField; options?: string[]; onChange: (value: SideField) => void }) {
  const { side, name, value, options } = props;
  const app = sideLabel(side);
  const transforms = value.transforms ?? [];
  const setTransforms = (next: Transform[]): void => props.onChange({ ...value, transforms: next });
  const setField = (index: number, field: string): void => props.onChange(withFields(value, value.fields.map((f, i) => (i === index ? field : f))));
  const fields = value.fields.length === 0 ? [''] : value.fields;

  return (
    <div className="side-editor" role="group" aria-label={`${app} side of ${name}`}>
      <h4>{app} reads</h4>
      <ol className="side-fields">
        {fields.map((f, i) => (
          <li key={i}>
            {options ? (
              <select aria-label={`${app} field ${i + 1} for ${name}`} value={f} onChange={(e) => setField(i, e.target.value)}>
                <option value="">(choose)</option>
                {options.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input aria-label={`${app} field ${i + 1} for ${name}`} value={f} onChange={(e) => setField(i, e.target.value.trim())} />
            )}
            {fields.length > 1 && (
              <button type="button" className="icon-button" aria-label={`Remove ${f || `field ${i + 1}`} from ${app} side of ${name}`} onClick={() => props.onChange(withFields(value, value.fields.filter((_, j) => j !== i)))}>
                ×
              </button>
            )}
          </li>
        ))}
      </ol>
      <button type="button" className="small" onClick={() => props.onChange(withFields(value, [...fields, '']))}>
        Join another field
      </button>
      {value.fields.length > 1 && (
        <label className="inline-label">
          Joined with
          <input
            className="separator-input"
            aria-label={`${app} separator for ${name}`}
            value={value.separator ?? ' '}
            maxLength={MAX_SEPARATOR}
            onChange={(e) => props.onChange({ ...value, separator: e.target.value })}
          />
          <span className="help">
            {value.separator === ' ' || value.separator === undefined ? 'a space' : value.separator === '' ? 'nothing (cannot be split back)' : ''} — Concord joins on read and splits on write; the last field keeps the rest.
          </span>
        </label>
      )}
      <h4>Transforms {transforms.length > 0 && <span className="muted">(applied in this order)</span>}</h4>
      {transforms.length === 0 && <p className="muted small-text">None: the value is used as the app stores it.</p>}
      <ol className="transform-list">
        {transforms.map((t, i) => (
          <li key={i}>
            <div className="transform-head">
              <select
                aria-label={`${app} transform ${i + 1} of ${name}`}
                value={transformKind(t)}
                onChange={(e) => {
                  const kind = TRANSFORM_CHOICES.find((c) => c.id === e.target.value)?.id ?? 'trim';
                  setTransforms(transforms.map((x, j) => (j === i ? defaultTransform(kind, props.type) : x)));
                }}
              >
                {TRANSFORM_CHOICES.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.label}
                  </option>
                ))}
              </select>
              {t.kind === 'coerce' && (
                <select
                  aria-label={`${app} type to convert ${name} to`}
                  value={t.to}
                  onChange={(e) => setTransforms(transforms.map((x, j) => (j === i ? { kind: 'coerce', to: VALUE_TYPES.find((v) => v === e.target.value) ?? 'string' } : x)))}
                >
                  {VALUE_TYPES.map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </select>
              )}
              {t.kind === 'coerce' && FORMAT_HINTS[t.to] && (
                <input
                  className="format-input"
                  aria-label={`${app} format of ${name}`}
                  placeholder={FORMAT_HINTS[t.to]}
                  title={`How ${app} writes it, e.g. ${FORMAT_HINTS[t.to]} (empty: ISO dates, plain numbers, true/false)`}
                  value={t.format ?? ''}
                  onChange={(e) => {
                    const { format: _old, ...rest } = t;
                    setTransforms(transforms.map((x, j) => (j === i ? (e.target.value === '' ? rest : { ...rest, format: e.target.value }) : x)));
                  }}
                />
              )}
              <button type="button" className="icon-button" aria-label={`Remove ${app} transform ${i + 1} of ${name}`} onClick={() => setTransforms(transforms.filter((_, j) => j !== i))}>
                ×
              </button>
            </div>
            {t.kind === 'value-map' && (
              <ValueMapEditor app={app} name={name} values={t.values} onChange={(values) => setTransforms(transforms.map((x, j) => (j === i ? { kind: 'value-map', values } : x)))} />
            )}
          </li>
        ))}
      </ol>
      <select
        aria-label={`Add an ${app} transform to ${name}`}
        className="add-transform"
        value=""
        onChange={(e) => {
          const kind = TRANSFORM_CHOICES.find((c) => c.id === e.target.value)?.id;
          if (kind) setTransforms([...transforms, defaultTransform(kind, props.type)]);
        }}
      >
        <option value="">+ Add a transform…</option>
        {TRANSFORM_CHOICES.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * Rows "app value → Concord value". The rows live here while typing (a record cannot hold an empty
 * or repeated key twice); the record handed up keeps the first row of each key.
 */
function ValueMapEditor(props: { app: string; name: string; values: Record<string, string>; onChange: (values: Record<string, string>) => void }) {
  const [rows, setRows] = useState<ValueMapRow[]>(() => valueMapRows(props.values));
  // A change from outside (another editor, a reload) replaces the rows being edited.
  if (JSON.stringify(rowsToValueMap(rows)) !== JSON.stringify(props.values)) setRows(valueMapRows(props.values));
  const update = (next: ValueMapRow[]): void => {
    setRows(next);
    props.onChange(rowsToValueMap(next));
  };
  const problems = problemsOfValueMapRows(rows);
  return (
    <div className="value-map">
      <table>
        <thead>
          <tr>
            <th scope="col">{props.app} value</th>
            <th scope="col" aria-hidden="true" />
            <th scope="col">Concord value</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>
                <input aria-label={`${props.app} value ${i + 1} for ${props.name}`} value={r.from} placeholder="prod" onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, from: e.target.value } : x)))} />
              </td>
              <td aria-hidden="true">→</td>
              <td>
                <input aria-label={`Concord value ${i + 1} for ${props.name} (${props.app})`} value={r.to} placeholder="production" onChange={(e) => update(rows.map((x, j) => (j === i ? { ...x, to: e.target.value } : x)))} />
              </td>
              <td>
                <button type="button" className="icon-button" aria-label={`Remove value row ${i + 1} for ${props.name} (${props.app})`} onClick={() => update(rows.filter((_, j) => j !== i))}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="small" onClick={() => update([...rows, { from: '', to: '' }])}>
        Add a value
      </button>
      <p className="help">Values not listed pass through unchanged. On write Concord maps back, to the first row with that Concord value.</p>
      {problems.length > 0 && (
        <ul className="mapping-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
