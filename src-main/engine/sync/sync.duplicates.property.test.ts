/**
 * Property tests of duplicates and a steward's resolutions of them, over real SQLite apps in every
 * change-detection mode (issue 13 §1 "Resolving a duplicate created another duplicate"): random
 * histories where records of both apps share match keys (a few emails, in any case), edits and
 * deletes, syncs, and resolutions of the open duplicate conflicts — link to a candidate, create on
 * the other side, delete the duplicate or a candidate as a stale copy. Every record carries its
 * own tag in `name` (never edited), so a copy is known by its tag. After every sync:
 * - no record created twice: a tag is held by at most one record per app;
 * - nothing unlinked silently: every record is linked, or waits in the inbox (an open duplicate
 *   conflict holds it, as its record or a candidate);
 * - linked records agree (master policy: each link's two records hold the same values).
 * At the end, the steward resolves whatever is open until the inbox is empty (each resolution
 * leaves fewer unlinked records): both apps then hold the same records, every one linked, and a
 * further sync writes nothing.
 * sync.property.test.ts covers histories with unique keys, crash points and CSV files.
 * Number of histories: env CONCORD_PROPERTY_RUNS (default 150; 400 when CI=true).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangeDetection, Resolution, Side } from '../api/model';
import { appDelete, appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, tempDir, waitRun, type Kit } from './test-kit.fixture';

const RUNS = Number(process.env.CONCORD_PROPERTY_RUNS ?? (process.env.CI === 'true' ? 400 : 150));
/** Replays one failure: CONCORD_PROPERTY_SEED and CONCORD_PROPERTY_PATH, as fast-check printed them. */
const replay = process.env.CONCORD_PROPERTY_SEED ? { seed: Number(process.env.CONCORD_PROPERTY_SEED), path: process.env.CONCORD_PROPERTY_PATH, endOnFailure: true } : {};
const stats = { histories: 0, syncs: 0, duplicates: 0, resolved: { link: 0, create: 0, deleteOwn: 0, deleteCandidate: 0 }, refused: 0, identityAsked: 0 };
const SIDES = ['left', 'right'] as const;

type Step =
  | { t: 'create'; side: Side; email: number; upper: boolean; score: number | null }
  | { t: 'edit'; side: Side; pick: number; score: number | null }
  | { t: 'delete'; side: Side; pick: number }
  | { t: 'sync' }
  /** The steward resolves open duplicate conflict `pick` with choice `choice` (see `resolutionFor`). */
  | { t: 'resolve'; pick: number; choice: number };

const side = fc.constantFrom<Side>('left', 'right');
const score = fc.constantFrom(0, 1, 2, null);
const step: fc.Arbitrary<Step> = fc.oneof(
  // Three emails: most keys end up on several records, in one app or both.
  { weight: 6, arbitrary: fc.record({ t: fc.constant('create' as const), side, email: fc.nat(2), upper: fc.boolean(), score }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('edit' as const), side, pick: fc.nat(20), score }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), side, pick: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sync' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('resolve' as const), pick: fc.nat(10), choice: fc.nat(10) }) },
);
const history = fc.array(step, { minLength: 4, maxLength: 30 });
const modes = fc.constantFrom<[ChangeDetection, ChangeDetection]>(['hash', 'hash'], ['hash', 'cursor'], ['cursor', 'hash'], ['cursor', 'cursor'], ['hash', 'flag'], ['flag', 'cursor']);

type Held = { id: string; side: Side; candidates: { id: string; linked: boolean }[] };

/** The open duplicate conflicts, as the inbox shows them (through the API). */
async function openDuplicates(kit: Kit, pairId: string): Promise<(Held & { conflictId: string })[]> {
  const out: (Held & { conflictId: string })[] = [];
  for (const c of (await kit.call('conflicts/list', { pairId, kind: 'duplicate', limit: 1000 })).items) {
    const d = await kit.call('conflicts/get', { conflictId: c.id });
    if (d.status !== 'open' || !d.duplicate) continue;
    const id = d.duplicate.side === 'left' ? d.leftId : d.rightId;
    if (id === null) continue;
    out.push({ conflictId: d.id, id, side: d.duplicate.side, candidates: d.duplicate.candidates.map((k) => ({ id: k.id, linked: k.linkedTo !== undefined })) });
  }
  return out;
}

