/**
 * Walks a list endpoint page by page, in the paging style the profile names: page numbers,
 * offset/limit, a cursor token found in the body, or the Link header's rel="next". Each page is
 * handed on as soon as it arrives (the engine may stop after any of them).
 *
 * A page that comes back with the same next token or link as the one before ends the walk with an
 * error instead of looping for ever; so does a list endpoint that answers anything but 2xx.
 */
import { ConnectorError } from '../errors';
import { throwIfAborted } from '../types';
import { appMessage, serverDate, type Http } from './http';
import { getPath } from './paths';
import type { CollectionProfile } from './profile';
import { fillTemplate, placeholdersIn, type Json } from './templates';

export type Page = { records: unknown[]; total?: number; /** The app's clock when it answered (Date header). */ serverNow: number | null };

/** The URL of rel="next" in a Link header, if there is one. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2] ?? '')) return m[1] ?? null;
  }
  return null;
}

/** The modified-since value for a list: as a query parameter (in `extra`) or, for a body filter, here. */
export type ListSince = { body: string | number } | null;

export async function* listPages(http: Http, c: CollectionProfile, extra: Record<string, string>, pageSize: number, signal: AbortSignal | undefined, label: string, since: ListSince = null): AsyncGenerator<Page> {
  const { list } = c;
  const paging = list.paging;
  const post = list.method === 'POST';
  // Paging values the body holds go there, and not into the query.
  const inBody = new Set<string>(post ? placeholdersIn(list.body) : []);
  // Page numbers end at a short page only when the app was told the page size.
  const sizeKnown = inBody.has('pageSize') || (paging.style === 'page' && paging.sizeParam !== undefined);
  const size = String(pageSize);
  let target: string = list.path;
  let followLink = false;
  let pageNo = paging.style === 'page' ? paging.firstPage : 0;
  let offset = 0;
  let token: string | number | null = null;
  let lastToken: string | null = null;

  const queryNow = (): Record<string, string> => {
    // A next link carries every parameter the app wants; ours are already in it.
    if (followLink) return {};
    const q: Record<string, string> = { ...list.query, ...extra };
    const put = (name: string, param: string | undefined, value: string) => {
      if (param !== undefined && !inBody.has(name)) q[param] = value;
    };
    switch (paging.style) {
      case 'page':
        put('page', paging.pageParam, String(pageNo));
        put('pageSize', paging.sizeParam, size);
        break;
      case 'offset':
        put('offset', paging.offsetParam, String(offset));
        put('pageSize', paging.limitParam, size);
        break;
      case 'cursor':
        put('pageSize', paging.sizeParam, size);
        if (token !== null) put('cursor', paging.cursorParam, String(token));
        break;
      case 'link':
        put('pageSize', paging.sizeParam, size);
        break;
      case 'none':
        break;
    }
    return q;
  };
  const bodyNow = (): unknown => {
    if (!post) return undefined;
    const values = { pageSize, page: pageNo, offset, cursor: token ?? undefined };
    const body = fillTemplate(list.body ?? {}, values) as Record<string, Json>;
    const filter = since && list.modifiedSince?.body ? (fillTemplate(list.modifiedSince.body, { since: since.body }) as Record<string, Json>) : {};
    return { ...body, ...filter };
  };

  for (;;) {
    throwIfAborted(signal);
    const a = await http.request(list.method, target, { query: queryNow(), body: bodyNow(), signal });
    if (a.status < 200 || a.status > 299) {
      const hint = a.status === 404 ? ` Check list.path ("${list.path}") in the profile.` : a.status === 400 || a.status === 422 ? ' Check the list settings in the profile (its parameters).' : '';
      throw new ConnectorError(a.status >= 500 ? 'unavailable' : a.status === 404 || a.status === 400 || a.status === 422 ? 'config' : 'invalid', `${label}: listing failed (${appMessage(a)}).${hint}`);
    }
    const at = getPath(a.body, list.records);
    // Some apps (Pipedrive) answer `null` for an empty list; a missing path is still a profile error.
    const found = at === null && a.body !== null && typeof a.body === 'object' ? [] : at;
    if (!Array.isArray(found)) throw new ConnectorError('config', `${label}: the list answer has no array at list.records ("${list.records}"). Check the profile against a page the app returns.`);
    const totalValue = list.total ? getPath(a.body, list.total) : undefined;
    yield { records: found, ...(typeof totalValue === 'number' ? { total: totalValue } : {}), serverNow: serverDate(a.headers) };
    if (found.length === 0) return;
    switch (paging.style) {
      case 'none':
        return;
      case 'page':
        if (sizeKnown && found.length < pageSize) return;
        pageNo++;
        break;
      case 'offset':
        if (found.length < pageSize) return;
        offset += found.length;
        break;
      case 'cursor': {
        const next = getPath(a.body, paging.next);
        if (next === null || next === undefined || next === '' || next === false) return;
        const t = typeof next === 'number' ? next : String(next);
        if (String(t) === lastToken) throw new ConnectorError('invalid', `${label}: the app gave the same next-page token twice; stopping rather than reading the same page for ever.`);
        lastToken = String(t);
        token = t;
        break;
      }
      case 'link': {
        const next = nextLink(a.headers.get('link'));
        if (!next) return;
        const abs = new URL(next, a.url).toString();
        if (abs === lastToken) throw new ConnectorError('invalid', `${label}: the app's Link header points to the same page again; stopping rather than reading it for ever.`);
        lastToken = abs;
        target = abs;
        followLink = true;
        break;
      }
    }
  }
}
