/**
 * The plan stage (pure): turns one batch of what a run read into a plan — writes per side,
 * base-only updates, conflicts, links to create. The run calls it once per batch: a batch of
 * linked records (with both sides' state), a batch of gone records, or a batch of new records
 * grouped by match key (with the linked records that hold those keys). No I/O.
 */
import type { PairConfig, Side } from '../api/model';
import { canonicalEqual, canonicalHash, contentKey, recordsEqual, type CanonicalRecord } from './canonical';
import type { AppRecordLike as AppRecord, Link, ProposedConflict } from './link';
import { toCanonical } from './mapping';
import { changedSinceBase, decideDelete, decideLinked, deletePolicy, DEFAULT_SIDE_NAMES, type Overwrite } from './merge';
import { patchAgainst, resumeView, type Interrupted } from './resume';
import { linkedCandidates, matchKey, planMatches, type Candidate, type LinkedKeys } from './matching';

/** A link's id, known once the link row exists (matched records get theirs when the plan is applied). */
export type LinkRef = { id: number | null };

export type PlannedOp = {
  side: Side;
  op: 'create' | 'update' | 'delete';
  targetId: string | null;
  values: CanonicalRecord;
  ifVersion?: string;
  link: LinkRef | null;
  sourceId: string | null;
  sourceVersion: string | null;
  decidedBase: CanonicalRecord;
  /** Fields the other side's op for the same record writes (their base moves with that op). */
  otherPending: string[];
  label: string;
  overwrites: Overwrite[];
  reason: string;
  /** How the activity log names an update's overwrites: a run's `updated`, or a steward's `resolved` / `restored`. */
  activityAction?: 'resolved' | 'restored';
  /** An update's written fields as each side held them when planned: journaled, so a rerun after a crash can finish this decision (core/resume.ts). */
  seen?: Record<Side, CanonicalRecord>;
  journalId?: number;
  /** Whether each side holds the base once this decision's writes land (a field left in conflict: no). A side that will not keeps no version (settledVersion). */
  settles?: Record<Side, boolean>;
  /** An update's target record as read (its raw fields): written in its own forms, "yes"/"no" stays (core/mapping.ts `fromCanonical`). */
  current?: Record<string, unknown>;
};

export type RecordState = { rec: AppRecord; canon: CanonicalRecord } | null;

export type Plan = {
  ops: PlannedOp[];
  newLinks: { ref: LinkRef; leftId: string; rightId: string; base: CanonicalRecord; leftVersion: string | null; rightVersion: string | null; label: string }[];
  baseUpdates: { linkId: number; base: CanonicalRecord; leftVersion: string | null; rightVersion: string | null }[];
  linkDeletes: number[];
  /** A record deleted in `side` whose delete does not propagate: the other app keeps it; `reason` goes to the activity log. */
  tombstones: { linkId: number; side: Side; label: string; recordId: string | null; reason: string }[];
  conflicts: (ProposedConflict & { link: LinkRef | null })[];
  /** Open field conflicts whose fields now agree (fixed in the apps): resolved automatically. */
  autoResolved: number[];
  /** Tombstoned links whose "deleted" record is back in its app: synced again from now on. */
  revived: number[];
  /** Linked records this run found gone from each app (deleted there, or an app answering with nothing): the mass-delete guard counts them. */
  gone: Record<Side, number>;
  skipped: number;
};

export type PlanInput = {
  pairId: string;
  config: PairConfig;
  now: number;
  optimistic: Record<Side, boolean>;
  /** `interrupted`: the record's fields an interrupted run decided (from its journal rows), finished rather than re-planned. */
  linked: { link: Link; left: RecordState; right: RecordState; interrupted?: Interrupted }[];
  newRecords: Record<Side, AppRecord[]>;
  /** Every link of the pair (those in `linked` with the state read this run): their keys are taken (PITFALLS 1). */
  links: Link[];
  /** Creates journaled by an interrupted run: looked up before a create is repeated (PITFALLS 15). */
  pendingCreates: { side: Side; sourceId: string | null; payload: CanonicalRecord }[];
  /** How a user knows each side ("CRM (contacts)"): activity reasons and labels are shown verbatim. */
  sideNames?: Record<Side, string>;
};

