import { useEffect, useState } from 'react';
import type { EventSource, EventState, Side } from '../../../src-main/engine/api/model';
import { CopyButton } from '../../components/CopyButton';
import { ListTable } from '../../components/ListTable';
import { plural } from '../../components/plural';
import { Time, formatShortTime } from '../../components/widgets';
import { useConcord, useConcordStore } from '../../store/react';
import type { EventRow } from '../../store/realtime-slice';
import { routeToHash } from '../../store/route';
import { useSideName } from './use-side-name';

const STATES: { id: EventState; label: string }[] = [
  { id: 'pending', label: 'Pending' },
  { id: 'applied', label: 'Applied' },
  { id: 'conflict', label: 'Conflict' },
  { id: 'failed', label: 'Failed' },
];

const SOURCE: Record<EventSource, string> = { webhook: 'Webhook', notify: 'Database notification', poll: 'Change poll', watch: 'File watch' };

/**
 * The pair's real-time events, newest first (issue 12): where each came from, the record, thin or
 * fat, and what became of it — written, a conflict (linked in the inbox), the app's error, or the
 * retry it waits for. A steward pastes the correlation id an app logged (or a record id) to find
 * one. The list refreshes as the engine reports the pair's queue moving.
 */
export function EventsTab({ pairId }: { pairId: string }) {
  const store = useConcordStore();
  const events = useConcord((s) => s.events[pairId]);
  const loadEvents = useConcord((s) => s.loadEvents);
  const loadMore = useConcord((s) => s.loadMoreEvents);
  const sideName = useSideName(pairId);
  const query = events?.query ?? { search: '', state: null };
  const [typed, setTyped] = useState(query.search);
  // What moves the list: an event queued, applied or retried changes the queue or the last run.
  const pulse = useConcord((s) => {
    const p = s.pairs.find((x) => x.id === pairId);
    return p ? `${p.queue?.depth ?? 0}:${p.queue?.retrying ?? 0}:${p.lastRun?.id ?? ''}:${p.lastRun?.finishedAt ?? ''}` : '';
  });
  const loaded = events?.items != null;
  useEffect(() => {
    // First open: the newest events; afterwards, each pulse reloads as many as are shown.
    void store.getState().loadEvents(pairId, undefined, { keep: true });
  }, [store, pairId, pulse]);

  const items = events?.items?.map((e) => ({ ...e, id: e.correlationId }));
  const filtered = query.search.trim() !== '' || query.state !== null;

  return (
    <>
      <form
        className="events-filter"
        role="search"
        aria-label="Find events"
        onSubmit={(e) => {
          e.preventDefault();
          void loadEvents(pairId, { ...query, search: typed });
        }}
      >
        <label>
          Correlation id or record id
          <input type="search" value={typed} placeholder="evt_… or the record's id in the app" onChange={(e) => setTyped(e.target.value)} />
        </label>
        <button type="submit">Search</button>
        <label>
          State
          <select value={query.state ?? ''} onChange={(e) => void loadEvents(pairId, { search: typed, state: STATES.find((s) => s.id === e.target.value)?.id ?? null })}>
            <option value="">All states</option>
            {STATES.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        {filtered && (
          <button
            type="button"
            onClick={() => {
              setTyped('');
              void loadEvents(pairId, { search: '', state: null });
            }}
          >
            Show all
          </button>
        )}
      </form>
      {events?.error && <p className="field-error">{events.error.message}</p>}
      {!loaded && !events?.error && <p className="muted">Loading events…</p>}
      <ListTable
        label="Events"
        items={items}
        empty={
          filtered
            ? 'No event matches. A correlation id is found exactly as the app received it (evt_…); events older than the retention period are gone.'
            : 'No events yet. Webhooks and change feeds put each change they report here, with what became of it.'
        }
        columns={['Received', 'Source', 'Record', 'Kind', 'State', 'Correlation id']}
        row={(e) => (
          <>
            <td className="nowrap">
              <Time iso={e.receivedAt} />
            </td>
            <td>
              {SOURCE[e.source]} · {sideName(e.side)}
            </td>
            <td className="event-record">{e.recordId ?? <span className="muted">any changed record</span>}</td>
            <td>
              {e.kind === 'delete' ? 'delete' : e.kind === 'changed' ? 'changes' : 'change'}
              {e.kind !== 'changed' && <div className="muted">{e.fat ? 'fat: the record came with it' : 'thin: read from the app'}</div>}
            </td>
            <td>
              <EventState event={e} sideName={sideName} pairId={pairId} />
            </td>
            <td className="correlation">
              <code>{e.correlationId}</code> <CopyButton text={e.correlationId} label={`Copy the correlation id ${e.correlationId}`} />
            </td>
          </>
        )}
      />
      {events?.more && items && items.length > 0 && (
        <p>
          <button type="button" onClick={() => void loadMore(pairId)}>
            Load more
          </button>
        </p>
      )}
    </>
  );
}

const STATE_CLASS: Record<EventState, string> = { pending: 'state-pending', applied: 'state-applied', conflict: 'state-conflict', failed: 'state-failed' };

/** The state in a word, then what it means for this event. */
function EventState({ event: e, sideName, pairId }: { event: EventRow; sideName: (side: Side) => string; pairId: string }) {
  const d = e.detail;
  return (
    <>
      <span className={`event-state ${STATE_CLASS[e.state]}`}>{e.state}</span>
      {e.state === 'applied' && d?.wrote && d.wrote.length > 0 && (
        <ul className="event-wrote">
          {d.wrote.map((w, i) => (
            // One entry per write, in the run's order.
            <li key={i}>
              {w.action} in {sideName(w.side)}
              {w.fields.length > 0 ? `: ${w.fields.join(', ')}` : ''}
            </li>
          ))}
        </ul>
      )}
      {d?.note && <div className="muted">{d.note}</div>}
      {e.state === 'conflict' && d?.conflictId && (
        <div>
          <a href={routeToHash({ name: 'conflicts', conflictId: d.conflictId, pairId })}>Open the conflict in the inbox</a>
        </div>
      )}
      {d?.error && <div className={e.state === 'failed' ? 'field-error' : 'muted'}>{d.error}</div>}
      {e.state === 'pending' && e.attempts > 0 && (
        <div className="muted">
          {plural(e.attempts, 'attempt')} so far{e.nextAttemptAt ? `; next at ${formatShortTime(e.nextAttemptAt)}` : ''}
        </div>
      )}
      {e.finishedAt && e.state !== 'pending' && (
        <div className="muted">
          at <Time iso={e.finishedAt} />
        </div>
      )}
    </>
  );
}
