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

export async function* listPages(http: Http, c: CollectionProfile, extra: Record<string, string>, pageSize: number, signal: AbortSignal | undefined, label: string): AsyncGenerator<Page> {
  const { list } = c;
  const paging = list.paging;
  const base = { ...list.query, ...extra };
  const size = String(pageSize);
  let target: string = list.path;
  let query: Record<string, string> = { ...base };
  let pageNo = paging.style === 'page' ? paging.firstPage : 0;
  let offset = 0;
  let lastToken: string | null = null;
  if (paging.style === 'page') {
    query[paging.pageParam] = String(pageNo);
    if (paging.sizeParam) query[paging.sizeParam] = size;
  } else if (paging.style === 'offset') Object.assign(query, { [paging.offsetParam]: '0', [paging.limitParam]: size });
  else if ((paging.style === 'cursor' || paging.style === 'link') && paging.sizeParam) query[paging.sizeParam] = size;

  for (;;) {
    throwIfAborted(signal);
    const a = await http.request('GET', target, { query, signal });
    if (a.status < 200 || a.status > 299) {
      const hint = a.status === 404 ? ` Check list.path ("${list.path}") in the profile.` : a.status === 400 || a.status === 422 ? ' Check the list settings in the profile (its parameters).' : '';
      throw new ConnectorError(a.status >= 500 ? 'unavailable' : a.status === 404 || a.status === 400 || a.status === 422 ? 'config' : 'invalid', `${label}: listing failed (${appMessage(a)}).${hint}`);
    }
    const found = getPath(a.body, list.records);
    if (!Array.isArray(found)) throw new ConnectorError('config', `${label}: the list answer has no array at list.records ("${list.records}"). Check the profile against a page the app returns.`);
    const totalValue = list.total ? getPath(a.body, list.total) : undefined;
    yield { records: found, ...(typeof totalValue === 'number' ? { total: totalValue } : {}), serverNow: serverDate(a.headers) };
    if (found.length === 0) return;
    switch (paging.style) {
      case 'none':
        return;
      case 'page':
        if (paging.sizeParam && found.length < pageSize) return;
        query = { ...query, [paging.pageParam]: String(++pageNo) };
        break;
      case 'offset':
        if (found.length < pageSize) return;
        offset += found.length;
        query = { ...query, [paging.offsetParam]: String(offset) };
        break;
      case 'cursor': {
        const token = getPath(a.body, paging.next);
        if (token === null || token === undefined || token === '' || token === false) return;
        const t = String(token);
        if (t === lastToken) throw new ConnectorError('invalid', `${label}: the app gave the same next-page token twice; stopping rather than reading the same page for ever.`);
        lastToken = t;
        query = { ...base, ...(paging.sizeParam ? { [paging.sizeParam]: size } : {}), [paging.cursorParam]: t };
        break;
      }
      case 'link': {
        const next = nextLink(a.headers.get('link'));
        if (!next) return;
        const abs = new URL(next, a.url).toString();
        if (abs === lastToken) throw new ConnectorError('invalid', `${label}: the app's Link header points to the same page again; stopping rather than reading it for ever.`);
        lastToken = abs;
        // The next link carries every parameter the app wants; ours are already in it.
        target = abs;
        query = {};
        break;
      }
    }
  }
}
