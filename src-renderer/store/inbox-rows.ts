/**
 * The inbox's rows as the renderer holds them: a sparse array as long as the number of conflicts
 * matching the query, filled page by page as the list scrolls (undefined = not fetched yet). Its
 * positions are the engine's: removing a resolved conflict shifts the rows after it, as the
 * engine's own order does.
 */
import type { ConflictKind, ConflictQuery, ConflictSummary } from '../../src-main/engine/api/model';

export type InboxFilter = { pairId: string; kind: ConflictKind | ''; field: string; search: string };
export const noFilter: InboxFilter = { pairId: '', kind: '', field: '', search: '' };
export type Rows = (ConflictSummary | undefined)[];

/** Rows fetched per call: about three screenfuls. */
export const CONFLICT_PAGE = 100;

export const isFiltered = (f: InboxFilter): boolean => f.pairId !== '' || f.kind !== '' || f.field !== '' || f.search.trim() !== '';

/** The engine's query for a filter (empty choices left out). */
export function toQuery(f: InboxFilter): ConflictQuery {
  return {
    status: 'open',
    ...(f.pairId ? { pairId: f.pairId } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.field ? { field: f.field } : {}),
    ...(f.search.trim() ? { search: f.search.trim() } : {}),
  };
}

/** `rows` resized to `total` with `items` placed from `offset`. */
export function withPage(rows: Rows, total: number, offset: number, items: ConflictSummary[]): Rows {
  const next: Rows = rows.slice(0, total);
  next.length = total;
  items.forEach((item, i) => {
    if (offset + i < total) next[offset + i] = item;
  });
  return next;
}

/** `rows` without the conflicts in `ids` (holes kept as holes, so later rows keep the engine's positions). */
export function withoutIds(rows: Rows, ids: ReadonlySet<string>): Rows {
  const next: Rows = [];
  next.length = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row && ids.has(row.id)) continue;
    next.length++;
    if (row) next[next.length - 1] = row;
  }
  return next;
}

/** The first and last missing row in [from, to), or null when every one is there. */
export function missingIn(rows: Rows, from: number, to: number): { from: number; to: number } | null {
  let first = -1;
  let last = -1;
  for (let i = Math.max(0, from); i < Math.min(rows.length, to); i++) {
    if (rows[i] === undefined) {
      if (first === -1) first = i;
      last = i;
    }
  }
  return first === -1 ? null : { from: first, to: last + 1 };
}

/** The rows that are loaded, in order. */
export function loadedRows(rows: Rows): ConflictSummary[] {
  const out: ConflictSummary[] = [];
  for (const row of rows) if (row) out.push(row);
  return out;
}
