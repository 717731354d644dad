import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ConflictKind } from '../../../src-main/engine/api/model';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useBusy } from '../../components/use-busy';
import { useConcord, useConcordStore } from '../../store/react';
import { BulkBar, describeJob, type BulkTarget } from './BulkBar';
import { ConflictPanel, type PanelKey } from './ConflictPanel';
import { ConflictTable, type Selection } from './ConflictTable';
import { KIND_LABEL, isFiltered, noFilter, type InboxFilter } from './inbox-filter';

const KINDS: ConflictKind[] = ['field', 'update-delete', 'duplicate'];

/** The active filters in words, for the no-match message ("“bob” in Shop ⇄ Sheet, kind Field values"). */
function describeFilter(filter: InboxFilter, pairs: { id: string; name: string }[]): string {
  const parts = [
    filter.search.trim() ? `“${filter.search.trim()}”` : '',
    filter.pairId ? `in ${pairs.find((p) => p.id === filter.pairId)?.name ?? 'the chosen pair'}` : '',
    filter.kind ? `of kind ${KIND_LABEL[filter.kind]}` : '',
    filter.field ? `on field ${filter.field}` : '',
  ];
  return parts.filter(Boolean).join(', ') || 'the filters';
}

const PANEL_KEYS: readonly PanelKey[] = ['1', '2', 'ArrowUp', 'ArrowDown', 'Enter'];
const isPanelKey = (key: string): key is PanelKey => PANEL_KEYS.some((k) => k === key);

/** A field that takes letters and digits; a row's checkbox does not, so the keys keep working there. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
  return target.isContentEditable || ['TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * The conflict inbox at any size: the engine filters, searches, sorts and pages; this screen
 * holds the rows in view (fetched as the list scrolls) and the total the engine counted.
 */