const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');
const fieldNames = (c: PairConfig): string[] => c.fields.map((f) => f.name);

/**
 * What a create on `target` writes, and the base it records: every field except those that flow
 * only from `target` to the other side (a field mapped App A → App B is never written to App A,
 * also not when a record created in App B is copied there). Such a field's base is null, the value
 * the new record holds: its source is unchanged, so the other side keeps its own value.
 */
export function createValues(config: PairConfig, target: Side, source: CanonicalRecord): { values: CanonicalRecord; base: CanonicalRecord } {
  const values: CanonicalRecord = {};
  const base: CanonicalRecord = {};
  for (const f of config.fields) {
    const fromTarget = f.direction === (target === 'left' ? 'left-to-right' : 'right-to-left');
    if (!fromTarget && Object.hasOwn(source, f.name)) values[f.name] = source[f.name] ?? null;
    base[f.name] = fromTarget ? null : (source[f.name] ?? null);
  }
  return { values, base };
}

export const versionOf = (s: RecordState): string | null => (s ? (s.rec.version ?? canonicalHash(s.canon)) : null);

/**
 * The version a link stores for a side: the record's, when the record holds the base; none when
 * it does not (a field in conflict, a write still to come). A run skips a record still at its
 * stored version without comparing its values, so a stored version must mean "equal to the base".
 */
export const settledVersion = (s: RecordState, base: CanonicalRecord, names: string[]): string | null => (s && recordsEqual(s.canon, base, names) ? versionOf(s) : null);

export function recordLabel(config: PairConfig, values: CanonicalRecord | null, ids: { left?: string | null; right?: string | null }, names = DEFAULT_SIDE_NAMES): string {
  const keys = [...config.matchKeys, ...(config.fallbackKeys ?? [])];
  const parts = values ? keys.map((k) => values[k]).filter((v) => v !== null && v !== undefined) : [];
  if (parts.length > 0) return parts.map((p) => (Array.isArray(p) ? p.join(', ') : String(p))).join(' / ');
  return [ids.left ? `${names.left} ${ids.left}` : null, ids.right ? `${names.right} ${ids.right}` : null].filter(Boolean).join(' ↔ ');
}

export function conflictFields(config: PairConfig, base: CanonicalRecord | null, l: CanonicalRecord | null, r: CanonicalRecord | null, inConflict: string[]) {
  return config.fields.map((f) => ({
    name: f.name,
    type: f.type,
    base: base ? (base[f.name] ?? null) : undefined,
    left: l ? (l[f.name] ?? null) : undefined,
    right: r ? (r[f.name] ?? null) : undefined,
    inConflict: inConflict.includes(f.name),
  }));
}

