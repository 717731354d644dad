/**
 * One run of a pair (DESIGN §4 steps 1–7): read both sides, plan with the pure core, guard mass
 * deletes, then carry the plan out through the journal. The cursor only advances when every
 * record read was processed (written, skipped, sent to the inbox, or recorded in the failed list
 * in the same transaction), and it advances inside the transaction that commits the last write.
 */
import type { PairConfig, RunCounts, RunProgress, RunStatus, Side } from '../api/model';
import { contentKey, type CanonicalRecord } from '../core/canonical';
import { toCanonical, mappedAppFields } from '../core/mapping';
import { keyParts, matchKey } from '../core/matching';
import type { Interrupted } from '../core/resume';
import type { ConnectionService } from '../connections/service';
import type { AppRecord, Cursor } from '../connectors/types';
import { emptyCounts, type PairStore } from './pair-store';
import { planRun, type RecordState } from './plan';
import type { RecordsStore } from './records-store';
import { createSideIo, RateLimited, type SideIo, type SideRead } from './side-io';
import type { InterruptedUpdate, Link, StateStore } from './state-store';
import { applyPlan } from './apply';

export type RunDeps = { pairs: PairStore; state: StateStore; records: RecordsStore; connections: ConnectionService };
export type RunRequest = {
  pairId: string;
  runId: string;
  full: boolean;
  signal: AbortSignal;
  onProgress: (p: Omit<RunProgress, 'pairId' | 'runId'>) => void;
  /** Retry mode: process just these records (read by id); no change feed, no cursor move. */
  only?: { left: string[]; right: string[] };
  /** A user confirmed the deletes the mass-delete guard stopped (this many records gone): this run applies up to that many. */
  confirmDeletes?: number;
};
export type RunOutcome = { status: RunStatus; counts: RunCounts; error: string | null };

const SIDES = ['left', 'right'] as const;
const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');

/** How a pair's health reason starts when the mass-delete guard stopped its last run. */
export const MASS_DELETE_HALT = 'Stopped before deleting';

export function sideMode(connections: ConnectionService, config: PairConfig, side: Side) {
  const def = connections.definition(config[side].connectionId);
  const mode = config[side].changeDetection ?? def.capabilities.changeDetection[0] ?? 'hash';
  return { def, mode };
}

export function openSides(connections: ConnectionService, config: PairConfig): Record<Side, SideIo> {
  const make = (side: Side) => {
    const { def, mode } = sideMode(connections, config, side);
    const conn = connections.get(config[side].connectionId);
    return createSideIo({
      side,
      label: `${conn.name} (${config[side].collection})`,
      collection: config[side].collection,
      mode,
      capabilities: def.capabilities,
      open: () => connections.open(config[side].connectionId),
    });
  };
  return { left: make('left'), right: make('right') };
}

/** Mapped fields missing in an app (a renamed or dropped column): the pair pauses naming them (PITFALLS 11). */
export async function missingFieldProblem(io: Record<Side, SideIo>, config: PairConfig): Promise<string | null> {
  for (const side of SIDES) {
    const { collections } = await io[side].describe();
    const col = collections.find((c) => c.name === config[side].collection);
    if (!col) return `The collection "${config[side].collection}" no longer exists in ${io[side].label} — choose another collection in the pair's settings, then resume the pair.`;
    const have = new Set(col.fields.map((f) => f.name));
    const gone = mappedAppFields(config.fields, side).filter((f) => !have.has(f.field));
    if (gone.length > 0) {
      const list = gone.map((g) => `"${g.field}"`).join(', ');
      return `Field ${list} no longer exists in ${io[side].label} — re-map ${gone.length > 1 ? 'them' : 'it'} in the pair's settings, then resume the pair.`;
    }
  }
  return null;
}

