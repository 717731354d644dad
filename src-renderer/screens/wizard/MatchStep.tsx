import type { CanonicalValue, ConflictPolicy, PreviewExample, Side } from '../../../src-main/engine/api/model';
import { formatValue } from '../../components/widgets';
import { useBusy } from '../../components/use-busy';
import { plural } from '../../components/plural';
import { useConcord } from '../../store/react';
import { FormulaWarnings } from './FormulaWarnings';
import { sideLabel } from './mapping-model';

type ExampleRow = { label: string; values: Record<string, CanonicalValue> };

/** One example as a small table: a row per record (A, B, or the candidates a key is shared with), a column per field. */
function ExampleTable({ example, fields }: { example: PreviewExample; fields: string[] }) {
  const rows: ExampleRow[] = [];
  if (example.left) rows.push({ label: 'App A', values: example.left });
  if (example.right) rows.push({ label: 'App B', values: example.right });
  const otherSide = example.left ? 'App B' : 'App A';
  example.candidates?.forEach((values, i) => rows.push({ label: `${otherSide}, record ${i + 1}`, values }));
  const columns = fields.filter((f) => rows.some((r) => f in r.values));
  // A matched pair: the fields whose values differ between A and B are marked.
  const differs = (f: string): boolean => example.left !== undefined && example.right !== undefined && formatValue(example.left[f]) !== formatValue(example.right[f]);
  return (
    <div className="example-scroll">
      <table className="example">
        <caption>
          <code>{example.key}</code>
          {example.candidates && ` · shared by ${plural(example.candidates.length + 1, 'record')}`}
        </caption>
        <thead>
          <tr>
            <td />
            {columns.map((f) => (
              <th key={f} scope="col">
                {f}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              {columns.map((f) => (
                <td key={f} className={differs(f) ? 'differs' : undefined}>
                  {f in r.values ? formatValue(r.values[f]) : ''}
                  {differs(f) && <span className="visually-hidden"> (differs)</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Examples({ title, items, fields }: { title: string; items: PreviewExample[]; fields: string[] }) {
  if (items.length === 0) return null;
  return (
    <details>
      <summary>
        Examples: {title} ({items.length})
      </summary>
      <ul className="examples">
        {items.map((ex, i) => (
          <li key={`${ex.key}-${i}`}>
            <ExampleTable example={ex} fields={fields} />
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * Matched records that differ only reach the inbox when the initial-match policy is manual: the
 * preview names what will really happen to them (the policy is chosen on the next step).
 */
export function differWording(policy: ConflictPolicy, master: Side): { label: string; help: string } {
  const next = 'You choose this on the next step.';
  switch (policy) {
    case 'manual':
      return { label: 'Differ — to the inbox', help: `Matched records that differ wait in the conflict inbox for you. ${next}` };
    case 'master':
      return { label: 'Differ — master wins', help: `Matched records that differ take ${sideLabel(master)}'s values (the master). ${next}` };
    case 'newest':
      return { label: 'Differ — newest wins', help: `Matched records that differ take the most recently changed values. ${next}` };
    case 'merge-numeric':
    case 'merge-set':
      return { label: 'Differ — merged', help: `Matched records that differ are merged by the policy. ${next}` };
  }
}

export function MatchStep() {
  const draft = useConcord((s) => s.draft);
  const preview = useConcord((s) => s.preview);
  const patchDraft = useConcord((s) => s.patchDraft);
  const loadPreview = useConcord((s) => s.loadPreview);
  const [loading, whileLoading] = useBusy();
  const { label: differLabel, help: differHelp } = differWording(draft.initialMatchPolicy, draft.masterSide);
  const fieldNames = draft.fields.map((f) => f.name);
  return (
    <div>
      <fieldset>
        <legend>Match existing records on</legend>
        <p className="help">Records with equal values (ignoring case and spaces) are linked instead of created twice.</p>
        {draft.fields.map((f) => (
          <label key={f.name} className="check">
            <input
              type="checkbox"
              checked={draft.matchKeys.includes(f.name)}
              onChange={(e) => patchDraft({ matchKeys: e.target.checked ? [...draft.matchKeys, f.name] : draft.matchKeys.filter((k) => k !== f.name) })}
            />
            {f.name}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Records with no value for the match keys</legend>
        <p className="help">Nothing can tell whether the other app holds them already.</p>
        <label className="check">
          <input type="radio" name="empty-keys" checked={draft.emptyKeys === 'hold'} onChange={() => patchDraft({ emptyKeys: 'hold' })} />
          Hold them in the conflict inbox: you create, link or delete each (a key added in its app releases it)
        </label>
        <label className="check">
          <input type="radio" name="empty-keys" checked={draft.emptyKeys === 'create'} onChange={() => patchDraft({ emptyKeys: 'create' })} />
          Create them in the other app
        </label>
      </fieldset>
      <div className="actions">
        <button
          type="button"
          disabled={draft.matchKeys.length === 0 || loading}
          onClick={() => void whileLoading(loadPreview)}
        >
          {loading ? 'Reading both apps…' : 'Preview the first sync'}
        </button>
      </div>
      {preview && (
        <div className="preview" role="region" aria-label="Preview">
          <dl className="preview-counts">
            <div><dt>Matched</dt><dd>{preview.matched}</dd></div>
            <div><dt>To create in A</dt><dd>{preview.createOnLeft}</dd></div>
            <div><dt>To create in B</dt><dd>{preview.createOnRight}</dd></div>
            <div><dt>{differLabel}</dt><dd>{preview.conflicts}</dd></div>
            <div><dt>Ambiguous</dt><dd>{preview.ambiguous}</dd></div>
          </dl>
          <p className="muted">
            A holds {plural(preview.leftTotal, 'record')}, B holds {preview.rightTotal}. {differHelp} Ambiguous matches go to the conflict inbox, never doubled.
          </p>
          {preview.sharedKeys && preview.sharedKeys.length > 0 && (
            <div className="banner" role="note" aria-label="Keys shared within one app">
              <p>
                Some new records share a match key within their own app, so each becomes a record of its own in the other app:{' '}
                {preview.sharedKeys.map((k) => `${k.key} (${plural(k.count, 'record')} in ${sideLabel(k.side)})`).join(', ')}. If the
                key should be unique, merge those records in their app first, or match on more fields.
              </p>
            </div>
          )}
          <FormulaWarnings warnings={preview.formulas} />
          <Examples title="Matched" items={preview.examples.matched} fields={fieldNames} />
          <Examples title="To create in A" items={preview.examples.createOnLeft} fields={fieldNames} />
          <Examples title="To create in B" items={preview.examples.createOnRight} fields={fieldNames} />
          <Examples title={differLabel} items={preview.examples.conflicts} fields={fieldNames} />
          <Examples title="Ambiguous" items={preview.examples.ambiguous} fields={fieldNames} />
        </div>
      )}
    </div>
  );
}