export function InboxScreen({ conflictId, pairId = null }: { conflictId: string | null; pairId?: string | null }) {
  const rows = useConcord((s) => s.conflictRows);
  const loaded = useConcord((s) => s.conflictsLoaded);
  const error = useConcord((s) => s.conflictsError);
  const openCount = useConcord((s) => s.openCount);
  const facets = useConcord((s) => s.conflictFacets);
  const bulkJob = useConcord((s) => s.bulkJob);
  const filter = useConcord((s) => s.inboxFilter);
  const sort = useConcord((s) => s.inboxSort);
  const setInboxQuery = useConcord((s) => s.setInboxQuery);
  const openInbox = useConcord((s) => s.openInbox);
  const loadConflicts = useConcord((s) => s.loadConflicts);
  const loadConflictRows = useConcord((s) => s.loadConflictRows);
  const resolveBulk = useConcord((s) => s.resolveBulk);
  const waitBulk = useConcord((s) => s.waitBulk);
  const navigate = useConcord((s) => s.navigate);
  const pairs = useConcord((s) => s.pairs);
  const pairName = (id: string) => pairs.find((p) => p.id === id)?.name ?? 'the chosen pair';
  const store = useConcordStore();

  // Each visit starts with every open conflict, newest first (or, from a pair card, that pair's).
  const arrived = useRef(false);
  useEffect(() => {
    if (!arrived.current) {
      arrived.current = true;
      void openInbox(pairId, 'screen');
    } else if (pairId) {
      // Arriving from a pair card's link while the inbox is open: that pair's conflicts.
      void setInboxQuery({ filter: { ...store.getState().inboxFilter, pairId } });
    }
  }, [pairId, setInboxQuery, openInbox, store]);
  const setFilter = (f: InboxFilter) => void setInboxQuery({ filter: f });

  const [selection, setSelection] = useState<Selection>({});
  const [bulkBusy, whileBulk] = useBusy();
  const [bulkTarget, setBulkTarget] = useState<BulkTarget>('selected');
  const panelKeys = useRef<((key: PanelKey) => boolean) | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);

  const selectedIds = Object.keys(selection).filter((id) => selection[id]);
  const filtered = isFiltered(filter);

  const open = useCallback((id: string) => navigate({ name: 'conflicts', conflictId: id }), [navigate]);
  /** Opens the conflict at a display position, fetching it first when it has not scrolled in yet. */
  const openAt = useCallback(
    (index: number) => {
      const row = store.getState().conflictRows[index];
      if (row) open(row.id);
      else if (index >= 0 && index < store.getState().conflictRows.length) {
        void loadConflictRows(index, index + 1).then(() => {
          const fetched = store.getState().conflictRows[index];
          if (fetched) open(fetched.id);
        });
      }
    },
    [open, loadConflictRows, store],
  );
  // Where the open conflict sits in display order; kept after it leaves the list, to open its successor.
  const indexRef = useRef(-1);
  const activeIndex = useMemo(() => (conflictId ? rows.findIndex((r) => r?.id === conflictId) : -1), [rows, conflictId]);
  useEffect(() => {
    if (activeIndex !== -1) indexRef.current = activeIndex;
  }, [activeIndex]);

  const move = useCallback(
    (delta: number) => {
      const count = store.getState().conflictRows.length;
      if (count === 0) return;
      const index = conflictId ? store.getState().conflictRows.findIndex((r) => r?.id === conflictId) : -1;
      openAt(Math.max(0, Math.min(count - 1, index === -1 ? 0 : index + delta)));
    },
    [conflictId, openAt, store],
  );

  useEffect(() => {
    function onKey(event: KeyboardEvent): void {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      // Enter on a button is that button's own click; the panel's Enter applies only elsewhere.
      if (event.key === 'Enter' && event.target instanceof HTMLButtonElement) return;
      if (event.key === 'j' || event.key === 'k') {
        event.preventDefault();
        move(event.key === 'j' ? 1 : -1);
        return;
      }
      if (isPanelKey(event.key) && panelKeys.current?.(event.key)) event.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [move]);

  /** After Apply, the next conflict in display order opens (the resolved one left the list, so its successor took its place). */
  const onResolved = useCallback(() => {
    if (conflictId) setSelection((s) => Object.fromEntries(Object.entries(s).filter(([id]) => id !== conflictId)));
    const count = store.getState().conflictRows.length;
    if (count > 0) openAt(Math.min(indexRef.current, count - 1));
  }, [conflictId, openAt, store]);

  async function bulk(take: 'master' | 'slave', target: BulkTarget): Promise<void> {
    setBulkTarget(target);
    const chosen = selectedIds;
    const job = await whileBulk(async () => {
      const started = await resolveBulk(target === 'matching' ? 'matching' : { conflictIds: chosen }, take);
      return started ? waitBulk(started.id) : null;
    });
    // The call itself failed: nothing changed, the selection stays for another try.
    if (!job) return;
    // What the engine refused stays selected; what it resolved leaves the selection.
    const refused = new Set(job.failures.map((f) => f.conflictId));
    setSelection(Object.fromEntries(chosen.filter((id) => refused.has(id)).map((id) => [id, true])));
    // The open conflict may be one the job resolved: its panel must not stay (its Apply would only
    // say "already resolved"). The conflict now at its position takes its place, as after Apply.
    const now = store.getState().conflictRows;
    if (conflictId && !now.some((r) => r?.id === conflictId)) {
      if (now.length > 0) openAt(Math.min(indexRef.current, now.length - 1));
      else navigate({ name: 'conflicts', ...(pairId ? { pairId } : {}) });
    }
    // The pressed button is now disabled (nothing selected) and the rows it resolved are gone: the
    // focus would fall to the page. It goes to the list (its first row), or the title when the list went.
    requestAnimationFrame(() => {
      const focusTarget = listRef.current?.querySelector<HTMLElement>('button.row-open') ?? titleRef.current;
      focusTarget?.focus();
    });
  }

  // With a filter applied the controls stay, showing it, even when nothing at all is open: the
  // next conflict that arrives would otherwise be hidden by a filter no control shows.
  // An address that names a conflict (a reload after resolving the last one) shows its panel too.
  const nothingOpen = loaded && !error && rows.length === 0 && !filtered && !conflictId;
  // The menus offer what is open; an applied choice nothing open has any more (its last conflict
  // was just resolved) stays in its menu, so the control shows the filter that is still applied.
  const pairOptions = filter.pairId && !facets.pairs.some((p) => p.id === filter.pairId) ? [...facets.pairs, { id: filter.pairId, name: pairName(filter.pairId) }] : facets.pairs;
  const fieldOptions = filter.field && !facets.fields.includes(filter.field) ? [...facets.fields, filter.field] : facets.fields;
  return (
    <section aria-labelledby="inbox-title" className="screen screen-wide inbox-screen">
      <header className="screen-header">
        <h1 id="inbox-title" tabIndex={-1} ref={titleRef}>
          Conflicts <span className="muted">({openCount.toLocaleString()} open)</span>
        </h1>
      </header>
      <ErrorMessage error={error} onRetry={() => void loadConflicts()} />
      {nothingOpen ? (
        <div className="empty-state">
          <h2>No open conflicts</h2>
          <p>
            When both apps change the same field differently and the pair's policy is "manual", the conflict waits here for
            you. Nothing to decide right now — your pairs are in agreement.
          </p>
          {bulkJob && bulkJob.status !== 'running' && <p role="status">{describeJob(bulkJob, bulkTarget)}</p>}
        </div>
      ) : (
        <>
          <div className="inbox-toolbar" role="search" aria-label="Filter conflicts">
            <label>
              Search
              <input type="search" value={filter.search} placeholder="Record, value or field" onChange={(e) => setFilter({ ...filter, search: e.target.value })} />
            </label>
            <label>
              Pair
              <select value={filter.pairId} onChange={(e) => setFilter({ ...filter, pairId: e.target.value })}>
                <option value="">All pairs</option>
                {pairOptions.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Kind
              <select value={filter.kind} onChange={(e) => setFilter({ ...filter, kind: KINDS.find((k) => k === e.target.value) ?? '' })}>
                <option value="">All kinds</option>
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABEL[k]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Field
              <select value={filter.field} onChange={(e) => setFilter({ ...filter, field: e.target.value })}>
                <option value="">All fields</option>
                {fieldOptions.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <BulkBar shown={rows.length} selectedIds={selectedIds} filtered={filtered} busy={bulkBusy} lastTarget={bulkTarget} onRun={(take, target) => void bulk(take, target)} />
          <p className="muted key-help">Keys: j / k next or previous conflict · ↑ / ↓ field · 1 take master · 2 take slave · Enter apply</p>
          {loaded && !error && rows.length === 0 && !filtered && (
            <p className="muted" role="status">
              No other conflict is open.
            </p>
          )}
          {loaded && !error && rows.length === 0 && filtered && (
            <div className="empty-state no-match" role="status">
              <p>
                No conflict matches {describeFilter(filter, pairOptions)}.{' '}
                {facets.total === 0
                  ? 'No other conflict is open either.'
                  : `${facets.total.toLocaleString()} open ${facets.total === 1 ? 'conflict is' : 'conflicts are'} hidden by the filters.`}
              </p>
              <button type="button" onClick={() => setFilter(noFilter)}>
                Clear the filters
              </button>
            </div>
          )}
          <div ref={listRef} className={`inbox-split${conflictId ? ' with-panel' : ''}${rows.length === 0 ? ' no-rows' : ''}`}>
            <ConflictTable
              rows={rows}
              activeId={conflictId}
              // While a bulk action writes, a click on a row it is resolving must not open a stale panel.
              onOpen={bulkBusy ? () => undefined : open}
              sort={sort}
              onSort={(next) => void setInboxQuery({ sort: next })}
              selection={selection}
              onSelectionChange={setSelection}
              onRange={loadConflictRows}
              compact={conflictId !== null}
            />
            {conflictId ? (
              <ConflictPanel key={conflictId} conflictId={conflictId} onResolved={onResolved} keyRef={panelKeys} />
            ) : (
              <div className="conflict-panel empty-panel">
                <p className="muted">Choose a conflict to see every field side by side (or press j).</p>
              </div>
            )}
          </div>
        </>
      )}
    </section>
  );
}
