import type { CollectionInfo, ConflictPolicy, Direction, FieldMapping, SideField, Transform, ValueType } from '../../../src-main/engine/api/model';

export const POLICIES: { id: ConflictPolicy; label: string }[] = [
  { id: 'manual', label: 'Ask me (conflict inbox)' },
  { id: 'master', label: 'Master wins' },
  { id: 'newest', label: 'Newest change wins' },
  { id: 'merge-numeric', label: 'Merge numbers (base + both changes)' },
  { id: 'merge-set', label: 'Merge sets (union)' },
];
const TYPES: ValueType[] = ['string', 'number', 'boolean', 'date', 'datetime', 'set', 'json'];
const DIRECTIONS: { id: Direction; label: string }[] = [
  { id: 'both', label: 'Both ways' },
  { id: 'left-to-right', label: 'A → B only' },
  { id: 'right-to-left', label: 'B → A only' },
];
const TRANSFORMS: { id: string; label: string; transform: Transform | null }[] = [
  { id: 'none', label: 'None', transform: null },
  { id: 'trim', label: 'Trim spaces', transform: { kind: 'trim' } },
  { id: 'lower', label: 'Lower case', transform: { kind: 'case', to: 'lower' } },
  { id: 'upper', label: 'Upper case', transform: { kind: 'case', to: 'upper' } },
  { id: 'title', label: 'Title case', transform: { kind: 'case', to: 'title' } },
];

const transformId = (side: SideField): string => {
  const t = side.transforms?.[0];
  if (!t) return 'none';
  if (t.kind === 'trim') return 'trim';
  if (t.kind === 'case') return t.to;
  return 'none';
};

const norm = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Suggests a mapping: fields whose normalized names are equal (e_mail ~ Email), and the same type
 * where both sides declare one; the key fields of each side are left out (each app owns its ids).
 */
export function suggestMapping(left: CollectionInfo | undefined, right: CollectionInfo | undefined): FieldMapping[] {
  if (!left || !right) return [];
  const used = new Set<string>();
  const mapping: FieldMapping[] = [];
  for (const lf of left.fields) {
    if (left.primaryKey.includes(lf.name)) continue;
    const rf = right.fields.find((f) => !used.has(f.name) && !right.primaryKey.includes(f.name) && norm(f.name) === norm(lf.name));
    if (!rf) continue;
    used.add(rf.name);
    mapping.push({
      name: lf.name,
      type: lf.type === rf.type ? lf.type : 'string',
      left: { fields: [lf.name] },
      right: { fields: [rf.name] },
      direction: 'both',
    });
  }
  return mapping;
}

export function MappingEditor(props: {
  fields: FieldMapping[];
  onChange: (fields: FieldMapping[]) => void;
  leftFields?: string[];
  rightFields?: string[];
}) {
  const update = (index: number, patch: Partial<FieldMapping>): void =>
    props.onChange(props.fields.map((f, i) => (i === index ? { ...f, ...patch } : f)));
  const sideSelect = (index: number, side: 'left' | 'right', options: string[] | undefined) => {
    const field = props.fields[index];
    if (!field) return null;
    const value = field[side].fields.join(', ');
    const label = `${side === 'left' ? 'App A' : 'App B'} field for ${field.name || `row ${index + 1}`}`;
    return options ? (
      <select aria-label={label} value={field[side].fields[0] ?? ''} onChange={(e) => update(index, { [side]: { ...field[side], fields: [e.target.value] } })}>
        <option value="">(choose)</option>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    ) : (
      <input
        aria-label={label}
        value={value}
        onChange={(e) => update(index, { [side]: { ...field[side], fields: e.target.value.split(',').map((s) => s.trim()).filter(Boolean) } })}
      />
    );
  };

  return (
    <fieldset className="mapping">
      <legend>Field mapping</legend>
      {props.fields.length === 0 && <p className="muted">No fields mapped yet. Add a field, or go back and choose collections with fields of the same name.</p>}
      {props.fields.length > 0 && (
        <table className="data-table mapping-table" aria-label="Mapped fields">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">App A field</th>
              <th scope="col">App B field</th>
              <th scope="col">Direction</th>
              <th scope="col">Transform</th>
              <th scope="col">On conflict</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.fields.map((f, i) => (
              <tr key={i}>
                <td>
                  <input aria-label={`Name of row ${i + 1}`} value={f.name} onChange={(e) => update(i, { name: e.target.value })} />
                </td>
                <td>
                  <select aria-label={`Type of ${f.name}`} value={f.type} onChange={(e) => update(i, { type: TYPES.find((t) => t === e.target.value) ?? 'string' })}>
                    {TYPES.map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                </td>
                <td>{sideSelect(i, 'left', props.leftFields)}</td>
                <td>{sideSelect(i, 'right', props.rightFields)}</td>
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
                  <select
                    aria-label={`Transform of ${f.name}`}
                    value={transformId(f.left)}
                    onChange={(e) => {
                      const t = TRANSFORMS.find((x) => x.id === e.target.value)?.transform ?? null;
                      const transforms = t ? [t] : [];
                      update(i, { left: { ...f.left, transforms }, right: { ...f.right, transforms } });
                    }}
                  >
                    {TRANSFORMS.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <select
                    aria-label={`Conflict policy of ${f.name}`}
                    value={f.policy ?? ''}
                    onChange={(e) => update(i, { policy: POLICIES.find((p) => p.id === e.target.value)?.id })}
                  >
                    <option value="">Pair default</option>
                    {POLICIES.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button
                    type="button"
                    className="mapping-remove"
                    aria-label={`Remove ${f.name || `row ${i + 1}`}`}
                    title="Remove this field from the mapping"
                    onClick={() => props.onChange(props.fields.filter((_, j) => j !== i))}
                  >
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button
        type="button"
        onClick={() => props.onChange([...props.fields, { name: '', type: 'string', left: { fields: [] }, right: { fields: [] }, direction: 'both' }])}
      >
        Add a field
      </button>
    </fieldset>
  );
}
