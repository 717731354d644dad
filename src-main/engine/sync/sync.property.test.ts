/**
 * Property tests over real SQLite apps: random histories of creates, edits and deletes on both
 * sides, random sync points and random crash points (the engine "dies" at write op N: its own
 * database is snapshotted at that instant, every later write is refused, and a new engine starts
 * from the snapshot). After every sync both apps must equal a reference model of the sync rules
 * (which means: both sides agree, no user change is lost, no duplicates), a crashed run plus its
 * rerun must equal an uninterrupted run, and a second sync with no edits writes nothing.
 * A third of the histories merge `score` (merge-numeric) and some steps edit one record on both
 * sides, so crash points fall between the two writes of a merge (PITFALLS 15).
 * A crash point can be any of a run's first 31 write ops (bursts of edits make runs of up to ~40),
 * so it also lands late in a run, after whole batches were confirmed; a third of the syncs have no
 * crash point, and one past a run's last write leaves that run whole.
 * About one history in five pairs the SQLite app with a CSV file (right, hash mode), with or
 * without an id column of its own; the user edits that file by rewriting it (csv-app.fixture).
 * Number of histories: env CONCORD_PROPERTY_RUNS (default 400, about 30 s on 2 busy cores; 1,000 when CI=true, about 60 s).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalValue, ChangeDetection, Side } from '../api/model';
import { canonicalize } from '../core/canonical';
import { csvAppDelete, csvAppInsert, csvAppRows, csvAppUpdate, setupCsvPair } from './csv-app.fixture';
import { appDelete, appInsert, basePairConfig, appRows, appUpdate, crashingService, removeDir, restartFromCrash, setupPair, syncAndWait, tempDir, type CrashPlan, type Kit } from './test-kit.fixture';

// CI runs at least 1,000 histories (issue 3's bar); a local run keeps the default shorter.
const RUNS = Number(process.env.CONCORD_PROPERTY_RUNS ?? (process.env.CI === 'true' ? 1000 : 400));
/** Replays one failure: CONCORD_PROPERTY_SEED and CONCORD_PROPERTY_PATH, as fast-check printed them. */
const replay = process.env.CONCORD_PROPERTY_SEED ? { seed: Number(process.env.CONCORD_PROPERTY_SEED), path: process.env.CONCORD_PROPERTY_PATH, endOnFailure: true } : {};
/** What the histories exercised, so a run that silently tests nothing shows up in the log. */
const stats = { histories: 0, mergeHistories: 0, csvHistories: 0, csvIdColumnHistories: 0, syncs: 0, crashes: 0, lateCrashes: 0, maxRunWrites: 0, created: 0, updated: 0, deleted: 0 };

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

/**
 * A value as the model holds it: canonical. A CSV cell cannot tell null from '' (both are an empty
 * cell), and neither can the sync rules: the canonical form of '' is null for strings and numbers
 * (and strings are trimmed), so the generators' '' and null are one value in every app and the
 * model expects exactly what a CSV can hold. An empty CSV cell reads back as '' and canonicalizes
 * to the same null the SQLite app's NULL does.
 */
const canonVal = (name: unknown, score: unknown): Val => ({ name: canonicalize(name, 'string'), score: canonicalize(score, 'number') });

type Fields = { name?: string | null; score?: number | null };
/** One side's app as a user edits it: its rows in the app's order, each with a handle to edit it by. */
type UserApp = {
  rows(): { handle: number | string; email: string }[];
  insert(row: { email: string; name: string | null; score: number | null }): void;
  update(handle: number | string, fields: Fields): void;
  remove(handle: number | string): void;
  /** Every record, canonical, by email; a duplicate email fails the history. */
  state(): Map<string, Val>;
};

function stateOf(path: string, rows: { email: unknown; name: unknown; score: unknown }[]): Map<string, Val> {
  const out = new Map<string, Val>();
  for (const r of rows) {
    const email = String(r.email);
    if (out.has(email)) throw new Error(`duplicate record ${email} in ${path}`);
    out.set(email, canonVal(r.name, r.score));
  }
  return out;
}