export async function executeRun(deps: RunDeps, req: RunRequest): Promise<RunOutcome> {
  const pair = deps.pairs.get(req.pairId);
  if (!pair) return { status: 'failed', counts: emptyCounts(), error: 'The pair was deleted.' };
  const config = pair.config;
  const counts = emptyCounts();
  const io = openSides(deps.connections, config);
  try {
    const problem = await missingFieldProblem(io, config);
    if (problem) {
      deps.pairs.setPaused(req.pairId, true, problem);
      return { status: 'halted', counts, error: problem };
    }

    // 1. Read both sides.
    req.onProgress({ phase: 'reading', read: 0, total: null, written: 0 });
    const reads = {} as Record<Side, SideRead>;
    let totals: Record<Side, number | null> = { left: null, right: null };
    const readsAll = !req.only && SIDES.every((side) => req.full || io[side].mode === 'hash' || deps.state.cursor(req.pairId, side) === null);
    for (const side of SIDES) {
      if (req.only) {
        const found = await io[side].readByIds(req.only[side]);
        reads[side] = { upserts: found, deletes: new Set(req.only[side].filter((id) => !found.has(id))), cursor: null, complete: false, total: null };
      } else {
        // A cursor stored under another change-detection mode (the pair's settings changed) means "start over".
        const stored = deps.state.cursor(req.pairId, side);
        reads[side] = await io[side].readChanges(stored && stored.mode === io[side].mode ? stored : null, req.full, req.signal, (n, total) => {
          counts.read += n;
          totals = { ...totals, [side]: total };
          // Sides are read one after the other. When both read every record (a full resync, a first
          // sync, hash scans), the first side's size stands in for the second's until it is known,
          // so the bar moves from the first batch; it is exact once both are known.
          const exact = totals.left !== null && totals.right !== null ? totals.left + totals.right : null;
          const known = totals.left ?? totals.right;
          const t = exact ?? (readsAll && known !== null ? Math.max(known * 2, counts.read) : null);
          req.onProgress({ phase: 'reading', read: counts.read, total: t, written: 0, ...(exact === null && t !== null ? { totalEstimated: true } : {}) });
        });
      }
      if (req.signal.aborted) return { status: 'cancelled', counts, error: null };
    }
    if (req.only) counts.read = reads.left.upserts.size + reads.right.upserts.size;
    else await addDueFailed(deps, req.pairId, io, reads);

    // 2. Group by link; read the other side of every linked record that changed on one side only.
    req.onProgress({ phase: 'matching', read: counts.read, total: null, written: 0 });
    const groups = new Map<number, { link: Link; left?: RecordState; right?: RecordState }>();
    const fresh: Record<Side, typeof reads.left.upserts> = { left: new Map(), right: new Map() };
    const allLinks = deps.state.links(req.pairId);
    const byId: Record<Side, Map<string, Link>> = { left: new Map(), right: new Map() };
    for (const l of allLinks) {
      if (l.leftId) byId.left.set(l.leftId, l);
      if (l.rightId) byId.right.set(l.rightId, l);
    }
    // Creates an interrupted run journaled but never confirmed may exist in the target app while
    // its change feed does not show them (a flag or cursor side): scan that side so the records
    // are found by match key before any create is repeated (PITFALLS 15).
    const retried = req.only ? { left: new Set(req.only.left), right: new Set(req.only.right) } : null;
    const pendingCreates = deps.state.pendingCreates(req.pairId).filter((pc) => !retried || (pc.sourceId !== null && retried[other(pc.side)].has(pc.sourceId)));
    for (const side of SIDES) {
      if (reads[side].complete || !pendingCreates.some((p) => p.side === side)) continue;
      const all = await io[side].readChanges(null, true, req.signal, () => undefined);
      for (const [id, rec] of all.upserts) if (!byId[side].has(id) && !reads[side].upserts.has(id)) reads[side].upserts.set(id, rec);
    }
    // The source of such a create joins this run whatever its feed or backoff says, so the plan can
    // pair it with the record the create may have made instead of copying that record back.
    const lookupSources = { left: new Set<string>(), right: new Set<string>() };
    for (const pc of pendingCreates) if (pc.sourceId !== null) lookupSources[other(pc.side)].add(pc.sourceId);
    for (const side of SIDES) {
      const missing = [...lookupSources[side]].filter((id) => !reads[side].upserts.has(id) && !byId[side].has(id));
      if (missing.length === 0) continue;
      for (const [id, rec] of await io[side].readByIds(missing)) reads[side].upserts.set(id, rec);
    }
    const group = (l: Link) => groups.get(l.id) ?? groups.set(l.id, { link: l }).get(l.id)!;
    const held = deps.records.heldIds(req.pairId);
    // A failed record waits for its backoff whatever the mode (a full scan sees it every run); "Retry" (`only`) forces it.
    const waiting = req.only ? { left: new Set<string>(), right: new Set<string>() } : backingOff(deps, req.pairId);
    for (const side of SIDES) for (const id of lookupSources[side]) waiting[side].delete(id);
    for (const side of SIDES) {
      for (const [id, rec] of reads[side].upserts) {
        const l = byId[side].get(id);
        if (l) group(l)[side] = { rec, canon: toCanonical(config.fields, side, rec.fields) };
        else if (held[side].has(id) || waiting[side].has(id)) counts.skipped++;
        else fresh[side].set(id, rec);
      }
      for (const id of reads[side].deletes) {
        const l = byId[side].get(id);
        if (l) group(l)[side] = null;
      }
      // A complete scan sees every record: a linked record it did not see was deleted (PITFALLS 4, 10).
      if (reads[side].complete) {
        for (const l of allLinks) {
          const id = side === 'left' ? l.leftId : l.rightId;
          if (id && l.deletedSide !== side && !reads[side].upserts.has(id)) group(l)[side] = null;
        }
      }
    }
    for (const [linkId, g] of groups) {
      if ((g.link.leftId !== null && waiting.left.has(g.link.leftId)) || (g.link.rightId !== null && waiting.right.has(g.link.rightId))) {
        groups.delete(linkId);
        counts.skipped++;
      }
    }
    relinkInterruptedRecreates(deps, req.pairId, config, pendingCreates, byId, groups, fresh);
    relinkReplacedRecords(deps, req.pairId, config, groups, fresh);
    // A record an interrupted run was updating joins the run even if its change feed is quiet, so
    // the rerun finishes that decision (core/resume.ts) before its journal rows are superseded.
    const interrupted = interruptedByLink(deps.state.interruptedUpdates(req.pairId), byId);
    if (interrupted.size > 0) {
      const linkById = new Map(allLinks.map((l) => [l.id, l]));
      for (const linkId of interrupted.keys()) {
        const l = linkById.get(linkId);
        if (l && !groups.has(linkId) && l.deletedSide === null) group(l);
      }
    }

    for (const side of SIDES) {
      const need = [...groups.values()].filter((g) => g[side] === undefined && g.link.deletedSide !== side).map((g) => (side === 'left' ? g.link.leftId : g.link.rightId)).filter((id): id is string => id !== null);
      const found = need.length > 0 ? await io[side].readByIds(need) : new Map();
      for (const g of groups.values()) {
        if (g[side] !== undefined) continue;
        const id = side === 'left' ? g.link.leftId : g.link.rightId;
        const rec = id ? found.get(id) : undefined;
        g[side] = rec ? { rec, canon: toCanonical(config.fields, side, rec.fields) } : null;
      }
    }

    // 3–5. Plan with the pure core.
    const openField = new Map<number, number>();
    const conflictIdx = new Map<number, string>();
    for (const c of deps.records.conflicts({ pairId: req.pairId, status: 'open', kind: 'field' })) if (c.linkId !== null) conflictIdx.set(c.linkId, c.id);
    const conflictIds: string[] = [];
    for (const [linkId, id] of conflictIdx) {
      openField.set(linkId, conflictIds.length);
      conflictIds.push(id);
    }
    const plan = planRun(
      {
        pairId: req.pairId,
        config,
        now: Date.now(),
        optimistic: { left: io.left.capabilities.optimisticWrites, right: io.right.capabilities.optimisticWrites },
        linked: [...groups.values()].map((g) => {
          const it = interrupted.get(g.link.id);
          return { link: g.link, left: g.left ?? null, right: g.right ?? null, ...(it ? { interrupted: it } : {}) };
        }),
        newRecords: { left: [...fresh.left.values()], right: [...fresh.right.values()] },
        links: allLinks,
        pendingCreates,
        sideNames: { left: io.left.label, right: io.right.label },
      },
      openField,
    );
    counts.skipped += plan.skipped;

    // Mass-delete guard: an app that suddenly answers with nothing must not wipe the other
    // (PITFALLS 4). It counts the linked records gone from an app, whatever the pair would do
    // about them — delete them in the other app, or (deletes not propagated) stop syncing them, or
    // (edited there) create them again — so an empty answer halts every pair alike. A single
    // record never halts a run. `confirmDeletes` is a user's answer for as many records as they
    // saw gone; more gone since then asks again.
    const linked = deps.state.linkedCount(req.pairId);
    for (const side of SIDES) {
      const gone = plan.gone[side];
      const confirmed = req.confirmDeletes;
      const overLimit = gone > 1 && gone > config.deletes.massDeleteThreshold * linked;
      if (!overLimit || (confirmed !== undefined && gone <= confirmed)) continue;
      const share = Math.round((gone / linked) * 100);
      const what =
        confirmed !== undefined
          ? `${gone} of ${linked} linked records (${share}%) are gone from ${io[side].label} now, more than the ${confirmed} you confirmed.`
          : `${gone} of ${linked} linked records (${share}%) are gone from ${io[side].label}, more than the pair's limit of ${Math.round(config.deletes.massDeleteThreshold * 100)}%.`;
      const msg =
        `${MASS_DELETE_HALT}: ${what} If they were really deleted there, choose "Apply these deletes" (command line: \`concord sync <pair> --confirm-deletes ${gone}\`) ` +
        `to run once past the limit, or raise the limit in the pair's settings; otherwise check that app's connection — nothing was changed.`;
      deps.pairs.setHealthReason(req.pairId, msg, gone);
      return { status: 'halted', counts, error: msg };
    }

    // 6–7. Carry the plan out through the journal.
    const cursors: Record<Side, Cursor | null> = { left: req.only ? null : reads.left.cursor, right: req.only ? null : reads.right.cursor };
    const result = await applyPlan(deps, { pairId: req.pairId, runId: req.runId, config, plan, io, signal: req.signal, counts, cursors, conflictIds, onProgress: req.onProgress, readCount: counts.read });
    if (req.full && result.status !== 'cancelled') deps.pairs.setLastFullAt(req.pairId, new Date().toISOString());
    // Flag mode: clear the flags of records that were processed (Concord's own writes leave it clear),
    // each only if it still holds the version read: an edit made during the run keeps its flag (PITFALLS 7).
    for (const side of SIDES) {
      if (io[side].mode !== 'flag' || !io[side].connector.clearFlags || result.status === 'cancelled') continue;
      const done = [...reads[side].upserts.values()].filter((r) => !result.unprocessed[side].has(r.id)).map((r) => (r.version !== undefined ? { id: r.id, version: r.version } : { id: r.id }));
      if (done.length > 0) await io[side].connector.clearFlags(config[side].collection, done);
    }
    return { status: result.status, counts, error: result.error };
  } catch (e) {
    if (e instanceof RateLimited) {
      const until = new Date(Date.now() + e.retryAfterMs).toISOString();
      deps.pairs.setPausedUntil(req.pairId, until);
      return { status: 'partial', counts, error: `${e.message} Paused until ${until}; the next run resumes from the cursor.` };
    }
    if (req.signal.aborted) return { status: 'cancelled', counts, error: null };
    const message = e instanceof Error ? e.message : String(e);
    return { status: 'failed', counts, error: message };
  } finally {
    await io.left.close();
    await io.right.close();
  }
}

