import { useEffect, useRef, useState } from 'react';
import type { ConflictDetail, Resolution } from '../../../src-main/engine/api/model';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useBusy } from '../../components/use-busy';
import { BreakableValue, formatTime } from '../../components/widgets';
import { useConcord } from '../../store/react';
import { FieldMergePanel } from './FieldMergePanel';
import { KIND_LABEL } from './inbox-filter';
import { conflictingFields, missingPicks, toFieldChoice, type Pick } from './merge-choices';

/** Keys the panel answers (the inbox routes them here): 1/2 pick, ↑/↓ move field, Enter applies. */
export type PanelKey = '1' | '2' | 'ArrowUp' | 'ArrowDown' | 'Enter';

export function ConflictPanel(props: { conflictId: string; onResolved: () => void; keyRef: { current: ((key: PanelKey) => boolean) | null } }) {
  const detail = useConcord((s) => s.conflictDetails[props.conflictId]);
  const error = useConcord((s) => s.conflictErrors[props.conflictId]);
  const outcome = useConcord((s) => s.outcomes[props.conflictId]);
  const loadConflict = useConcord((s) => s.loadConflict);
  const resolve = useConcord((s) => s.resolveConflict);
  const [picks, setPicks] = useState<Record<string, Pick | undefined>>({});
  const [editErrors, setEditErrors] = useState<Record<string, string | undefined>>({});
  const [focusedField, setFocusedField] = useState<string | null>(null);
  const [applying, whileApplying] = useBusy();
  const [message, setMessage] = useState<string | null>(null);

  // The inbox mounts one panel per conflict (keyed by id), so picks and messages start empty for
  // each conflict without an effect that resets them.
  useEffect(() => void loadConflict(props.conflictId), [props.conflictId, loadConflict]);

  // A panel that replaces the one just applied (or opened by j/k) takes the focus the old one had,
  // so keyboard and screen-reader users land on the new record; a click in the list keeps its focus.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const hasDetail = detail !== undefined;
  useEffect(() => {
    const active = document.activeElement;
    if (hasDetail && (active === null || active === document.body)) headingRef.current?.focus();
  }, [hasDetail]);

  const conflicting = detail ? conflictingFields(detail).map((f) => f.name) : [];
  const focused = focusedField ?? conflicting[0] ?? null;
  const missing = detail ? missingPicks(detail, picks) : [];
  const hasEditErrors = Object.values(editErrors).some(Boolean);

  async function apply(resolution: Resolution): Promise<void> {
    setMessage(null);
    const result = await whileApplying(() => resolve(props.conflictId, resolution));
    if (!result) return;
    if (result.status === 'resolved') {
      setMessage(`Resolved: wrote ${result.wrote.left} change(s) to ${detail?.leftLabel ?? 'left'} and ${result.wrote.right} to ${detail?.rightLabel ?? 'right'}.`);
      props.onResolved();
    } else setMessage(`Not resolved: ${result.error ?? 'the engine gave no reason'}. The conflict stays open.`);
  }

  function applyFields(): void {
    if (!detail) return;
    if (missing.length > 0) return setMessage(`Choose a value for ${missing.join(', ')} first.`);
    if (hasEditErrors) return setMessage('Fix the merged values marked in red first.');
    const fields = Object.fromEntries(
      Object.entries(picks).flatMap(([name, pick]) => (pick ? [[name, toFieldChoice(pick, detail.masterSide)]] : [])),
    );
    void apply({ kind: 'fields', fields });
  }

  // The inbox forwards keys here; the handler says whether it used the key. Re-registered after
  // every render so it always sees the current picks, and withdrawn when the panel goes.
  const { keyRef } = props;
  useEffect(() => {
    keyRef.current = (key) => {
      if (!detail || detail.kind !== 'field' || applying) return false;
      const index = focused ? conflicting.indexOf(focused) : -1;
      if (key === 'ArrowDown' || key === 'ArrowUp') {
        const next = conflicting[Math.max(0, Math.min(conflicting.length - 1, index + (key === 'ArrowDown' ? 1 : -1)))];
        if (next) setFocusedField(next);
        return true;
      }
      if ((key === '1' || key === '2') && focused) {
        setPicks((p) => ({ ...p, [focused]: { take: key === '1' ? 'master' : 'slave' } }));
        // Move on to the next field still waiting, as merge editors do.
        const after = conflicting.slice(index + 1).find((f) => !picks[f]);
        if (after) setFocusedField(after);
        return true;
      }
      if (key === 'Enter') {
        applyFields();
        return true;
      }
      return false;
    };
    return () => {
      keyRef.current = null;
    };
  });

  return (
    <section className="conflict-panel" aria-labelledby="conflict-panel-title">
      <ErrorMessage error={error} onRetry={() => void loadConflict(props.conflictId)} />
      {!detail && !error && <p className="muted">Loading the conflict…</p>}
      {detail && (
        <>
          <header>
            <h2 id="conflict-panel-title" tabIndex={-1} ref={headingRef}>
              {detail.record}
            </h2>
            <p className="muted">
              {detail.pairName} · {KIND_LABEL[detail.kind]} · detected {formatTime(detail.detectedAt)}
            </p>
          </header>
          {detail.kind === 'field' && (
            <>
              <FieldMergePanel
                detail={detail}
                picks={picks}
                focusedField={focused}
                onFocusField={setFocusedField}
                onPick={(field, pick) => setPicks((p) => ({ ...p, [field]: pick }))}
                editErrors={editErrors}
                onEditError={(field, e) => setEditErrors((p) => ({ ...p, [field]: e }))}
              />
              <div className="actions panel-actions">
                <button type="button" onClick={() => setPicks(Object.fromEntries(conflicting.map((f) => [f, { take: 'master' }])))}>
                  All master
                </button>
                <button type="button" onClick={() => setPicks(Object.fromEntries(conflicting.map((f) => [f, { take: 'slave' }])))}>
                  All slave
                </button>
                <button type="button" className="primary" disabled={applying} onClick={applyFields}>
                  {applying ? 'Applying…' : 'Apply'}
                </button>
                <span className="muted">{missing.length > 0 ? `${missing.length} field(s) to choose` : 'Ready to apply'}</span>
              </div>
            </>
          )}
          {detail.kind === 'update-delete' && <UpdateDeletePanel detail={detail} busy={applying} onApply={apply} />}
          {detail.kind === 'duplicate' && <DuplicatePanel detail={detail} busy={applying} onApply={apply} />}
          <p className="panel-message" role="status">
            {message ?? (outcome?.status === 'failed' ? `Last attempt failed: ${outcome.error ?? ''}` : '')}
          </p>
        </>
      )}
    </section>
  );
}

