/**
 * CardDAV on raw card text: one address book's cards as { href, etag, body }. Listing (PROPFIND
 * getetag), fetching in batches (addressbook-multiget), RFC 6578 sync-collection, and conditional
 * PUT / DELETE. Knows nothing of vCard fields; the connector maps cards to records.
 *
 * A card's name within its book (the last segment of its href, decoded) is its identity here:
 * sync-collection reports deletes by href only, and multiget, PUT and DELETE take hrefs.
 */
import { ConnectorError } from '../errors';
import type { DavHttp } from './http';
import { CARDDAV, DAV, child, esc, foundProp, parseMultistatus, parseXml, type DavResponse } from './xml';

export type CardRef = { name: string; etag: string };
export type Card = CardRef & { body: string };

/** The server no longer knows the sync token (RFC 6578 `valid-sync-token` precondition): read everything again. */
export class InvalidSyncTokenError extends Error {
  constructor(readonly status: number) {
    super(`the CardDAV server no longer accepts the stored sync token (HTTP ${status})`);
    this.name = 'InvalidSyncTokenError';
  }
}

export type SyncResult = { changed: CardRef[]; deleted: string[]; token: string; /** The server sent part of the changes (507): ask again from `token`. */ truncated: boolean };

export type WriteAnswer = { status: number; etag: string | null };

/** What moves whenever a card of the book changes: its RFC 6578 sync token and its CTag (either may be missing). */
export type BookTag = { token: string | null; ctag: string | null };

/** The CalendarServer namespace of `getctag`, which CardDAV servers share. */
const CS = 'http://calendarserver.org/ns/';

const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>';
const NS = `xmlns:D="${DAV}" xmlns:CR="${CARDDAV}"`;

/** The decoded last segment of an href's path (`/alice/book/a%20b.vcf` → `a b.vcf`). */
/**
 * vCard lines end in CR LF (RFC 6350 §3.2), and XML turns a literal CR LF into LF: card text is
 * given CR LF line ends whichever way it came (GET or multiget), so its content hash does not
 * depend on the request that fetched it.
 */
export const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

export type BookClient = ReturnType<typeof bookClient>;