/** An interrupted run's update rows, per link and field: the decided value, what each side held, which writes committed. */
function interruptedByLink(rows: InterruptedUpdate[], byId: Record<Side, Map<string, Link>>): Map<number, Interrupted> {
  const out = new Map<number, Interrupted>();
  for (const r of rows) {
    const link = byId[r.side].get(r.targetId);
    if (!link) continue;
    const fields = out.get(link.id) ?? out.set(link.id, {}).get(link.id)!;
    for (const [f, value] of Object.entries(r.values)) {
      const it = (fields[f] ??= { value, seen: { left: r.seen.left[f] ?? null, right: r.seen.right[f] ?? null }, written: { left: false, right: false } });
      if (r.done) it.written[r.side] = true;
    }
  }
  return out;
}

/** The ids of failed records whose next attempt is still in the future (exponential backoff with jitter). */
function backingOff(deps: RunDeps, pairId: string, now = Date.now()): Record<Side, Set<string>> {
  const out = { left: new Set<string>(), right: new Set<string>() };
  for (const f of deps.records.failedList(pairId)) {
    if (f.nextAttemptAt === null || Date.parse(f.nextAttemptAt) <= now) continue;
    if (f.leftId !== null) out.left.add(f.leftId);
    if (f.rightId !== null) out.right.add(f.rightId);
  }
  return out;
}