const sqliteApp = (path: string): UserApp => ({
  rows: () => appRows(path).map((r) => ({ handle: r.id, email: String(r.email) })),
  insert: (row) => void appInsert(path, row),
  update: (id, fields) => appUpdate(path, Number(id), fields),
  remove: (id) => appDelete(path, Number(id)),
  state: () => stateOf(path, appRows(path)),
});

/**
 * A CSV row's handle is its email: that is how a user finds the row in the file.
 * Rows whose concord_id cell is empty (every row before Concord first writes the file, and a row
 * added by hand since) have an id derived from their content, so a hand edit gives the row a new
 * id: the engine relinks it by match key (runner.ts `relinkReplacedRecords`) and sees an edit, not
 * a delete plus a create. These histories edit such rows like any other.
 */
const csvApp = (path: string): UserApp => ({
  rows: () => csvAppRows(path).map((r) => ({ handle: r.email ?? '', email: r.email ?? '' })),
  insert: (row) => csvAppInsert(path, row),
  update: (email, fields) => csvAppUpdate(path, String(email), fields),
  remove: (email) => csvAppDelete(path, String(email)),
  state: () => stateOf(path, csvAppRows(path).map((r) => ({ email: r.email, name: r.name, score: r.score }))),
});

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
  // Half the crash points fall in a run's first 7 write ops (where most runs' writes are), half anywhere up to op 30.
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), crashAt: fc.option(fc.oneof(fc.nat(6), fc.integer({ min: 7, max: 30 })), { nil: null, freq: 3 }) }) },
);
/**
 * A burst: one app gets 4–12 creates, or edits of up to 12 of its records, before a sync, so a run
 * writes up to ~25 ops in several batches and crash points past op 7 land inside it (single steps
 * alone rarely give a run more than 7 writes).
 */
const burst: fc.Arbitrary<Step[]> = fc
  .record({ side, n: fc.integer({ min: 4, max: 12 }), edit: fc.boolean(), name, score })
  .map(({ side: sd, n, edit, name: nm, score: sc }) =>
    Array.from({ length: n }, (_, i): Step => (edit ? { t: 'edit', side: sd, pick: i, field: i % 2 ? 'name' : 'score', name: nm, score: sc } : { t: 'create', side: sd, name: nm, score: sc })),
  );
const history: fc.Arbitrary<Step[]> = fc
  .array(fc.oneof({ weight: 6, arbitrary: step.map((st) => [st]) }, { weight: 1, arbitrary: burst }), { minLength: 4, maxLength: 30, size: 'medium' })
  .map((chunks) => chunks.flat());
// A third of the histories merge `score` (merge-numeric), so random crash points fall between the two writes of a merge.
const policies: fc.Arbitrary<Policies> = fc.record({ pair: fc.constantFrom<Policy>('master', 'manual'), mergeScore: fc.constantFrom(false, false, true) });
/** The left app is always SQLite; the right one is SQLite (in a change-detection mode) or a CSV file (hash mode), with or without an id column. */
type Apps = { left: ChangeDetection; right: { kind: 'sqlite'; mode: ChangeDetection } | { kind: 'csv'; idColumn: boolean } };
const sqlitePairs = fc
  .constantFrom<[ChangeDetection, ChangeDetection]>(['hash', 'hash'], ['cursor', 'cursor'], ['hash', 'cursor'], ['flag', 'hash'], ['cursor', 'flag'])
  .map(([left, mode]): Apps => ({ left, right: { kind: 'sqlite', mode } }));
const csvPairs = fc.record({ left: fc.constantFrom<ChangeDetection>('hash', 'cursor', 'flag'), idColumn: fc.boolean() }).map(({ left, idColumn }): Apps => ({ left, right: { kind: 'csv', idColumn } }));
const apps: fc.Arbitrary<Apps> = fc.oneof({ weight: 4, arbitrary: sqlitePairs }, { weight: 1, arbitrary: csvPairs });

