/**
 * The webhook receiver (issue 12 §1): an HTTP listener of its own (127.0.0.1 by default; expose
 * it through a tunnel or a reverse proxy), apart from the UI's server — a webhook carries no
 * session, only its signature.
 *
 *   POST /hooks/<pairId>/<side>                       an app's event(s)
 *   GET  /hooks/<pairId>/<side>/events/<correlation>  what became of one
 *
 * A call is verified (signature, replay window), parsed and written to the pair's queue in one
 * transaction before it is answered; a call that fails any check is refused with a status and a
 * message, and nothing of it is stored. A repeated event (same event id) is stored once and
 * answered with the first one's correlation id and state.
 * Synchronous pairs are answered once every event of the call has an outcome (or, past the pair's
 * time limit, 202 pending with the status URL); asynchronous pairs get 202 with the correlation id at once.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Side, SyncEvent, WebhookSideSettings } from '../../api/model';
import { createGuardedServer, type SlowClientLimits } from '../../server/slow-clients';
import type { PairStore } from '../pair-store';
import { parseEvents } from './parse';
import type { EventStore, NewEvent } from './store';
import { DEFAULT_TOLERANCE_SECONDS, outsideWindow, verifySignature } from './verify';
import type { EventWorker } from './worker';

export const MAX_BODY_BYTES = 1024 * 1024;

export type ReceiverDeps = {
  pairs: Pick<PairStore, 'get'>;
  events: EventStore;
  worker: Pick<EventWorker, 'kick' | 'waitFor' | 'changed'>;
  /** The pair's webhook secret (cached by the caller), or null when none was set. */
  secret: (pairId: string) => Promise<string | null>;
  log: (message: string, error?: unknown) => void;
  now?: () => number;
  /** How long a client may take to send a request (server/slow-clients.ts; tests shorten it). */
  limits?: SlowClientLimits;
};

type Answer = { status: number; body: Record<string, unknown> };

const PATH = /^\/hooks\/([A-Za-z0-9_-]{1,100})\/(left|right)(?:\/events\/([A-Za-z0-9_-]{1,100}))?\/?$/;

export function publicEvent(e: SyncEvent): Record<string, unknown> {
  return { correlationId: e.correlationId, status: e.state, recordId: e.recordId, kind: e.kind, receivedAt: e.receivedAt, finishedAt: e.finishedAt, attempts: e.attempts, ...(e.detail ? { detail: e.detail } : {}) };
}

