import type { ConflictKind, ConflictSummary } from '../../../src-main/engine/api/model';

export type InboxFilter = { pairId: string; kind: ConflictKind | ''; field: string; search: string };
export const noFilter: InboxFilter = { pairId: '', kind: '', field: '', search: '' };

/** Filters the open conflicts the inbox holds; search matches record, pair and field names, any case. */
export function filterConflicts(conflicts: ConflictSummary[], filter: InboxFilter): ConflictSummary[] {
  const needle = filter.search.trim().toLowerCase();
  return conflicts.filter(
    (c) =>
      (!filter.pairId || c.pairId === filter.pairId) &&
      (!filter.kind || c.kind === filter.kind) &&
      (!filter.field || c.fields.includes(filter.field)) &&
      (!needle || [c.record, c.pairName, ...c.fields].some((text) => text.toLowerCase().includes(needle))),
  );
}

export function distinctFields(conflicts: ConflictSummary[]): string[] {
  return [...new Set(conflicts.flatMap((c) => c.fields))].sort();
}

export function distinctPairs(conflicts: ConflictSummary[]): { id: string; name: string }[] {
  const byId = new Map(conflicts.map((c) => [c.pairId, c.pairName]));
  return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

export const KIND_LABEL: Record<ConflictKind, string> = {
  field: 'Field values',
  'update-delete': 'Edit vs delete',
  duplicate: 'Duplicate match',
};
