/**
 * The detect stage: one side's changes, a batch at a time — from the stored cursor in the side's
 * change-detection mode, everything on a full resync or a first sync, just the asked-for ids on a
 * Retry — followed by the failed records whose backoff has elapsed. `end` says, once the read has
 * ended, where the cursor may move and whether the read saw every record.
 */
import type { Side } from '../../api/model';
import type { AppRecord } from '../../connectors/types';
import type { StreamBatch, StreamEnd } from '../side-io';
import { BATCH, type RunContext } from './context';

export type DetectEnd = StreamEnd & { /** Every record is marked seen as it is read (a complete scan): absence means deleted. */ scansAll: boolean };

export async function* detect(run: RunContext, side: Side, end: DetectEnd): AsyncGenerator<StreamBatch> {
  const io = run.io[side];
  const only = run.req.only;
  end.cursor = null;
  end.complete = false;
  end.total = null;
  end.scansAll = false;
  if (only) {
    // A fat event's record is used as the app sent it; a delete is always checked against the app
    // (read by id: gone means deleted), so a stale or forged event cannot delete a live record.
    const carried = only.events?.[side];
    for (let i = 0; i < only[side].length; i += BATCH) {
      const ids = only[side].slice(i, i + BATCH);
      const sent = carried ? ids.flatMap((id) => carried.get(id)?.record ?? []) : [];
      const toRead = sent.length > 0 ? ids.filter((id) => !carried?.get(id)?.record) : ids;
      const found = toRead.length > 0 ? await io.readByIds(toRead) : new Map<string, AppRecord>();
      yield { upserts: [...sent, ...found.values()], deletes: toRead.filter((id) => !found.has(id)), counted: found.size + sent.length, total: null };
    }
    return;
  }
  // A cursor stored under another change-detection mode (the pair's settings changed) means "start over".
  const stored = run.deps.state.cursor(run.pairId, side);
  const cursor = stored && stored.mode === io.mode ? stored : null;
  // Creates an interrupted run left unconfirmed may exist in this app while its change feed does
  // not show them (a flag or cursor side): the whole side is read, so they are found by content or
  // key before any create is repeated (PITFALLS 15). The side's own cursor stays where it was.
  const full = run.req.full || (cursor !== null && io.mode !== 'hash' && run.hasPendingCreates && run.deps.state.hasPendingCreates(run.pairId, side));
  const mode = full && io.capabilities.changeDetection.includes('hash') ? 'hash' : io.mode;
  // A first flag read lists every row too (the connector contract): a full resync of a flag side does not.
  end.scansAll = mode === 'hash' || cursor === null || (full && mode !== 'flag');
  yield* io.stream(cursor, full, run.req.signal, end);
  // The connector listed everything again (its token expired) and the listing ended complete:
  // every record it listed was marked seen (`StreamBatch.rescan`), so absence means deleted.
  if (end.rescanned) end.scansAll = true;
  yield* dueFailed(run, side);
  // A complete scan saw them already.
  if (!(end.scansAll && end.complete)) yield* byIds(run, side, run.released[side]);
}

/** Records read by id, not counted as read again; an id the app no longer has is reported deleted. */
async function* byIds(run: RunContext, side: Side, ids: string[]): AsyncGenerator<StreamBatch> {
  for (let i = 0; i < ids.length; i += BATCH) {
    const chunk = ids.slice(i, i + BATCH);
    const got = await run.io[side].readByIds(chunk);
    yield { upserts: [...got.values()], deletes: chunk.filter((id) => !got.has(id)), counted: 0, total: null };
  }
}

/**
 * The failed records a run retries: all of them once any one's backoff has elapsed, else none.
 * The jitter spreads their next attempts (so many pairs do not retry in step), but records that
 * failed together — a file that was read-only, an app that was down — are retried together, not
 * a slice per run.
 */
export function dueFailedRecords<F extends { nextAttemptAt: string | null }>(failed: F[], now = Date.now()): F[] {
  return failed.some((f) => f.nextAttemptAt === null || Date.parse(f.nextAttemptAt) <= now) ? failed : [];
}

/** Failed records whose backoff has elapsed join the run (retry with exponential backoff and jitter). */
async function* dueFailed(run: RunContext, side: Side): AsyncGenerator<StreamBatch> {
  const { records, state } = run.deps;
  const due = dueFailedRecords(records.failedList(run.pairId));
  // A failed write names the record it was written to; its partner is read too (a failed delete's
  // source is gone: reading it is what tells the retry to send the delete again).
  const partnerOf = (f: (typeof due)[number]): string | null => {
    const otherId = side === 'left' ? f.rightId : f.leftId;
    const link = otherId === null ? null : state.linkFor(run.pairId, side === 'left' ? 'right' : 'left', otherId);
    return link ? (side === 'left' ? link.leftId : link.rightId) : null;
  };
  const ids = [...new Set(due.map((f) => (side === 'left' ? f.leftId : f.rightId) ?? partnerOf(f)).filter((id): id is string => id !== null))];
  if (ids.length === 0) return;
  const found = new Map<string, AppRecord>();
  for (let i = 0; i < ids.length; i += BATCH) {
    const chunk = ids.slice(i, i + BATCH);
    const got = await run.io[side].readByIds(chunk);
    for (const [id, rec] of got) found.set(id, rec);
    yield { upserts: [...got.values()], deletes: chunk.filter((id) => !got.has(id)), counted: 0, total: null };
  }
  // A failed new record that no longer exists in its app and was never linked has nothing left to retry.
  for (const f of due) {
    const id = side === 'left' ? f.leftId : f.rightId;
    const otherId = side === 'left' ? f.rightId : f.leftId;
    if (id !== null && !found.has(id) && !state.linkFor(run.pairId, side, id) && otherId === null) records.clearFailed(run.pairId, f.leftId, f.rightId);
  }
}