export function createWebhookReceiver(deps: ReceiverDeps) {
  const now = deps.now ?? Date.now;
  let server: Server | null = null;

  /**
   * Group commit: the calls that reach this point in one turn of the event loop are stored in one
   * transaction (a burst costs a commit per turn, not per call); each is answered only after it.
   */
  let waiting: { events: NewEvent[]; resolve: (r: ReturnType<EventStore['add']>) => void; reject: (e: unknown) => void }[] = [];
  function store(events: NewEvent[]): Promise<ReturnType<EventStore['add']>> {
    return new Promise((resolve, reject) => {
      if (waiting.length === 0) {
        setImmediate(() => {
          const batch = waiting;
          waiting = [];
          try {
            const all = deps.events.add(batch.flatMap((b) => b.events));
            let at = 0;
            for (const b of batch) {
              b.resolve(all.slice(at, at + b.events.length));
              at += b.events.length;
            }
          } catch (e) {
            for (const b of batch) b.reject(e);
          }
        });
      }
      waiting.push({ events, resolve, reject });
    });
  }

  function settingsOf(pairId: string, side: Side): { settings: WebhookSideSettings; mode: 'sync' | 'async'; timeoutMs: number } | null {
    const pair = deps.pairs.get(pairId);
    const hooks = pair?.config.webhooks;
    const settings = hooks?.[side];
    if (!hooks || !settings?.enabled) return null;
    return { settings, mode: hooks.mode, timeoutMs: hooks.syncTimeoutSeconds * 1000 };
  }

  async function readBody(req: IncomingMessage): Promise<Buffer | null> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return null;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return null;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  const statusUrl = (pairId: string, side: Side, correlationId: string) => `/hooks/${pairId}/${side}/events/${correlationId}`;

  async function receive(req: IncomingMessage, pairId: string, side: Side): Promise<Answer> {
    const found = settingsOf(pairId, side);
    if (!found) return { status: 404, body: { error: 'No webhook endpoint here: turn webhooks on for this side in the pair\'s settings, and check the URL.' } };
    const body = await readBody(req);
    if (body === null) return { status: 413, body: { error: `The body is larger than ${MAX_BODY_BYTES} bytes: send fewer events per call.` } };
    const secret = await deps.secret(pairId);
    if (!secret) return { status: 503, body: { error: "The pair has no webhook secret yet: set one in the pair's webhook settings, and give the app the same." } };
    const { settings, mode, timeoutMs } = found;
    const verified = verifySignature(settings, secret, req.headers, body);
    if (!verified.ok) return { status: 401, body: { error: verified.message } };
    const tolerance = settings.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    if (verified.timestamp !== null) {
      const late = outsideWindow(verified.timestamp, tolerance, now());
      if (late) return { status: 401, body: { error: late } };
    }
    const idHeader = settings.eventIdHeader ? req.headers[settings.eventIdHeader.toLowerCase()] : undefined;
    const parsed = parseEvents(settings, body, typeof idHeader === 'string' ? idHeader : null);
    if (!parsed.ok) return { status: 400, body: { error: parsed.message } };
    for (const e of parsed.events) {
      const late = e.timestamp !== null ? outsideWindow(e.timestamp, tolerance, now()) : null;
      if (late) return { status: 401, body: { error: late } };
    }
    // Persist before answering: once this returns, the events survive a kill at any instant.
    const stored = await store(parsed.events.map((e): NewEvent => ({ pairId, side, source: 'webhook', dedupeKey: e.eventId, recordId: e.recordId, kind: e.kind, record: e.record })));
    deps.worker.kick(pairId);
    // The card shows the queue: it grew, whether or not the pair can apply it now (paused, busy, waiting to retry).
    deps.worker.changed(pairId);
    const ids = stored.map((s) => s.correlationId);
    let finished: (SyncEvent | null)[] = ids.map(() => null);
    if (mode === 'sync') {
      const deadline = now() + timeoutMs;
      finished = [];
      for (const id of ids) finished.push(await deps.worker.waitFor(id, Math.max(0, deadline - now())));
    } else {
      finished = ids.map((id, i) => (stored[i]?.duplicate ? deps.events.get(id) : null));
    }
    let pending = false;
    const answers = ids.map((id, i): Record<string, unknown> => {
      const e = finished[i] ?? deps.events.get(id);
      if (!e || e.state === 'pending') pending = true;
      const duplicate = stored[i]?.duplicate === true;
      return { ...(e ? publicEvent(e) : { correlationId: id, status: 'pending' }), ...(duplicate ? { duplicate: true } : {}), statusUrl: statusUrl(pairId, side, id) };
    });
    const status = pending ? 202 : 200;
    return { status, body: answers.length === 1 ? (answers[0] ?? {}) : { events: answers } };
  }

  function lookup(pairId: string, side: Side, correlationId: string): Answer {
    const e = deps.events.get(correlationId);
    if (!e || e.pairId !== pairId || e.side !== side) return { status: 404, body: { error: 'No such event: check the correlation id (events are kept for the retention period set in Settings).' } };
    return { status: 200, body: publicEvent(e) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = ({ status, body }: Answer, extra: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    const url = new URL(req.url ?? '/', 'http://receiver');
    const m = PATH.exec(url.pathname);
    if (!m?.[1] || !m[2]) return send({ status: 404, body: { error: 'Not a webhook address: webhooks go to /hooks/<pair id>/<left|right> (the pair\'s settings show the URL).' } });
    const [, pairId, side, correlationId] = m as unknown as [string, string, Side, string | undefined];
    if (correlationId) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send({ status: 405, body: { error: 'Ask for an event\'s status with GET.' } }, { Allow: 'GET, HEAD' });
      return send(lookup(pairId, side, correlationId));
    }
    if (req.method !== 'POST') return send({ status: 405, body: { error: 'Webhooks are POSTed.' } }, { Allow: 'POST' });
    send(await receive(req, pairId, side));
  }

  return {
    async listen(host: string, port: number): Promise<AddressInfo> {
      const s = createGuardedServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          deps.log('a webhook call failed', e);
          if (!res.headersSent) {
            res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
            res.end(JSON.stringify({ error: 'Concord could not store the event; nothing was kept. Send it again.' }));
          } else res.destroy();
        });
      }, deps.limits);
      s.keepAliveTimeout = 65_000;
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      return s.address() as AddressInfo;
    },
    address(): AddressInfo | null {
      return (server?.address() as AddressInfo | null) ?? null;
    },
    async close(): Promise<void> {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = ReturnType<typeof createWebhookReceiver>;
