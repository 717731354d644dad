/**
 * Connectors stay open (issue 10, the connector kit). A connector is opened once per connection
 * and side and lent to every user that needs it — runs, retries, resolutions, restores, bulk jobs,
 * previews, pair validation — instead of being opened and closed by each (a server connection
 * costs a TCP and TLS handshake and a login; a SQL pool is worth keeping warm).
 *
 * Lifecycle of one pooled connector:
 * - opened by the first `acquire` for its key (connection id + side), lent to every later one;
 * - closed once it has been idle (no lease) for `idleMs`;
 * - retired by `discard` (a network error, a time-out, a refused credential): no new lease gets
 *   it, and it is closed as soon as its last lease is released — the next acquire opens a new
 *   one, which reads the credential again;
 * - retired by `invalidate(connectionId)` when the connection's config or secret changes or the
 *   connection is deleted;
 * - closed by `close()` when the engine stops (its calls were aborted by the shutdown signal first).
 *
 * Leases of one connector overlap (a run and a resolution at once): connectors/types.ts says what
 * a connector must tolerate for that.
 */
import type { ConnectorCapabilities, Side } from '../api/model';
import type { Connector } from '../connectors/types';
import { realClock, requestBudget, type Clock, type RequestBudget } from './request-budget';

export const DEFAULT_IDLE_MS = 5 * 60_000;

export type ConnectorLease = {
  readonly connector: Connector;
  /** Done with it for now: the connector stays open for the next user (or until it idles out). Idempotent. */
  release(): void;
  /** The connector is broken (a network error, a refused credential): close it, and release this lease. Idempotent. */
  discard(): void;
  /**
   * Aborts once the connector is retired (discarded by any lease, its connection changed or
   * deleted) or the pool closes: a long holder (a change feed's listener) lets go then, and
   * acquires again to get a connector with the new settings.
   */
  readonly retired: AbortSignal;
};

export type ConnectorPool = {
  acquire(connectionId: string, side: Side): ConnectorLease;
  /** The connection changed (config, secret) or was deleted: its connectors are closed once their leases end. */
  invalidate(connectionId: string): Promise<void>;
  /** Closes every connector, leased or not (the engine is stopping); later acquires fail. */
  close(): Promise<void>;
  /** The connection's request budget (its capabilities' rate limit), shared by both sides and every user. */
  budget(connectionId: string, capabilities: ConnectorCapabilities): RequestBudget;
  /** Open connectors, for tests and diagnostics. */
  size(): number;
};

type Entry = { key: string; connectionId: string; connector: Connector; users: number; retired: boolean; retiring: AbortController; closed: Promise<void> | null; idle: NodeJS.Timeout | null };

const retiredReason = () => new DOMException('The connector was retired.', 'AbortError');

export function createConnectorPool(options: { open: (connectionId: string) => Connector; idleMs?: number; log?: (message: string, error?: unknown) => void; clock?: Clock }): ConnectorPool {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const budgets = new Map<string, RequestBudget>();
  const entries = new Map<string, Entry>();
  /** Every connector not yet closed, pooled or retired-but-leased (so shutdown closes them all). */
  const live = new Set<Entry>();
  let stopped = false;

  const closeEntry = (e: Entry): Promise<void> => {
    if (e.idle) clearTimeout(e.idle);
    e.idle = null;
    if (entries.get(e.key) === e) entries.delete(e.key);
    e.retiring.abort(retiredReason());
    e.closed ??= e.connector.close().then(
      () => undefined,
      (error: unknown) => options.log?.(`closing a connector of connection ${e.connectionId} failed`, error),
    );
    live.delete(e);
    return e.closed;
  };

  const retire = (e: Entry): Promise<void> => {
    e.retired = true;
    e.retiring.abort(retiredReason());
    if (entries.get(e.key) === e) entries.delete(e.key);
    return e.users === 0 ? closeEntry(e) : Promise.resolve();
  };

  const release = (e: Entry) => {
    e.users--;
    if (e.users > 0) return;
    if (e.retired || stopped) {
      void closeEntry(e);
      return;
    }
    e.idle = setTimeout(() => void closeEntry(e), idleMs);
    e.idle.unref?.();
  };

  return {
    acquire(connectionId, side) {
      if (stopped) throw new Error('Concord is stopping: no connector is opened any more.');
      const key = `${connectionId}\u0000${side}`;
      let e = entries.get(key);
      if (!e) {
        e = { key, connectionId, connector: options.open(connectionId), users: 0, retired: false, retiring: new AbortController(), closed: null, idle: null };
        entries.set(key, e);
        live.add(e);
      }
      if (e.idle) clearTimeout(e.idle);
      e.idle = null;
      e.users++;
      const entry = e;
      let done = false;
      return {
        connector: entry.connector,
        retired: entry.retiring.signal,
        release() {
          if (done) return;
          done = true;
          release(entry);
        },
        discard() {
          if (done) return;
          done = true;
          entry.retired = true;
          entry.retiring.abort(retiredReason());
          if (entries.get(entry.key) === entry) entries.delete(entry.key);
          release(entry);
        },
      };
    },
    budget(connectionId, capabilities) {
      let b = budgets.get(connectionId);
      if (!b) {
        b = requestBudget(capabilities, options.clock ?? realClock);
        budgets.set(connectionId, b);
      }
      return b;
    },
    async invalidate(connectionId) {
      budgets.delete(connectionId);
      await Promise.all([...live].filter((e) => e.connectionId === connectionId).map(retire));
    },
    async close() {
      stopped = true;
      await Promise.all([...live].map(closeEntry));
    },
    size: () => live.size,
  };
}
