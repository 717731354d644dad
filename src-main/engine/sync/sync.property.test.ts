/**
 * Property tests over real SQLite apps: random histories of creates, edits and deletes on both
 * sides, random sync points and random crash points (the engine "dies" at write op N: its own
 * database is snapshotted at that instant, every later write is refused, and a new engine starts
 * from the snapshot). After every sync both apps must equal a reference model of the sync rules
 * (which means: both sides agree, no user change is lost, no duplicates), a crashed run plus its
 * rerun must equal an uninterrupted run, and a second sync with no edits writes nothing.
 * A third of the histories merge `score` (merge-numeric) and some steps edit one record on both
 * sides, so crash points fall between the two writes of a merge (PITFALLS 15).
 * Number of histories: env CONCORD_PROPERTY_RUNS (default 400, about 25–30 s on 2 cores; 1,000 when CI=true).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalValue, ChangeDetection, Side } from '../api/model';
import { canonicalize } from '../core/canonical';
import { appDelete, appInsert, basePairConfig, appRows, appUpdate, crashingService, removeDir, restartFromCrash, setupPair, syncAndWait, tempDir, type CrashPlan, type Kit } from './test-kit.fixture';

// CI runs at least 1,000 histories (issue 3's bar); a local run keeps the default shorter.
const RUNS = Number(process.env.CONCORD_PROPERTY_RUNS ?? (process.env.CI === 'true' ? 1000 : 400));
/** What the histories exercised, so a run that silently tests nothing shows up in the log. */
const stats = { histories: 0, mergeHistories: 0, syncs: 0, crashes: 0, created: 0, updated: 0, deleted: 0 };

type Val = { name: CanonicalValue; score: CanonicalValue };
type Policy = 'master' | 'manual';
/** The pair's policy, and whether `score` overrides it with merge-numeric (written to both sides on a conflict). */
type Policies = { pair: Policy; mergeScore: boolean };
type Model = { left: Map<string, Val>; right: Map<string, Val>; base: Map<string, Val> };
const FIELDS = ['name', 'score'] as const;
const eqVal = (a: Val, b: Val) => FIELDS.every((f) => a[f] === b[f]);

/**
 * The sync rules of DESIGN §4 for this pair (master = left, deletes propagate), keyed by email.
 * `manual`: a field changed on both sides to different values, and an edit against a delete, stay
 * as they are (in the inbox) with the base unchanged; everything else still syncs. `merge-numeric` on score: base + both deltas (a null
 * base counts as 0; a null side falls back to the master, left).
 */
function modelSync(m: Model, p: Policies): void {
  const policyOf = (f: (typeof FIELDS)[number]): Policy | 'merge-numeric' => (f === 'score' && p.mergeScore ? 'merge-numeric' : p.pair);
  for (const e of new Set([...m.left.keys(), ...m.right.keys(), ...m.base.keys()])) {
    const l = m.left.get(e);
    const r = m.right.get(e);
    const b = m.base.get(e);
    if (!b) {
      const src = l ?? r;
      if (!src) continue;
      m.left.set(e, { ...src });
      m.right.set(e, { ...src });
      m.base.set(e, { ...src });
    } else if (!l && !r) m.base.delete(e);
    else if (!l || !r) {
      const survivor = (l ?? r) as Val;
      const [gone, kept] = l ? [m.right, m.left] : [m.left, m.right];
      if (eqVal(survivor, b)) {
        kept.delete(e);
        m.base.delete(e);
      } else if (p.pair === 'manual') {
        continue; // an update-delete conflict: nothing is written until a steward decides
      } else {
        gone.set(e, { ...survivor }); // an edit beats a delete
        m.base.set(e, { ...survivor });
      }
    } else {
      const nl = { ...l };
      const nr = { ...r };
      const nb = { ...b };
      for (const f of FIELDS) {
        const lc = l[f] !== b[f];
        const rc = r[f] !== b[f];
        if (l[f] !== r[f] && lc && rc && policyOf(f) === 'manual') continue; // a field conflict, left for the inbox
        const lf = l[f];
        const rf = r[f];
        const bf = b[f];
        const merged = policyOf(f) === 'merge-numeric' && typeof lf === 'number' && typeof rf === 'number' && (bf === null || typeof bf === 'number') ? lf + rf - (bf ?? 0) : lf;
        const v = lf === rf ? lf : lc && !rc ? lf : rc && !lc ? rf : merged;
        nl[f] = v;
        nr[f] = v;
        nb[f] = v;
      }
      m.left.set(e, nl);
      m.right.set(e, nr);
      m.base.set(e, nb);
    }
  }
}

const canonVal = (name: unknown, score: unknown): Val => ({ name: canonicalize(name, 'string'), score: canonicalize(score, 'number') });

function appState(path: string): Map<string, Val> {
  const out = new Map<string, Val>();
  for (const r of appRows(path)) {
    const email = String(r.email);
    if (out.has(email)) throw new Error(`duplicate record ${email} in ${path}`);
    out.set(email, canonVal(r.name, r.score));
  }
  return out;
}

type Step =
  | { t: 'create'; side: Side; name: string | null; score: number | null }
  | { t: 'edit'; side: Side; pick: number; field: 'name' | 'score'; name: string | null; score: number | null }
  | { t: 'delete'; side: Side; pick: number }
  /** Both apps edit the same record's score before a sync: a conflict (merged when score is merge-numeric). */
  | { t: 'edit-both'; pick: number; left: number | null; right: number | null }
  | { t: 'sync'; crashAt: number | null };