/** `bookUrl` ends with a slash. */
export function bookClient(http: DavHttp, bookUrl: string) {
  const bookPath = decodeURIComponent(new URL(bookUrl).pathname).replace(/\/?$/, '/');
  const urlOf = (name: string): string => new URL(encodeURIComponent(name), bookUrl).toString();
  /** The card's name when `href` is a card directly in this book; null for the book itself, sub-collections and strangers. */
  const nameOf = (href: string): string | null => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(href, bookUrl).pathname);
    } catch {
      return null;
    }
    if (!path.startsWith(bookPath)) return null;
    const rest = path.slice(bookPath.length);
    return rest === '' || rest.includes('/') ? null : rest;
  };

  const unexpected = async (res: Response, what: string, signal: AbortSignal | undefined): Promise<ConnectorError> => {
    const body = (await http.text(res, signal)).slice(0, 300);
    if (res.status === 404) return new ConnectorError('not-found', `The address book ${bookPath} no longer exists on the CardDAV server (HTTP 404) — choose another one in the pair's settings.`);
    if (res.status === 403) return new ConnectorError('auth', `The CardDAV server refused ${what} on ${bookPath} (HTTP 403) — the user may not read or write this address book.`);
    const reason = res.status >= 500 ? 'unavailable' : 'invalid';
    return new ConnectorError(reason, `The CardDAV server answered ${what} on ${bookPath} with HTTP ${res.status} ${res.statusText}${body ? `: ${body}` : ''}`);
  };

  const multistatus = async (res: Response, what: string, signal: AbortSignal | undefined) => {
    if (res.status !== 207) throw await unexpected(res, what, signal);
    const text = await http.text(res, signal);
    try {
      return parseMultistatus(text);
    } catch (error) {
      throw new ConnectorError('invalid', `The CardDAV server's answer to ${what} is not a WebDAV multistatus: ${(error as Error).message}`, { cause: error });
    }
  };

  const etagOf = (r: DavResponse): string | null => foundProp(r, DAV, 'getetag')?.text.trim() || null;

  return {
    bookUrl,
    urlOf,
    nameOf,

    /** The book's sync token and CTag (PROPFIND depth 0 on the book alone: one small answer, whatever the book holds). */
    async tag(signal?: AbortSignal): Promise<BookTag> {
      const body = `${XML_HEAD}<D:propfind ${NS} xmlns:CS="${CS}"><D:prop><D:sync-token/><CS:getctag/></D:prop></D:propfind>`;
      const ms = await multistatus(await http.request('PROPFIND', bookUrl, { body, depth: '0', signal }), 'a look at the address book (PROPFIND)', signal);
      const self = ms.responses.find((r) => nameOf(r.href) === null) ?? ms.responses[0];
      const text = (n: ReturnType<typeof foundProp>) => n?.text.trim() || null;
      return { token: self ? text(foundProp(self, DAV, 'sync-token')) : null, ctag: self ? text(foundProp(self, CS, 'getctag')) : null };
    },

    /** Every card in the book with its ETag (PROPFIND depth 1), sorted by name. */
    async list(signal?: AbortSignal): Promise<CardRef[]> {
      const body = `${XML_HEAD}<D:propfind ${NS}><D:prop><D:getetag/><D:resourcetype/></D:prop></D:propfind>`;
      const ms = await multistatus(await http.request('PROPFIND', bookUrl, { body, depth: '1', signal }), 'a listing (PROPFIND)', signal);
      const out: CardRef[] = [];
      for (const r of ms.responses) {
        const name = nameOf(r.href);
        const etag = etagOf(r);
        const isCollection = child(foundProp(r, DAV, 'resourcetype'), DAV, 'collection') !== undefined;
        if (name !== null && etag !== null && !isCollection) out.push({ name, etag });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    /** The cards of these names that exist (addressbook-multiget), in the order asked; missing ones are left out. */
    async multiget(names: string[], signal?: AbortSignal): Promise<Card[]> {
      if (names.length === 0) return [];
      const hrefs = names.map((n) => `<D:href>${esc(new URL(urlOf(n)).pathname)}</D:href>`).join('');
      const body = `${XML_HEAD}<CR:addressbook-multiget ${NS}><D:prop><D:getetag/><CR:address-data/></D:prop>${hrefs}</CR:addressbook-multiget>`;
      const ms = await multistatus(await http.request('REPORT', bookUrl, { body, depth: '1', signal }), 'a fetch of cards (addressbook-multiget)', signal);
      const found = new Map<string, Card>();
      for (const r of ms.responses) {
        const name = nameOf(r.href);
        const etag = etagOf(r);
        const data = foundProp(r, CARDDAV, 'address-data');
        if (name === null || etag === null || data === undefined || (r.status !== null && r.status !== 200)) continue;
        found.set(name, { name, etag, body: crlf(data.text) });
      }
      return names.flatMap((n) => {
        const c = found.get(n);
        return c ? [c] : [];
      });
    },

    /**
     * RFC 6578 sync-collection from `token` ('' for the first sync): the cards changed since, with
     * their ETags, and the names deleted (404 entries). An invalid or expired token throws
     * `InvalidSyncTokenError` (403 or 409 with the valid-sync-token precondition).
     */
    async sync(token: string, signal?: AbortSignal): Promise<SyncResult> {
      const body = `${XML_HEAD}<D:sync-collection ${NS}><D:sync-token>${esc(token)}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`;
      const res = await http.request('REPORT', bookUrl, { body, signal });
      if (res.status === 403 || res.status === 409 || res.status === 412) {
        const text = await http.text(res, signal);
        let precondition = false;
        try {
          precondition = child(parseXml(text), DAV, 'valid-sync-token') !== undefined;
        } catch {
          precondition = /valid-sync-token/.test(text);
        }
        if (precondition) throw new InvalidSyncTokenError(res.status);
        throw new ConnectorError(res.status === 403 ? 'auth' : 'invalid', `The CardDAV server refused the sync report on ${bookPath} (HTTP ${res.status})${text ? `: ${text.slice(0, 300)}` : ''}`);
      }
      const ms = await multistatus(res, 'a sync report (sync-collection)', signal);
      if (ms.syncToken === null) throw new ConnectorError('invalid', `The CardDAV server's sync report on ${bookPath} carries no sync token — use hash mode for this address book.`);
      const changed: CardRef[] = [];
      const deleted: string[] = [];
      let truncated = false;
      for (const r of ms.responses) {
        const name = nameOf(r.href);
        if (name === null) {
          if (r.status === 507) truncated = true;
          continue;
        }
        const etag = etagOf(r);
        if (r.status === 404) deleted.push(name);
        else if (etag !== null) changed.push({ name, etag });
      }
      return { changed, deleted, token: ms.syncToken, truncated };
    },

    /** One card's text and ETag (GET), or null when it does not exist. */
    async get(name: string, signal?: AbortSignal): Promise<Card | null> {
      const res = await http.request('GET', urlOf(name), { signal, headers: { Accept: 'text/vcard' } });
      if (res.status === 404 || res.status === 410) {
        await res.body?.cancel().catch(() => {});
        return null;
      }
      if (!res.ok) throw await unexpected(res, 'a read of a card (GET)', signal);
      const body = crlf(await http.text(res, signal));
      return { name, etag: res.headers.get('etag') ?? '', body };
    },

    /** A conditional PUT: `ifMatch` (an update) or `ifNoneMatch: true` (a create that never replaces). The status is the caller's to judge. */
    async put(name: string, body: string, cond: { ifMatch?: string; ifNoneMatch?: boolean }, signal?: AbortSignal): Promise<WriteAnswer & { text: string }> {
      const headers: Record<string, string> = { 'Content-Type': 'text/vcard; charset=utf-8' };
      if (cond.ifMatch !== undefined) headers['If-Match'] = cond.ifMatch;
      if (cond.ifNoneMatch) headers['If-None-Match'] = '*';
      const res = await http.request('PUT', urlOf(name), { body, headers, signal });
      const text = await http.text(res, signal);
      return { status: res.status, etag: res.headers.get('etag'), text };
    },

    /** A DELETE, conditional on `ifMatch` when given. The status is the caller's to judge. */
    async delete(name: string, ifMatch: string | undefined, signal?: AbortSignal): Promise<WriteAnswer> {
      const res = await http.request('DELETE', urlOf(name), { signal, ...(ifMatch !== undefined ? { headers: { 'If-Match': ifMatch } } : {}) });
      await http.text(res, signal);
      return { status: res.status, etag: null };
    },
  };
}
