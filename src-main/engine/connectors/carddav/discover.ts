/**
 * Finding a user's address books from what they typed (RFC 6764, RFC 6352 §7):
 * - a direct address-book URL is taken as it is (its resourcetype says addressbook);
 * - otherwise: `/.well-known/carddav` on the server (which redirects to the context path) when the
 *   URL names just the server, then the current-user principal, its addressbook-home-set, and the
 *   address books in that home (PROPFIND depth 1, resourcetype addressbook, displayname).
 * Each book says whether it offers sync-collection (a `DAV:sync-token` property, or the report in
 * its supported-report-set): token mode is offered only then, hash mode always.
 */
import { ConnectorError } from '../errors';
import type { DavHttp } from './http';
import { CARDDAV, DAV, child, childrenOf, foundProp, parseMultistatus, type DavResponse } from './xml';

export type AddressBook = {
  /** The book's URL, ending with a slash. */
  url: string;
  /**
   * The collection's name in Concord: the book's path on the server as the server writes it, or
   * its whole URL when the server keeps it on another host (iCloud's home set does).
   */
  path: string;
  displayName: string | null;
  syncCollection: boolean;
};

const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>';
const PROPS = `<D:resourcetype/><D:displayname/><D:current-user-principal/><CR:addressbook-home-set/><D:supported-report-set/><D:sync-token/>`;
const propfindBody = `${XML_HEAD}<D:propfind xmlns:D="${DAV}" xmlns:CR="${CARDDAV}"><D:prop>${PROPS}</D:prop></D:propfind>`;

const withSlash = (u: string): string => (u.endsWith('/') ? u : `${u}/`);

const isAddressBook = (r: DavResponse): boolean => child(foundProp(r, DAV, 'resourcetype'), CARDDAV, 'addressbook') !== undefined;
const hrefIn = (r: DavResponse, ns: string, local: string): string | null => child(foundProp(r, ns, local), DAV, 'href')?.text.trim() || null;

function bookOf(r: DavResponse, base: string, origin: string): AddressBook {
  const url = withSlash(new URL(r.href, base).toString());
  const at = new URL(url);
  const reports = childrenOf(foundProp(r, DAV, 'supported-report-set'), DAV, 'supported-report').flatMap((s) => child(s, DAV, 'report')?.children ?? []);
  const syncCollection = foundProp(r, DAV, 'sync-token') !== undefined || reports.some((x) => x.ns === DAV && x.local === 'sync-collection');
  const name = foundProp(r, DAV, 'displayname')?.text.trim();
  return { url, path: at.origin === origin ? at.pathname : url, displayName: name ? name : null, syncCollection };
}

async function propfind(http: DavHttp, url: string, depth: '0' | '1', signal: AbortSignal | undefined): Promise<{ finalUrl: string; responses: DavResponse[] } | { status: number }> {
  const res = await http.request('PROPFIND', url, { body: propfindBody, depth, signal });
  const text = await http.text(res, signal);
  if (res.status !== 207) return { status: res.status };
  try {
    // After a redirect (the well-known URI), hrefs are relative to where the answer came from.
    return { finalUrl: res.url || url, responses: parseMultistatus(text).responses };
  } catch (error) {
    throw new ConnectorError('invalid', `${url} answered a WebDAV PROPFIND with something that is not a multistatus (${(error as Error).message}) — is this a CardDAV server?`, { cause: error });
  }
}

/** The response about `url` itself in a depth-0 answer (servers differ in how they write the href). */
const self = (responses: DavResponse[]): DavResponse | undefined => responses[0];

export async function discoverAddressBooks(http: DavHttp, serverUrl: string, signal?: AbortSignal): Promise<AddressBook[]> {
  let start: URL;
  try {
    start = new URL(serverUrl);
  } catch {
    throw new ConnectorError('config', `“${serverUrl}” is not a URL — give the CardDAV server’s address, e.g. https://dav.example.com/.`);
  }
  const bare = start.pathname === '/' || start.pathname === '';
  let principal: string | null = null;
  let home: string | null = null;
  let base = start.toString();

  const inspect = async (url: string): Promise<AddressBook[] | null> => {
    const got = await propfind(http, url, '0', signal);
    if ('status' in got) return null;
    const me = self(got.responses);
    if (!me) return null;
    if (isAddressBook(me)) return [bookOf(me, got.finalUrl, start.origin)];
    base = got.finalUrl;
    const h = hrefIn(me, CARDDAV, 'addressbook-home-set');
    const p = hrefIn(me, DAV, 'current-user-principal');
    if (h) home = new URL(h, got.finalUrl).toString();
    if (p) principal = new URL(p, got.finalUrl).toString();
    return [];
  };

  // A bare server address: the well-known URI first (it redirects to where CardDAV lives).
  let direct = bare ? await inspect(new URL('/.well-known/carddav', start).toString()) : null;
  if (direct?.length) return direct;
  if (!principal && !home) {
    direct = await inspect(start.toString());
    if (direct?.length) return direct;
    if (direct === null && !bare) {
      // Not a DAV resource: perhaps only the server's root speaks DAV.
      direct = await inspect(new URL('/.well-known/carddav', start).toString());
      if (direct?.length) return direct;
    }
  }
  if (!home && principal) await inspect(principal);
  const homeUrl = home ?? principal ?? (direct !== null ? base : null);
  if (!homeUrl) {
    throw new ConnectorError('not-found', `No CardDAV service found at ${serverUrl}: neither /.well-known/carddav nor the address itself answered as WebDAV. Give the address book’s own URL, or the server’s CardDAV address from its documentation.`);
  }
  const listing = await propfind(http, withSlash(homeUrl), '1', signal);
  if ('status' in listing) throw new ConnectorError(listing.status === 404 ? 'not-found' : 'invalid', `The CardDAV address-book home ${homeUrl} could not be listed (HTTP ${listing.status}).`);
  const books = listing.responses.filter(isAddressBook).map((r) => bookOf(r, listing.finalUrl, start.origin));
  return books.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

