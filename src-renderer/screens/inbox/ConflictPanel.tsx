import { useEffect, useRef, useState } from 'react';
import type { ConflictDetail, Resolution } from '../../../src-main/engine/api/model';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useBusy } from '../../components/use-busy';
import { plural } from '../../components/plural';
import { formatTime } from '../../components/widgets';
import { useConcord } from '../../store/react';
import { FieldMergePanel } from './FieldMergePanel';
import { KIND_LABEL } from './inbox-filter';
import { conflictingFields, mergedValueErrors, missingPicks, toFieldChoice, type Pick } from './merge-choices';
import { DuplicatePanel, UpdateDeletePanel } from './OtherConflictPanels';

/** Keys the panel answers (the inbox routes them here): 1/2 pick, ↑/↓ move field, Enter applies. */
export type PanelKey = '1' | '2' | 'ArrowUp' | 'ArrowDown' | 'Enter';

/** What a resolution wrote, per app, in words ("updated in Shop and in Sheet."). */
export function describeWrites(wrote: { left: number; right: number }, left: string, right: string): string {
  const written = [wrote.left > 0 ? left : null, wrote.right > 0 ? right : null].filter((x): x is string => x !== null);
  if (written.length === 2) return `updated in ${left} and in ${right}.`;
  if (written.length === 1) return `updated in ${written[0]}; ${written[0] === left ? right : left} already held these values.`;
  return 'both apps already held these values; nothing needed writing.';
}

/** What "Delete it on both sides" did, in words: where it was deleted, and how to get it back. */
export function describeDelete(deletedSide: 'left' | 'right', wrote: { left: number; right: number }, labels: { left: string; right: string }): string {
  const survivor = deletedSide === 'left' ? 'right' : 'left';
  const where = wrote[survivor] > 0 ? `deleted in ${labels[survivor]} (${labels[deletedSide]} had deleted it already)` : `it was gone from ${labels.left} and ${labels.right} already`;
  return `${where}. Restore it from the pair's Activity tab.`;
}