const side = fc.constantFrom<Side>('left', 'right');
const name = fc.constantFrom('Ann', 'ann ', ' Bob', 'Bob', 'Cy\r\nLee', '', null);
const score = fc.constantFrom(0, 1, 2, 7, null);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('create' as const), side, name, score }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('edit' as const), side, pick: fc.nat(50), field: fc.constantFrom('name' as const, 'score' as const), name, score }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), side, pick: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('edit-both' as const), pick: fc.nat(50), left: score, right: score }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), crashAt: fc.option(fc.nat(6), { nil: null, freq: 3 }) }) },
);
// A third of the histories merge `score` (merge-numeric), so random crash points fall between the two writes of a merge.
const policies: fc.Arbitrary<Policies> = fc.record({ pair: fc.constantFrom<Policy>('master', 'manual'), mergeScore: fc.constantFrom(false, false, true) });
const modes = fc.constantFrom<[ChangeDetection, ChangeDetection]>(['hash', 'hash'], ['cursor', 'cursor'], ['hash', 'cursor'], ['flag', 'hash'], ['cursor', 'flag']);

async function runHistory(pairModes: [ChangeDetection, ChangeDetection], policy: Policies, steps: Step[]): Promise<void> {
  const dir = tempDir('concord-prop-');
  const plan: CrashPlan = { crashAt: null, count: 0, crashed: false, snapshot: null, db: () => kit.db };
  const fields = basePairConfig('', '').fields.map((f) => (f.name === 'score' && policy.mergeScore ? { ...f, policy: 'merge-numeric' as const } : f));
  const s = await setupPair({ conflictPolicy: policy.pair, fields }, { dir, modes: pairModes, wrap: crashingService(plan) });
  if (policy.mergeScore) stats.mergeHistories++;
  let kit: Kit = s.kit;
  const model: Model = { left: new Map(), right: new Map(), base: new Map() };
  stats.histories++;
  const paths = { left: s.left, right: s.right };
  let emails = 0;
  const check = (when: string) => {
    expect(appState(s.left), `left after ${when}`).toEqual(model.left);
    expect(appState(s.right), `right after ${when}`).toEqual(model.right);
  };
  try {
    for (const st of steps) {
      if (st.t === 'create') {
        const email = `p${emails++}@example.com`;
        appInsert(paths[st.side], { email, name: st.name, score: st.score });
        model[st.side].set(email, canonVal(st.name, st.score));
      } else if (st.t === 'edit-both') {
        const rows = appRows(paths.left);
        const row = rows[st.pick % Math.max(1, rows.length)];
        const twin = row ? appRows(paths.right).find((r) => r.email === row.email) : undefined;
        if (!row || !twin) continue;
        const email = String(row.email);
        for (const [sd, id, v] of [['left', row.id, st.left], ['right', twin.id, st.right]] as const) {
          appUpdate(paths[sd], id, { score: v });
          model[sd].set(email, { ...(model[sd].get(email) as Val), score: canonicalize(v, 'number') });
        }
      } else if (st.t === 'edit' || st.t === 'delete') {
        const rows = appRows(paths[st.side]);
        const row = rows[st.pick % Math.max(1, rows.length)];
        if (!row) continue;
        const email = String(row.email);
        if (st.t === 'delete') {
          // A cursor or flag side cannot report deletes until a full scan: such histories only delete on hash sides.
          if (pairModes[st.side === 'left' ? 0 : 1] !== 'hash') continue;
          appDelete(paths[st.side], row.id);
          model[st.side].delete(email);
        } else {
          appUpdate(paths[st.side], row.id, { [st.field]: st.field === 'name' ? st.name : st.score });
          const cur = model[st.side].get(email) as Val;
          model[st.side].set(email, { ...cur, [st.field]: st.field === 'name' ? canonicalize(st.name, 'string') : canonicalize(st.score, 'number') });
        }
      } else {
        Object.assign(plan, { crashAt: st.crashAt, count: 0, crashed: false, snapshot: null });
        const run = await syncAndWait(kit, s.pairId);
        stats.syncs++;
        stats.created += run.counts.created;
        stats.updated += run.counts.updated;
        stats.deleted += run.counts.deleted;
        const crashed = plan.crashed;
        if (crashed) {
          stats.crashes++;
          kit = await restartFromCrash(kit, plan);
          const rerun = await syncAndWait(kit, s.pairId);
          expect(rerun.status, rerun.error ?? '').not.toBe('failed');
        }
        modelSync(model, policy);
        check(`sync (crash at ${String(st.crashAt)}, crashed: ${crashed})`);
      }
    }
    Object.assign(plan, { crashAt: null, crashed: false });
    await syncAndWait(kit, s.pairId);
    modelSync(model, policy);
    check('the final sync');
    const again = await syncAndWait(kit, s.pairId);
    expect(again.counts.created + again.counts.updated + again.counts.deleted, 'a second sync with no edits writes nothing').toBe(0);
    expect(again.counts.conflicts).toBe(0);
  } finally {
    await kit.close();
    removeDir(dir);
  }
}

describe('sync properties (real SQLite apps)', () => {
  it(`random histories with random sync and crash points converge to the model (${RUNS} histories)`, async () => {
    const started = Date.now();
    await fc.assert(fc.asyncProperty(modes, policies, fc.array(step, { minLength: 4, maxLength: 30, size: 'medium' }), runHistory), { numRuns: RUNS });
    console.log(`property: ${RUNS} histories in ${((Date.now() - started) / 1000).toFixed(1)} s`, stats);
    expect(stats.crashes).toBeGreaterThan(0);
  }, 600_000);
});
