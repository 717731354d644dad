import { Fragment, useEffect, useId, useRef, type ReactNode } from 'react';
import type { PairHealth, RunProgress } from '../../src-main/engine/api/model';
import { breakSegments } from './break-points';

const HEALTH_LABEL: Record<PairHealth, string> = {
  'in-sync': 'In sync',
  syncing: 'Syncing',
  failing: 'Failing',
  paused: 'Paused',
  'never-run': 'Never run',
  'needs-attention': 'Needs attention',
};

export function HealthBadge({ health }: { health: PairHealth }) {
  return <span className={`health health-${health}`}>{HEALTH_LABEL[health]}</span>;
}

/**
 * A run's progress: while reading, records read over the total when it is known (a full resync, a
 * first sync); while writing, writes done over writes planned; an indeterminate bar otherwise.
 */
export function RunProgressBar({ progress, label }: { progress: RunProgress | undefined; label: string }) {
  const n = (x: number): string => x.toLocaleString();
  const writing = progress?.phase === 'writing' && progress.toWrite !== undefined && progress.toWrite > 0;
  const [value, max] = writing ? [progress.written, progress.toWrite ?? 0] : [progress?.read ?? 0, progress?.total ?? 0];
  let text = 'starting…';
  if (progress && writing) text = `writing: ${n(progress.written)} / ${n(progress.toWrite ?? 0)} written`;
  else if (progress) text = `${progress.phase}: ${n(progress.read)}${progress.total !== null ? ` / ${progress.totalEstimated ? '≈' : ''}${n(progress.total)}` : ''} read, ${n(progress.written)} written`;
  return (
    <div className="run-progress">
      {max > 0 ? <progress aria-label={label} max={max} value={Math.min(value, max)} /> : <progress aria-label={label} />}
      <span className="muted">{text}</span>
    </div>
  );
}

/**
 * A modal confirm built on <dialog>: showModal() makes the page behind inert (the focus cannot
 * leave the dialog for the page) and Escape fires `cancel`. Focus goes to the dialog's first
 * button and, on close, back to what had it before, when that is still on the page.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !props.open || dialog.open) return;
    const opener = document.activeElement;
    dialog.showModal();
    return () => {
      dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-modal="true"
      onCancel={props.onCancel}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div>{props.children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A time in a table cell: compact, with the full date and time in its tooltip (and machine-readable). */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <>—</>;
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {formatShortTime(iso)}
    </time>
  );
}

/** A compact time for table cells ("Nov 22, 14:05", 24-hour so it fits its column); the full time goes in the cell's title. */
export function formatShortTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (value === null) return '(empty)';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** A value that wraps at sensible points (after "@", before "."), never in the middle of a short word. */
export function BreakableValue({ value }: { value: unknown }) {
  // The pieces are fixed for a given text, so their position is a stable key.
  return breakSegments(formatValue(value)).map((piece, i) => (
    <Fragment key={i}>
      {i > 0 && <wbr />}
      {piece}
    </Fragment>
  ));
}