export function planRun(input: PlanInput, openFieldConflicts: Map<number, number>): Plan {
  const { config } = input;
  const sideNames = input.sideNames ?? DEFAULT_SIDE_NAMES;
  const label = (values: CanonicalRecord | null, ids: { left?: string | null; right?: string | null }) => recordLabel(config, values, ids, sideNames);
  const decide = (base: CanonicalRecord | null, l: NonNullable<RecordState>, r: NonNullable<RecordState>, initialMatch: boolean) =>
    decideLinked(base, { values: l.canon, updatedAt: l.rec.updatedAt }, { values: r.canon, updatedAt: r.rec.updatedAt }, { config, now: input.now, initialMatch, sideNames });
  const plan: Plan = { ops: [], newLinks: [], baseUpdates: [], linkDeletes: [], tombstones: [], conflicts: [], autoResolved: [], revived: [], gone: { left: 0, right: 0 }, skipped: 0 };
  const names = fieldNames(config);

  const updateOps = (link: LinkRef, l: NonNullable<RecordState>, r: NonNullable<RecordState>, d: ReturnType<typeof decideLinked>, recLabel: string) => {
    const lp = Object.keys(d.leftPatch);
    const rp = Object.keys(d.rightPatch);
    // Whether each side will hold the base once both patches land (not while a field stays in conflict).
    const holdsBase = (s: NonNullable<RecordState>, patch: CanonicalRecord) => names.every((f) => canonicalEqual(Object.hasOwn(patch, f) ? patch[f] : (s.canon[f] ?? null), d.base[f] ?? null));
    const settles = { left: holdsBase(l, d.leftPatch), right: holdsBase(r, d.rightPatch) };
    for (const [side, patch, target, source] of [
      ['left', d.leftPatch, l, r],
      ['right', d.rightPatch, r, l],
    ] as const) {
      if (Object.keys(patch).length === 0) continue;
      const op: PlannedOp = {
        side,
        op: 'update',
        targetId: target.rec.id,
        values: patch,
        link,
        sourceId: source.rec.id,
        sourceVersion: versionOf(source),
        decidedBase: d.base,
        otherPending: side === 'left' ? rp : lp,
        label: recLabel,
        overwrites: d.overwrites.filter((o) => o.side === side),
        reason: d.overwrites.find((o) => o.side === side)?.reason ?? 'changed',
        seen: {
          left: Object.fromEntries(Object.keys(patch).map((f) => [f, l.canon[f] ?? null])),
          right: Object.fromEntries(Object.keys(patch).map((f) => [f, r.canon[f] ?? null])),
        },
        current: target.rec.fields,
        settles,
      };
      if (input.optimistic[side] && target.rec.version !== undefined) op.ifVersion = target.rec.version;
      plan.ops.push(op);
    }
  };

  const deleting = new Set<number>(); // links whose surviving record this plan deletes: their key is free again
  for (const { link, left, right, interrupted } of input.linked) {
    const recLabel = label(left?.canon ?? right?.canon ?? link.base, { left: link.leftId, right: link.rightId });
    const ref: LinkRef = { id: link.id };
    if (link.deletedSide) {
      // A tombstone: the surviving side's edits are not synced back (deleted records never come
      // back) — unless the record itself is back in its app (restored from a trash, or an app that
      // answered with nothing once): then the link syncs again, compared with its base as ever.
      if (!(link.deletedSide === 'left' ? left : right)) {
        plan.skipped++;
        continue;
      }
      plan.revived.push(link.id);
    }
    if (left && !right) plan.gone.right++;
    if (right && !left) plan.gone.left++;
    if (!left && !right) {
      plan.linkDeletes.push(link.id);
      continue;
    }
    if (!left || !right) {
      const deletedSide: Side = left ? 'right' : 'left';
      const survivor = (left ?? right) as NonNullable<RecordState>;
      const edited = names.filter((f) => changedSinceBase(survivor.canon, { [f]: link.base[f] ?? null }, [f]));
      const propagates = config.deletes.propagate && (config.deletes.from === undefined || config.deletes.from === deletedSide);
      const d = decideDelete(edited.length > 0, propagates, deletePolicy(config.fields, edited, config.conflictPolicy));
      if (d.action === 'propagate') {
        const op: PlannedOp = {
          side: other(deletedSide),
          op: 'delete',
          targetId: survivor.rec.id,
          values: {},
          link: ref,
          sourceId: null,
          sourceVersion: null,
          decidedBase: link.base,
          otherPending: [],
          label: recLabel,
          overwrites: names.map((f) => ({ side: other(deletedSide), field: f, before: survivor.canon[f] ?? null, after: null, reason: `deleted in ${sideNames[deletedSide]}` })),
          reason: `deleted in ${sideNames[deletedSide]}`,
        };
        if (input.optimistic[other(deletedSide)] && survivor.rec.version !== undefined) op.ifVersion = survivor.rec.version;
        plan.ops.push(op);
        deleting.add(link.id);
      } else if (d.action === 'keep-tombstone') {
        const why = config.deletes.propagate ? `the pair takes deletes from ${sideNames[other(deletedSide)]} only` : 'the pair does not propagate deletes';
        plan.tombstones.push({ linkId: link.id, side: deletedSide, label: recLabel, recordId: survivor.rec.id, reason: `deleted in ${sideNames[deletedSide]}; kept in ${sideNames[other(deletedSide)]} (${why}) and no longer synced` });
      }
      else if (d.action === 'recreate') {
        const create = createValues(config, deletedSide, survivor.canon);
        plan.ops.push({
          side: deletedSide,
          op: 'create',
          targetId: null,
          values: create.values,
          link: ref,
          sourceId: survivor.rec.id,
          sourceVersion: versionOf(survivor),
          decidedBase: create.base,
          otherPending: [],
          label: recLabel,
          overwrites: [],
          reason: `edited in ${sideNames[other(deletedSide)]} after it was deleted in ${sideNames[deletedSide]}: the edit wins`,
        });
      } else {
        plan.conflicts.push({
          pairId: input.pairId,
          link: ref,
          kind: 'update-delete',
          leftId: link.leftId,
          rightId: link.rightId,
          record: recLabel,
          fields: edited,
          data: { fields: conflictFields(config, link.base, left?.canon ?? null, right?.canon ?? null, []), deletedSide, versions: { [other(deletedSide)]: versionOf(survivor) } },
        });
      }
      continue;
    }
    let d: ReturnType<typeof decideLinked>;
    let shownBase = link.base;
    if (interrupted && Object.keys(interrupted).length > 0) {
      // Finish what an interrupted run decided instead of re-planning it from the stored base.
      const v = resumeView(link.base, left.canon, right.canon, interrupted);
      shownBase = v.base;
      const viewed = decide(v.base, { rec: left.rec, canon: v.left }, { rec: right.rec, canon: v.right }, false);
      d = patchAgainst(viewed, left.canon, right.canon, 'finishing a write an interrupted run planned');
    } else d = decide(link.base, left, right, false);
    if (d.conflicts.length > 0) {
      plan.conflicts.push({
        pairId: input.pairId,
        link: ref,
        kind: 'field',
        leftId: link.leftId,
        rightId: link.rightId,
        record: recLabel,
        fields: d.conflicts,
        data: { fields: conflictFields(config, shownBase, left.canon, right.canon, d.conflicts), versions: { left: versionOf(left), right: versionOf(right) } },
      });
    } else {
      const open = openFieldConflicts.get(link.id);
      if (open !== undefined) plan.autoResolved.push(open);
    }
    updateOps(ref, left, right, d, recLabel);
    const lv = settledVersion(left, d.base, names);
    const rv = settledVersion(right, d.base, names);
    const baseChanged = names.some((f) => JSON.stringify(d.base[f] ?? null) !== JSON.stringify(link.base[f] ?? null));
    if (Object.keys(d.leftPatch).length === 0 && Object.keys(d.rightPatch).length === 0) {
      if (baseChanged || lv !== link.leftVersion || rv !== link.rightVersion) plan.baseUpdates.push({ linkId: link.id, base: d.base, leftVersion: lv, rightVersion: rv });
      else plan.skipped++; // an echo of our own write or a no-op (PITFALLS 2)
    }
  }

  // New records: link interrupted creates first, then match on keys, then create.
  const canonOf = (side: Side, r: AppRecord) => toCanonical(config.fields, side, r.fields);
  const fresh: Record<Side, Map<string, NonNullable<RecordState>>> = { left: new Map(), right: new Map() };
  for (const side of ['left', 'right'] as const) for (const r of input.newRecords[side]) fresh[side].set(r.id, { rec: r, canon: canonOf(side, r) });

  /** `base`: what an interrupted create wrote — the pair's last agreed state, so an edit made since on either side wins. */
  const linkPair = (l: NonNullable<RecordState>, r: NonNullable<RecordState>, initial: boolean, base: CanonicalRecord | null = null) => {
    const recLabel = label(l.canon, { left: l.rec.id, right: r.rec.id });
    const d = decide(base, l, r, initial);
    // Stored until the writes land: each patched field keeps the value its target still holds,
    // so a failed write shows up again as a change on the winning side.
    const stored: CanonicalRecord = { ...d.base };
    for (const f of Object.keys(d.leftPatch)) stored[f] = l.canon[f] ?? null;
    for (const f of Object.keys(d.rightPatch)) stored[f] = r.canon[f] ?? null;
    const ref: LinkRef = { id: null };
    plan.newLinks.push({ ref, leftId: l.rec.id, rightId: r.rec.id, base: stored, leftVersion: settledVersion(l, stored, names), rightVersion: settledVersion(r, stored, names), label: recLabel });
    if (d.conflicts.length > 0) {
      plan.conflicts.push({ pairId: input.pairId, link: ref, kind: 'field', leftId: l.rec.id, rightId: r.rec.id, record: recLabel, fields: d.conflicts, data: { fields: conflictFields(config, null, l.canon, r.canon, d.conflicts), versions: { left: versionOf(l), right: versionOf(r) } } });
    }
    updateOps(ref, l, r, d, recLabel);
  };

  // Unlinked records by content, indexed once: a rerun after a kill may hold thousands of pending
  // creates, and scanning every unlinked record per create made it quadratic (361 s instead of
  // 25 s at 20,000 records per side). Each list keeps the records' read order, so the record a
  // create links to is the first unlinked one with its content, as before.
  const byContent: Record<Side, Map<string, { ids: string[]; next: number }>> = { left: new Map(), right: new Map() };
  if (input.pendingCreates.length > 0) {
    for (const side of ['left', 'right'] as const) {
      for (const [id, s] of fresh[side]) {
        const k = contentKey(s.canon, names);
        const bucket = byContent[side].get(k);
        if (bucket) bucket.ids.push(id);
        else byContent[side].set(k, { ids: [id], next: 0 });
      }
    }
  }
  const takeByContent = (side: Side, values: CanonicalRecord): NonNullable<RecordState> | undefined => {
    const bucket = byContent[side].get(contentKey(values, names));
    if (!bucket) return undefined;
    // Ids no longer unlinked (taken by an earlier create, or linked as a source) are passed over
    // for good: `next` only moves forward, so many records of equal content stay linear.
    for (; bucket.next < bucket.ids.length; bucket.next++) {
      const found = fresh[side].get(bucket.ids[bucket.next] ?? '');
      if (found) return found;
    }
    return undefined;
  };

  const relinked: { left: NonNullable<RecordState>; right: NonNullable<RecordState> }[] = [];
  for (const pc of input.pendingCreates) {
    const src = pc.sourceId ? fresh[other(pc.side)].get(pc.sourceId) : undefined;
    if (!src) continue;
    const done = takeByContent(pc.side, pc.payload);
    if (!done) continue;
    fresh[other(pc.side)].delete(src.rec.id);
    fresh[pc.side].delete(done.rec.id);
    const [l, r] = pc.side === 'right' ? [src, done] : [done, src];
    // The copy holds what the create wrote; its source may have been edited since (while Concord
    // was down). Deciding from that base keeps the edit; deciding as a first match let the master's
    // stale copy overwrite it. Fields the create did not write (one-way from the copy's side) had no base.
    linkPair(l, r, false, Object.fromEntries(names.map((f) => [f, pc.payload[f] ?? null])));
    relinked.push({ left: l, right: r });
  }

  const keyOf = (c: CanonicalRecord) => matchKey(c, config.matchKeys, config.fallbackKeys);
  const cands = (side: Side) => [...fresh[side].values()].map((s) => ({ id: s.rec.id, key: keyOf(s.canon) }));
  const taken = fresh.left.size + fresh.right.size > 0 ? takenKeys(input, relinked, deleting, keyOf) : { keys: [], records: { left: new Map(), right: new Map() } };
  const m = planMatches(cands('left'), cands('right'), linkedCandidates(taken.keys));
  for (const { leftId, rightId } of m.links) linkPair(fresh.left.get(leftId) as NonNullable<RecordState>, fresh.right.get(rightId) as NonNullable<RecordState>, true);
  for (const [target, ids] of [
    ['right', m.createOnRight],
    ['left', m.createOnLeft],
  ] as const) {
    for (const id of ids) {
      const src = fresh[other(target)].get(id) as NonNullable<RecordState>;
      if ((config.emptyKeys ?? 'hold') === 'hold' && keyOf(src.canon) === null) {
        // No key, so nothing can say whether the other app holds it already: the inbox decides.
        const side = other(target);
        plan.conflicts.push({
          pairId: input.pairId,
          link: null,
          kind: 'duplicate',
          leftId: side === 'left' ? id : null,
          rightId: side === 'right' ? id : null,
          record: label(src.canon, { [side]: id }),
          fields: [],
          data: {
            fields: conflictFields(config, null, side === 'left' ? src.canon : null, side === 'right' ? src.canon : null, []),
            duplicate: { side, record: src.canon, candidates: [], emptyKey: true },
          },
        });
        continue;
      }
      const create = createValues(config, target, src.canon);
      plan.ops.push({
        side: target,
        op: 'create',
        targetId: null,
        values: create.values,
        link: null,
        sourceId: id,
        sourceVersion: versionOf(src),
        decidedBase: create.base,
        otherPending: [],
        label: label(src.canon, { [other(target)]: id }),
        overwrites: [],
        reason: `copied from ${sideNames[other(target)]}, where it is new`,
      });
    }
  }
  for (const dup of m.duplicates) {
    const rec = fresh[dup.side].get(dup.id) as NonNullable<RecordState>;
    const candSide = other(dup.side);
    plan.conflicts.push({
      pairId: input.pairId,
      link: null,
      kind: 'duplicate',
      leftId: dup.side === 'left' ? dup.id : null,
      rightId: dup.side === 'right' ? dup.id : null,
      record: label(rec.canon, { [dup.side]: dup.id }),
      fields: [],
      data: {
        fields: conflictFields(config, null, dup.side === 'left' ? rec.canon : null, dup.side === 'right' ? rec.canon : null, []),
        duplicate: {
          side: dup.side,
          record: rec.canon,
          candidates: dup.candidates.map((id) => {
            const linked = taken.records[candSide].get(id);
            return linked ? { id, fields: linked.canon, linkedTo: linked.partner } : { id, fields: fresh[candSide].get(id)?.canon ?? {} };
          }),
        },
      },
    });
  }
  return plan;
}