/** Failed records whose backoff has elapsed join the run (retry with exponential backoff and jitter). */
async function addDueFailed(deps: RunDeps, pairId: string, io: Record<Side, SideIo>, reads: Record<Side, SideRead>): Promise<void> {
  const due = deps.records.failedList(pairId).filter((f) => f.nextAttemptAt === null || Date.parse(f.nextAttemptAt) <= Date.now());
  const seen = { left: new Set<string>(), right: new Set<string>() };
  for (const side of SIDES) {
    const ids = due.map((f) => (side === 'left' ? f.leftId : f.rightId)).filter((id): id is string => id !== null && !reads[side].upserts.has(id));
    if (ids.length === 0) continue;
    const found = await io[side].readByIds(ids);
    for (const id of ids) {
      const rec = found.get(id);
      if (rec) {
        reads[side].upserts.set(id, rec);
        seen[side].add(id);
      } else reads[side].deletes.add(id);
    }
  }
  // A failed new record that no longer exists anywhere and was never linked has nothing left to retry.
  for (const f of due) {
    const gone = (id: string | null, side: Side) => id === null || (!seen[side].has(id) && !reads[side].upserts.has(id) && !deps.state.linkFor(pairId, side, id));
    if (gone(f.leftId, 'left') && gone(f.rightId, 'right')) deps.records.clearFailed(pairId, f.leftId, f.rightId);
  }
}

