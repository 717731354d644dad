import { useState } from 'react';
import type { ConflictDetail, Resolution } from '../../../src-main/engine/api/model';
import { BreakableValue, ConfirmDialog } from '../../components/widgets';

/** Edit vs delete: the updated record's fields, and the two ways out. */
export function UpdateDeletePanel({ detail, busy, onApply }: { detail: ConflictDetail; busy: boolean; onApply: (r: Resolution) => void }) {
  const [asking, setAsking] = useState(false);
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
        <button type="button" className="danger" disabled={busy} onClick={() => setAsking(true)}>
          Delete it on both sides
        </button>
      </div>
      {/* A delete loses the edit made in the other app: it asks first, naming both apps. */}
      <ConfirmDialog
        open={asking}
        title={`Delete ${detail.record} in ${label(updated)} too?`}
        confirmLabel={`Delete in ${label(updated)}`}
        onCancel={() => setAsking(false)}
        onConfirm={() => {
          setAsking(false);
          onApply({ kind: 'update-delete', keep: 'deleted' });
        }}
      >
        {asking && (
          <>
            <p>
              {label(deleted)} deleted this record. Concord will delete it in {label(updated)} as well, with the changes made there, so
              neither {label(deleted)} nor {label(updated)} holds it any more.
            </p>
            <p>Its values stay in the pair's activity log, where Restore creates it again in both apps.</p>
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}

/** A record that matched several: its candidates side by side, link to one or create it. */
export function DuplicatePanel({ detail, busy, onApply }: { detail: ConflictDetail; busy: boolean; onApply: (r: Resolution) => void }) {
  const [deleting, setDeleting] = useState<{ id: string; app: string; candidate?: string } | null>(null);
  const dup = detail.duplicate;
  if (!dup) return <p>The engine sent no candidates for this duplicate.</p>;
  const other = dup.side === 'left' ? detail.rightLabel : detail.leftLabel;
  const own = dup.side === 'left' ? detail.leftLabel : detail.rightLabel;
  const ownId = dup.side === 'left' ? detail.leftId : detail.rightId;
  const keys = [...new Set([...Object.keys(dup.record), ...dup.candidates.flatMap((c) => Object.keys(c.fields))])];
  return (
    <div className="duplicate">
      {dup.emptyKey ? (
        <p>
          This record of <strong>{own}</strong> has no value for the pair's match keys, so Concord cannot tell whether{' '}
          <strong>{other}</strong> holds it already. Create it as a new record in {other}, or delete it (the Delete under its id).
          Once it has a key in {own}, the next sync matches it by itself.
        </p>
      ) : (
        <p>
          This record of <strong>{own}</strong> matched {dup.candidates.length} {dup.candidates.length === 1 ? 'record' : 'records'} in{' '}
          <strong>{other}</strong> on the pair's match keys. Link it to one of them, create it as a new record, or delete a stale copy
          (the Delete under its id).
          {dup.candidates.some((c) => c.linkedTo !== undefined) &&
            ' A candidate already linked to another record cannot be linked again.'}
        </p>
      )}
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
            {/* The apps' own ids tell apart records whose values look the same. */}
            <tr className="merge-row record-ids">
              <th scope="row">Record id</th>
              <td className="value">
                <code>{ownId ?? '—'}</code>
                {ownId && (
                  <button type="button" className="link-button danger-link" disabled={busy} onClick={() => setDeleting({ id: ownId, app: own })} aria-label={`Delete record ${ownId} in ${own}`}>
                    Delete
                  </button>
                )}
              </td>
              {dup.candidates.map((c) => (
                <td key={c.id} className="value">
                  <code>{c.id}</code>
                  {/* A linked candidate is another record's partner: deleting it would delete that one too. */}
                  {c.linkedTo === undefined && (
                    <button type="button" className="link-button danger-link" disabled={busy} onClick={() => setDeleting({ id: c.id, app: other, candidate: c.id })} aria-label={`Delete record ${c.id} in ${other}`}>
                      Delete
                    </button>
                  )}
                </td>
              ))}
            </tr>
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
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete record ${deleting?.id ?? ''} in ${deleting?.app ?? ''}?`}
        confirmLabel="Delete it"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const d = deleting;
          setDeleting(null);
          if (d) onApply(d.candidate === undefined ? { kind: 'delete-duplicate' } : { kind: 'delete-duplicate', candidate: d.candidate });
        }}
      >
        <p>
          Concord deletes record <code>{deleting?.id}</code> in {deleting?.app}, as a stale copy; the other app is not changed. Its
          values stay in the pair's activity. The next sync links what is left, when it is one record on each side.
        </p>
      </ConfirmDialog>
    </div>
  );
}
