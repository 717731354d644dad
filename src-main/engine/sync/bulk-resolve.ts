/**
 * "Take master / slave" for a batch of one pair's field conflicts, written to the app in ONE
 * batch write instead of one write per conflict. The safety rules are resolver.ts's own:
 * - a side that moved since the conflict was recorded (another version, or values other than the
 *   conflict shows) is not written; the conflict is refreshed with what the apps hold now and
 *   stays open for the steward (PITFALLS 3, 16);
 * - every write is journaled pending before it is sent and commits through apply.ts's choke point
 *   (`commitWritten`) with its base, versions and activity (every overwritten value, restorable),
 *   in one transaction per write batch together with closing its conflict;
 * - the app checks the version it was read at (`ifVersion`): an edit between our read and our
 *   write comes back stale and that conflict is refreshed, not overwritten.
 */
import type { FieldChoice, Resolution, Side } from '../api/model';
import { canonicalEqual, type CanonicalRecord } from '../core/canonical';
import { toCanonical } from '../core/mapping';
import type { AppRecord, WriteResult } from '../connectors/types';
import { commitWritten, toWriteOp } from './run/commit';
import { emptyCounts } from './pair-store';
import { versionOf, type PlannedOp } from '../core/plan';
import type { ConflictRow } from './records-store';
import { stewardName } from './steward';
import { describeResolution, refreshedData } from './resolver';
import { openSides, type RunDeps } from './runner';

const other = (s: Side): Side => (s === 'left' ? 'right' : 'left');
const SIDES = ['left', 'right'] as const;

export type BatchFailure = { conflictId: string; record: string; error: string };
export type BatchOutcome = { resolved: string[]; failures: BatchFailure[] };

type Read = { rec: AppRecord; canon: CanonicalRecord };

/**
 * Resolves `conflicts` (all field conflicts of `pairId`, open when read) by taking `take`'s side.
 * The caller holds the pair (runs.exclusive), so no run writes between the reads and the commit.
 */
