/**
 * The headless transport: the built renderer, the API over HTTP (`POST /api/invoke/<method>`)
 * and engine events over a WebSocket (`/api/events`), all behind one access token. Binds to
 * 127.0.0.1 unless told otherwise. Serves the same dispatcher the desktop app's IPC does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiResponse, ApiMethod } from '../api/contract';
import type { Engine } from '../engine';
import { allowedHost, sessionCookie, sessionCookieName } from './auth';
import { createGuardedServer, type SlowClientLimits } from './slow-clients';
import { authenticate, clientAddress } from './authenticate';
import { createLoginBackoff, type LoginBackoff } from './login-backoff';
import { NO_STORE, rawHeaderLines, SECURITY_HEADERS } from './headers';
import { checkStaticRoot, serveStatic } from './static-files';

export type ServerOptions = {
  engine: Pick<Engine, 'dispatch' | 'onEvent' | 'access'>;
  /** The token printed at start: an admin token of this process, never stored. */
  token: string;
  /** Test seam: the backoff after wrong tokens (with an injected clock). */
  backoff?: LoginBackoff;
  host?: string;
  port?: number;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Extra host names the server may be reached by (e.g. behind a reverse proxy). */
  allowedHosts?: string[];
  /** Test seam: how long a client may take to send a request (slow-clients.ts). */
  limits?: SlowClientLimits;
};

const MAX_BODY = 5 * 1024 * 1024;
/**
 * After a 413, how much more of the body the server reads and throws away so the client, still
 * sending, can read the answer (closing with unread data makes the kernel reset the connection,
 * and the client loses the 413). A client that keeps sending past this is cut off.
 */
const MAX_DISCARD = 4 * MAX_BODY;
const MALFORMED_ESCAPE = (path: string) =>
  `The request address has a malformed percent-escape ("${path.slice(0, 200)}"): every % must start a valid UTF-8 escape such as %20. Encode the path with encodeURIComponent.`;

