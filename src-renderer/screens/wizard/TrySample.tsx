import { useState } from 'react';
import type { ConnectionSample, Side } from '../../../src-main/engine/api/model';
import { plural } from '../../components/plural';
import { useConcord } from '../../store/react';

/** Columns shown in the records table; every field is listed under it anyway. */
const COLUMNS = 8;

const show = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * "Try it": the first records the side's settings read, and the fields found in them — before
 * anything is saved, so a wrong path or column shows now, not after a first sync. Kept with the
 * settings it was read with: an edit since hides it.
 */
export function TrySample({ side, secret, settings }: { side: Side; secret: string; settings: string }) {
  const tryConnection = useConcord((s) => s.tryConnection);
  const [sample, setSample] = useState<{ settings: string; value: ConnectionSample } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (collection?: string) => {
    setBusy(true);
    const value = await tryConnection(side, secret || undefined, collection);
    setBusy(false);
    setSample(value ? { settings, value } : null);
  };
  const current = sample?.settings === settings ? sample.value : null;
  const columns = current?.fields.slice(0, COLUMNS) ?? [];
  return (
    <>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void run(current?.collection)}>
          {busy ? 'Reading…' : 'Try it'}
        </button>
        <span className="muted">Reads the first records with these settings; saves nothing.</span>
      </div>
      {current && (
        <section className="try-sample" aria-label="What these settings read">
          <div className="form-row">
            <label htmlFor={`${side}-try-collection`}>First records of</label>
            <select id={`${side}-try-collection`} value={current.collection} onChange={(e) => void run(e.target.value)}>
              {current.collections.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          {current.records.length === 0 ? (
            <p className="muted">{current.collection} holds no records yet.</p>
          ) : (
            <div className="table-scroll">
              <table>
                <caption>
                  {plural(current.records.length, 'record')} of {current.collection}
                  {current.fields.length > COLUMNS ? `, the first ${COLUMNS} of ${current.fields.length} fields` : ''}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Id</th>
                    {columns.map((f) => (
                      <th key={f.name} scope="col">
                        {f.name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {current.records.map((r) => (
                    <tr key={r.id}>
                      <th scope="row">{r.id}</th>
                      {columns.map((f) => (
                        <td key={f.name}>{show(r.fields[f.name])}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p>Fields found ({current.fields.length}):</p>
          <ul className="fields-found">
            {current.fields.map((f) => (
              <li key={f.name}>
                <code>{f.name}</code>
                {f.type ? <span className="muted"> ({f.type})</span> : null}
                {f.example !== null && f.example !== undefined ? <span className="muted"> e.g. {show(f.example).slice(0, 60)}</span> : null}
                {!f.described ? <span className="muted"> — found in the records only</span> : null}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
