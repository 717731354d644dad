/**
 * TEST FIXTURE (not shipped code): a fault-injection proxy between Concord and a real server
 * (issue 12 §3). It listens on 127.0.0.1 on a free port and forwards to the server; at random —
 * from a seeded generator, so a failing run can be replayed with CONCORD_FAULT_SEED — it injects
 * faults and counts every one it injected, by kind.
 *
 * - 'tcp' mode forwards bytes and parses nothing (PostgreSQL's wire protocol): a new connection may
 *   be dropped (closed before a byte passes); each chunk the server sends may be delayed, or the
 *   connection reset there (RST, `resetAndDestroy`) — mid-stream, in the middle of a query's answer.
 * - 'http' mode is a reverse proxy (Radicale's CardDAV, the REST stand-in). Per request it may
 *   drop the connection before forwarding (nothing reached the server), delay it, reset it after
 *   the server answered (the write landed, the client never learns it: the case that doubles
 *   creates), or answer 500/502/503 (some 503s with Retry-After) or 429 with Retry-After itself.
 *
 * A replay is exact only for the same sequence of connections and requests: the generator is drawn
 * in arrival order, and concurrent requests may arrive in another order on another run.
 */
import { createServer as createHttpServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { freePort } from './test-servers';
import { seededRandom } from '../core/seeded-random';

/** Every fault the proxy can inject. The `http-*` kinds exist in 'http' mode only. */
export const FAULT_KINDS = ['drop', 'delay', 'reset', 'http-500', 'http-502', 'http-503', 'http-503-retry-after', 'http-429'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * The chance of each fault, 0..1, per connection ('drop' in tcp mode), per chunk from the server
 * ('delay', 'reset' in tcp mode) or per request (every kind in http mode). At most one fault per roll.
 */
export type FaultRates = Partial<Record<FaultKind, number>>;

export type FaultProxyOptions = {
  mode: 'tcp' | 'http';
  target: { host: string; port: number };
  rates: FaultRates;
  /** The generator's seed; default CONCORD_FAULT_SEED, else a random one (see `seed`). */
  seed?: number;
  /** How long a delay holds a request or chunk, in ms (uniform between the two). Default 5..60. */
  delayMs?: [number, number];
  /** Retry-After of the 429s and of the 503s that carry one, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /**
   * Faults for the first rolls, in order (null: none), before the generator takes over: a test
   * that needs "the first request fails, the second goes through" says so. Counted like the others.
   */
  script?: (FaultKind | null)[];
};

export type FaultProxy = {
  host: '127.0.0.1';
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  seed: number;
  /** Faults injected so far, by kind. */
  counts(): Record<FaultKind, number>;
  /** Connections ('tcp') or requests ('http') that went through, faulted or not. */
  passed(): number;
  /** Replaces the rates (`{}`: no more faults; the proxy still forwards). */
  setRates(rates: FaultRates): void;
  close(): Promise<void>;
};

export { seededRandom } from '../core/seeded-random';

/** The seed a run uses: CONCORD_FAULT_SEED when set (a replay), else a fresh one. */
export function faultSeed(): number {
  const env = process.env.CONCORD_FAULT_SEED;
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env);
    if (!Number.isInteger(n)) throw new Error(`CONCORD_FAULT_SEED must be an integer (it is "${env}").`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32);
}

const TCP_CONNECTION_KINDS: readonly FaultKind[] = ['drop'];
const TCP_CHUNK_KINDS: readonly FaultKind[] = ['delay', 'reset'];

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const seed = options.seed ?? faultSeed();
  const random = seededRandom(seed);
  let rates: FaultRates = { ...options.rates };
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let passed = 0;
  const [minDelay, maxDelay] = options.delayMs ?? [5, 60];
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const sockets = new Set<Socket>();

  /** One roll among `kinds`: the fault to inject (counted), or null. */
  const script = [...(options.script ?? [])];
  const roll = (kinds: readonly FaultKind[]): FaultKind | null => {
    if (script.length > 0) {
      const k = script.shift() ?? null;
      if (k !== null) counts[k]++;
      return k;
    }
    const r = random();
    let acc = 0;
    for (const k of kinds) {
      acc += rates[k] ?? 0;
      if (r < acc) {
        counts[k]++;
        return k;
      }
    }
    return null;
  };
  const delay = () => new Promise<void>((resolve) => setTimeout(resolve, minDelay + random() * (maxDelay - minDelay)));
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A reset or a closed peer is the point of this proxy, never a crash of the test.
    s.on('error', () => {});
  };

  const server: Server = options.mode === 'tcp' ? tcpProxy() : httpProxy();
  const port = await listen(server);

  function tcpProxy(): Server {
    return createTcpServer((client) => {
      track(client);
      passed++;
      if (roll(TCP_CONNECTION_KINDS) === 'drop') {
        client.destroy();
        return;
      }
      const upstream = connect(options.target.port, options.target.host);
      track(upstream);
      client.pipe(upstream);
      // Each chunk from the server rolls once: the connection reset right there, or the chunk held
      // back a moment (the server's socket paused meanwhile, so the bytes stay in order).
      upstream.on('data', (chunk: Buffer) => {
        const fault = roll(TCP_CHUNK_KINDS);
        if (fault === 'reset') {
          // Half the chunk reaches the client first: the reset lands in the middle of an answer.
          // Nothing more is forwarded, and the server's side goes only after the RST was sent
          // (closing it first would end the client's side gracefully).
          upstream.pause();
          upstream.removeAllListeners('data');
          upstream.removeAllListeners('end');
          upstream.removeAllListeners('close');
          client.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () =>
            resetSoon(client, () => upstream.destroy()),
          );
          return;
        }
        if (fault === 'delay') {
          upstream.pause();
          void delay().then(() => {
            if (!client.destroyed) client.write(chunk);
            upstream.resume();
          });
          return;
        }
        if (!client.write(chunk)) {
          upstream.pause();
          client.once('drain', () => upstream.resume());
        }
      });
      upstream.on('end', () => client.end());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  }

  function httpProxy(): Server {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const srv = createHttpServer((req, res) => void forward(req, res, agent));
    srv.on('connection', track);
    srv.on('close', () => agent.destroy());
    return srv;
  }

  async function forward(req: IncomingMessage, res: ServerResponse, agent: Agent): Promise<void> {
    passed++;
    const fault = roll(FAULT_KINDS);
    const body = await readBody(req);
    if (fault === 'drop') {
      // Nothing reaches the server: the client's connection just ends with no answer.
      req.socket.destroy();
      return;
    }
    if (fault === 'http-500' || fault === 'http-502' || fault === 'http-503' || fault === 'http-503-retry-after' || fault === 'http-429') {
      const status = Number(fault.slice(5, 8));
      const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
      if (fault === 'http-429' || fault === 'http-503-retry-after') headers['retry-after'] = retryAfter;
      res.writeHead(status, headers).end(JSON.stringify({ error: `fault proxy: injected ${status}` }));
      return;
    }
    if (fault === 'delay') await delay();
    let answer: { status: number; headers: IncomingMessage['headers']; body: Buffer };
    try {
      answer = await send(req, body, agent);
    } catch {
      req.socket.destroy();
      return;
    }
    if (fault === 'reset') {
      // The server did the work; the client gets the head and part of the body, then a reset.
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => resetSoon(req.socket));
      return;
    }
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  function send(req: IncomingMessage, body: Buffer, agent: Agent): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    return new Promise((resolve, reject) => {
      // The Host header stays the proxy's: a server that writes absolute URLs (Link headers, hrefs)
      // points the client back through the proxy, not around it.
      const headers = { ...req.headers };
      delete headers.connection;
      const up = httpRequest({ host: options.target.host, port: options.target.port, method: req.method, path: req.url, headers, agent }, (r) => {
        void readBody(r).then((b) => {
          const h = { ...r.headers };
          delete h.connection;
          delete h['keep-alive'];
          delete h['transfer-encoding'];
          h['content-length'] = String(b.length);
          resolve({ status: r.statusCode ?? 502, headers: h, body: b });
        }, reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  }

  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    seed,
    counts: () => ({ ...counts }),
    passed: () => passed,
    setRates(next) {
      rates = { ...next };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Resets `socket` (RST) a moment after its last write: a reset while written bytes are still
 * unacknowledged ends the connection with a plain FIN instead (seen on Linux with Node 20).
 */
function resetSoon(socket: Socket, then?: () => void): void {
  setTimeout(() => {
    if (!socket.destroyed) socket.resetAndDestroy();
    then?.();
  }, 20);
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Listens on a free port of 127.0.0.1 (another process may take the port first: then another). */
async function listen(server: Server): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return port;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
}

/** One line for a test's log and a failure message: the seed and the faults by kind. */
export function describeFaults(name: string, proxy: FaultProxy): string {
  const c = proxy.counts();
  const parts = FAULT_KINDS.filter((k) => c[k] > 0).map((k) => `${k} ${c[k]}`);
  return `${name} (seed ${proxy.seed}): ${proxy.passed()} ${parts.length > 0 ? `through, faults: ${parts.join(', ')}` : 'through, no faults'}`;
}
