/**
 * One side of a running pair: its connector, the collection, the change-detection mode, and the
 * engine-owned policies around the connector:
 * - the connector is leased from the engine's pool and returned by `close()`;
 * - every call carries the owner's signal (Cancel, shutdown) and its time limit (connections/calls.ts),
 *   and waits its turn in the connection's request budget (connections/request-budget.ts);
 * - ids per read, page size and write batch come from the capabilities;
 * - a 401 ('auth') discards the connector and opens a new one (which reads the refreshed
 *   credential) once and retries (PITFALLS 9); a network error or time-out ('unavailable')
 *   discards it, so the next call gets a new one, and is retried: a read a few times with
 *   exponential backoff and jitter, within the call's time limit (a stream starts again from the
 *   same cursor), a write's update or delete the same way — never a create, whose outcome is
 *   unknown (the journal finds it on the next run, recovery.ts); a 429 is surfaced as
 *   `RateLimited` so the runner pauses that side (PITFALLS 8).
 */
import type { ChangeDetection, ConnectorCallKind, ConnectorCapabilities, Side } from '../api/model';
import { callLimits, guardedCall, guardedPages, pause, type CallLimits } from '../connections/calls';
import type { ConnectorLease } from '../connections/pool';
import { requestBudget, type RequestBudget } from '../connections/request-budget';
import type { AppRecord, ChangeBatch, Connector, Cursor, OwnWrites, WriteOp, WriteResult } from '../connectors/types';
import { TRANSIENT_RETRIES, transientBackoffMs, type TransientRetries } from './transient-retries';

export class RateLimited extends Error {
  constructor(
    readonly side: Side,
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RateLimited';
  }
}

