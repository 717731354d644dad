/**
 * The connector interface. A connector only talks to its app: it reads changes, reads by id and
 * writes batches. The engine owns retries, paging decisions, cursors, rate limits and journaling.
 * One conformance suite (`conformance.ts`) runs against every connector.
 */
import type { CapturePlan, CollectionInfo, ConfigValue, ConnectorCapabilities, ConnectorPreset, ChangeDetection, LeftOutCollection } from '../api/model';

export type { CapturePlan };
import type { ConfigSchema } from './config-schema';

/** A record as a connector sees it: the app's own id, a version if the app has one, raw fields. */
export type AppRecord = {
  id: string;
  /** etag / row version / content hash: whatever lets the engine detect a stale write. */
  version?: string;
  /** The app's own last-modified time, ISO 8601 in UTC, when it has one. Never the local clock. */
  updatedAt?: string;
  fields: Record<string, unknown>;
};

/**
 * Where change detection resumes. Opaque to the engine except that it is JSON and is stored
 * only in the transaction that commits the last record before it.
 * cursor mode: { ts, id } compound key; token mode: the app's token; hash/flag: null or a scan marker;
 * capture mode: the change table's position (null while a first read still lists every row).
 */
export type Cursor = { mode: ChangeDetection; value: unknown };

export type ChangeBatch = {
  upserts: AppRecord[];
  /** Ids deleted since the cursor (connectors with `deletes: 'reported'`). */
  deletes: string[];
  /** The cursor after this batch: safe to store once every record in it is processed. */
  cursor: Cursor;
  /**
   * True on the last batch of a read that listed every record, so the engine may infer deletes by
   * absence: a hash scan, and a flag read from a null cursor (a first sync must see the records
   * that exist unflagged, not only the flagged ones). Never on a cursor read, nor on a flag read
   * from a stored cursor, which list changed records only.
   */
  complete?: boolean;
  /**
   * True on every batch of a read that lists the whole collection again although the engine gave
   * a cursor: a sync token or capture position the app no longer accepts (expired, pruned, a
   * change table made again), so the changes since it — deletes included — are known nowhere.
   * Every batch from the first such batch to the end of the read says so, and the last says
   * `complete` too. The engine then marks each record of these batches seen and, once the read has
   * ended complete, takes a linked record it did not see for deleted (the mass-delete guard counts
   * them as usual); a read that ends early or without `complete` infers no delete. Deletes the
   * batches report are taken as reported.
   */
  rescan?: boolean;
  /** Total records in the collection when cheaply known (for progress bars). */
  total?: number;
  /**
   * Cursor mode: ids in this batch whose last-modified time is later than the app's own "now"
   * (a clock set wrong, a typo, a local time read in the wrong zone). They are delivered like any
   * other upsert, but the cursor never moves past the app's "now" on their account, so rows the
   * app writes later with a correct clock are still read; they come back on every read until the
   * app's clock reaches them. Absent or empty when there are none. The run can say so ("3 records
   * in CRM are stamped in the future — check the app's clock or the connection's time zone").
   */
  futureStamped?: string[];
};

export type WriteOp =
  | { op: 'create'; fields: Record<string, unknown>; /** Concord's idempotency key for this create. */ key: string }
  | { op: 'update'; id: string; fields: Record<string, unknown>; /** Expected version (stale-write check). */ ifVersion?: string }
  | { op: 'delete'; id: string; ifVersion?: string };

/** One result per op, in order; never all-or-nothing. */
export type WriteResult =
  | {
      ok: true;
      id: string;
      version?: string;
      updatedAt?: string;
      /**
       * Cursor mode: where the written record now sorts in the connector's change order (for SQL
       * tables its normalised last-modified time), as text that sorts in that order. Opaque to the
       * engine, which hands it back through `ChangesOptions.ownWrites` so the next read can leave
       * out the record while it still sorts there: a change the app makes moves it.
       */
      stamp?: string;
    }
  | {
      ok: false;
      error: string;
      /** 'stale': the record changed since ifVersion; 'rate-limited': pause the side; 'auth': refresh once. */
      reason?: 'stale' | 'not-found' | 'rate-limited' | 'auth' | 'invalid' | 'unavailable';
      retryAfterMs?: number;
    };

