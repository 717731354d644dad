import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RowSelectionState, SortingState } from '@tanstack/react-table';
import type { ConflictKind } from '../../../src-main/engine/api/model';
import { ErrorMessage } from '../../components/ErrorMessage';
import { plural } from '../../components/plural';
import { useBusy } from '../../components/use-busy';
import { ConfirmDialog } from '../../components/widgets';
import { useConcord, useConcordStore } from '../../store/react';
import { ConflictPanel, type PanelKey } from './ConflictPanel';
import { ConflictTable } from './ConflictTable';
import { KIND_LABEL, distinctFields, distinctPairs, filterConflicts, noFilter, type InboxFilter } from './inbox-filter';

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

export function InboxScreen({ conflictId, pairId = null }: { conflictId: string | null; pairId?: string | null }) {
  const conflicts = useConcord((s) => s.conflicts);
  const loaded = useConcord((s) => s.conflictsLoaded);
  const error = useConcord((s) => s.conflictsError);
  const openCount = useConcord((s) => s.openCount);
  const bulkOutcome = useConcord((s) => s.bulkOutcome);
  const loadConflicts = useConcord((s) => s.loadConflicts);
  const resolveBulk = useConcord((s) => s.resolveBulk);
  const navigate = useConcord((s) => s.navigate);
  const store = useConcordStore();

  const [filter, setFilter] = useState<InboxFilter>(() => ({ ...noFilter, pairId: pairId ?? '' }));
  // Arriving from a pair card's link while the inbox is open: that pair's conflicts.
  useEffect(() => {
    if (pairId) setFilter((f) => ({ ...f, pairId }));
  }, [pairId]);
  const [sorting, setSorting] = useState<SortingState>([{ id: 'detectedAt', desc: true }]);
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [bulkBusy, whileBulk] = useBusy();
  const [askBulk, setAskBulk] = useState<'master' | 'slave' | null>(null);
  const orderRef = useRef<string[]>([]);
  const panelKeys = useRef<((key: PanelKey) => boolean) | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => void loadConflicts(), [loadConflicts]);

  const shown = useMemo(() => filterConflicts(conflicts, filter), [conflicts, filter]);
  const pairs = useMemo(() => distinctPairs(conflicts), [conflicts]);
  const fields = useMemo(() => distinctFields(conflicts), [conflicts]);
  // Selection survives filtering but never outlives the conflicts it points at.
  const selectedIds = Object.keys(selection).filter((id) => selection[id] && conflicts.some((c) => c.id === id));

  const open = useCallback((id: string) => navigate({ name: 'conflicts', conflictId: id }), [navigate]);
  // Where the open conflict sits in display order; kept after it leaves the list, to open its successor.
  const indexRef = useRef(-1);
  const onOrder = useCallback((ids: string[]) => {
    orderRef.current = ids;
  }, []);
  useEffect(() => {
    const index = conflictId ? orderRef.current.indexOf(conflictId) : -1;
    if (index !== -1) indexRef.current = index;
  });

  const move = useCallback(
    (delta: number) => {
      const ids = orderRef.current;
      if (ids.length === 0) return;
      const index = conflictId ? ids.indexOf(conflictId) : -1;
      const next = ids[Math.max(0, Math.min(ids.length - 1, index === -1 ? 0 : index + delta))];
      if (next) open(next);
    },
    [conflictId, open],
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

  /** After Apply, the next conflict in display order opens (the resolved one leaves the list). */
  const onResolved = useCallback(() => {
    const ids = orderRef.current.filter((id) => id !== conflictId);
    const next = ids[Math.min(indexRef.current, ids.length - 1)];
    if (next) open(next);
  }, [conflictId, open]);

  async function bulk(take: 'master' | 'slave'): Promise<void> {
    await whileBulk(() => resolveBulk(selectedIds, take));
    // What was resolved leaves the selection; what the engine refused (or all of it, when the
    // call itself failed) stays selected for another try.
    const stillOpen = new Set(store.getState().conflicts.map((c) => c.id));
    setSelection(Object.fromEntries(selectedIds.filter((id) => stillOpen.has(id)).map((id) => [id, true])));
    // The open conflict may be one the bulk action resolved: its panel must not stay (its Apply
    // would only say "already resolved"). The next open one in display order takes its place, as after Apply.
    if (conflictId && !stillOpen.has(conflictId)) {
      const order = orderRef.current;
      const from = Math.max(0, order.indexOf(conflictId));
      const next = order.slice(from).find((id) => stillOpen.has(id)) ?? [...order.slice(0, from)].reverse().find((id) => stillOpen.has(id));
      navigate(next ? { name: 'conflicts', conflictId: next } : { name: 'conflicts', ...(pairId ? { pairId } : {}) });
    }
    // The pressed button is now disabled (nothing selected) and the rows it resolved are gone: the
    // focus would fall to the page. It goes to the list (its first row), or the title when the list went.
    requestAnimationFrame(() => {
      const target = listRef.current?.querySelector<HTMLElement>('button.row-open') ?? titleRef.current;
      target?.focus();
    });
  }

  return (
    <section aria-labelledby="inbox-title" className="screen screen-wide inbox-screen">
      <header className="screen-header">
        <h1 id="inbox-title" tabIndex={-1} ref={titleRef}>
          Conflicts <span className="muted">({openCount.toLocaleString()} open)</span>
        </h1>
      </header>
      <ErrorMessage error={error} onRetry={() => void loadConflicts()} />
      {loaded && conflicts.length === 0 && !error ? (
        <div className="empty-state">
          <h2>No open conflicts</h2>
          <p>
            When both apps change the same field differently and the pair's policy is "manual", the conflict waits here for
            you. Nothing to decide right now — your pairs are in agreement.
          </p>
        </div>
      ) : (
        <>
          <div className="inbox-toolbar" role="search" aria-label="Filter conflicts">
            <label>
              Search
              <input type="search" value={filter.search} placeholder="Record, pair or field" onChange={(e) => setFilter({ ...filter, search: e.target.value })} />
            </label>
            <label>
              Pair
              <select value={filter.pairId} onChange={(e) => setFilter({ ...filter, pairId: e.target.value })}>
                <option value="">All pairs</option>
                {pairs.map((p) => (
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
                {fields.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="bulk-bar" aria-live="polite">
            <span>
              {shown.length.toLocaleString()} shown{selectedIds.length > 0 ? `, ${selectedIds.length.toLocaleString()} selected` : ''}
            </span>
            <button type="button" disabled={selectedIds.length === 0 || bulkBusy} onClick={() => setAskBulk('master')}>
              Take master for selected
            </button>
            <button type="button" disabled={selectedIds.length === 0 || bulkBusy} onClick={() => setAskBulk('slave')}>
              Take slave for selected
            </button>
            <ConfirmDialog
              open={askBulk !== null}
              title={`Take the ${askBulk ?? 'master'}'s values for ${plural(selectedIds.length, 'conflict')}?`}
              confirmLabel={`Take ${askBulk ?? 'master'} for ${selectedIds.length}`}
              onCancel={() => setAskBulk(null)}
              onConfirm={() => {
                const take = askBulk ?? 'master';
                setAskBulk(null);
                void bulk(take);
              }}
            >
              <p>
                For each selected conflict, Concord writes the {askBulk ?? 'master'}'s value of every field in conflict into both apps
                (an edit against a delete keeps what the {askBulk ?? 'master'} did). Each overwritten value stays in the pair's activity,
                where it can be restored.
              </p>
            </ConfirmDialog>
            {bulkOutcome && (
              <span role="status">
                {bulkOutcome.resolved} resolved
                {bulkOutcome.failed.length > 0 &&
                  `, ${bulkOutcome.failed.length} failed (still selected): ${bulkOutcome.failed
                    .map((f) => `${conflicts.find((c) => c.id === f.conflictId)?.record ?? 'a conflict'}: ${f.error ?? 'the engine gave no reason'}`)
                    .join('; ')}`}
              </span>
            )}
          </div>
          <p className="muted key-help">Keys: j / k next or previous conflict · ↑ / ↓ field · 1 take master · 2 take slave · Enter apply</p>
          {loaded && !error && shown.length === 0 && (
            <div className="empty-state no-match" role="status">
              <p>
                No conflict matches {describeFilter(filter, pairs)}. {conflicts.length} open {conflicts.length === 1 ? 'conflict is' : 'conflicts are'} hidden by
                the filters.
              </p>
              <button type="button" onClick={() => setFilter(noFilter)}>
                Clear the filters
              </button>
            </div>
          )}
          <div ref={listRef} className={`inbox-split${conflictId ? ' with-panel' : ''}${shown.length === 0 ? ' no-rows' : ''}`}>
            <ConflictTable
              data={shown}
              activeId={conflictId}
              // While a bulk action writes, a click on a row it is resolving must not open a stale panel.
              onOpen={bulkBusy ? () => undefined : open}
              sorting={sorting}
              onSortingChange={setSorting}
              selection={selection}
              onSelectionChange={setSelection}
              onOrder={onOrder}
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
