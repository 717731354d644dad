/**
 * The stand-in's contacts endpoints (see server.ts for the list). Paging: `page`/`per_page` and
 * `offset`/`limit` are positional over the sorted list; `cursor` is a keyset token (the last
 * item's sort key), which is also what the Link header's next URL carries unless the request
 * paged by page or offset.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Contact } from './store';
import { checkProperties, Invalid, PROPERTIES } from './store';
import type { Ctx } from './server';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(text);
}


type Key = [number, string];
const keyOf = (c: Contact, byUpdated: boolean): Key => (byUpdated ? [c.updatedAt, c.id] : [c.seq, c.id]);
const after = (a: Key, b: Key) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
const encode = (k: Key) => Buffer.from(JSON.stringify(k)).toString('base64url');
function decode(token: string): Key | null {
  try {
    const k: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return Array.isArray(k) && typeof k[0] === 'number' && typeof k[1] === 'string' ? [k[0], k[1]] : null;
  } catch {
    return null;
  }
}
const int = (v: string | null, dflt: number) => (v === null || !/^\d+$/.test(v) ? dflt : Number(v));

function list(ctx: Ctx, res: ServerResponse, url: URL, host: string): void {
  const q = url.searchParams;
  const max = ctx.opts.maxPageSize ?? 100;
  let items = ctx.store.listView();
  if (!(ctx.opts.deletedFlag && q.get('include_archived') === 'true')) items = items.filter((c) => !c.archived);
  const since = q.get('updated_since');
  if (since !== null) {
    const t = ctx.parseTime(since);
    if (t === undefined || t === null) return sendJson(res, 400, { error: `updated_since "${since}" is not a time in this API's format` });
    items = items.filter((c) => c.updatedAt >= t);
  }
  const byUpdated = q.get('sort') === 'updated_at';
  if (byUpdated) items.sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const total = items.length;
  const size = Math.min(max, Math.max(1, int(q.get('per_page') ?? q.get('limit'), 20)));
  let start = 0;
  let style: 'page' | 'offset' | 'cursor' = 'cursor';
  if (q.has('page')) {
    style = 'page';
    start = (Math.max(1, int(q.get('page'), 1)) - 1) * size;
  } else if (q.has('offset')) {
    style = 'offset';
    start = int(q.get('offset'), 0);
  } else if (q.get('cursor')) {
    const k = decode(q.get('cursor') ?? '');
    if (!k) return sendJson(res, 400, { error: 'cursor is not a token this API gave' });
    start = items.findIndex((c) => after(keyOf(c, byUpdated), k));
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + size);
  const more = start + size < items.length;
  const last = page.at(-1);
  const nextCursor = more && last ? encode(keyOf(last, byUpdated)) : null;
  const headers: Record<string, string> = {};
  if (more) {
    const next = new URL(url.toString());
    if (style === 'page') next.searchParams.set('page', String(int(q.get('page'), 1) + 1));
    else if (style === 'offset') next.searchParams.set('offset', String(start + size));
    else next.searchParams.set('cursor', nextCursor ?? '');
    // Absolute, on the host the request named, as real APIs write it.
    headers.Link = `<${ctx.opts.linkOrigin ?? `http://${host}`}${next.pathname}${next.search}>; rel="next"`;
  }
  const data = page.length === 0 && ctx.opts.nullWhenEmpty ? null : page.map((c) => ctx.render(c));
  sendJson(res, 200, { data, total, next_cursor: nextCursor }, headers);
}

/**
 * POST /api/contacts/query (the `postQuery` switch), a list that takes its parameters as a JSON
 * body the way Notion's database query does: `{ page_size, start_cursor, sort, filter: { updated_since } }`.
 * Strict like such APIs: parameters in the query string, unknown keys, a null cursor or a
 * non-integer page size answer 400 — so a test shows the connector put each value in the body.
 */
function queryByBody(ctx: Ctx, res: ServerResponse, url: URL, body: unknown, host: string): void {
  if (url.search !== '') return sendJson(res, 400, { error: `This endpoint takes its parameters in the JSON body, not the query string (${url.search}).` });
  const b = body === undefined ? {} : body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return sendJson(res, 400, { error: 'The body must be a JSON object.' });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(b)) {
    if (k === 'page_size') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return sendJson(res, 400, { error: 'page_size must be a positive whole number.' });
      q.set('limit', String(v));
    } else if (k === 'start_cursor') {
      if (typeof v !== 'string') return sendJson(res, 400, { error: 'start_cursor must be a string (leave it out for the first page).' });
      q.set('cursor', v);
    } else if (k === 'sort') {
      if (v !== 'updated_at') return sendJson(res, 400, { error: 'sort must be "updated_at".' });
      q.set('sort', v);
    } else if (k === 'filter') {
      const since = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).updated_since : undefined;
      if (since === undefined || Object.keys(v as object).length !== 1) return sendJson(res, 400, { error: 'filter must be { "updated_since": <time> }.' });
      q.set('updated_since', String(since));
    } else return sendJson(res, 400, { error: `Unknown body property "${k}".` });
  }
  list(ctx, res, new URL(`${url.pathname}?${q.toString()}`, url), host);
}

