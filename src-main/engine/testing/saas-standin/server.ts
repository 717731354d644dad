/**
 * A stand-in for a typical SaaS web app's REST/JSON API, for the tests of the REST connector: an
 * HTTP server on 127.0.0.1 (a free port) holding contacts in memory. It is not a mock of any one
 * app: it behaves the way such APIs commonly do, and each of their quirks is switched on and off
 * by an option, so a test (and the conformance suite) can run the connector against one at a time.
 *
 *   GET    /api/contacts            page & per_page | offset & limit | cursor & limit; updated_since;
 *                                   sort=updated_at; include_archived=true. Answer: { data, total, next_cursor } + Link
 *   GET    /api/contacts/:id        ETag header
 *   POST   /api/contacts            201; 409 on a duplicate id; 422 on an unknown property
 *   PATCH  /api/contacts/:id        deep merge; If-Match → 412; a stale `version` → 409
 *   PUT    /api/contacts/:id        replaces the properties
 *   DELETE /api/contacts/:id        204 (archives it with `deletedFlag`)
 *   GET    /api/contacts/deleted    ?since=… → { deleted: [{ id, deleted_at }] } (with `deletedSince`)
 *   POST   /api/contacts/query      JSON body { page_size, start_cursor, sort, filter: { updated_since } } (with `postQuery`)
 *
 * OAuth 2 is another helper's (oauth.ts): pass its handler as `oauth`, and its bearer check
 * accepts the tokens it issued.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from '../test-servers';
import { formatTime, parseTime, type TimeFormat } from '../../connectors/rest/time-format';
import { createStore, type Contact } from './store';
import { handleContacts, sendJson } from './routes';

export type StandinAuth =
  | { kind: 'none' }
  | { kind: 'api-key'; in: 'header' | 'query'; name: string; key: string }
  | { kind: 'bearer'; tokens: readonly string[] }
  | { kind: 'basic'; username: string; password: string };

/** The OAuth authorization server's hook (the oauth helper's saas-standin/oauth.ts). */
export type StandinOAuth = { handleOAuth(req: IncomingMessage, res: ServerResponse): boolean; validateBearer(token: string): boolean };

export type SaasStandinOptions = {
  auth?: StandinAuth;
  oauth?: StandinOAuth;
  /** How times are written and how `updated_since` is read. 'pattern' is `%Y-%m-%d %H:%M:%S` (UTC, whole seconds). */
  timeFormat?: 'iso' | 'epoch-seconds' | 'epoch-ms' | 'pattern';
  /** Quirk: timestamps are kept in whole seconds. */
  secondTimestamps?: boolean;
  /** Quirk: `updated_at` is null until a record's first edit. */
  updatedAtNullOnCreate?: boolean;
  /** ETag headers; an If-Match that does not match answers 412. */
  etags?: boolean;
  /** A `version` number in each record; a write that sends an older one answers 409. */
  versionField?: boolean;
  /** Deletes archive the record (`archived: true`), listed with include_archived=true. */
  deletedFlag?: boolean;
  /** GET /api/contacts/deleted?since=… lists deletes. */
  deletedSince?: boolean;
  /** More than `perSecond` requests in one second answer 429 with Retry-After, and X-RateLimit-* headers on every answer unless `headers: false`. */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number; headers?: boolean };
  /** Quirk: every answer waits this long (a slow app). */
  slowMs?: number;
  /** Quirk: a write through the API shows in list results only after this many list calls. */
  listLagCalls?: number;
  /** Quirk: write answers hold only `{ id }`, not the record. */
  thinWriteAnswers?: boolean;
  /** Write bodies are `{ [writeEnvelope]: properties }` (HubSpot's `properties`). */
  writeEnvelope?: string;
  /** Link headers point to this origin instead of the request's own (a misbehaving app). */
  linkOrigin?: string;
  /** POST /api/contacts/query answers: the list with its parameters in a JSON body (Notion's database query). */
  postQuery?: boolean;
  /** Quirk: an empty list answers `data: null` (Pipedrive), not `[]`. */
  nullWhenEmpty?: boolean;
  /** Largest page the list gives (default 100; default page 20). */
  maxPageSize?: number;
};

