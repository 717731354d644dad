import type { CanonicalValue, ConflictDetail } from '../../src-main/engine/api/model';

/** What the steward picked for one field: the master's value, the slave's, or a typed value (with its text as typed). */
export type Pick = { take: 'master' } | { take: 'slave' } | { value: CanonicalValue; text: string };

/**
 * A conflict's unapplied choices. `seen` holds, per picked field, the two values the steward was
 * looking at when they picked: a choice is only meaningful against those values, so when the
 * engine refreshes the conflict with other values the choice for that field is dropped.
 */
export type MergeDraft = {
  picks: Record<string, Pick | undefined>;
  seen: Record<string, string | undefined>;
  /** Fields whose choice was dropped because their values changed in the apps; shown until picked again. */
  changed: string[];
};

const emptyDraft: MergeDraft = { picks: {}, seen: {}, changed: [] };

/** The two sides' values of a field, as one comparable string; undefined when the field is gone. */
function valuesOf(detail: ConflictDetail, field: string): string | undefined {
  const f = detail.fields.find((x) => x.name === field);
  return f ? JSON.stringify([f.left ?? null, f.right ?? null]) : undefined;
}

/** The draft with one field's pick set (or cleared), remembering the values it was made against. */
export function withPick(draft: MergeDraft | undefined, detail: ConflictDetail | undefined, field: string, pick: Pick | undefined): MergeDraft {
  const d = draft ?? emptyDraft;
  return {
    picks: { ...d.picks, [field]: pick },
    seen: { ...d.seen, [field]: pick && detail ? valuesOf(detail, field) : undefined },
    changed: d.changed.filter((f) => f !== field),
  };
}

/**
 * The draft against a freshly loaded conflict: choices for fields whose values are still the ones
 * the steward saw are kept; the others are dropped and named in `changed`. A field no longer in
 * conflict loses its choice too (there is nothing left to choose).
 */
export function reconcileDraft(draft: MergeDraft | undefined, detail: ConflictDetail): MergeDraft | undefined {
  if (!draft) return undefined;
  const inConflict = new Set(detail.fields.filter((f) => f.inConflict).map((f) => f.name));
  const picks: Record<string, Pick | undefined> = {};
  const seen: Record<string, string | undefined> = {};
  const changed = new Set(draft.changed.filter((f) => inConflict.has(f)));
  for (const [field, pick] of Object.entries(draft.picks)) {
    if (!pick || !inConflict.has(field)) continue;
    const now = valuesOf(detail, field);
    if (draft.seen[field] !== undefined && draft.seen[field] !== now) {
      changed.add(field);
      continue;
    }
    picks[field] = pick;
    seen[field] = now;
  }
  return { picks, seen, changed: [...changed] };
}
