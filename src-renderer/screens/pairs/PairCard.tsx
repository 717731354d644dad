import { useState } from 'react';
import type { PairSummary, RunSummary } from '../../../src-main/engine/api/model';
import { ErrorMessage } from '../../components/ErrorMessage';
import { plural } from '../../components/plural';
import { ConfirmDialog, HealthBadge, RunProgressBar, formatTime } from '../../components/widgets';
import { useConcord } from '../../store/react';
import { routeToHash } from '../../store/route';
import { INTERVALS } from '../wizard/PolicySteps';
import { describeQueue, useNow } from './realtime';

export function describeRun(run: RunSummary): string {
  const c = run.counts;
  // A run that failed before it read anything has no counts worth reading; its reason shows beside it.
  if (run.status === 'failed' && Object.values(c).every((n) => n === 0)) return 'failed before reading anything';
  const n = (x: number): string => x.toLocaleString();
  const parts = [`${n(c.read)} read`, `${n(c.created)} created`, `${n(c.updated)} updated`, `${n(c.deleted)} deleted`];
  if (c.conflicts) parts.push(plural(c.conflicts, 'conflict'));
  if (c.failed) parts.push(`${plural(c.failed, 'record')} failed`);
  return `${run.status} · ${parts.join(', ')}`;
}

/**
 * Why a pair needs attention, when the engine gave no reason of its own: the open conflicts and
 * the records an app refused, so the badge never stands alone.
 */
export function attentionReason(pair: PairSummary): string | null {
  if (pair.healthReason || pair.health !== 'needs-attention') return pair.healthReason;
  const parts: string[] = [];
  if (pair.openConflicts > 0) parts.push(`${plural(pair.openConflicts, 'conflict waits', 'conflicts wait')} for a decision in the inbox`);
  if (pair.failed > 0) parts.push(`${plural(pair.failed, 'record')} could not be written`);
  if (pair.lastRun?.status === 'cancelled') parts.unshift(`The last run was cancelled; Sync now finishes ${pair.queued > 0 ? `the ${plural(pair.queued, 'write')} it left` : 'its work'}`);
  if (parts.length === 0 && pair.lastRun?.status === 'halted') parts.push('The last run stopped before writing');
  return parts.length > 0 ? `${parts.join('; ')}.` : null;
}

/**
 * What the card says while an app's rate limit pauses the pair (a 429, or a 503 with Retry-After):
 * which app asked and until when. Null when the pair is not waiting (or the wait has passed:
 * the summary is not re-sent the moment a pause ends).
 */
export function describeRateLimit(pair: Pick<PairSummary, 'rateLimit' | 'left' | 'right'>, now = Date.now()): string | null {
  const limit = pair.rateLimit;
  if (!limit || Date.parse(limit.until) <= now) return null;
  const app = limit.side ? pair[limit.side].connectionName : 'An app';
  return `${app} asked Concord to slow down: the pair waits until ${formatTime(limit.until)}, then resumes on its own.`;
}

/**
 * "Sync now only", or the interval with the next run's time ("every hour · next 10:00"); a pair
 * with a change feed says first whether it syncs as the app commits ("Live") or is reconnecting.
 */