/**
 * An interrupted run may have recreated a linked record's deleted side (edit beats delete) without
 * recording it: find that record among the unlinked ones (same content or same match key as the
 * journaled create) and put it back on the link, so the rerun neither recreates it again nor
 * copies it back as a new record (PITFALLS 15).
 */
function relinkInterruptedRecreates(
  deps: RunDeps,
  pairId: string,
  config: PairConfig,
  pending: { side: Side; sourceId: string | null; payload: CanonicalRecord }[],
  byId: Record<Side, Map<string, Link>>,
  groups: Map<number, { link: Link; left?: RecordState; right?: RecordState }>,
  fresh: Record<Side, Map<string, AppRecord>>,
): void {
  const recreates = pending.filter((pc) => pc.sourceId !== null && byId[pc.side === 'left' ? 'right' : 'left'].has(pc.sourceId));
  if (recreates.length === 0) return;
  const names = config.fields.map((f) => f.name);
  const keyOf = (c: CanonicalRecord) => matchKey(c, config.matchKeys, config.fallbackKeys);
  // The unlinked records of a side, mapped and indexed once by content and by match key (a scan
  // per pending create was quadratic). Lists keep read order; a taken record leaves `fresh`.
  type Indexed = { rec: AppRecord; canon: CanonicalRecord };
  type Bucket = { items: Indexed[]; next: number };
  const index = (side: Side) => {
    const byContent = new Map<string, Bucket>();
    const byKey = new Map<string, Bucket>();
    const add = (m: Map<string, Bucket>, k: string, x: Indexed) => {
      const b = m.get(k);
      if (b) b.items.push(x);
      else m.set(k, { items: [x], next: 0 });
    };
    for (const rec of fresh[side].values()) {
      const x = { rec, canon: toCanonical(config.fields, side, rec.fields) };
      add(byContent, contentKey(x.canon, names), x);
      const key = keyOf(x.canon);
      if (key !== null) add(byKey, key, x);
    }
    return { byContent, byKey };
  };
  const indexes: Partial<Record<Side, ReturnType<typeof index>>> = {};
  // The first record of a bucket still unlinked; a taken record stays taken, so `next` only moves on.
  const first = (b: Bucket | undefined, side: Side): Indexed | undefined => {
    for (; b && b.next < b.items.length; b.next++) {
      const x = b.items[b.next];
      if (x && fresh[side].has(x.rec.id)) return x;
    }
    return undefined;
  };

  for (const pc of recreates) {
    const source: Side = pc.side === 'left' ? 'right' : 'left';
    const link = pc.sourceId ? byId[source].get(pc.sourceId) : undefined;
    if (!link) continue;
    const idx = (indexes[pc.side] ??= index(pc.side));
    // Same content is the surest sign of our own create; the same match key (edited since) next.
    const key = keyOf(pc.payload);
    const hit = first(idx.byContent.get(contentKey(pc.payload, names)), pc.side) ?? (key !== null ? first(idx.byKey.get(key), pc.side) : undefined);
    if (!hit) continue;
    const { rec, canon } = hit;
    const updated: Link = { ...link, [pc.side === 'left' ? 'leftId' : 'rightId']: rec.id, base: pc.payload, deletedSide: null };
    deps.state.transaction(() => deps.state.upsertLink(pairId, updated));
    fresh[pc.side].delete(rec.id);
    const g = groups.get(link.id) ?? { link: updated };
    g.link = updated;
    g[pc.side] = { rec, canon };
    groups.set(link.id, g);
  }
}