export type RunningServer = { url: string; loginUrl: string; port: number; close(): Promise<void> };

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  checkStaticRoot(options.staticDir);
  const host = options.host ?? '127.0.0.1';
  const allowed = new Set<string>();
  const sockets = new Set<WebSocket>();
  const { access } = options.engine;
  access.setStartToken(options.token);
  access.prune(); // sessions that ended over a day ago
  const backoff = options.backoff ?? createLoginBackoff();
  let port = 0;
  const authDeps = () => ({ access, backoff, cookieName: sessionCookieName(port) });

  const server = createGuardedServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, failure('internal', `The server failed: ${String(error)}`));
      else res.destroy();
    });
  }, options.limits);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHost(req, allowed)) return sendText(res, 403, 'This server answers only to its own address.');
    const url = parseRequestUrl(req.url);
    if (!url) return sendText(res, 400, 'The request address is not a valid URL path.');
    // Decoded once here: a bad escape is the client's mistake (400), never the server failing (500).
    const path = decodePath(url.pathname);
    if (path === null) {
      return url.pathname.startsWith('/api/') ? sendJson(res, 400, failure('invalid-input', MALFORMED_ESCAPE(url.pathname))) : sendText(res, 400, MALFORMED_ESCAPE(url.pathname));
    }

    // First visit with the printed address: trade the token for a session (the browser never
    // holds the token), then drop it from the address bar (it would sit in history and be copied).
    const queryToken = req.method === 'GET' ? url.searchParams.get('token') : null;
    const auth = authenticate(req, authDeps(), queryToken);
    if (auth.kind === 'wait') return tooManyTries(req, res, auth.retryAfterS);
    if (auth.kind !== 'ok') return unauthorized(req, res);
    const { caller } = auth;
    if (queryToken !== null) {
      const session = access.createSession(caller, { address: clientAddress(req), userAgent: req.headers['user-agent'] });
      url.searchParams.delete('token');
      res.writeHead(302, { ...NO_STORE, 'set-cookie': sessionCookie(sessionCookieName(port), session.sessionId, session.maxAgeS), location: url.pathname + url.search });
      return void res.end();
    }

    if (url.pathname.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return sendJson(res, 405, failure('invalid-input', 'Use POST for API calls.'));
      // A JSON content type cannot be sent cross-site without a CORS preflight, which we never grant.
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, failure('invalid-input', 'API calls must send content-type: application/json.'));
      }
      const method = path.slice('/api/invoke/'.length);
      let args: unknown;
      try {
        const body = await readBody(req);
        args = body.length === 0 ? {} : JSON.parse(body);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          discardRest(req);
          return sendJson(res, 413, failure('invalid-input', error.message));
        }
        return sendJson(res, 400, failure('invalid-input', `The request body is not valid JSON: ${(error as Error).message}`));
      }
      return sendJson(res, 200, await options.engine.dispatch(method, args, caller));
    }
    if (url.pathname.startsWith('/api/')) return sendJson(res, 404, failure('unknown-method', `No API endpoint at ${url.pathname}.`));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed.');
    serveStatic(options.staticDir, url.pathname, res, SECURITY_HEADERS);
  }

  // A request Node cannot parse (a broken request line or header) never reaches `handle`: answer
  // it here, with the same headers, instead of Node's bare 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    // A request slower than slow-clients.ts allows is told so (Node's own answer would lack the headers).
    const [status, text] = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? ['408 Request Timeout', 'The request took too long to arrive.\n'] : ['400 Bad Request', 'The request could not be read.\n'];
    socket.end(`HTTP/1.1 ${status}\r\n${rawHeaderLines()}content-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    // Anyone can reach this handler before authenticating: nothing it does with their input may throw.
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => socket.end(`HTTP/1.1 ${status}\r\n${rawHeaderLines()}connection: close\r\ncontent-length: 0\r\n\r\n`);
    const url = parseRequestUrl(req.url);
    if (!url) return void refuse('400 Bad Request');
    if (!allowedHost(req, allowed)) return void refuse('403 Forbidden');
    const auth = authenticate(req, authDeps(), url.searchParams.get('token'));
    if (auth.kind === 'wait') return void socket.end(`HTTP/1.1 429 Too Many Requests\r\n${rawHeaderLines()}retry-after: ${auth.retryAfterS}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    if (auth.kind !== 'ok') return void refuse('401 Unauthorized');
    if (url.pathname !== '/api/events') return void refuse('404 Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });
  const unsubscribe = options.engine.onEvent((event) => {
    const message = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  for (const h of [`${shownHost}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, ...(options.allowedHosts ?? [])]) allowed.add(h.toLowerCase());
  const url = `http://${shownHost}:${port}/`;

  return {
    url,
    loginUrl: `${url}?token=${encodeURIComponent(options.token)}`,
    port,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function failure(code: 'internal' | 'invalid-input' | 'unauthorized' | 'unknown-method', message: string): ApiResponse<ApiMethod> {
  return { ok: false, error: { code, message } };
}

function unauthorized(req: IncomingMessage, res: ServerResponse): void {
  const message = 'Concord needs its access token. Open the address `concord serve` printed when it started (it ends in ?token=…).';
  if ((req.url ?? '').startsWith('/api/')) return sendJson(res, 401, failure('unauthorized', message));
  res.writeHead(401, { ...NO_STORE, 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Concord — access token needed</title><h1>Access token needed</h1><p>${message}</p>`);
}

function tooManyTries(req: IncomingMessage, res: ServerResponse, retryAfterS: number): void {
  const message = `Too many wrong access tokens from this address: try again in ${retryAfterS} s. Check the token (\`concord token list\` names the live ones).`;
  if ((req.url ?? '').startsWith('/api/')) {
    res.writeHead(429, { ...NO_STORE, 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterS) });
    return void res.end(JSON.stringify(failure('unauthorized', message)));
  }
  res.writeHead(429, { ...NO_STORE, 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(retryAfterS) });
  res.end(message);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...NO_STORE, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...NO_STORE, 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** The path and query of a request; null when they do not parse (a request line like `GET http://[`). */
function parseRequestUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://placeholder');
  } catch {
    return null;
  }
}

class BodyTooLarge extends Error {
  constructor() {
    super(`The request body is larger than ${MAX_BODY / 1024 / 1024} MB; send less at once (for many records, page the call).`);
  }
}

/** The decoded path, or null when a percent-escape in it is malformed. */
function decodePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

/** Reads the body; rejects with BodyTooLarge past MAX_BODY (and keeps nothing more of it). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Reads the rest of a refused body and throws it away, so the 413 reaches a client that is still
 * sending: the connection stays in step and is closed by neither side mid-body. Past MAX_DISCARD
 * the client is cut off (it has had its answer).
 */
function discardRest(req: IncomingMessage): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARD) req.socket.destroy();
  });
  req.resume();
}