type TakenRecord = { canon: CanonicalRecord; partner: string | null };

/**
 * The records already linked, with their current match keys: the state read this run, else the
 * base (a record not read did not change since). A record gone this run, or about to be deleted
 * by this plan, holds no key; pairs this plan links again (interrupted creates) hold theirs.
 */
function takenKeys(
  input: PlanInput,
  relinked: { left: NonNullable<RecordState>; right: NonNullable<RecordState> }[],
  deleting: Set<number>,
  keyOf: (c: CanonicalRecord) => string | null,
): { keys: LinkedKeys[]; records: Record<Side, Map<string, TakenRecord>> } {
  const records: Record<Side, Map<string, TakenRecord>> = { left: new Map(), right: new Map() };
  const keys: LinkedKeys[] = [];
  const read = new Map(input.linked.map((g) => [g.link.id, g]));
  const ids = (link: Link, side: Side) => (side === 'left' ? link.leftId : link.rightId);
  for (const stored of input.links) {
    const g = read.get(stored.id);
    const link = g?.link ?? stored;
    if (deleting.has(link.id)) continue;
    const at = (side: Side): Candidate | null => {
      const id = ids(link, side);
      const state = g ? g[side] : undefined;
      if (id === null || link.deletedSide === side || state === null) return null;
      const canon = state ? state.canon : link.base;
      const partnerGone = link.deletedSide === other(side) || (g !== undefined && g[other(side)] === null);
      records[side].set(id, { canon, partner: partnerGone ? null : ids(link, other(side)) });
      // A record not read this run holds the key last known for it (the store keeps it per side).
      const stored = side === 'left' ? link.leftKey : link.rightKey;
      return { id, key: state || stored === undefined ? keyOf(canon) : stored };
    };
    keys.push({ left: at('left'), right: at('right') });
  }
  for (const { left, right } of relinked) {
    records.left.set(left.rec.id, { canon: left.canon, partner: right.rec.id });
    records.right.set(right.rec.id, { canon: right.canon, partner: left.rec.id });
    keys.push({ left: { id: left.rec.id, key: keyOf(left.canon) }, right: { id: right.rec.id, key: keyOf(right.canon) } });
  }
  return { keys, records };
}
