/**
 * What a first sync would do, before it runs (PITFALLS 1): reads both sides in full, matches on
 * the pair's keys and counts matches, creates, conflicts and ambiguous keys (for a pair that has
 * run already, a new record with the key of a linked record is ambiguous too). Writes nothing.
 */
import type { PairConfig, PairPreview, PreviewConsequences, PreviewExample, Side } from '../api/model';
import { canonicalEqual, type CanonicalRecord } from '../core/canonical';
import { toCanonical } from '../core/mapping';
import { describeKey, linkedCandidates, matchKey, planMatches } from '../core/matching';
import { formulaWarnings } from '../privacy/formula-risk';
import { decideLinked } from '../core/merge';
import { openSides, type RunDeps } from './runner';
import type { SideIo } from './side-io';

const EXAMPLES = 5;

export async function previewPair(deps: RunDeps, config: PairConfig, pairId: string | null): Promise<PairPreview> {
  const io = openSides(deps, config);
  try {
    const canon: Record<Side, Map<string, CanonicalRecord>> = { left: new Map(), right: new Map() };
    const linkedCanon: Record<Side, Map<string, CanonicalRecord>> = { left: new Map(), right: new Map() };
    const totals = { left: 0, right: 0 };
    const links = pairId ? deps.state.allLinks(pairId) : [];
    for (const side of ['left', 'right'] as const) {
      const read = await io[side].readChanges(null, true, undefined, () => undefined);
      totals[side] = read.upserts.size;
      const linked = new Set(links.map((l) => (side === 'left' ? l.leftId : l.rightId)));
      for (const [id, rec] of read.upserts) (linked.has(id) ? linkedCanon : canon)[side].set(id, toCanonical(config.fields, side, rec.fields));
    }
    const linkedCount = (side: Side) => ({
      found: linkedCanon[side].size,
      linked: links.filter((l) => (side === 'left' ? l.leftId : l.rightId) !== null && l.deletedSide !== side).length,
    });
    const keyOf = (c: CanonicalRecord) => matchKey(c, config.matchKeys, config.fallbackKeys);
    const exampleKey = (c: CanonicalRecord | undefined) => (c ? describeKey(keyOf(c)) : '(no key)');
    const cands = (side: Side) => [...canon[side]].map(([id, c]) => ({ id, key: keyOf(c) }));
    // Keys of records already linked are taken: a new record with one of them is ambiguous, as in a run.
    const at = (side: Side, id: string | null) => {
      const c = id !== null ? linkedCanon[side].get(id) : undefined;
      return c && id !== null ? { id, key: keyOf(c) } : null;
    };
    const taken = linkedCandidates(links.map((l) => ({ left: at('left', l.leftId), right: at('right', l.rightId) })));
    const matched = planMatches(cands('left'), cands('right'), taken);
    // Records without a key wait in the inbox unless the pair creates them: counted apart (consequences.emptyKeys).
    const holds = (config.emptyKeys ?? 'hold') === 'hold';
    const creatable = (side: Side, ids: string[]) => (holds ? ids.filter((id) => keyOf(canon[side].get(id) ?? {}) !== null) : ids);
    const plan = { ...matched, createOnRight: creatable('left', matched.createOnRight), createOnLeft: creatable('right', matched.createOnLeft) };
    const ex = (left: CanonicalRecord | undefined, right: CanonicalRecord | undefined): PreviewExample => ({ ...(left ? { left } : {}), ...(right ? { right } : {}), key: exampleKey(left ?? right) });
    const sharedKeys = (['left', 'right'] as const).flatMap((side) => {
      const ids = side === 'left' ? plan.createOnRight : plan.createOnLeft;
      const counts = new Map<string, number>();
      for (const id of ids) {
        const c = canon[side].get(id);
        const k = c ? keyOf(c) : null;
        if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return [...counts].filter(([, n]) => n > 1).map(([key, count]) => ({ side, key: describeKey(key), count }));
    });
    const differing = plan.links.filter(({ leftId, rightId }) => {
      const l = canon.left.get(leftId) ?? {};
      const r = canon.right.get(rightId) ?? {};
      return config.fields.some((f) => !canonicalEqual(l[f.name] ?? null, r[f.name] ?? null));
    });
    const formulas = formulaWarnings(deps.connections, config, { left: [...canon.left.values(), ...linkedCanon.left.values()], right: [...canon.right.values(), ...linkedCanon.right.values()] });
    const consequences = await consequencesOf(io, config, {
      differing: differing.map((m) => ({ left: canon.left.get(m.leftId) ?? {}, right: canon.right.get(m.rightId) ?? {} })),
      emptyKeys: { left: [...canon.left.values()].filter((c) => keyOf(c) === null).length, right: [...canon.right.values()].filter((c) => keyOf(c) === null).length },
      gone: { left: Math.max(0, linkedCount('left').linked - linkedCount('left').found), right: Math.max(0, linkedCount('right').linked - linkedCount('right').found) },
    });
    return {
      ...(formulas.length > 0 ? { formulas } : {}),
      consequences,
      leftTotal: totals.left,
      rightTotal: totals.right,
      matched: plan.links.length,
      createOnLeft: plan.createOnLeft.length,
      createOnRight: plan.createOnRight.length,
      conflicts: differing.length,
      ambiguous: plan.duplicates.length,
      ...(sharedKeys.length > 0 ? { sharedKeys: sharedKeys.slice(0, EXAMPLES) } : {}),
      ...(links.length > 0 ? { linkedFound: { left: linkedCount('left'), right: linkedCount('right') } } : {}),
      examples: {
        matched: plan.links.slice(0, EXAMPLES).map((m) => ex(canon.left.get(m.leftId), canon.right.get(m.rightId))),
        createOnLeft: plan.createOnLeft.slice(0, EXAMPLES).map((id) => ex(undefined, canon.right.get(id))),
        createOnRight: plan.createOnRight.slice(0, EXAMPLES).map((id) => ex(canon.left.get(id), undefined)),
        conflicts: differing.slice(0, EXAMPLES).map((m) => ex(canon.left.get(m.leftId), canon.right.get(m.rightId))),
        ambiguous: plan.duplicates.slice(0, EXAMPLES).map((d) => {
          const other: Side = d.side === 'left' ? 'right' : 'left';
          const candidates = d.candidates.flatMap((id) => {
            const c = canon[other].get(id) ?? linkedCanon[other].get(id);
            return c ? [c] : [];
          });
          return { ...(d.side === 'left' ? ex(canon.left.get(d.id), undefined) : ex(undefined, canon.right.get(d.id))), candidates };
        }),
      },
    };
  } finally {
    await io.left.close();
    await io.right.close();
  }
}

/**
 * The review step's consequences: values the first match overwrites per app (the initial-match
 * policy decides each differing field as a run would; manual leaves them to the inbox), columns
 * Concord adds, records nothing can match, and deletes of linked records gone from the other app.
 */
async function consequencesOf(
  io: Record<Side, SideIo>,
  config: PairConfig,
  seen: { differing: { left: CanonicalRecord; right: CanonicalRecord }[]; emptyKeys: Record<Side, number>; gone: Record<Side, number> },
): Promise<PreviewConsequences> {
  const overwritten = { left: { values: 0, records: 0 }, right: { values: 0, records: 0 } };
  const initial = config.initialMatchPolicy ?? 'master';
  if (initial !== 'manual') {
    for (const d of seen.differing) {
      const decision = decideLinked(null, { values: d.left }, { values: d.right }, { config: { ...config, initialMatchPolicy: initial }, now: Date.now(), initialMatch: true });
      for (const [side, patch] of [['left', decision.leftPatch], ['right', decision.rightPatch]] as const) {
        const n = Object.keys(patch).length;
        overwritten[side].values += n;
        if (n > 0) overwritten[side].records++;
      }
    }
  }
  const addedColumns: Record<Side, string[]> = { left: [], right: [] };
  for (const side of ['left', 'right'] as const) {
    const col = (await io[side].describe()).collections.find((c) => c.name === config[side].collection);
    addedColumns[side] = (col?.fields ?? []).filter((f) => f.addedOnFirstWrite).map((f) => f.name);
  }
  const propagates = (from: Side) => config.deletes.propagate && (config.deletes.from === undefined || config.deletes.from === from);
  const deletes = { left: propagates('right') ? seen.gone.right : 0, right: propagates('left') ? seen.gone.left : 0 };
  return { overwritten, addedColumns, emptyKeys: seen.emptyKeys, deletes };
}