export async function resolveFieldBatch(deps: RunDeps, pairId: string, conflicts: ConflictRow[], take: 'master' | 'slave'): Promise<BatchOutcome> {
  const out: BatchOutcome = { resolved: [], failures: [] };
  const fail = (c: ConflictRow, error: string) => out.failures.push({ conflictId: c.id, record: c.record, error });
  const pair = deps.pairs.get(pairId);
  if (!pair) {
    for (const c of conflicts) fail(c, 'The pair was deleted.');
    return out;
  }
  const config = pair.config;
  const winner: Side = take === 'master' ? config.masterSide : other(config.masterSide);
  const loser = other(winner);
  const io = openSides(deps, config);
  try {
    const readAll = async (side: Side, ids: (string | null)[]): Promise<Map<string, Read>> => {
      const recs = await io[side].readByIds([...new Set(ids.filter((id): id is string => id !== null))]);
      return new Map([...recs].map(([id, rec]) => [id, { rec, canon: toCanonical(config.fields, side, rec.fields) }]));
    };
    const reads = { left: await readAll('left', conflicts.map((c) => c.leftId)), right: await readAll('right', conflicts.map((c) => c.rightId)) };
    const readOf = (c: ConflictRow, side: Side) => {
      const id = side === 'left' ? c.leftId : c.rightId;
      return id ? reads[side].get(id) : undefined;
    };

    /** A side moved since the conflict was recorded: the conflict shows what is there now, and waits for the steward. */
    const refresh = (c: ConflictRow, now: Partial<Record<Side, Read>>, side: Side) => {
      deps.records.updateConflictData(c.id, refreshedData(c.data, now));
      fail(c, `This record changed in ${io[side].label} since the conflict was detected. The conflict was refreshed with the new values: review it and resolve it on its own.`);
    };
    const close = (c: ConflictRow, resolution: Resolution) => {
      deps.records.resolveConflict(c.id, resolution, stewardName());
      deps.records.addActivity({ pairId, runId: null, record: c.record, recordId: c.leftId ?? c.rightId, side: c.leftId ? 'left' : 'right', action: 'resolved', field: null, before: undefined, after: undefined, reason: describeResolution(resolution, (s) => io[s].label), restorable: false, actor: stewardName() });
      out.resolved.push(c.id);
    };

    type Pending = { c: ConflictRow; op: PlannedOp; resolution: Resolution };
    const writes: Pending[] = [];
    deps.state.transaction(() => {
      for (const c of conflicts) {
        const l = readOf(c, 'left');
        const r = readOf(c, 'right');
        if (!l || !r || c.linkId === null) {
          fail(c, 'One of the two records no longer exists; the next run will see the delete.');
          continue;
        }
        const cur: Record<Side, Read> = { left: l, right: r };
        const moved = SIDES.find((side) => {
          const stored = c.data.versions?.[side];
          if (stored !== undefined && stored !== null && stored !== versionOf(cur[side])) return true;
          return c.data.fields.some((f) => f[side] !== undefined && !canonicalEqual(cur[side].canon[f.name] ?? null, f[side] ?? null));
        });
        if (moved) {
          refresh(c, cur, moved);
          continue;
        }
        const unmapped = c.fields.find((name) => !config.fields.some((f) => f.name === name));
        if (unmapped) {
          fail(c, `"${unmapped}" is no longer a mapped field of this pair: open the conflict to resolve it.`);
          continue;
        }
        const resolution: Resolution = { kind: 'fields', fields: Object.fromEntries(c.fields.map((f) => [f, { take: winner } satisfies FieldChoice])) };
        const values: CanonicalRecord = Object.fromEntries(c.fields.map((f) => [f, cur[winner].canon[f] ?? null]));
        const patch = Object.fromEntries(Object.entries(values).filter(([f, v]) => !canonicalEqual(cur[loser].canon[f] ?? null, v)));
        if (Object.keys(patch).length === 0) {
          // The apps already agree: the base moves and the conflict closes, nothing is written.
          const link = deps.state.link(c.linkId);
          if (link) deps.state.upsertLink(pairId, { ...link, base: { ...link.base, ...values }, leftVersion: versionOf(l), rightVersion: versionOf(r) });
          close(c, resolution);
          continue;
        }
        const reason = 'resolved by a steward';
        const target = cur[loser];
        const op: PlannedOp = {
          side: loser,
          op: 'update',
          targetId: target.rec.id,
          values: patch,
          current: target.rec.fields,
          ...(io[loser].capabilities.optimisticWrites && target.rec.version !== undefined ? { ifVersion: target.rec.version } : {}),
          link: { id: c.linkId },
          sourceId: cur[winner].rec.id,
          sourceVersion: versionOf(cur[winner]),
          decidedBase: values,
          otherPending: [],
          label: c.record,
          overwrites: Object.entries(patch).map(([field, after]) => ({ side: loser, field, before: target.canon[field] ?? null, after, reason })),
          reason,
          activityAction: 'resolved',
        };
        // Journaled before the write is sent: a crash after the app wrote is finished by the next run.
        op.journalId = deps.state.journalAdd({ pairId, runId: `resolve:${c.id}`, side: loser, op: 'update', targetId: op.targetId, sourceId: op.sourceId, payload: { values: op.values } });
        writes.push({ c, op, resolution });
      }
    });
    if (writes.length === 0) return out;

    const stale: Pending[] = [];
    const sent = new Set<Pending>();
    const commitTarget = { pairId, runId: null, counts: emptyCounts() };
    try {
      const lists = await io[loser].listFields();
      await io[loser].write(
        writes.map((w) => toWriteOp(config, w.op, `resolve:${w.c.id}`, w.op.journalId ?? 0, lists)),
        (from, results: WriteResult[]) => {
          // One transaction per batch the app confirmed: each write with its base, activity and its conflict's close.
          deps.state.transaction(() =>
            results.forEach((res, j) => {
              const w = writes[from + j];
              if (!w) return;
              sent.add(w);
              if (res.ok) {
                commitWritten(deps, commitTarget, w.op, res);
                close(w.c, w.resolution);
                return;
              }
              deps.state.journalFinish(w.op.journalId ?? -1, 'failed', res.error);
              if (res.reason === 'stale') stale.push(w);
              else fail(w.c, `${io[loser].label} refused the write: ${res.error}. Nothing else was changed; try again.`);
            }),
          );
        },
      );
    } catch (e) {
      // The app went away mid-batch: what it confirmed is committed; the rest stays open (a write
      // it may hold is pending in the journal, which the next run looks up).
      const message = e instanceof Error ? e.message : String(e);
      for (const w of writes) if (!sent.has(w)) fail(w.c, `${io[loser].label} could not be written: ${message}. The conflict stays open; try again.`);
    }
    if (stale.length > 0) {
      // Edited between our read and our write: re-read both sides and show the steward what is there now.
      const again = { left: await readAll('left', stale.map((w) => w.c.leftId)), right: await readAll('right', stale.map((w) => w.c.rightId)) };
      deps.state.transaction(() => {
        for (const w of stale) {
          const now: Partial<Record<Side, Read>> = {};
          for (const s of SIDES) {
            const id = s === 'left' ? w.c.leftId : w.c.rightId;
            const read = id ? again[s].get(id) : undefined;
            if (read) now[s] = read;
          }
          refresh(w.c, now, loser);
        }
      });
    }
    return out;
  } finally {
    await io.left.close();
    await io.right.close();
  }
}
