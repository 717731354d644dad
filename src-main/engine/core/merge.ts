/**
 * The heart of a run for one linked record: a pure function from (base, left, right, policy) to
 * a decision — what to write to each side, the new base, and which fields are in conflict.
 * A field equal to the base on a side is unchanged there: this is how echoes of Concord's own
 * writes die, whatever the timestamps say (PITFALLS 2).
 */
import type { CanonicalValue, ConflictPolicy, FieldMapping, PairConfig, Side } from '../api/model';
import { canonicalEqual, type CanonicalRecord } from './canonical';

export type SideView = { values: CanonicalRecord; updatedAt?: string };

export type DecideContext = {
  config: Pick<PairConfig, 'fields' | 'masterSide' | 'conflictPolicy' | 'initialMatchPolicy'>;
  /** The current time (ms), to distrust app timestamps from the future (clock skew, PITFALLS 5). */
  now: number;
  /** True when two existing records were just matched (no base): the initial-match policy decides. */
  initialMatch?: boolean;
  /** How a user knows each side (activity reasons are shown verbatim); App A / App B by default. */
  sideNames?: Record<Side, string>;
};

/** The wizard's names for the two sides, for text a user reads when no connection name is at hand. */
export const DEFAULT_SIDE_NAMES: Record<Side, string> = { left: 'App A', right: 'App B' };

export type Overwrite = { side: Side; field: string; before: CanonicalValue; after: CanonicalValue; reason: string };

export type LinkedDecision = {
  /** The base after both patches are applied. Fields in manual conflict keep their old base. */
  base: CanonicalRecord;
  leftPatch: CanonicalRecord;
  rightPatch: CanonicalRecord;
  /** Fields changed on both sides to different values that the policy sent to the inbox. */
  conflicts: string[];
  overwrites: Overwrite[];
};

/** How far into the future an app timestamp may be before "newest wins" stops trusting it. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

function trustedTime(ts: string | undefined, now: number): number | null {
  if (!ts || !/(Z|[+-]\d{2}:?\d{2})$/i.test(ts)) return null; // no explicit zone: not comparable
  const t = Date.parse(ts);
  return Number.isNaN(t) || t > now + FUTURE_TOLERANCE_MS ? null : t;
}

/** The winner of a both-sides change under `newest`; falls back to master when untrustworthy. */
export function newestSide(left: SideView, right: SideView, master: Side, now: number): Side {
  const l = trustedTime(left.updatedAt, now);
  const r = trustedTime(right.updatedAt, now);
  if (l === null || r === null || l === r) return master;
  return l > r ? 'left' : 'right';
}

type Resolved = { value: CanonicalValue; reason: string } | { conflict: true };

/** One named function for a field changed on both sides to different values (a conflict). */
export function resolveConflict(
  policy: ConflictPolicy,
  base: CanonicalValue | undefined,
  left: SideView,
  right: SideView,
  field: string,
  master: Side,
  now: number,
): Resolved {
  const l = left.values[field] ?? null;
  const r = right.values[field] ?? null;
  const pick = (side: Side, reason: string): Resolved => ({ value: side === 'left' ? l : r, reason });
  switch (policy) {
    case 'manual':
      return { conflict: true };
    case 'master':
      return pick(master, 'conflict: master wins');
    case 'newest': {
      const side = newestSide(left, right, master, now);
      return pick(side, side === master ? 'conflict: newest wins (or master when timestamps are not comparable)' : 'conflict: newest wins');
    }
    case 'merge-numeric': {
      if (typeof l === 'number' && typeof r === 'number' && (base === null || typeof base === 'number')) {
        const b = base ?? 0;
        return { value: b + (l - b) + (r - b), reason: 'conflict: merged (base + both changes)' };
      }
      return pick(master, 'conflict: not numeric, master wins');
    }
    case 'merge-set': {
      const merged = mergeSets(base, l, r);
      if (merged === undefined) return pick(master, 'conflict: not a set field, master wins');
      return { value: merged, reason: 'conflict: merged (both sides\' additions and removals)' };
    }
  }
}

/** A canonical set as a list: null is the empty set; any other non-list value is not a set. */
const setItems = (v: CanonicalValue | undefined): string[] | null => (Array.isArray(v) ? v : v === null || v === undefined ? [] : null);

/**
 * Three-way merge of a set field: (base ∩ left ∩ right) ∪ (left − base) ∪ (right − base). An
 * element added on either side is kept; one removed on either side (and not re-added) is gone,
 * so a removal on one side survives an addition on the other. No base (a first match): both
 * sides' elements. The result is in canonical set form: sorted and de-duplicated (a set's order
 * is not content, so reordering in an app is never a change; an app gets its set back sorted,
 * joined with the field's separator). `undefined` when a value is not a set (merge-set on a
 * plain text field, which pair validation refuses): the caller falls back to master.
 */