export function ConflictPanel(props: { conflictId: string; onResolved: () => void; keyRef: { current: ((key: PanelKey) => boolean) | null } }) {
  const detail = useConcord((s) => s.conflictDetails[props.conflictId]);
  const error = useConcord((s) => s.conflictErrors[props.conflictId]);
  const outcome = useConcord((s) => s.outcomes[props.conflictId]);
  const loadConflict = useConcord((s) => s.loadConflict);
  const resolve = useConcord((s) => s.resolveConflict);
  const notify = useConcord((s) => s.notify);
  // The choices live in the store, keyed by conflict: they survive a look at another conflict.
  const draft = useConcord((s) => s.mergeDrafts[props.conflictId]);
  const storePick = useConcord((s) => s.setPick);
  const storePicks = useConcord((s) => s.setPicks);
  const picks = draft?.picks ?? {};
  const changed = draft?.changed ?? [];
  const [focusedField, setFocusedField] = useState<string | null>(null);
  const [editRequested, setEditRequested] = useState<{ field: string } | null>(null);
  const [applying, whileApplying] = useBusy();
  const [message, setMessage] = useState<string | null>(null);

  // The inbox mounts one panel per conflict (keyed by id), so messages and focus start afresh for
  // each conflict; loading it again reconciles a kept draft with the values the engine has now.
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
  const editErrors = detail ? mergedValueErrors(detail, picks) : {};
  const hasEditErrors = Object.values(editErrors).some(Boolean);

  // A message about the choices ("Choose a value for … first") is about the choices as they were:
  // any change of a choice clears it.
  function choose(field: string, pick: Pick | undefined): void {
    setMessage(null);
    storePick(props.conflictId, field, pick);
  }
  function chooseAll(take: 'master' | 'slave'): void {
    setMessage(null);
    storePicks(props.conflictId, Object.fromEntries(conflicting.map((f) => [f, { take }])));
  }

  async function apply(resolution: Resolution): Promise<void> {
    setMessage(null);
    const result = await whileApplying(() => resolve(props.conflictId, resolution));
    if (!result) return;
    if (result.status === 'resolved') {
      // The next conflict takes this panel at once, so the outcome goes to the window's notices,
      // where it stays readable (and is announced) after the panel is gone.
      const labels = { left: detail?.leftLabel ?? 'App A', right: detail?.rightLabel ?? 'App B' };
      const what =
        resolution.kind === 'delete-duplicate'
          ? `deleted the stale copy in ${result.wrote.left > 0 ? labels.left : labels.right}.`
          : resolution.kind === 'update-delete' && resolution.keep === 'deleted'
            ? describeDelete(detail?.deletedSide ?? 'left', result.wrote, labels)
            : describeWrites(result.wrote, labels.left, labels.right);
      notify('success', `Resolved ${detail?.record ?? 'the conflict'}: ${what}`);
      props.onResolved();
    } else setMessage(`Not resolved: ${result.error ?? 'the engine gave no reason'}. The conflict stays open.`);
  }

  function applyFields(): void {
    if (!detail || applying) return;
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
      if (!detail || detail.kind !== 'field' || detail.status !== 'open' || applying) return false;
      const index = focused ? conflicting.indexOf(focused) : -1;
      if (key === 'ArrowDown' || key === 'ArrowUp') {
        const next = conflicting[Math.max(0, Math.min(conflicting.length - 1, index + (key === 'ArrowDown' ? 1 : -1)))];
        if (next) setFocusedField(next);
        return true;
      }
      if ((key === '1' || key === '2') && focused) {
        choose(focused, { take: key === '1' ? 'master' : 'slave' });
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
          {detail.status === 'resolved' && <ResolvedNote detail={detail} />}
          {detail.status === 'open' && detail.kind === 'field' && (
            <>
              {changed.length > 0 && (
                <p className="banner">
                  The values of {changed.join(', ')} changed in the apps since you chose, so {changed.length === 1 ? 'that choice was' : 'those choices were'}{' '}
                  dropped: choose again.
                </p>
              )}
              <div className="merge-scroll">
                <FieldMergePanel
                  detail={detail}
                  picks={picks}
                  focusedField={focused}
                  onFocusField={setFocusedField}
                  onPick={choose}
                  editErrors={editErrors}
                  editRequested={editRequested}
                  onEdit={(field, pick) => {
                    choose(field, pick);
                    setEditRequested({ field });
                  }}
                  onApply={applyFields}
                />
              </div>
              <div className="actions panel-actions">
                <button type="button" onClick={() => chooseAll('master')}>
                  All master
                </button>
                <button type="button" onClick={() => chooseAll('slave')}>
                  All slave
                </button>
                <button type="button" className="primary" disabled={applying} onClick={applyFields}>
                  {applying ? 'Applying…' : 'Apply'}
                </button>
                <span className="muted">{missing.length > 0 ? `${plural(missing.length, 'field')} to choose` : 'Ready to apply'}</span>
              </div>
            </>
          )}
          {detail.status === 'open' && detail.kind === 'update-delete' && <UpdateDeletePanel detail={detail} busy={applying} onApply={apply} />}
          {detail.status === 'open' && detail.kind === 'duplicate' && <DuplicatePanel detail={detail} busy={applying} onApply={apply} />}
          <p className="panel-message" role="status">
            {message ?? (outcome?.status === 'failed' ? `Last attempt failed: ${outcome.error ?? ''}` : '')}
          </p>
        </>
      )}
    </section>
  );
}

/**
 * A conflict that is no longer open (resolved here, by someone else, by a bulk job, or by the apps
 * agreeing): who, when and what, and no buttons — an Apply would only be refused. The address
 * keeps its id, so a reload lands here too.
 */
function ResolvedNote({ detail }: { detail: ConflictDetail }) {
  const r = detail.resolution;
  return (
    <div className="resolved-note" role="note" aria-label="Resolved">
      <p>
        <strong>Resolved</strong>
        {r ? (
          <>
            {' '}
            {r.by ? `by ${r.by}` : 'by the apps themselves'} on {formatTime(r.at)}: {r.what}.
          </>
        ) : (
          '.'
        )}
      </p>
      <p className="muted">Nothing is left to decide here. Its values and what was overwritten are in the pair's activity log.</p>
    </div>
  );
}
