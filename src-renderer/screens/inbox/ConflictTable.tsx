import { useEffect, useRef, useState } from 'react';
import {
  columnVisibilityFeature,
  createColumnHelper,
  createSortedRowModel,
  rowSelectionFeature,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_text,
  tableFeatures,
  useTable,
  type RowSelectionState,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ConflictKind, ConflictSummary } from '../../../src-main/engine/api/model';
import { formatTime } from '../../components/widgets';
import { formatAge } from './format-age';

/** Short kind names that fit the table's narrow column; the panel and the filter use the full ones. */
const KIND_SHORT: Record<ConflictKind, string> = { field: 'Values', 'update-delete': 'Edit/delete', duplicate: 'Duplicate' };

// Module scope: stable inputs, so the row models are not rebuilt on every render.
const features = tableFeatures({
  columnVisibilityFeature,
  rowSortingFeature,
  rowSelectionFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, text: sortFn_text },
});
const helper = createColumnHelper<typeof features, ConflictSummary>();
const columns = helper.columns([
  helper.display({
    id: 'select',
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all shown conflicts"
        checked={table.getIsAllRowsSelected()}
        onChange={table.getToggleAllRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) => (
      <input
        type="checkbox"
        aria-label={`Select ${row.original.record}`}
        // A duplicate is not a choice of master or slave: it is resolved in its own panel.
        disabled={!row.getCanSelect()}
        title={row.getCanSelect() ? undefined : 'A duplicate match needs its own choice: open it to link or create the record.'}
        checked={row.getIsSelected()}
        onClick={(e) => e.stopPropagation()}
        onChange={row.getToggleSelectedHandler()}
      />
    ),
  }),
  helper.accessor('pairName', { header: 'Pair', sortFn: 'text' }),
  helper.accessor('record', { header: 'Record', sortFn: 'text' }),
  // A duplicate puts the whole record in question, not some of its fields.
  helper.accessor((c) => c.fields.join(', ') || 'whole record', { id: 'fields', header: 'Fields', sortFn: 'text' }),
  helper.accessor((c) => KIND_SHORT[c.kind], { id: 'kind', header: 'Kind', sortFn: 'text' }),
  // The cell shows the age; the exact time is in its title (rendered below, with the current time).
  // Newest first is the useful first order for a time: the first click on a sorted-ascending
  // text column would otherwise remove the sort instead of reversing it.
  helper.accessor('detectedAt', { header: 'Detected', sortFn: 'alphanumeric', sortDescFirst: true }),
]);

/**
 * With a conflict open the panel takes most of the width: the list folds pair, fields and kind
 * into a second line under the record instead of clipping five narrow columns.
 */
const COMPACT_HIDDEN = { pairName: false, fields: false, kind: false };
const ROW_HEIGHT = 40;
const COMPACT_ROW_HEIGHT = 54;

/** The current time, refreshed once a minute so "5 min ago" stays true while the inbox is open. */
function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function ConflictTable(props: {
  data: ConflictSummary[];
  activeId: string | null;
  onOpen: (id: string) => void;
  sorting: SortingState;
  onSortingChange: (updater: SortingState | ((old: SortingState) => SortingState)) => void;
  selection: RowSelectionState;
  onSelectionChange: (updater: RowSelectionState | ((old: RowSelectionState) => RowSelectionState)) => void;
  /** Rows in display order, for j/k navigation by the parent. */
  onOrder: (ids: string[]) => void;
  /** Two-line rows and fewer columns, while the merge panel is open beside the list. */
  compact: boolean;
}) {
  const now = useMinuteClock();
  const rowHeight = props.compact ? COMPACT_ROW_HEIGHT : ROW_HEIGHT;
  const table = useTable({
    features,
    columns,
    data: props.data,
    getRowId: (c) => c.id,
    enableRowSelection: (row) => row.original.kind !== 'duplicate',
    state: { sorting: props.sorting, rowSelection: props.selection, columnVisibility: props.compact ? COMPACT_HIDDEN : {} },
    onSortingChange: props.onSortingChange,
    onRowSelectionChange: props.onSelectionChange,
  });
  const rows = table.getRowModel().rows;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    getItemKey: (index) => rows[index]?.id ?? index,
    overscan: 8,
  });

  const order = rows.map((r) => r.id).join('\n');
  const { onOrder } = props;
  useEffect(() => {
    onOrder(order ? order.split('\n') : []);
  }, [order, onOrder]);

  // Row heights change with the layout: the virtualizer must forget the old measurements.
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, virtualizer]);

  // Keep the active row in view when j/k moves it.
  const activeIndex = rows.findIndex((r) => r.id === props.activeId);
  useEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virtualizer]);

  return (
    <div className="conflict-table-scroll" ref={scrollRef} tabIndex={-1}>
      <table className={`conflict-table${props.compact ? ' compact' : ''}`} aria-label="Open conflicts" aria-rowcount={rows.length + 1}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id} className="ct-row">
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                return (
                  <th
                    key={header.id}
                    className={`ct-cell ct-${header.column.id}`}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {header.column.getCanSort() && header.column.id !== 'select' ? (
                      <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                        <table.FlexRender header={header} />
                        <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                      </button>
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        {/* Geometry through React's style prop: React sets it via the CSSOM, which the CSP's
            style-src 'self' permits (it blocks style attributes in markup, not element.style). */}
        <tbody className="ct-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const active = row.id === props.activeId;
            return (
              <tr
                key={row.id}
                data-index={item.index}
                aria-rowindex={item.index + 2}
                aria-selected={active}
                className={`ct-row ct-data${active ? ' ct-active' : ''}${row.getIsSelected() ? ' ct-checked' : ''}`}
                style={{ transform: `translateY(${item.start}px)`, height: rowHeight }}
                onClick={() => props.onOpen(row.id)}
              >
                {row.getVisibleCells().map((cell) => {
                  const c = row.original;
                  const id = cell.column.id;
                  // The field list is the longest part: last, so an ellipsis only ever clips fields.
                  const meta = [c.pairName, KIND_SHORT[c.kind], c.fields.join(', ')].filter((part) => part !== '').join(' · ');
                  return (
                    <td key={cell.id} className={`ct-cell ct-${id}`} title={id === 'fields' || (id === 'record' && props.compact) ? meta : id === 'pairName' ? c.pairName : undefined}>
                      {id === 'record' ? (
                        <>
                          <button type="button" className="link-button row-open" onClick={() => props.onOpen(row.id)}>
                            {c.record}
                          </button>
                          {props.compact && <span className="ct-meta">{meta}</span>}
                        </>
                      ) : id === 'detectedAt' ? (
                        <time dateTime={c.detectedAt} title={formatTime(c.detectedAt)}>
                          {formatAge(c.detectedAt, now)}
                        </time>
                      ) : (
                        <table.FlexRender cell={cell} />
                      )}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
