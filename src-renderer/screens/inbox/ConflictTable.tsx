import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ConflictKind, ConflictSort, ConflictSortKey, ConflictSummary } from '../../../src-main/engine/api/model';
import { formatTime } from '../../components/widgets';
import type { Rows } from '../../store/inbox-rows';
import { formatAge } from './format-age';

/** Short kind names that fit the table's narrow column; the panel and the filter use the full ones. */
const KIND_SHORT: Record<ConflictKind, string> = { field: 'Values', 'update-delete': 'Edit/delete', duplicate: 'Duplicate' };

export type Selection = Record<string, boolean>;

type Column = { id: ConflictSortKey; header: string };
const COLUMNS: Column[] = [
  { id: 'pairName', header: 'Pair' },
  { id: 'record', header: 'Record' },
  { id: 'fields', header: 'Fields' },
  { id: 'kind', header: 'Kind' },
  { id: 'detectedAt', header: 'Detected' },
];
/**
 * With a conflict open the panel takes most of the width: the list folds pair, fields and kind
 * into a second line under the record instead of clipping five narrow columns.
 */
const COMPACT_HIDDEN: ReadonlySet<ConflictSortKey> = new Set(['pairName', 'fields', 'kind']);
const ROW_HEIGHT = 40;
const COMPACT_ROW_HEIGHT = 54;

/** A duplicate puts the whole record in question, not some of its fields. */
const fieldsText = (c: ConflictSummary): string => c.fields.join(', ') || 'whole record';
/** A duplicate is not a choice of master or slave: it is resolved in its own panel. */
export const selectable = (c: ConflictSummary): boolean => c.kind !== 'duplicate';

/** The sort a header press asks for: the same column reverses; a new one starts ascending (the time newest first). */
export function nextSort(current: ConflictSort, by: ConflictSortKey): ConflictSort {
  if (current.by === by) return { by, desc: !current.desc };
  return { by, desc: by === 'detectedAt' };
}

/** The current time, refreshed once a minute so "5 min ago" stays true while the inbox is open. */
function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * The open conflicts, virtualized: the page holds a screenful of rows whatever the count, and
 * the rows in view are asked of the engine as they scroll in (`onRange`). The engine sorts.
 */
export function ConflictTable(props: {
  rows: Rows;
  activeId: string | null;
  onOpen: (id: string) => void;
  sort: ConflictSort;
  onSort: (sort: ConflictSort) => void;
  selection: Selection;
  onSelectionChange: (selection: Selection) => void;
  /** The rows in view changed: [from, to). */
  onRange: (from: number, to: number) => void;
  /** Two-line rows and fewer columns, while the merge panel is open beside the list. */
  compact: boolean;
}) {
  const now = useMinuteClock();
  const { rows, selection, onSelectionChange, onRange } = props;
  const rowHeight = props.compact ? COMPACT_ROW_HEIGHT : ROW_HEIGHT;
  const columns = props.compact ? COLUMNS.filter((c) => !COMPACT_HIDDEN.has(c.id)) : COLUMNS;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    getItemKey: (index) => rows[index]?.id ?? `row-${index}`,
    overscan: 8,
  });

  // Row heights change with the layout: the virtualizer must forget the old measurements.
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, virtualizer]);

  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (last >= first) onRange(first, last + 1);
  }, [first, last, rows.length, onRange]);

  // Keep the active row in view when j/k moves it.
  const activeIndex = useMemo(() => (props.activeId ? rows.findIndex((r) => r?.id === props.activeId) : -1), [rows, props.activeId]);
  useEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virtualizer]);

  const loaded = useMemo(() => rows.filter((r): r is ConflictSummary => r !== undefined && selectable(r)), [rows]);
  const allSelected = useMemo(() => loaded.length > 0 && loaded.every((r) => selection[r.id]), [loaded, selection]);
  const toggleAll = () => {
    const next = { ...selection };
    for (const r of loaded) {
      if (allSelected) delete next[r.id];
      else next[r.id] = true;
    }
    onSelectionChange(next);
  };
  const toggle = (id: string) => {
    const next = { ...selection };
    if (next[id]) delete next[id];
    else next[id] = true;
    onSelectionChange(next);
  };

  return (
    <div className="conflict-table-scroll" ref={scrollRef} tabIndex={-1}>
      <table className={`conflict-table${props.compact ? ' compact' : ''}`} aria-label="Open conflicts" aria-rowcount={rows.length + 1}>
        <thead>
          <tr className="ct-row">
            <th className="ct-cell ct-select">
              <input type="checkbox" aria-label="Select all shown conflicts" checked={allSelected} onChange={toggleAll} />
            </th>
            {columns.map((column) => {
              const sorted = props.sort.by === column.id ? (props.sort.desc ? 'descending' : 'ascending') : undefined;
              return (
                <th key={column.id} className={`ct-cell ct-${column.id}`} aria-sort={sorted}>
                  <button type="button" className="sort-button" onClick={() => props.onSort(nextSort(props.sort, column.id))}>
                    {column.header}
                    <span aria-hidden="true">{sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''}</span>
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        {/* Geometry through React's style prop: React sets it via the CSSOM, which the CSP's
            style-src 'self' permits (it blocks style attributes in markup, not element.style). */}
        <tbody className="ct-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const c = rows[item.index];
            const style = { transform: `translateY(${item.start}px)`, height: rowHeight };
            if (!c) {
              return (
                <tr key={item.key} data-index={item.index} aria-rowindex={item.index + 2} className="ct-row ct-data ct-loading" style={style}>
                  <td className="ct-cell ct-select" />
                  <td className="ct-cell ct-record muted" colSpan={columns.length}>
                    Loading…
                  </td>
                </tr>
              );
            }
            const active = c.id === props.activeId;
            const checked = selection[c.id] === true;
            // The field list is the longest part: last, so an ellipsis only ever clips fields.
            const meta = [c.pairName, KIND_SHORT[c.kind], c.fields.join(', ')].filter((part) => part !== '').join(' · ');
            return (
              <tr
                key={item.key}
                data-index={item.index}
                aria-rowindex={item.index + 2}
                aria-selected={active}
                className={`ct-row ct-data${active ? ' ct-active' : ''}${checked ? ' ct-checked' : ''}`}
                style={style}
                onClick={() => props.onOpen(c.id)}
              >
                <td className="ct-cell ct-select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${c.record}`}
                    disabled={!selectable(c)}
                    title={selectable(c) ? undefined : 'A duplicate match needs its own choice: open it to link or create the record.'}
                    checked={checked}
                    onClick={(e) => e.stopPropagation()}
                    onChange={() => toggle(c.id)}
                  />
                </td>
                {columns.map((column) => (
                  <td key={column.id} className={`ct-cell ct-${column.id}`} title={column.id === 'fields' || (column.id === 'record' && props.compact) ? meta : column.id === 'pairName' ? c.pairName : undefined}>
                    {column.id === 'record' ? (
                      <>
                        <button type="button" className="link-button row-open" onClick={() => props.onOpen(c.id)}>
                          {c.record}
                        </button>
                        {props.compact && <span className="ct-meta">{meta}</span>}
                      </>
                    ) : column.id === 'detectedAt' ? (
                      <time dateTime={c.detectedAt} title={formatTime(c.detectedAt)}>
                        {formatAge(c.detectedAt, now)}
                      </time>
                    ) : column.id === 'pairName' ? (
                      c.pairName
                    ) : column.id === 'fields' ? (
                      fieldsText(c)
                    ) : (
                      KIND_SHORT[c.kind]
                    )}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
