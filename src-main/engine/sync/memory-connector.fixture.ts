/**
 * TEST FIXTURE, not a shipped connector: an in-memory app with a native change feed (a sync token,
 * like CardDAV's) that reports deletes. It exercises the engine's `token` change-detection path,
 * which no shipped connector in this checkout offers yet. In 'capture' mode it reads the same way
 * and signals each change to its listeners (`listen`), as PostgreSQL's LISTEN does, so the
 * engine's change feeds (sync/feeds.ts) can be tested without a server.
 */
import { z } from 'zod';
import type { AppRecord, ChangeBatch, ChangeEvent, ChangesOptions, Connector, ConnectorDefinition, Cursor, ListenOptions, WriteResult } from '../connectors/types';

type Feed = { onChange: (event: ChangeEvent) => void; options: ListenOptions };

type Row = { id: string; rev: number; seq: number; fields: Record<string, unknown> };

export class MemoryAppFixture {
  rows = new Map<string, Row>();
  tombstones = new Map<string, number>(); // id → seq of its delete
  seq = 0;
  nextId = 1;
  readonly fieldNames: string[];
  /** Listeners now (one per connector that listens). */
  readonly feeds = new Set<Feed>();
  /** True: changes are not signalled (a notification lost while a feed was down). */
  silent = false;
  /** While set, every `changes` read waits for it (a run held mid-read); `reading` counts reads that started. */
  gate: Promise<void> | null = null;
  reading = 0;
  /** Tokens up to this sequence number are refused (`forgetTokens`): a read from one lists everything again, marked `rescan`. */
  tokenFloor = 0;
  /** Records per batch of such a listing. */
  pageSize = Number.MAX_SAFE_INTEGER;
  /**
   * The next listing is cut short after this many batches: 'throw' (the network went away, the
   * read fails) or 'end' (a connector that stops without its last batch, `complete` never said).
   */
  cut: { after: number; how: 'throw' | 'end' } | null = null;
  private collection = 'people';
  constructor(fieldNames: string[]) {
    this.fieldNames = fieldNames;
  }
  /** A user (or Concord) changing the app: every change gets the next sequence number. */
  put(id: string | null, fields: Record<string, unknown>): string {
    const key = id ?? `m${this.nextId++}`;
    const old = this.rows.get(key);
    this.rows.set(key, { id: key, rev: (old?.rev ?? 0) + 1, seq: ++this.seq, fields: { ...(old?.fields ?? {}), ...fields } });
    this.tombstones.delete(key);
    this.signal();
    return key;
  }
  remove(id: string): boolean {
    if (!this.rows.delete(id)) return false;
    this.tombstones.set(id, ++this.seq);
    this.signal();
    return true;
  }
  private signal(): void {
    if (this.silent) return;
    for (const f of this.feeds) f.onChange({ collection: this.collection, seq: String(this.seq) });
  }
  /** Every feed loses its connection and gets it back (what it would have been told meanwhile is gone). */
  reconnect(error = 'the connection was reset (test)'): void {
    for (const f of this.feeds) f.options.onState?.('reconnecting', error);
    for (const f of this.feeds) f.options.onState?.('listening');
  }
  /** The app forgets every token it gave so far (expired, history pruned). */
  forgetTokens(): void {
    this.tokenFloor = this.seq;
  }
  /** Every record again, in pages, each marked `rescan`, the last `complete` with the new token; earlier pages keep the old cursor. */
  private *relist(cursor: Cursor | null, mode: ChangesOptions['mode']): Generator<ChangeBatch> {
    const all = [...this.rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    // A token of its own (the next sequence number): every token given before the app forgot them stays refused.
    const top = ++this.seq;
    const pages = Math.max(1, Math.ceil(all.length / this.pageSize));
    const cut = this.cut;
    this.cut = null;
    for (let p = 0; p < pages; p++) {
      if (cut && p === cut.after) {
        if (cut.how === 'throw') throw new Error('the connection was reset mid-listing (test)');
        return;
      }
      const last = p === pages - 1;
      const upserts = all.slice(p * this.pageSize, (p + 1) * this.pageSize).map((r) => this.record(r));
      yield { upserts, deletes: [], cursor: last ? { mode, value: top } : (cursor ?? { mode, value: 0 }), rescan: true, ...(last ? { complete: true } : {}) };
    }
  }
  private record(r: Row): AppRecord {
    return { id: r.id, version: String(r.rev), fields: { ...r.fields } };
  }
  connector(collection = 'people'): Connector {
    this.collection = collection;
    return {
      describe: async () => ({ collections: [{ name: collection, fields: this.fieldNames.map((name) => ({ name, type: 'string' as const, nullable: true })), primaryKey: ['id'], changeDetection: ['token', 'hash', 'capture'] }] }),
      test: async () => undefined,
      changes: async function* (this: MemoryAppFixture, _c: string, cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch> {
        this.reading++;
        if (this.gate) await this.gate;
        const since = (options.mode === 'token' || options.mode === 'capture') && cursor ? Number(cursor.value) : 0;
        if (options.mode === 'token' && cursor && since <= this.tokenFloor) {
          yield* this.relist(cursor, options.mode);
          return;
        }
        const upserts = [...this.rows.values()].filter((r) => r.seq > since).map((r) => this.record(r));
        const deletes = since === 0 ? [] : [...this.tombstones].filter(([, s]) => s > since).map(([id]) => id);
        yield { upserts, deletes, cursor: { mode: options.mode, value: this.seq }, complete: options.mode === 'hash' };
      }.bind(this),
      read: async (_c, ids) => ids.flatMap((id) => (this.rows.has(id) ? [this.record(this.rows.get(id) as Row)] : [])),
      write: async (_c, ops) =>
        ops.map((op): WriteResult => {
          if (op.op === 'create') return { ok: true, id: this.put(null, op.fields), version: '1' };
          const cur = this.rows.get(op.id);
          if (!cur) return { ok: false, error: `record ${op.id} not found`, reason: 'not-found' };
          if (op.ifVersion !== undefined && op.ifVersion !== String(cur.rev)) return { ok: false, error: 'the record changed since it was read', reason: 'stale' };
          if (op.op === 'delete') {
            this.remove(op.id);
            return { ok: true, id: op.id };
          }
          this.put(op.id, op.fields);
          return { ok: true, id: op.id, version: String(cur.rev + 1) };
        }),
      listen: (onChange, signal, options = {}) =>
        new Promise<void>((resolve) => {
          const feed: Feed = { onChange, options };
          const end = () => {
            this.feeds.delete(feed);
            resolve();
          };
          if (signal.aborted) return end();
          this.feeds.add(feed);
          signal.addEventListener('abort', end, { once: true });
          options.onState?.('listening');
        }),
      close: async () => undefined,
    };
  }
  definition(): ConnectorDefinition {
    return {
      kind: 'memory-fixture',
      label: 'In-memory app (test fixture)',
      description: 'Test fixture with a sync-token change feed.',
      configSchema: z.object({}),
      capabilities: { changeDetection: ['token', 'hash', 'capture'], realtime: 'notify', deletes: 'reported', optimisticWrites: true },
      create: () => this.connector(),
    };
  }
}