function UpdateDeletePanel({ detail, busy, onApply }: { detail: ConflictDetail; busy: boolean; onApply: (r: Resolution) => void }) {
  const deleted = detail.deletedSide ?? 'left';
  const updated = deleted === 'left' ? 'right' : 'left';
  const label = (side: 'left' | 'right') => (side === 'left' ? detail.leftLabel : detail.rightLabel);
  return (
    <div className="update-delete">
      <p>
        <strong>{label(deleted)}</strong> deleted this record, while <strong>{label(updated)}</strong> changed it since the last
        sync.
      </p>
      <table className="merge-table" aria-label="The updated record">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Last synced</th>
            <th scope="col">Now in {label(updated)}</th>
          </tr>
        </thead>
        <tbody>
          {detail.fields.map((f) => (
            <tr key={f.name} className={f.inConflict ? 'merge-row in-conflict' : 'merge-row'}>
              <th scope="row">{f.name}</th>
              <td className="value base">
                <BreakableValue value={f.base} />
              </td>
              <td className="value">
                <BreakableValue value={f[updated]} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions panel-actions">
        <button type="button" className="primary" disabled={busy} onClick={() => onApply({ kind: 'update-delete', keep: 'updated' })}>
          Keep the updated record
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => onApply({ kind: 'update-delete', keep: 'deleted' })}>
          Delete it on both sides
        </button>
      </div>
    </div>
  );
}

function DuplicatePanel({ detail, busy, onApply }: { detail: ConflictDetail; busy: boolean; onApply: (r: Resolution) => void }) {
  const dup = detail.duplicate;
  if (!dup) return <p>The engine sent no candidates for this duplicate.</p>;
  const other = dup.side === 'left' ? detail.rightLabel : detail.leftLabel;
  const keys = [...new Set([...Object.keys(dup.record), ...dup.candidates.flatMap((c) => Object.keys(c.fields))])];
  return (
    <div className="duplicate">
      <p>
        This record matched {dup.candidates.length} {dup.candidates.length === 1 ? 'record' : 'records'} in <strong>{other}</strong> on the
        pair's match keys. Link it to one of them, or create it as a new record.
        {dup.candidates.some((c) => c.linkedTo !== undefined) &&
          ' A candidate already linked to another record cannot be linked again: merge or delete the extra record in its app, or create it anyway.'}
      </p>
      <div className="merge-scroll">
        <table className="merge-table" aria-label="Record and its candidates">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">This record</th>
              {dup.candidates.map((c, i) => (
                <th scope="col" key={c.id}>
                  Candidate {i + 1}
                  {c.linkedTo !== undefined && <span className="conflict-mark">already linked</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k} className="merge-row">
                <th scope="row">{k}</th>
                <td className="value">
                  <BreakableValue value={dup.record[k]} />
                </td>
                {dup.candidates.map((c) => (
                  <td key={c.id} className="value">
                    <BreakableValue value={c.fields[k]} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="actions panel-actions">
        {dup.candidates.map((c, i) => (
          <button
            key={c.id}
            type="button"
            disabled={busy || c.linkedTo !== undefined}
            title={c.linkedTo !== undefined ? 'Already linked to another record' : undefined}
            onClick={() => onApply({ kind: 'duplicate', linkTo: c.id })}
          >
            Link to candidate {i + 1}
          </button>
        ))}
        <button type="button" disabled={busy} onClick={() => onApply({ kind: 'duplicate', linkTo: null })}>
          Create as a new record
        </button>
      </div>
    </div>
  );
}