/**
 * What every connector call takes last. `signal` is the engine's: it aborts on Cancel, on engine
 * shutdown and when the call's time limit passes. A connector passes it to its network calls
 * (fetch, a driver's cancel) and checks it between pages and batches; once it aborts, the call
 * rejects promptly with `signal.reason` (or an AbortError). The engine also stops waiting on its
 * own when the signal aborts, and closes a connector whose call it abandoned (see pool.ts).
 */
export type CallOptions = { signal?: AbortSignal };

/** Throws the signal's reason (an Error) when it has aborted: for connectors, between pages and batches. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');
}

export type ChangesOptions = CallOptions & {
  mode: ChangeDetection;
  signal: AbortSignal;
  /** Preferred page size. */
  batchSize?: number;
  /** Cursor mode: seconds to look back behind the cursor's timestamp (clock skew, late commits). */
  lookBackSeconds?: number;
  /**
   * Cursor mode: the records Concord itself wrote that still hold what it wrote, each with the
   * `stamp` its write returned, from `since` (a stamp, inclusive) in (stamp, id) order after
   * `after`, at most `limit` at a time. A connector may leave out of the read a record that still
   * sorts at exactly that stamp — Concord's own write, which the next run must not read in full
   * (a first sync's writes would otherwise be read back once: 750k records at 1M). It may do so
   * only where its stamps are fine enough that an edit by the app cannot keep the stamp (SQLite:
   * only stamps with milliseconds; PostgreSQL and MySQL: per column, `sql-table/own-writes.ts`), and it still moves its cursor over the records it left out.
   */
  ownWrites?: OwnWrites;
};

export type OwnWrite = { id: string; stamp: string };
export type OwnWrites = (since: string, after: OwnWrite | null, limit: number) => OwnWrite[];

/**
 * One connector serves one connection and side, and the engine keeps it open between uses
 * (connections/pool.ts): a run, a resolution, a preview and a bulk job may call the same
 * connector at once. So a connector must tolerate concurrent calls — two `read`s, a `read` during
 * a `changes` iteration, a `write` during a `read` — each on its own signal, none sharing
 * per-call state; a connector that cannot run two requests at once queues them itself (one
 * SQLite handle is synchronous, so calls never interleave inside it). It must also survive long
 * idle periods (a server that closed an idle socket is reconnected on the next call, or the call
 * throws ConnectorError 'unavailable' and the engine reopens it) and `close()` at any time.
 */
export interface Connector {
  /** `leftOut`: what the app holds that Concord cannot sync, with why (a table without a primary key). */
  describe(options?: CallOptions): Promise<{ collections: CollectionInfo[]; leftOut?: LeftOutCollection[] }>;
  /** Throws an actionable error (what is wrong and what to do): wrong credentials are ConnectorError 'auth'. */
  test(options?: CallOptions): Promise<void>;
  changes(collection: string, cursor: Cursor | null, options: ChangesOptions): AsyncIterable<ChangeBatch>;
  read(collection: string, ids: string[], options?: CallOptions): Promise<AppRecord[]>;
  /**
   * Aborted mid-batch (the signal), a write either throws before it has written anything, or
   * returns one result per op saying what it did — ops it did not get to fail with reason
   * 'unavailable'. Never a silent partial: the engine journals each op by its result.
   */
  write(collection: string, ops: WriteOp[], options?: CallOptions): Promise<WriteResult[]>;
  /**
   * Flag mode: mark these records synced. Optional: only connectors that support `flag`.
   * A record's flag is cleared only if it still holds `version` (the version the run read, as
   * `AppRecord.version`): an edit the app made after the read keeps its flag, so the next run
   * syncs it instead of losing it. Checked and cleared atomically (one conditional update per
   * record, or one transaction). Without a `version` the flag is cleared whatever the record holds.
   * Ids that no longer exist, or whose version differs, are left alone silently.
   */
  clearFlags?(collection: string, records: { id: string; version?: string }[], options?: CallOptions): Promise<void>;
  /** Capture mode: shows, installs and removes the trigger and change table (connectors with 'capture'). */
  capture?: CaptureControl;
  /**
   * Throws ConnectorError 'read-only' when nothing of `collection` can be written (a file without
   * write permission). Optional: a connector whose app refuses writes per record leaves it out. A
   * run asks before it writes anything, so a read-only app fails the run once, before the other
   * side is half-applied; `write` throws the same error if it meets one mid-run.
   */
  checkWritable?(collection: string, options?: CallOptions): Promise<void>;
  /**
   * A change feed (connectors whose capabilities say `realtime: 'notify'`, or `'poll'`): holds a connection of
   * its own, calls `onChange` for each change the app commits, reconnects after an outage, and
   * resolves once `signal` aborts. A hint to read soon, never the data itself: a read in the
   * side's mode still decides what changed, so a lost signal costs latency, not records.
   */
  listen?(onChange: (event: ChangeEvent) => void, signal: AbortSignal, options?: ListenOptions): Promise<void>;
  close(): Promise<void>;
}