export function describeSchedule(pair: Pick<PairSummary, 'intervalSeconds' | 'nextRunAt' | 'paused'> & Partial<Pick<PairSummary, 'feed'>>): string {
  const feed = pair.paused || !pair.feed ? null : pair.feed.state === 'listening' ? 'Live' : pair.feed.state === 'starting' ? 'Live feed starting' : `Live feed reconnecting${pair.feed.error ? ` (${pair.feed.error})` : ''}`;
  if (pair.intervalSeconds === null) return feed ? `${feed} · otherwise Sync now only` : 'Sync now only';
  const every = INTERVALS.find((i) => i.seconds === pair.intervalSeconds)?.label.toLowerCase() ?? `every ${pair.intervalSeconds} s`;
  const schedule = pair.paused || !pair.nextRunAt ? every : `${every} · next ${new Date(pair.nextRunAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
  return feed ? `${feed} · ${schedule}` : schedule;
}

export function PairCard({ pair, showTitle = true }: { pair: PairSummary; showTitle?: boolean }) {
  const progress = useConcord((s) => s.progress[pair.id]);
  const pending = useConcord((s) => s.pending[pair.id]);
  const error = useConcord((s) => s.pairErrors[pair.id]);
  const syncNow = useConcord((s) => s.syncNow);
  const fullResync = useConcord((s) => s.fullResync);
  const cancelRun = useConcord((s) => s.cancelRun);
  const setPaused = useConcord((s) => s.setPaused);
  const [confirmResync, setConfirmResync] = useState(false);
  const [confirmDeletes, setConfirmDeletes] = useState(false);

  const running = pair.running !== null || progress !== undefined;
  const titleId = `pair-${pair.id}-title`;
  const busy = running || pending !== undefined;
  const reason = attentionReason(pair);
  const rateLimit = describeRateLimit(pair);
  const now = useNow((pair.queue?.depth ?? 0) > 0);
  const queue = describeQueue(pair, now);
  const hookSides = (pair.webhooks ?? []).map((side) => pair[side].connectionName);

  return (
    <article className="pair-card" aria-labelledby={showTitle ? titleId : undefined} aria-label={showTitle ? undefined : `${pair.name} status`}>
      <header>
        {showTitle && (
          <h2 id={titleId}>
            <a href={`#/pairs/${encodeURIComponent(pair.id)}/runs`}>{pair.name}</a>
          </h2>
        )}
        <HealthBadge health={running ? 'syncing' : pair.health} />
      </header>
      {/* Each side stays on one line; the pair wraps between the sides, never inside one. */}
      <p className="pair-sides">
        <span className="pair-side">
          {pair.left.connectionName} · {pair.left.collection}
          {pair.masterSide === 'left' && <span className="master-tag"> (master)</span>}
        </span>{' '}
        ⇄{' '}
        <span className="pair-side">
          {pair.right.connectionName} · {pair.right.collection}
          {pair.masterSide === 'right' && <span className="master-tag"> (master)</span>}
        </span>
      </p>
      {reason && (
        <p className={pair.health === 'needs-attention' ? 'health-reason attention' : 'health-reason'}>
          {reason}
          {pair.health === 'failing' && (
            <>
              {' '}
              {/* A moved file or a changed password is fixed where the pair's apps are set. */}
              <a href={`#/pairs/${encodeURIComponent(pair.id)}/settings`}>Check the apps’ settings</a>
            </>
          )}
        </p>
      )}
      {rateLimit && <p className="health-reason">{rateLimit}</p>}
      {pair.awaitingDeleteConfirmation && (
        <p>
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirmDeletes(true)}>
            Apply these deletes ({pair.awaitingDeleteConfirmation.gone})
          </button>
        </p>
      )}
      <dl className="pair-stats">
        <div>
          <dt>Last run</dt>
          <dd>{pair.lastRun ? `${formatTime(pair.lastRun.finishedAt ?? pair.lastRun.startedAt)} — ${describeRun(pair.lastRun)}` : 'Never'}</dd>
        </div>
        <div>
          <dt>Open conflicts</dt>
          <dd>
            {/* The inbox opens filtered to this pair: these are the conflicts the number counts. */}
            {pair.openConflicts > 0 ? <a href={routeToHash({ name: 'conflicts', pairId: pair.id })}>{pair.openConflicts}</a> : 0}
          </dd>
        </div>
        <div>
          <dt>Queued</dt>
          <dd>{pair.queued.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{pair.failed > 0 ? <a href={`#/pairs/${encodeURIComponent(pair.id)}/failed`}>{pair.failed}</a> : 0}</dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>{describeSchedule(pair)}</dd>
        </div>
        {queue && (
          <div className="realtime-stat">
            <dt>Real time</dt>
            <dd>
              {hookSides.length > 0 && `Webhooks from ${hookSides.join(' and ')} · `}
              {/* The events themselves (what each did, or why it waits) are on the pair's Events tab. */}
              {(pair.queue?.depth ?? 0) > 0 ? <a href={`#/pairs/${encodeURIComponent(pair.id)}/events`}>{queue}</a> : queue}
            </dd>
          </div>
        )}
      </dl>
      {/* Reserved space: the bar appears without moving the buttons. */}
      <div className="progress-slot">
        {running && (
          <>
            <RunProgressBar progress={progress} label={`Sync progress for ${pair.name}`} />
            {/* Cancel sits with the bar it stops, so the action buttons below never move. */}
            <button type="button" disabled={pending === 'runs/cancel'} onClick={() => void cancelRun(pair.id)}>
              Cancel
            </button>
          </>
        )}
      </div>
      <ErrorMessage error={error} />
      <div className="actions">
        <button type="button" className="primary sync-now" disabled={busy || pair.paused} onClick={() => void syncNow(pair.id)}>
          {running ? 'Syncing…' : 'Sync now'}
        </button>
        <button type="button" disabled={busy || pair.paused} onClick={() => setConfirmResync(true)}>
          Full resync
        </button>
        <button type="button" disabled={pending !== undefined} onClick={() => void setPaused(pair.id, !pair.paused)}>
          {pair.paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      <ConfirmDialog
        open={confirmDeletes}
        title={`Apply the deletes of ${pair.name}?`}
        confirmLabel="Apply the deletes and sync"
        onCancel={() => setConfirmDeletes(false)}
        onConfirm={() => {
          setConfirmDeletes(false);
          if (pair.awaitingDeleteConfirmation) void syncNow(pair.id, { confirmDeletes: pair.awaitingDeleteConfirmation.gone });
        }}
      >
        <p>
          The {plural(pair.awaitingDeleteConfirmation?.gone ?? 0, 'record')} that are gone from {pair.left.connectionName} or{' '}
          {pair.right.connectionName} will be deleted in the other app (or, where the pair keeps deletes, stop syncing). Do this only
          if they were really deleted: each deleted record stays in the pair's activity log, where Restore creates it again in both
          apps.
        </p>
      </ConfirmDialog>
      <FullResyncDialog
        open={confirmResync}
        pairName={pair.name}
        onCancel={() => setConfirmResync(false)}
        onConfirm={() => {
          setConfirmResync(false);
          void fullResync(pair.id);
        }}
      />
    </article>
  );
}

/** Full resync asks first, wherever it is offered (the card, the settings after a change that needs one). */
export function FullResyncDialog(props: { open: boolean; pairName: string; onCancel: () => void; onConfirm: () => void }) {
  return (
    <ConfirmDialog open={props.open} title={`Full resync of ${props.pairName}?`} confirmLabel="Start full resync" onCancel={props.onCancel} onConfirm={props.onConfirm}>
      <p>
        Concord re-reads every record on both sides and repairs any drift from the last synced state. It can take a
        while on large collections; you can cancel it.
      </p>
    </ConfirmDialog>
  );
}
