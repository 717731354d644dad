/**
 * Finishing a decision an interrupted run made (PITFALLS 15, DESIGN §4 steps 3 and 6).
 *
 * A merge policy writes a field to BOTH sides (base 10, left 15, right 12 → 17 on both). A crash
 * between the two writes leaves one side at 17 — with the base moved to 17 if its journal row was
 * committed, or still 10 if the app took the write but the journal never heard back — and the
 * other side at 12. Planned from the stored base alone, the rerun either copies 12 back over the
 * merge (base 17: the right looks changed, the left not) or merges twice (base 10: 10 + 7 + 2).
 *
 * So the interrupted run's journal rows carry, per written field, the decided value and what
 * each side held when it was decided (`seen`). The rerun plans from "as if that run had
 * finished": the decided value is the base, and a side still at what the run saw (its write
 * never landed) or already at the decided value counts as holding it — unchanged. A side whose
 * value is neither was edited by a user after the decision: its edit is measured from where that
 * user started — the decided value if its write was committed (the user saw it), else what the
 * run saw — against the decided value on the other side, and the field's policy decides as usual
 * (merge-numeric then adds exactly the new delta: 12 → 13 after the crash gives 18, not 13 or 20).
 *
 * Why base and pending write stay consistent: every field the rerun patches carries the decided
 * base of THIS plan, and the base only moves in the transaction that marks that write done
 * (commitWritten); the old rows are superseded in the transaction that journals the new plan, so
 * at any instant the journal's pending rows and the stored base describe one decision.
 */
import type { CanonicalValue, Side } from '../api/model';
import { canonicalEqual, type CanonicalRecord } from './canonical';
import type { LinkedDecision } from './merge';

/** One field an interrupted run decided: the value, what each side held then, which writes committed. */
export type InterruptedField = { value: CanonicalValue; seen: Record<Side, CanonicalValue>; written: Record<Side, boolean> };
export type Interrupted = Record<string, InterruptedField>;

export type ResumeView = { base: CanonicalRecord; left: CanonicalRecord; right: CanonicalRecord };

const SIDES = ['left', 'right'] as const;

/** The base and side values to plan from, given an interrupted run's decisions for this record. */
export function resumeView(base: CanonicalRecord, left: CanonicalRecord, right: CanonicalRecord, interrupted: Interrupted): ResumeView {
  const out: ResumeView = { base: { ...base }, left: { ...left }, right: { ...right } };
  for (const [f, it] of Object.entries(interrupted)) {
    const cur = { left: left[f] ?? null, right: right[f] ?? null };
    // Where each side's user last saw the field: the decided value once its write committed.
    const start = (s: Side) => (it.written[s] ? it.value : it.seen[s]);
    const moved = SIDES.filter((s) => !canonicalEqual(cur[s], it.value) && !canonicalEqual(cur[s], start(s)));
    if (moved.length === 0) {
      // The decision stands: both sides hold it, or will once the write that did not land is repeated.
      out.base[f] = it.value;
      out.left[f] = it.value;
      out.right[f] = it.value;
    } else if (moved.length === 1) {
      const s = moved[0] as Side;
      const o: Side = s === 'left' ? 'right' : 'left';
      // The edit made after the decision, against the decided value on the other side.
      out.base[f] = start(s);
      out[s][f] = cur[s];
      out[o][f] = it.value;
    } else {
      // Both sides edited after the decision: each edit is taken against the decided value and the
      // policy decides (a merge adds both edits to it, exact when both users saw it).
      out.base[f] = it.value;
    }
  }
  return out;
}

/**
 * Patches for a decision made on a resume view, against what the apps actually hold: a side whose
 * write never landed holds its old value while the view shows it at the decided one.
 */
export function patchAgainst(d: LinkedDecision, left: CanonicalRecord, right: CanonicalRecord, reason: string): LinkedDecision {
  const out: LinkedDecision = { base: d.base, conflicts: d.conflicts, leftPatch: {}, rightPatch: {}, overwrites: [] };
  const actual = { left, right };
  for (const [f, value] of Object.entries(d.base)) {
    if (d.conflicts.includes(f)) continue;
    for (const s of SIDES) {
      const before = actual[s][f] ?? null;
      if (canonicalEqual(before, value)) continue;
      (s === 'left' ? out.leftPatch : out.rightPatch)[f] = value;
      const planned = d.overwrites.find((o) => o.side === s && o.field === f);
      out.overwrites.push({ side: s, field: f, before, after: value, reason: planned?.reason ?? reason });
    }
  }
  return out;
}