const reasonOf = (e: unknown): string | undefined => {
  const r = (e as { reason?: unknown } | null)?.reason;
  return typeof r === 'string' ? r : undefined;
};
const retryAfterOf = (e: unknown): number | undefined => {
  const r = (e as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof r === 'number' ? r : undefined;
};

export const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Lets timers and I/O (HTTP requests, IPC) run before going on; a microtask (plain `await`) does not. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Ids per read when the connector declares no `maxIdsPerRead`. */
export const READ_CHUNK = 200;
const WRITE_CHUNK = 100;

export type SideRead = {
  upserts: Map<string, AppRecord>;
  deletes: Set<string>;
  cursor: Cursor | null;
  /** The read saw every record of the collection, so absence means deleted. */
  complete: boolean;
  total: number | null;
};

export type SideIo = ReturnType<typeof createSideIo>;

/**
 * One batch of a streamed read. `counted`: how many of its records no earlier pass of this read
 * delivered (the read count). `rescan`: part of a listing of the whole collection the connector
 * fell back to (`ChangeBatch.rescan`): its records are marked seen.
 */
export type StreamBatch = { upserts: AppRecord[]; deletes: string[]; counted: number; total: number | null; rescan?: boolean };
/**
 * What a streamed read knows once it ended: the cursor to store, and whether it listed every
 * record (absence means deleted). `rescanned`: it did so although it started from a cursor — every
 * batch from its first `rescan` batch to its end was one, the last `complete` (the records it
 * listed were marked seen as they came, `StreamBatch.rescan`).
 */
export type StreamEnd = { cursor: Cursor | null; complete: boolean; total: number | null; rescanned?: boolean };

export function createSideIo(opts: {
  side: Side;
  label: string;
  collection: string;
  mode: ChangeDetection;
  capabilities: ConnectorCapabilities;
  /** Leases the side's connector (from the engine's pool); called again after the lease was discarded. */
  acquire: () => ConnectorLease;
  /** The owner's signal (the run's Cancel, or the engine's shutdown): every connector call aborts with it. */
  signal?: AbortSignal;
  /** Time limits the engine's configuration sets (over the defaults and the capabilities'). */
  limits?: Partial<CallLimits>;
  /** The connection's request budget (shared by every user of the connection); by default one from the capabilities. */
  budget?: RequestBudget;
  /** Concord's own writes of this side, for its cursor reads to leave out (`ChangesOptions.ownWrites`). */
  ownWrites?: OwnWrites;
  /** Retries of calls that failed 'unavailable' (default TRANSIENT_RETRIES). */
  retries?: TransientRetries;
}) {
  const retries = opts.retries ?? TRANSIENT_RETRIES;
  const own = opts.ownWrites ? { ownWrites: opts.ownWrites } : {};
  const budget = opts.budget ?? requestBudget(opts.capabilities);
  const idsPerRead = Math.max(1, opts.capabilities.maxIdsPerRead ?? READ_CHUNK);
  let lease: ConnectorLease | null = null;
  /** The leased connector, leased on first use and again after a discard. */
  const conn = (): Connector => (lease ??= opts.acquire()).connector;
  /** A network error or a time-out: this connector is done for; the next call gets a new one (the pool closes this one). */
  const brokenBy = (e: unknown): unknown => {
    if (reasonOf(e) === 'unavailable') dropConnector();
    return e;
  };
  const dropConnector = () => {
    lease?.discard();
    lease = null;
  };
  const limits = callLimits(opts.capabilities, opts.limits);
  /** A call's signal: the owner's and the caller's (a preview's, a run's), whichever aborts first. */
  const within = (signal?: AbortSignal): AbortSignal | undefined => (!signal || signal === opts.signal ? opts.signal : opts.signal ? AbortSignal.any([signal, opts.signal]) : signal);
  /** One connector call under the owner's signal and the call kind's time limit. */
  // The budget's wait comes before the call's time limit starts: a queue behind the app's rate limit is no time-out.
  const call =
    <T>(kind: ConnectorCallKind, fn: (c: Connector, signal: AbortSignal) => Promise<T>, signal?: AbortSignal) =>
    (c: Connector) => {
      const outer = within(signal);
      return budget.run(() => guardedCall(opts.label, kind, limits[kind], outer, (s) => fn(c, s)), outer);
    };
  const pages = (c: Connector, cursor: Cursor | null, mode: ChangeDetection, signal: AbortSignal | undefined): AsyncIterable<ChangeBatch> =>
    guardedPages(
      opts.label,
      limits.changes,
      within(signal),
      (s) => c.changes(opts.collection, cursor, { mode, signal: s, lookBackSeconds: 5, ...own, ...(opts.capabilities.readBatch ? { batchSize: opts.capabilities.readBatch } : {}) }),
      (fn, s) => budget.run(fn, s),
    );

  /** A connector's 429 as `RateLimited` (the runner pauses the side); any other error as it was. */
  const rateLimitedOr = (e: unknown): unknown =>
    reasonOf(e) === 'rate-limited' ? new RateLimited(opts.side, retryAfterOf(e) ?? DEFAULT_RETRY_AFTER_MS, `${opts.label} asked Concord to slow down (rate limit).`) : e;

  /**
   * Runs `fn` as `withAuth` does, and again — on a new connector — while it fails 'unavailable',
   * up to `retries.retries` more times with backoff, as long as the next attempt still starts
   * within `kind`'s time limit from the first (a call that hung until its limit is not retried:
   * the app is not answering, and the run should say so rather than wait several limits).
   */
  async function withRetries<T>(kind: ConnectorCallKind, fn: (c: Connector) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + limits[kind];
    for (let attempt = 0; ; attempt++) {
      try {
        return await withAuth(fn);
      } catch (e) {
        const wait = transientBackoffMs(attempt, retries.baseMs);
        if (reasonOf(e) !== 'unavailable' || attempt >= retries.retries || within(signal)?.aborted || Date.now() + wait >= deadline) throw e;
        await pause(wait, within(signal));
        if (within(signal)?.aborted) throw e;
      }
    }
  }

  /**
   * Runs `fn`; on an auth error reopens the connector (which reads the refreshed credential) and
   * retries that request once. Once per request, not per run: a long run may outlive several tokens,
   * while a credential that is refused right after a refresh is really wrong and fails the request.
   */
  async function withAuth<T>(fn: (c: Connector) => Promise<T>): Promise<T> {
    try {
      return await fn(conn());
    } catch (e) {
      if (reasonOf(e) !== 'auth') throw rateLimitedOr(brokenBy(e));
    }
    reopen();
    try {
      return await fn(conn());
    } catch (e) {
      throw rateLimitedOr(brokenBy(e));
    }
  }
  /** A refused credential: the connector is closed (for every user of the pool) and a new one reads the credential again. */
  function reopen(): void {
    dropConnector();
  }

  type Described = Awaited<ReturnType<Connector['describe']>>;
  let lists: Promise<ReadonlySet<string>> | null = null;
  const listsOf = (d: Described): ReadonlySet<string> =>
    new Set(d.collections.find((c) => c.name === opts.collection)?.fields.filter((f) => f.type === 'set' || f.type === 'json').map((f) => f.name) ?? []);
  const describe = async (): Promise<Described> => {
    const d = await withRetries('describe', call('describe', (c, signal) => c.describe({ signal })));
    lists = Promise.resolve(listsOf(d));
    return d;
  };

  return {
    ...opts,
    /** Ops per write call: the connector's declared batch size. */
    writeBatch: Math.max(1, opts.capabilities.writeBatch ?? WRITE_CHUNK),
    get connector(): Connector {
      return conn();
    },
    /** The time limits this side's calls run under. */
    limits,
    describe,
    /**
     * The collection's fields that hold a list (described as `set` or `json`), for writes to hand
     * a set to them as an array (`fromCanonical`). From the side's last describe, else one now; a
     * describe that fails leaves every set as text, as before.
     */
    listFields(): Promise<ReadonlySet<string>> {
      lists ??= describe().then(listsOf, () => new Set<string>());
      return lists;
    },
    /** Throws ConnectorError 'read-only' when the app cannot be written at all (a no-op for a connector that cannot tell). */
    async checkWritable(): Promise<void> {
      if (!conn().checkWritable) return;
      await withRetries('test', call('test', async (c, signal) => c.checkWritable?.(opts.collection, { signal })));
    },
    /** Flag mode: marks these records synced (a no-op for a connector without flags). */
    async clearFlags(records: { id: string; version?: string }[]): Promise<void> {
      if (!conn().clearFlags) return;
      await withRetries('clearFlags', call('clearFlags', async (c, signal) => c.clearFlags?.(opts.collection, records, { signal })));
    },
    get canClearFlags(): boolean {
      return typeof conn().clearFlags === 'function';
    },
    async readChanges(cursor: Cursor | null, full: boolean, signal: AbortSignal | undefined, onBatch: (n: number, total: number | null) => void): Promise<SideRead> {
      const mode: ChangeDetection = full && opts.capabilities.changeDetection.includes('hash') ? 'hash' : opts.mode;
      const out: SideRead = { upserts: new Map(), deletes: new Set(), cursor, complete: false, total: null };
      // A read that broke starts again from the cursor (withRetries): what it gathered goes.
      await withRetries('changes', async (c) => {
        out.upserts.clear();
        out.deletes.clear();
        out.cursor = cursor;
        for await (const batch of pages(c, full ? null : cursor, mode, signal)) {
          // A turn of the event loop per batch: requests (Cancel, the UI) are answered during long reads.
          await yieldToEventLoop();
          if (within(signal)?.aborted) throw new Error('cancelled');
          for (const r of batch.upserts) {
            out.upserts.set(r.id, r);
            out.deletes.delete(r.id);
          }
          for (const id of batch.deletes) {
            out.deletes.add(id);
            out.upserts.delete(id);
          }
          // A full hash scan of a cursor/flag/token side leaves that side's own cursor where it was.
          if (mode === opts.mode) out.cursor = batch.cursor;
          // A hash scan lists every record, and so does a first flag read (the connector says which);
          // a later flag read's last batch is merely the end of the flagged rows.
          if (batch.complete && (mode === 'hash' || mode === 'flag')) out.complete = true;
          // A listing the connector fell back to (an expired token): complete when it ends complete.
          if (batch.complete && batch.rescan) out.complete = true;
          if (batch.total !== undefined) out.total = batch.total;
          onBatch(batch.upserts.length + batch.deletes.length, out.total);
        }
      }, signal);
      // A read from no cursor lists every record, so once it ends absence means deleted — except a
      // flag read, which lists only the flagged records even when it is a full resync (PITFALLS 4).
      if ((full || cursor === null) && mode !== 'flag') out.complete = true;
      return out;
    },
    /**
     * The run's read, one batch at a time (the caller processes each before the next is read). A
     * 401 mid-read reopens the connection and starts the read again from the same cursor, once; a
     * network error or a 5xx ('unavailable') does the same after a backoff, up to
     * `retries.retries` times: records an earlier pass delivered come again (harmless: they equal
     * their base now) but are not counted twice. `end` is filled in when the read has ended.
     */
    async *stream(cursor: Cursor | null, full: boolean, signal: AbortSignal, end: StreamEnd): AsyncGenerator<StreamBatch> {
      const mode: ChangeDetection = full && opts.capabilities.changeDetection.includes('hash') ? 'hash' : opts.mode;
      end.cursor = cursor;
      end.complete = false;
      end.rescanned = false;
      let delivered = 0;
      let reauthorized = false;
      let transient = 0;
      for (;;) {
        let inPass = 0;
        // A fallback listing (`rescan`) counts as a full scan only when every batch from its first
        // to the end of the read is part of it: a batch outside it was not marked seen.
        let rescan: 'no' | 'listing' | 'broken' = 'no';
        end.rescanned = false;
        try {
          for await (const batch of pages(conn(), full ? null : cursor, mode, signal)) {
            // A turn of the event loop per batch: requests (Cancel, the UI) are answered during long reads.
            await yieldToEventLoop();
            if (signal.aborted) throw new Error('cancelled');
            const n = batch.upserts.length + batch.deletes.length;
            const counted = Math.max(0, inPass + n - Math.max(inPass, delivered));
            inPass += n;
            // A full hash scan of a cursor/flag/token side leaves that side's own cursor where it was.
            if (mode === opts.mode) end.cursor = batch.cursor;
            // A hash scan lists every record, and so does a first flag read (the connector says which);
            // a later flag read's last batch is merely the end of the flagged rows.
            if (batch.complete && (mode === 'hash' || mode === 'flag')) end.complete = true;
            if (batch.total !== undefined) end.total = batch.total;
            const listing = batch.rescan === true && mode === opts.mode;
            if (listing && rescan === 'no') rescan = 'listing';
            else if (!listing && rescan === 'listing') rescan = 'broken';
            end.rescanned = listing && rescan === 'listing' && batch.complete === true;
            yield { upserts: batch.upserts, deletes: batch.deletes, counted, total: end.total, ...(listing ? { rescan: true } : {}) };
          }
          if (end.rescanned) end.complete = true;
          break;
        } catch (e) {
          const reason = reasonOf(e);
          if (reason === 'auth' && !reauthorized) reauthorized = true;
          else if (reason === 'unavailable' && transient < retries.retries && !signal.aborted) {
            dropConnector();
            await pause(transientBackoffMs(transient++, retries.baseMs), signal);
            if (signal.aborted) throw e;
          } else throw rateLimitedOr(brokenBy(e));
          delivered = Math.max(delivered, inPass);
          reopen();
        }
      }
      // A read from no cursor lists every record, so once it ends absence means deleted — except a
      // flag read, which lists only the flagged records even when it is a full resync (PITFALLS 4).
      if ((full || cursor === null) && mode !== 'flag') end.complete = true;
    },
    async readByIds(ids: string[]): Promise<Map<string, AppRecord>> {
      const out = new Map<string, AppRecord>();
      // As many ids per call as the connector takes (an API's URL or filter limit).
      for (let i = 0; i < ids.length; i += idsPerRead) {
        const chunk = ids.slice(i, i + idsPerRead);
        const recs = await withRetries('read', call('read', (c, signal) => c.read(opts.collection, chunk, { signal })));
        for (const r of recs) out.set(r.id, r);
      }
      return out;
    },
    /** Writes ops in chunks; a chunk's auth-failed ops are retried once after a reopen, its updates and deletes lost to the network a few times. */
    async write(ops: WriteOp[], onResults: (from: number, results: WriteResult[]) => void): Promise<void> {
      const size = Math.max(1, opts.capabilities.writeBatch ?? WRITE_CHUNK);
      for (let i = 0; i < ops.length; i += size) {
        // Local connectors work synchronously: without a turn of the event loop between chunks the
        // server would answer nothing (not even Cancel) until the whole run is written.
        if (i > 0) await yieldToEventLoop();
        const chunk = ops.slice(i, i + size);
        let results = await withAuth(call('write', (c, signal) => c.write(opts.collection, chunk, { signal })));
        if (results.length !== chunk.length) {
          results = chunk.map((_, j) => results[j] ?? { ok: false, error: `${opts.label} gave no result for this write.`, reason: 'unavailable' });
        }
        const authFailed = results.map((r, j) => (!r.ok && r.reason === 'auth' ? j : -1)).filter((j) => j >= 0);
        if (authFailed.length > 0) {
          reopen();
          const retried = await withAuth(call('write', (c, signal) => c.write(opts.collection, authFailed.map((j) => chunk[j] as WriteOp), { signal })));
          authFailed.forEach((j, k) => {
            results[j] = retried[k] ?? results[j] ?? { ok: false, error: 'no result', reason: 'unavailable' };
          });
        }
        // An update or delete lost to the network is sent again (a second update meets the version
        // check, a second delete finds the record gone); a create is not — the app may hold it, and
        // the journal looks it up before it is ever repeated (PITFALLS 15).
        for (let attempt = 0; attempt < retries.retries; attempt++) {
          const again = results.map((r, j) => (!r.ok && r.reason === 'unavailable' && chunk[j]?.op !== 'create' ? j : -1)).filter((j) => j >= 0);
          if (again.length === 0 || opts.signal?.aborted) break;
          await pause(transientBackoffMs(attempt, retries.baseMs), opts.signal);
          let retried: WriteResult[];
          try {
            retried = await withAuth(call('write', (c, signal) => c.write(opts.collection, again.map((j) => chunk[j] as WriteOp), { signal })));
          } catch {
            break; // the first answers stand: those ops fail as they did
          }
          again.forEach((j, k) => {
            const op = chunk[j] as WriteOp;
            const r = retried[k];
            // The delete lost to the network had landed: the record is gone, as the op wanted.
            results[j] = r && !r.ok && r.reason === 'not-found' && op.op === 'delete' ? { ok: true, id: op.id } : (r ?? results[j] ?? { ok: false, error: 'no result', reason: 'unavailable' });
          });
        }
        onResults(i, results);
        const limited = results.find((r) => !r.ok && r.reason === 'rate-limited');
        if (limited && !limited.ok) {
          throw new RateLimited(opts.side, limited.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS, `${opts.label} asked Concord to slow down (rate limit): ${limited.error}`);
        }
      }
    },
    /** Returns the connector to the pool (it stays open for the next user). */
    async close(): Promise<void> {
      lease?.release();
      lease = null;
    },
  };
}