/** Every resolution the panel offers for this duplicate, in a fixed order; `choice` picks one. */
type Choice = { resolution: Resolution; kind: keyof typeof stats.resolved };
function resolutionFor(h: Held & { conflictId: string }, choice: number, refused: Set<string>): Choice {
  const options: Choice[] = [];
  for (const c of h.candidates) {
    if (c.linked) continue;
    options.push({ resolution: { kind: 'duplicate', linkTo: c.id }, kind: 'link' }, { resolution: { kind: 'delete-duplicate', candidate: c.id }, kind: 'deleteCandidate' });
  }
  options.push({ resolution: { kind: 'duplicate', linkTo: null }, kind: 'create' }, { resolution: { kind: 'delete-duplicate' }, kind: 'deleteOwn' });
  // A kind no history has used yet goes first when it is on offer (an unlinked candidate to delete
  // is rare): the run exercises every kind whenever it meets each once, not by luck. A choice once
  // refused for this conflict is not offered again (the steward reloads and picks another).
  const open = options.filter((o) => !refused.has(`${h.conflictId} ${JSON.stringify(o.resolution)}`));
  const offered = open.length > 0 ? open : options;
  return offered.find((o) => stats.resolved[o.kind] === 0) ?? (offered[choice % offered.length] as Choice);
}

const links = (kit: Kit, pairId: string) =>
  kit.db.prepare('SELECT left_id AS leftId, right_id AS rightId FROM links WHERE pair_id = ? AND deleted_side IS NULL').all(pairId) as { leftId: string | null; rightId: string | null }[];

async function checkInvariants(kit: Kit, pairId: string, paths: Record<Side, string>, when: string): Promise<void> {
  const rows = { left: appRows(paths.left), right: appRows(paths.right) };
  for (const s of SIDES) {
    const tags = rows[s].map((r) => r.name);
    expect(tags.filter((t, i) => tags.indexOf(t) !== i), `a record created twice in ${s} after ${when}`).toEqual([]);
  }
  const linked = { left: new Set<string>(), right: new Set<string>() };
  const byId = { left: new Map(rows.left.map((r) => [String(r.id), r])), right: new Map(rows.right.map((r) => [String(r.id), r])) };
  for (const l of links(kit, pairId)) {
    if (l.leftId !== null) linked.left.add(l.leftId);
    if (l.rightId !== null) linked.right.add(l.rightId);
    const a = l.leftId !== null ? byId.left.get(l.leftId) : undefined;
    const b = l.rightId !== null ? byId.right.get(l.rightId) : undefined;
    if (a && b) expect({ email: b.email, name: b.name, score: b.score }, `linked records agree after ${when}`).toEqual({ email: a.email, name: a.name, score: a.score });
  }
  const held = { left: new Set<string>(), right: new Set<string>() };
  const anyLink = (side: Side, id: string) => kit.db.prepare(`SELECT 1 FROM links WHERE pair_id = ? AND ${side}_id = ?`).get(pairId, id) !== undefined;
  for (const h of await openDuplicates(kit, pairId)) {
    const candSide = h.side === 'left' ? 'right' : 'left';
    held[h.side].add(h.id);
    for (const c of h.candidates) {
      held[candSide].add(c.id);
      // The inbox shows each candidate as linked or free as it is now, not as the run that held the
      // duplicate saw it: a steward's other resolutions link candidates meanwhile.
      expect(c.linked, `candidate ${candSide} ${c.id} of the duplicate ${h.side} ${h.id} shown as linked or not after ${when}`).toBe(anyLink(candSide, c.id));
    }
  }
  for (const s of SIDES) {
    const silent = rows[s].filter((r) => !linked[s].has(String(r.id)) && !held[s].has(String(r.id))).map((r) => `${r.name} (${String(r.email)})`);
    expect(silent, `records of ${s} neither linked nor in the inbox after ${when}`).toEqual([]);
  }
}