async function runHistory(pairApps: Apps, policy: Policies, steps: Step[]): Promise<void> {
  const dir = tempDir('concord-prop-');
  const plan: CrashPlan = { crashAt: null, count: 0, crashed: false, snapshot: null, db: () => kit.db };
  const fields = basePairConfig('', '').fields.map((f) => (f.name === 'score' && policy.mergeScore ? { ...f, policy: 'merge-numeric' as const } : f));
  const over = { conflictPolicy: policy.pair, fields };
  const wrap = crashingService(plan);
  const { right } = pairApps;
  const s =
    right.kind === 'csv'
      ? await setupCsvPair(over, { dir, leftMode: pairApps.left, withIdColumn: right.idColumn, wrap })
      : await setupPair(over, { dir, modes: [pairApps.left, right.mode], wrap });
  if (policy.mergeScore) stats.mergeHistories++;
  if (right.kind === 'csv') stats[right.idColumn ? 'csvIdColumnHistories' : 'csvHistories']++;
  let kit: Kit = s.kit;
  const model: Model = { left: new Map(), right: new Map(), base: new Map() };
  stats.histories++;
  const app: Record<Side, UserApp> = { left: sqliteApp(s.left), right: right.kind === 'csv' ? csvApp(s.right) : sqliteApp(s.right) };
  // A cursor or flag side cannot report deletes until a full scan: such histories only delete on hash sides (a CSV is always hash).
  const seesDeletes: Record<Side, boolean> = { left: pairApps.left === 'hash', right: right.kind === 'csv' || right.mode === 'hash' };
  let emails = 0;
  const check = (when: string) => {
    expect(app.left.state(), `left after ${when}`).toEqual(model.left);
    expect(app.right.state(), `right after ${when}`).toEqual(model.right);
  };
  try {
    for (const st of steps) {
      if (st.t === 'create') {
        const email = `p${emails++}@example.com`;
        app[st.side].insert({ email, name: st.name, score: st.score });
        model[st.side].set(email, canonVal(st.name, st.score));
      } else if (st.t === 'edit-both') {
        const rows = app.left.rows();
        const row = rows[st.pick % Math.max(1, rows.length)];
        const twin = row ? app.right.rows().find((r) => r.email === row.email) : undefined;
        if (!row || !twin) continue;
        const email = row.email;
        for (const [sd, handle, v] of [['left', row.handle, st.left], ['right', twin.handle, st.right]] as const) {
          app[sd].update(handle, { score: v });
          model[sd].set(email, { ...(model[sd].get(email) as Val), score: canonicalize(v, 'number') });
        }
      } else if (st.t === 'edit' || st.t === 'delete') {
        const rows = app[st.side].rows();
        const row = rows[st.pick % Math.max(1, rows.length)];
        if (!row) continue;
        const email = row.email;
        if (st.t === 'delete') {
          if (!seesDeletes[st.side]) continue;
          app[st.side].remove(row.handle);
          model[st.side].delete(email);
        } else {
          app[st.side].update(row.handle, { [st.field]: st.field === 'name' ? st.name : st.score });
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
        if (!crashed) stats.maxRunWrites = Math.max(stats.maxRunWrites, plan.count);
        if (crashed) {
          stats.crashes++;
          if ((st.crashAt ?? 0) >= 7) stats.lateCrashes++;
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

describe('sync properties (real SQLite apps and CSV files)', () => {
  it(`random histories with random sync and crash points converge to the model (${RUNS} histories)`, async () => {
    const started = Date.now();
    await fc.assert(fc.asyncProperty(apps, policies, history, runHistory), { numRuns: RUNS, ...replay });
    console.log(`property: ${RUNS} histories in ${((Date.now() - started) / 1000).toFixed(1)} s`, stats);
    if ('seed' in replay) return; // a replay runs one history: the coverage checks below do not apply
    expect(stats.crashes).toBeGreaterThan(0);
    if (RUNS >= 100) {
      expect(stats.lateCrashes, 'crashes after op 7 of a run').toBeGreaterThan(0);
      expect(stats.csvHistories, 'histories with a CSV without an id column').toBeGreaterThan(0);
      expect(stats.csvIdColumnHistories, 'histories with a CSV with an id column').toBeGreaterThan(0);
    }
  }, 600_000);
});