/** One change the app committed, as its feed signals it: the collection and where it sorts (a capture sequence number). */
export type ChangeEvent = { collection: string; seq: string };
/**
 * `onState`: the feed is listening ('listening') or has lost its connection and is retrying ('reconnecting').
 * `pollMs`: how often a polled feed (`realtime: 'poll'`, MySQL) looks for changes.
 */
export type ListenOptions = { onState?: (state: 'listening' | 'reconnecting', error?: string) => void; retryMs?: number; pollMs?: number };

export interface CaptureControl {
  plan(collection: string, options?: CallOptions): Promise<CapturePlan>;
  install(collection: string, installHash: string, options?: CallOptions): Promise<CapturePlan>;
  remove(collection: string, removeHash: string, options?: CallOptions): Promise<CapturePlan>;
}

/** Reads a connection's secret from the credential store when the connector needs it; never stored in config. */
export type SecretReader = () => Promise<string | null>;

/**
 * A connection's secret, behind a handle (credentials/secret-handle.ts). Calling the handle itself
 * is `get()` (what a `SecretReader` did), so connectors written against the reader still work.
 */
export type SecretHandle = SecretReader & {
  /** The secret as stored now (the credential store; the wizard's value for a draft), or null. */
  get(): Promise<string | null>;
  /** Writes a new secret back to the credential store: a rotated password, a new OAuth refresh token. */
  set(value: string): Promise<void>;
  /**
   * Replaces the secret with `fn(current)` and stores it, single-flight per credential: while one
   * refresh runs, every other caller (any connector of this connection) waits for it and gets its
   * result instead of refreshing again. A failed refresh rejects each of its waiters once and
   * stores nothing; the next call tries again.
   */
  refresh(fn: (current: string | null) => Promise<string>): Promise<string>;
};

export type ConnectorContext<Config = Record<string, ConfigValue>> = {
  /** The connection's config (paths, table names, URLs); a declared connector gets it parsed by its schema (`defineConnector`). */
  config: Config;
  secret: SecretHandle;
  /** Folder for the connector's own files, if it needs any. */
  dataDir: string;
};

/**
 * What a connector folder exports: static metadata and capabilities, and a factory. Build it with
 * `defineConnector` (config-check.ts), which hands `create` the config its schema parsed.
 */
export type ConnectorDefinition = {
  kind: string;
  label: string;
  description: string;
  /**
   * The connection's settings as a zod object (config-schema.ts): the engine derives the form,
   * the check with a message per field, and whether the connection keeps a secret from it.
   */
  configSchema: ConfigSchema;
  capabilities: ConnectorCapabilities;
  /** Ready-made configs the wizard offers as starting points (shipped app profiles); each must pass `configSchema`. */
  presets?: readonly ConnectorPreset[];
  /** Takes the config as stored (or as a draft sent it). */
  create(ctx: ConnectorContext): Connector;
};