/**
 * A linked record gone from its app while one unlinked record with the same match key appeared on
 * the same side in the same run is that record under a new id: an app or file that re-creates
 * records on edit — a CSV without an id column (its ids come from row content until Concord first
 * writes the file, so a hand edit changes the id), an export imported again, a contact deleted and
 * typed in again. Relinked, the run sees an edit, compared with the base like any other, instead
 * of a delete plus a create — which would re-create the record where it was "deleted" and leave a
 * duplicate beside the new one (PITFALLS 1, 4). Only an unambiguous pair is relinked: one gone link
 * and one new record per key; anything else stays as it was and meets the usual rules. The new id
 * is saved at once: it is true whatever the rest of the run does.
 */
function relinkReplacedRecords(
  deps: RunDeps,
  pairId: string,
  config: PairConfig,
  groups: Map<number, { link: Link; left?: RecordState; right?: RecordState }>,
  fresh: Record<Side, Map<string, AppRecord>>,
): void {
  // A record is known by its main key; by its fallback key only when it has no main key — as
  // matching does: two records with different main keys are never the same record.
  const identity = (c: CanonicalRecord): string | null => {
    const { main, fallback } = keyParts(matchKey(c, config.matchKeys, config.fallbackKeys));
    return main !== null ? `main:${main}` : fallback !== null ? `fallback:${fallback}` : null;
  };
  const add = <T>(m: Map<string, T[]>, key: string | null, x: T) => {
    if (key === null) return;
    const list = m.get(key);
    if (list) list.push(x);
    else m.set(key, [x]);
  };
  const relinked: Link[] = [];
  for (const side of SIDES) {
    const idField = side === 'left' ? 'leftId' : 'rightId';
    const gone = [...groups.values()].filter((g) => g[side] === null && g.link.deletedSide === null && g.link[idField] !== null);
    if (gone.length === 0 || fresh[side].size === 0) continue;
    const goneByKey = new Map<string, (typeof gone)[number][]>();
    for (const g of gone) add(goneByKey, identity(g.link.base), g);
    const newByKey = new Map<string, { rec: AppRecord; canon: CanonicalRecord }[]>();
    for (const rec of fresh[side].values()) {
      const canon = toCanonical(config.fields, side, rec.fields);
      add(newByKey, identity(canon), { rec, canon });
    }
    for (const [key, links] of goneByKey) {
      const candidates = newByKey.get(key);
      const [g] = links;
      const [hit] = candidates ?? [];
      if (links.length !== 1 || candidates?.length !== 1 || !g || !hit) continue;
      g.link = { ...g.link, [idField]: hit.rec.id };
      g[side] = hit;
      fresh[side].delete(hit.rec.id);
      relinked.push(g.link);
    }
  }
  if (relinked.length > 0) deps.state.transaction(() => relinked.forEach((l) => deps.state.upsertLink(pairId, l)));
}