function etagOf(c: Contact): string {
  return `"r${c.rev}-${c.id.length}"`;
}

/** The write's properties out of the body (inside the envelope when the app uses one). */
function propsOf(ctx: Ctx, body: unknown): Record<string, unknown> {
  let props = body;
  if (ctx.opts.writeEnvelope) {
    if (!props || typeof props !== 'object' || Array.isArray(props) || !(ctx.opts.writeEnvelope in props)) throw new Invalid(`The body must be {"${ctx.opts.writeEnvelope}": {…}}.`);
    props = (props as Record<string, unknown>)[ctx.opts.writeEnvelope];
  }
  if (!props || typeof props !== 'object' || Array.isArray(props)) throw new Invalid('The body must be a JSON object of contact properties.');
  return props as Record<string, unknown>;
}

function answer(ctx: Ctx, res: ServerResponse, status: number, c: Contact): void {
  const headers: Record<string, string> = ctx.opts.etags ? { ETag: etagOf(c) } : {};
  if (status === 201) headers.Location = `/api/contacts/${encodeURIComponent(c.id)}`;
  sendJson(res, status, ctx.opts.thinWriteAnswers ? { id: c.id } : ctx.render(c), headers);
}

/** 412 / 409 when the write names a version the record no longer has; null when it may go ahead. */
function staleCheck(ctx: Ctx, req: IncomingMessage, c: Contact, props: Record<string, unknown> | null): [number, string] | null {
  const ifMatch = req.headers['if-match'];
  if (ctx.opts.etags && ifMatch && ifMatch !== '*' && ifMatch !== etagOf(c)) return [412, 'The contact changed since that ETag (If-Match failed).'];
  if (ctx.opts.versionField && props && 'version' in props && Number(props.version) !== c.rev) return [409, `Version conflict: the contact is at version ${c.rev}, the write was based on ${String(props.version)}.`];
  return null;
}

export function handleContacts(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): boolean {
  const m = /^\/api\/contacts(?:\/([^/]+))?\/?$/.exec(url.pathname);
  if (!m) return false;
  const id = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
  const method = req.method ?? 'GET';
  const writable = [...PROPERTIES, ...(ctx.opts.versionField ? ['version'] : [])];
  try {
    if (id === 'deleted' && method === 'GET') {
      if (!ctx.opts.deletedSince) return false;
      const since = ctx.parseTime(url.searchParams.get('since') ?? '');
      if (since === undefined || since === null) return sendJson(res, 400, { error: 'since must be a time in this API’s format' }), true;
      const fmt = (ms: number) => ctx.render({ id: '', seq: 0, createdAt: ms, updatedAt: ms, edited: true, rev: 0, archived: false }).updated_at;
      return sendJson(res, 200, { deleted: ctx.store.deletedSince(since).map((d) => ({ id: d.id, deleted_at: fmt(d.at) })) }), true;
    }
    if (id === 'query' && method === 'POST' && ctx.opts.postQuery) return queryByBody(ctx, res, url, body, req.headers.host ?? '127.0.0.1'), true;
    if (id === undefined) {
      if (method === 'GET') return list(ctx, res, url, req.headers.host ?? '127.0.0.1'), true;
      if (method !== 'POST') return false;
      const props = propsOf(ctx, body);
      checkProperties(props, [...writable, 'id']);
      const newId = typeof props.id === 'string' && props.id ? props.id : `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      if (ctx.store.get(newId)) return sendJson(res, 409, { error: `A contact with id "${newId}" exists already.` }), true;
      const { id: _id, version: _v, ...rest } = props;
      return answer(ctx, res, 201, ctx.store.create(newId, rest, true)), true;
    }
    const c = ctx.store.get(id);
    if (!c || (c.archived && method !== 'GET')) return sendJson(res, 404, { error: `No contact "${id}".` }), true;
    if (method === 'GET') {
      sendJson(res, 200, ctx.render(c), ctx.opts.etags ? { ETag: etagOf(c) } : {});
      return true;
    }
    if (method === 'PATCH' || method === 'PUT') {
      const props = propsOf(ctx, body);
      checkProperties(props, writable);
      const stale = staleCheck(ctx, req, c, props);
      if (stale) return sendJson(res, stale[0], { error: stale[1] }), true;
      const { version: _v, ...rest } = props;
      return answer(ctx, res, 200, ctx.store.update(id, rest, true, method === 'PUT')), true;
    }
    if (method === 'DELETE') {
      const stale = staleCheck(ctx, req, c, null);
      if (stale) return sendJson(res, stale[0], { error: stale[1] }), true;
      ctx.store.remove(id, true);
      res.writeHead(204).end();
      return true;
    }
    return false;
  } catch (e) {
    if (e instanceof Invalid) return sendJson(res, 422, { error: e.message }), true;
    throw e;
  }
}
