import { useEffect, useState } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ListTable } from '../../components/ListTable';
import { BreakableValue, ConfirmDialog, Time } from '../../components/widgets';
import { useConcord, useConcordStore } from '../../store/react';
import type { PairTab } from '../../store/route';
import type { ActivityEntry, RunTrigger } from '../../../src-main/engine/api/model';
import { ActionsTab } from './ActionsTab';
import { ActivityExportButton } from './ActivityExport';
import { ACTIVITY_PAGE } from '../../store/pairs-slice';
import { PairCard, describeRun } from '../pairs/PairCard';
import { ConnectionSettings } from './ConnectionSettings';
import { PairSettings } from './PairSettings';
import { FailedTab } from './FailedTab';
import { EventsTab } from './EventsTab';
import { CopyButton } from '../../components/CopyButton';
import { useSideName } from './use-side-name';

const TABS: { id: PairTab; label: string }[] = [
  { id: 'runs', label: 'Runs' },
  { id: 'failed', label: 'Failed records' },
  { id: 'activity', label: 'Activity' },
  { id: 'events', label: 'Events' },
  { id: 'actions', label: 'Actions' },
  { id: 'settings', label: 'Settings' },
];

export function PairDetailScreen({ pairId, tab }: { pairId: string; tab: PairTab }) {
  const pair = useConcord((s) => s.pairs.find((p) => p.id === pairId));
  const loaded = useConcord((s) => s.pairsLoaded);
  const extras = useConcord((s) => s.extras[pairId]);
  const store = useConcordStore();
  const known = pair !== undefined;
  const unsaved = useConcord((s) => s.settingsDrafts[pairId] !== undefined);

  // Unsaved settings live while this pair's detail is open (any tab); leaving the pair drops them.
  useEffect(() => () => store.getState().editSettings(pairId, null), [store, pairId]);

  // Tabs load only for a pair the list knows; an unknown id is asked about once, below.
  useEffect(() => {
    if (!known) return;
    const s = store.getState();
    if (tab === 'runs') void s.loadRuns(pairId);
    if (tab === 'failed') void s.loadFailed(pairId);
    if (tab === 'activity') void s.loadActivity(pairId);
    if (tab === 'settings') void s.loadPairDetail(pairId);
  }, [store, pairId, tab, known]);

  // A pair missing from the list: ask the engine about it, so a bad id shows the engine's own error
  // (invalid input, not found) instead of a guess.
  useEffect(() => {
    if (loaded && !known) void store.getState().loadPairDetail(pairId);
  }, [store, loaded, known, pairId]);

  if (!pair) {
    return (
      <section className="screen" aria-labelledby="pair-detail-title">
        <h1 id="pair-detail-title">Pair</h1>
        {extras?.error ? <ErrorMessage error={extras.error} /> : <p>{loaded ? 'This pair does not exist (it may have been deleted).' : 'Loading…'}</p>}
      </section>
    );
  }

  return (
    <section aria-labelledby="pair-detail-title" className="screen">
      <p>
        <a href="#/pairs">← Pairs</a>
      </p>
      <h1 id="pair-detail-title">{pair.name}</h1>
      {/* The h1 already names the pair; the card shows only its health, counts and actions. */}
      <PairCard pair={pair} showTitle={false} />
      <div className="tabs" role="tablist" aria-label="Pair details">
        {TABS.map((t) => (
          <a key={t.id} role="tab" aria-selected={t.id === tab} href={`#/pairs/${encodeURIComponent(pairId)}/${t.id}`}>
            {t.label}
            {t.id === 'failed' && pair.failed > 0 && (
              <>
                {/* Read as "Failed records, 2", not "Failed records2". */}
                <span className="visually-hidden">, </span>
                <span className="badge badge-alert">{pair.failed}</span>
              </>
            )}
            {t.id === 'settings' && unsaved && <span className="unsaved-mark"> · unsaved</span>}
          </a>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.id === tab)?.label}>
        <ErrorMessage error={extras?.error} />
        {tab === 'runs' && <RunsTab pairId={pairId} />}
        {tab === 'failed' && <FailedTab pairId={pairId} />}
        {tab === 'activity' && <ActivityTab pairId={pairId} />}
        {tab === 'events' && <EventsTab pairId={pairId} />}
        {tab === 'actions' && <ActionsTab pairId={pairId} />}
        {tab === 'settings' && (
          <>
            <ConnectionSettings pairId={pairId} />
            <PairSettings pairId={pairId} />
          </>
        )}
      </div>
    </section>
  );
}

/** The app a side stands for, by its connection's name: users never see "left" or "right". */

/** What started a run, in the words of the button or the schedule that did. */
const TRIGGER_LABEL: Record<RunTrigger, string> = {
  manual: 'Sync now',
  schedule: 'Schedule',
  'full-resync': 'Full resync',
  'first-sync': 'First sync',
  cli: 'Command line',
  webhook: 'Webhook',
  retry: 'Retry',
  feed: 'Change feed',
};

export function formatDuration(ms: number | null): string {
  if (ms === null) return 'running…';
  if (ms < 1000) return `${Math.max(1, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function RunsTab({ pairId }: { pairId: string }) {
  const runs = useConcord((s) => s.extras[pairId]?.runs);
  return (
    <ListTable
      label="Runs"
      items={runs}
      empty='No runs yet. Press "Sync now" to run this pair for the first time.'
      columns={['Started', 'Trigger', 'Result', 'Duration', 'Error']}
      row={(r) => (
        <>
          <td className="nowrap">
            <Time iso={r.startedAt} />
          </td>
          <td>
            {TRIGGER_LABEL[r.trigger]}
            {r.mode === 'full' && r.trigger !== 'full-resync' && <span className="muted"> · full</span>}
          </td>
          <td>{describeRun(r)}</td>
          <td className="nowrap">{formatDuration(r.durationMs)}</td>
          <td>{r.error ?? ''}</td>
        </>
      )}
    />
  );
}

function ActivityTab({ pairId }: { pairId: string }) {
  const activity = useConcord((s) => s.extras[pairId]?.activity);
  const limit = useConcord((s) => s.extras[pairId]?.activityLimit ?? ACTIVITY_PAGE);
  const restore = useConcord((s) => s.restoreActivity);
  const loadActivity = useConcord((s) => s.loadActivity);
  const sideName = useSideName(pairId);
  const [asked, setAsked] = useState<ActivityEntry | null>(null);
  const searched = useConcord((s) => s.extras[pairId]?.activitySearch ?? '');
  const [typed, setTyped] = useState(searched);
  return (
    <>
      <div className="actions tab-actions">
        <form
          className="events-filter"
          role="search"
          aria-label="Search the activity"
          onSubmit={(e) => {
            e.preventDefault();
            void loadActivity(pairId, ACTIVITY_PAGE, typed);
          }}
        >
          <label>
            Record or correlation id
            <input type="search" value={typed} placeholder="a record's id or key, or evt_…" onChange={(e) => setTyped(e.target.value)} />
          </label>
          <button type="submit">Search</button>
          {searched && (
            <button
              type="button"
              onClick={() => {
                setTyped('');
                void loadActivity(pairId, ACTIVITY_PAGE, '');
              }}
            >
              Show all
            </button>
          )}
        </form>
        <ActivityExportButton pairId={pairId} />
      </div>
      <ListTable
        label="Activity"
        items={activity}
        empty={searched ? `Nothing in the activity matches “${searched}”.` : 'No activity yet. Every write Concord makes, and every value it overwrites, is listed here.'}
        columns={['When', 'Record', 'What', 'Overwritten value', 'New value', { hidden: 'Actions' }]}
        row={(a) => (
          <>
            <td className="nowrap">
            <Time iso={a.at} />
          </td>
            <td>{a.record}</td>
            <td>
              {a.action === 'forgotten' ? 'forgotten' : `${a.action} in ${sideName(a.side)}`}
              {a.field ? ` · ${a.field}` : ''}
              {a.actor ? ` · by ${a.actor}` : ''}
              <div className="muted">{a.reason}</div>
              {a.correlationId && (
                // The webhook or feed event this write came from: the id the app was answered with.
                <div className="correlation muted">
                  event <code>{a.correlationId}</code> <CopyButton text={a.correlationId} label={`Copy the correlation id ${a.correlationId}`} />
                </div>
              )}
            </td>
            <td>{a.before !== undefined ? <BreakableValue value={a.before} /> : ''}</td>
            <td>{a.after !== undefined ? <BreakableValue value={a.after} /> : ''}</td>
            <td>
              {a.restorable && (
                <button type="button" aria-label={a.lostIn ? `Restore the deleted record ${a.record}` : `Restore ${a.field ?? 'value'} of ${a.record}`} onClick={() => setAsked(a)}>
                  Restore
                </button>
              )}
            </td>
          </>
        )}
      />
      {activity && activity.length >= limit && (
        <p>
          <button type="button" onClick={() => void loadActivity(pairId, limit + ACTIVITY_PAGE)}>
            Show older entries
          </button>
        </p>
      )}
      <ConfirmDialog
        open={asked !== null}
        title={asked ? (asked.lostIn ? `Restore ${asked.record}?` : `Restore ${asked.field ?? 'the value'} of ${asked.record}?`) : ''}
        confirmLabel="Restore"
        onCancel={() => setAsked(null)}
        onConfirm={() => {
          const entry = asked;
          setAsked(null);
          if (entry) void restore(pairId, entry.id, entry.lostIn ? `${entry.record} was created again in ${entry.lostIn.map(sideName).join(' and ')}.` : undefined);
        }}
      >
        {asked?.lostIn && (
          <p>
            Concord creates <strong>{asked.record}</strong> again in {asked.lostIn.map(sideName).join(' and ')}, with the values it held
            before it was deleted. The new records are linked to each other and to this history.
          </p>
        )}
        {asked && !asked.lostIn && (
          <p>
            Concord writes <strong>{formatValue(asked.before)}</strong> back into {sideName(asked.side)} (the value it holds now is kept in this
            log, so this can be undone too). The next sync carries it to the other app.
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

const formatValue = (v: ActivityEntry['before']): string => (v === undefined || v === null ? '(empty)' : Array.isArray(v) ? v.join(', ') : String(v));
