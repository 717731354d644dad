/**
 * The CardDAV connector: each address book the server shows the user is a collection, named by
 * its path on the server (`/alice/contacts/`). Change detection:
 * - token mode: RFC 6578 sync-collection from the stored token; changed cards are fetched with
 *   addressbook-multiget in batches, deleted ones reported as deletes. Only the last batch carries
 *   the new token (an earlier one keeps the token the read started from: re-reading is harmless,
 *   skipping is not). A token the server no longer accepts falls back to a full listing from an
 *   empty token: every batch of it says `rescan` and its last `complete`, so the engine marks the
 *   cards it lists seen and takes a linked card it did not list for deleted (ChangeBatch.rescan).
 * - hash mode: PROPFIND lists every card with its ETag; the cards come by multiget in batches;
 *   the engine compares each with its base (ETag as the version, plus its content hash).
 * Its change feed polls each book's sync token and CTag (feed.ts), for either mode.
 */
import type { CollectionInfo } from '../../api/model';
import { ConnectorError } from '../errors';
import { throwIfAborted, type AppRecord, type ChangeBatch, type ChangesOptions, type Connector, type Cursor, type SecretHandle } from '../types';
import { bookClient, InvalidSyncTokenError, type BookClient, type CardRef } from './client';
import type { CardDavConfig } from './config';
import { discoverAddressBooks } from './discover';
import { davHttp } from './http';
import { badName, cardFields, ID_FIELD, toRecord } from './records';
import { cardWriter } from './write';
import { ownCardWrites, pollBooks } from './feed';

const DEFAULT_BATCH = 100;
/** The most cards one multiget asks for, whatever the engine's page size. */
const MAX_MULTIGET = 500;

type TokenCursor = { mode: 'token'; value: { token: string } | null };
const tokenCursor = (token: string | null): TokenCursor => ({ mode: 'token', value: token === null ? null : { token } });
const storedToken = (cursor: Cursor | null): string | null => {
  const v = cursor?.mode === 'token' ? cursor.value : null;
  return v && typeof v === 'object' && 'token' in v && typeof v.token === 'string' ? v.token : null;
};

/** Test seam: called after each round of the change feed's polls. */
export type CardDavFeedHooks = { polled?: () => void };