export function mergeSets(base: CanonicalValue | undefined, left: CanonicalValue, right: CanonicalValue): string[] | null | undefined {
  const b = setItems(base);
  const l = setItems(left);
  const r = setItems(right);
  if (b === null || l === null || r === null) return undefined;
  const inBase = new Set(b);
  const inLeft = new Set(l);
  const inRight = new Set(r);
  const kept = [...new Set([...l, ...r])].filter((x) => !inBase.has(x) || (inLeft.has(x) && inRight.has(x)));
  return kept.length === 0 ? null : kept.sort();
}

function fieldPolicy(m: FieldMapping, ctx: DecideContext): ConflictPolicy {
  if (ctx.initialMatch) {
    const p = ctx.config.initialMatchPolicy ?? 'master';
    return p;
  }
  return m.policy ?? ctx.config.conflictPolicy;
}

export function decideLinked(base: CanonicalRecord | null, left: SideView, right: SideView, ctx: DecideContext): LinkedDecision {
  const out: LinkedDecision = { base: {}, leftPatch: {}, rightPatch: {}, conflicts: [], overwrites: [] };
  const master = ctx.config.masterSide;
  const names = ctx.sideNames ?? DEFAULT_SIDE_NAMES;
  for (const m of ctx.config.fields) {
    const f = m.name;
    const b = base ? (Object.hasOwn(base, f) ? base[f] : null) : undefined;
    const l = left.values[f] ?? null;
    const r = right.values[f] ?? null;
    let value: CanonicalValue;
    let reason = 'changed';
    if (m.direction !== 'both') {
      // A one-way field carries its source's changes to the target (and the source's value when
      // two records are first matched). An edit made only in the target is never copied back,
      // and stays until the source changes: the base holds the source's value, so a record
      // created in the target app (where the field is not written to the source) keeps its own.
      const fromLeft = m.direction === 'left-to-right';
      const src = fromLeft ? l : r;
      if (b !== undefined && canonicalEqual(src, b)) {
        out.base[f] = b;
        continue;
      }
      value = src;
      reason = `one-way field (copied from ${fromLeft ? names.left : names.right})`;
    } else {
      const lc = !canonicalEqual(l, b);
      const rc = !canonicalEqual(r, b);
      if (canonicalEqual(l, r)) value = l;
      else if (lc && !rc) value = l;
      else if (rc && !lc) value = r;
      else {
        const res = resolveConflict(fieldPolicy(m, ctx), b, left, right, f, master, ctx.now);
        if ('conflict' in res) {
          out.conflicts.push(f);
          out.base[f] = b ?? null;
          continue;
        }
        value = res.value;
        reason = res.reason;
      }
    }
    out.base[f] = value;
    if (!canonicalEqual(l, value)) {
      out.leftPatch[f] = value;
      out.overwrites.push({ side: 'left', field: f, before: l, after: value, reason });
    }
    if (!canonicalEqual(r, value)) {
      out.rightPatch[f] = value;
      out.overwrites.push({ side: 'right', field: f, before: r, after: value, reason });
    }
  }
  return out;
}

/** A record changed on `side` since the base in any mapped field (used for delete-vs-edit). */
export function changedSinceBase(values: CanonicalRecord, base: CanonicalRecord, fields: string[]): boolean {
  return fields.some((f) => !canonicalEqual(values[f] ?? null, Object.hasOwn(base, f) ? base[f] : null));
}

export type DeleteDecision = { action: 'propagate' | 'keep-tombstone' | 'recreate' | 'conflict' };

/**
 * A record deleted on one side. Propagate when the other side is unchanged since the base; an
 * edit beats a delete (the deleted side is recreated) unless the policy is manual, then it is
 * an update-delete conflict (PITFALLS 4).
 */
export function decideDelete(otherChanged: boolean, propagate: boolean, policy: ConflictPolicy): DeleteDecision {
  if (!otherChanged) return { action: propagate ? 'propagate' : 'keep-tombstone' };
  return { action: policy === 'manual' ? 'conflict' : 'recreate' };
}

/**
 * The policy that decides an edit against a delete: `manual` when any field the surviving side
 * edited is manual (its own policy, else the pair's) — a steward must see that edit before it is
 * recreated or dropped — else the pair's policy.
 */
export function deletePolicy(fields: Pick<FieldMapping, 'name' | 'policy'>[], edited: string[], pairPolicy: ConflictPolicy): ConflictPolicy {
  const manual = fields.some((m) => edited.includes(m.name) && (m.policy ?? pairPolicy) === 'manual');
  return manual ? 'manual' : pairPolicy;
}