async function runHistory(pairModes: [ChangeDetection, ChangeDetection], steps: Step[]): Promise<void> {
  const dir = tempDir('concord-dupprop-');
  const s = await setupPair({ conflictPolicy: 'master' }, { dir, modes: pairModes });
  const { kit, pairId } = s;
  const paths = { left: s.left, right: s.right };
  const seesDeletes = { left: pairModes[0] === 'hash', right: pairModes[1] === 'hash' };
  stats.histories++;
  let tags = 0;
  const sync = async (when: string) => {
    let run = await syncAndWait(kit, pairId);
    stats.syncs++;
    // A record deleted while others with its key appeared in the same app cannot be told from one
    // that lost its id (issue 13: the run stops and asks). Here they really were deleted and added,
    // so the steward answers "Apply these deletes" for the count the pair shows.
    if (run.status === 'halted' && run.error?.includes('lost their ids')) {
      stats.identityAsked++;
      const asked = (await kit.call('pairs/get', { pairId })).awaitingDeleteConfirmation;
      expect(asked, 'the pair asks for a confirmation').not.toBeNull();
      run = await waitRun(kit, (await kit.call('pairs/sync-now', { pairId, confirmDeletes: asked?.gone ?? 0 })).runId);
    }
    expect(run.status, run.error ?? '').toBe('succeeded');
    await checkInvariants(kit, pairId, paths, when);
    return run;
  };
  const refused = new Set<string>();
  const resolve = async (h: Held & { conflictId: string }, choice: number) => {
    const { resolution, kind } = resolutionFor(h, choice, refused);
    const r = await kit.dispatch('conflicts/resolve', { conflictId: h.conflictId, resolution });
    if (r.ok) stats.resolved[kind]++;
    else {
      // Refused only because a record changed or went since the conflict was shown; never otherwise.
      expect(r.error.code, r.error.message).toBe('conflict');
      refused.add(`${h.conflictId} ${JSON.stringify(resolution)}`);
      stats.refused++;
    }
  };
  try {
    for (const [i, st] of steps.entries()) {
      if (st.t === 'create') {
        const email = `e${st.email}@example.com`;
        appInsert(paths[st.side], { email: st.upper ? email.toUpperCase() : email, name: `t${tags++}`, score: st.score });
      } else if (st.t === 'edit' || st.t === 'delete') {
        const rows = appRows(paths[st.side]);
        const row = rows[st.pick % Math.max(1, rows.length)];
        if (!row) continue;
        if (st.t === 'edit') appUpdate(paths[st.side], row.id, { score: st.score });
        else if (seesDeletes[st.side]) appDelete(paths[st.side], row.id);
      } else if (st.t === 'sync') {
        await sync(`step ${i} (sync)`);
      } else {
        const open = await openDuplicates(kit, pairId);
        stats.duplicates = Math.max(stats.duplicates, open.length);
        const h = open[st.pick % Math.max(1, open.length)];
        if (h) await resolve(h, st.choice);
      }
    }
    // The steward empties the inbox: each resolution leaves fewer unlinked records, so this ends.
    await sync('the last step');
    for (let round = 0; ; round++) {
      const open = await openDuplicates(kit, pairId);
      if (open.length === 0) break;
      expect(round, 'the inbox empties').toBeLessThan(40);
      for (const h of open) await resolve(h, round);
      await sync(`resolution round ${round}`);
    }
    const rows = { left: appRows(paths.left), right: appRows(paths.right) };
    const view = (r: (typeof rows.left)[number]) => `${r.name}|${String(r.email)}|${String(r.score)}`;
    expect(rows.right.map(view).sort(), 'both apps hold the same records').toEqual(rows.left.map(view).sort());
    expect(links(kit, pairId)).toHaveLength(rows.left.length);
    const again = await syncAndWait(kit, pairId);
    expect(again.counts.created + again.counts.updated + again.counts.deleted + again.counts.conflicts, 'a sync with no edits writes nothing').toBe(0);
  } finally {
    await kit.close();
    removeDir(dir);
  }
}

describe('sync properties: duplicates and their resolutions (real SQLite apps)', () => {
  it(`random histories with shared keys and random resolutions keep every record once, linked or in the inbox, and converge (${RUNS} histories)`, async () => {
    const started = Date.now();
    await fc.assert(fc.asyncProperty(modes, history, runHistory), { numRuns: RUNS, ...replay });
    console.log(`duplicates property: ${RUNS} histories in ${((Date.now() - started) / 1000).toFixed(1)} s`, stats);
    if ('seed' in replay) return;
    expect(stats.resolved.link + stats.resolved.create + stats.resolved.deleteOwn + stats.resolved.deleteCandidate).toBeGreaterThan(0);
    if (RUNS >= 100) for (const n of Object.values(stats.resolved)) expect(n, 'every kind of resolution was exercised').toBeGreaterThan(0);
  }, 600_000);
});