export function createCardDavConnector(config: CardDavConfig, secret: SecretHandle, hooks: CardDavFeedHooks = {}): Connector {
  const http = davHttp({ kind: config.auth ?? 'basic', username: config.username ?? '', secret });
  const clients = new Map<string, BookClient>();
  /** Concord's own writes, which the change feed tells apart from others' (feed.ts). */
  const own = ownCardWrites();
  let closed = false;

  /** The book's client; a collection is a path on the configured server, or a book's whole URL on another host (discover.ts). */
  const book = (collection: string): BookClient => {
    if (closed) throw new ConnectorError('unavailable', 'This CardDAV connection was closed.');
    let c = clients.get(collection);
    if (!c) {
      // Never `//host/…`: a path must not carry the credentials to a host the server did not name.
      const isPath = collection.startsWith('/') && !collection.startsWith('//');
      if (!isPath && !/^https?:\/\//i.test(collection)) throw new ConnectorError('not-found', `“${collection}” is not an address book of this CardDAV server — choose one from the list.`);
      const url = new URL(collection, config.serverUrl).toString();
      c = bookClient(http, url.endsWith('/') ? url : `${url}/`);
      clients.set(collection, c);
    }
    return c;
  };

  const fetchRecords = async (c: BookClient, collection: string, names: string[], signal: AbortSignal | undefined): Promise<AppRecord[]> =>
    (await c.multiget(names, signal)).map((card) => toRecord(card, collection));

  async function* hashScan(collection: string, size: number, signal: AbortSignal): AsyncGenerator<ChangeBatch> {
    const c = book(collection);
    const refs = await c.list(signal);
    const cursor: Cursor = { mode: 'hash', value: null };
    if (refs.length === 0) {
      yield { upserts: [], deletes: [], cursor, total: 0, complete: true };
      return;
    }
    for (let i = 0; i < refs.length; i += size) {
      throwIfAborted(signal);
      const upserts = await fetchRecords(c, collection, refs.slice(i, i + size).map((r) => r.name), signal);
      yield { upserts, deletes: [], cursor, total: refs.length, ...(i + size >= refs.length ? { complete: true } : {}) };
    }
  }

  async function* tokenRead(collection: string, from: string | null, size: number, signal: AbortSignal): AsyncGenerator<ChangeBatch> {
    const c = book(collection);
    let token = from;
    let rescan = false;
    for (;;) {
      throwIfAborted(signal);
      let sync;
      try {
        sync = await c.sync(token ?? '', signal);
      } catch (error) {
        if (!(error instanceof InvalidSyncTokenError) || token === null) throw error;
        // The server forgot the token (expired, or its history was pruned): list everything again.
        token = null;
        rescan = true;
        continue;
      }
      const changed: CardRef[] = sync.changed;
      // Deletes since a token are reported; a listing from no token has none to report.
      const deletes = token === null ? [] : sync.deleted;
      const last = !sync.truncated;
      // Until the last batch of the last round, the cursor stays where this round started.
      const before = tokenCursor(token);
      const pages = Math.max(1, Math.ceil(changed.length / size));
      for (let p = 0; p < pages; p++) {
        throwIfAborted(signal);
        const upserts = await fetchRecords(c, collection, changed.slice(p * size, (p + 1) * size).map((r) => r.name), signal);
        const end = p === pages - 1;
        // Every batch of the fallback listing says so (`rescan`), its last one `complete` too.
        yield { upserts, deletes: p === 0 ? deletes : [], cursor: end ? tokenCursor(sync.token) : before, ...(rescan ? { rescan: true } : {}), ...(end && last && rescan ? { complete: true } : {}) };
      }
      if (last) return;
      token = sync.token;
    }
  }

  return {
    async describe(options) {
      const books = await discoverAddressBooks(http, config.serverUrl, options?.signal);
      const collections: CollectionInfo[] = books.map((b) => ({
        name: b.path,
        fields: cardFields,
        primaryKey: [ID_FIELD],
        changeDetection: b.syncCollection ? ['token', 'hash'] : ['hash'],
      }));
      return { collections };
    },

    async test(options) {
      const books = await discoverAddressBooks(http, config.serverUrl, options?.signal);
      if (books.length === 0) {
        throw new ConnectorError('not-found', `The CardDAV server at ${new URL(config.serverUrl).host} shows no address book to ${config.username ? `“${config.username}”` : 'this login'} — create one in your contacts app, or give an address book’s own URL.`);
      }
    },

    changes(collection: string, cursor: Cursor | null, options: ChangesOptions): AsyncIterable<ChangeBatch> {
      const size = Math.max(1, Math.min(options.batchSize ?? DEFAULT_BATCH, MAX_MULTIGET));
      if (options.mode === 'hash') return hashScan(collection, size, options.signal);
      if (options.mode === 'token') return tokenRead(collection, storedToken(cursor), size, options.signal);
      throw new ConnectorError('config', `A CardDAV address book detects changes by sync token or by hash, not by "${options.mode}" — choose one of those in the pair's settings.`);
    },

    async read(collection, ids, options) {
      const names = ids.filter((id) => badName(id) === null);
      const out: AppRecord[] = [];
      for (let i = 0; i < names.length; i += MAX_MULTIGET) {
        throwIfAborted(options?.signal);
        out.push(...(await fetchRecords(book(collection), collection, names.slice(i, i + MAX_MULTIGET), options?.signal)));
      }
      return out;
    },

    async write(collection, ops, options) {
      const c = book(collection);
      own.begin(collection);
      try {
        const results = await cardWriter(c, collection)(ops, options?.signal);
        results.forEach((r, i) => {
          if (r.ok) own.note(collection, r.id, ops[i]?.op === 'delete' ? null : r.version);
        });
        return results;
      } finally {
        own.end(collection);
      }
    },

    listen(onChange, signal, options) {
      const discover = async (s: AbortSignal) => (await discoverAddressBooks(http, config.serverUrl, s)).map((b) => b.path);
      return pollBooks({ discover, used: () => [...clients.keys()], client: book, own, ...(hooks.polled ? { polled: hooks.polled } : {}) }, onChange, signal, options);
    },

    async close() {
      closed = true;
      clients.clear();
    },
  };
}