export type SaasStandin = {
  /** Base URL of the API: `http://127.0.0.1:PORT/api`. */
  url: string;
  port: number;
  /** The app's own users: their edits show at once and never lag. `at` sets the time (ISO). */
  app: {
    insert(rows: ({ id: string } & Record<string, unknown>)[], at?: string): void;
    update(id: string, props: Record<string, unknown>, at?: string): void;
    remove(id: string): void;
    get(id: string): Record<string, unknown> | undefined;
    /** Every contact's id, archived ones too. */
    ids(): string[];
  };
  /** `queries`: the query string of every request, in order (what the connector asked for). */
  stats(): { requests: number; rateLimited: number; listCalls: number; byMethod: Record<string, number>; queries: string[]; bodies: string[] };
  /** Stops answering (sockets closed, port released) and starts again on the same port, records kept. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
};

export type Ctx = {
  opts: SaasStandinOptions;
  store: ReturnType<typeof createStore>;
  render(c: Contact): Record<string, unknown>;
  parseTime(v: string): number | null | undefined;
};

const TIME: Record<NonNullable<SaasStandinOptions['timeFormat']>, TimeFormat> = {
  iso: 'iso',
  'epoch-seconds': 'epoch-seconds',
  'epoch-ms': 'epoch-ms',
  pattern: { pattern: '%Y-%m-%d %H:%M:%S' },
};

function authorized(req: IncomingMessage, url: URL, opts: SaasStandinOptions): boolean {
  const auth = opts.auth ?? { kind: 'none' };
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/i.exec(header)?.[1];
  if (bearer && opts.oauth?.validateBearer(bearer)) return true;
  // With OAuth and no other scheme stated, only a valid access token gets in.
  if (opts.oauth && !opts.auth) return false;
  switch (auth.kind) {
    case 'none':
      return true;
    case 'api-key':
      return (auth.in === 'header' ? req.headers[auth.name.toLowerCase()] : url.searchParams.get(auth.name)) === auth.key;
    case 'bearer':
      return bearer !== undefined && auth.tokens.includes(bearer);
    case 'basic': {
      const b = /^Basic (.+)$/i.exec(header)?.[1];
      return b !== undefined && Buffer.from(b, 'base64').toString('utf8') === `${auth.username}:${auth.password}`;
    }
  }
}

export async function startSaasStandin(opts: SaasStandinOptions = {}): Promise<SaasStandin> {
  const store = createStore({ secondTimestamps: opts.secondTimestamps ?? false, listLagCalls: opts.listLagCalls ?? 0, deletedFlag: opts.deletedFlag ?? false });
  const fmt = TIME[opts.timeFormat ?? 'iso'];
  const time = (ms: number): string | number => {
    const s = formatTime(ms, fmt);
    return fmt === 'epoch-seconds' || fmt === 'epoch-ms' ? Number(s) : s;
  };
  const ctx: Ctx = {
    opts,
    store,
    parseTime: (v) => parseTime(v, fmt),
    render(c) {
      return {
        id: c.id,
        name: c.name ?? null,
        email: c.email ?? null,
        phone: c.phone ?? null,
        company: c.company ?? null,
        address: { street: null, city: null, postcode: null, ...c.address },
        tags: c.tags ?? [],
        created_at: time(c.createdAt),
        updated_at: opts.updatedAtNullOnCreate && !c.edited ? null : time(c.updatedAt),
        ...(opts.versionField ? { version: c.rev } : {}),
        ...(opts.deletedFlag ? { archived: c.archived } : {}),
      };
    },
  };
  const counts = { requests: 0, rateLimited: 0, byMethod: {} as Record<string, number>, queries: [] as string[], bodies: [] as string[] };
  let window = { second: 0, count: 0 };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counts.requests++;
    counts.byMethod[req.method ?? '?'] = (counts.byMethod[req.method ?? '?'] ?? 0) + 1;
    if (opts.oauth?.handleOAuth(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    counts.queries.push(url.search);
    if (opts.rateLimit) {
      const second = Math.floor(Date.now() / 1000);
      if (second !== window.second) window = { second, count: 0 };
      window.count++;
      const remaining = Math.max(0, opts.rateLimit.perSecond - window.count);
      if (opts.rateLimit.headers !== false) {
        res.setHeader('X-RateLimit-Limit', String(opts.rateLimit.perSecond));
        res.setHeader('X-RateLimit-Remaining', String(remaining));
        res.setHeader('X-RateLimit-Reset', String(second + 1));
      }
      if (window.count > opts.rateLimit.perSecond) {
        counts.rateLimited++;
        return sendJson(res, 429, { error: 'Too many requests' }, { 'Retry-After': String(opts.rateLimit.retryAfterSeconds ?? 1) });
      }
    }
    // A slow app; a client that gives up closes the request, which ends the wait.
    if (opts.slowMs) await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, opts.slowMs);
      res.on('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (!authorized(req, url, opts)) return sendJson(res, 401, { error: 'Invalid or missing credentials' }, { 'WWW-Authenticate': 'Bearer' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (raw) counts.bodies.push(raw);
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, { error: 'The body is not JSON' });
      }
    }
    if (!handleContacts(ctx, req, res, url, body)) sendJson(res, 404, { error: `No route ${req.method} ${url.pathname}` });
  }

  const port = await freePort();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const close = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
  await listen();

  const propsOf = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'id'));
  return {
    url: `http://127.0.0.1:${port}/api`,
    port,
    app: {
      insert(rows, at) {
        for (const r of rows) store.create(r.id, propsOf(r), false, at);
      },
      update(id, props, at) {
        store.update(id, props, false, false, at);
      },
      remove(id) {
        store.remove(id, false);
      },
      get(id) {
        const c = store.get(id);
        return c ? ctx.render(c) : undefined;
      },
      ids: () => store.ids(),
    },
    stats: () => ({ ...counts, byMethod: { ...counts.byMethod }, queries: [...counts.queries], bodies: [...counts.bodies], listCalls: store.stats().listCalls }),
    halt: close,
    resume: listen,
    stop: close,
  };
}
