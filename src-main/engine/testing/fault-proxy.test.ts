/**
 * The fault-injection proxy itself (issue 12 §3), in front of small real servers: it forwards
 * untouched when no fault is due, injects each kind when it is, counts what it injected, and a
 * seed fixes the sequence.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_KINDS, seededRandom, startFaultProxy, type FaultProxy, type FaultRates } from './fault-proxy';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listening<T extends Server | HttpServer>(server: T): Promise<{ server: T; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** A TCP server that answers each chunk with `len` bytes of 'x' (an answer long enough to cut in the middle). */
async function bulkServer(len = 64 * 1024) {
  const sockets = new Set<import('node:net').Socket>();
  const s = createTcpServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    sock.on('data', () => sock.write(Buffer.alloc(len, 'x')));
  });
  closers.push(async () => {
    for (const x of sockets) x.destroy();
  });
  return listening(s);
}

async function proxy(mode: 'tcp' | 'http', port: number, rates: FaultRates, seed = 1): Promise<FaultProxy> {
  const p = await startFaultProxy({ mode, target: { host: '127.0.0.1', port }, rates, seed, delayMs: [1, 5] });
  closers.push(() => p.close());
  return p;
}

/** Sends one line through the proxy; resolves with the bytes received and how the connection ended. */
function tcpExchange(port: number, expected: number): Promise<{ bytes: number; ended: 'complete' | 'closed' | 'reset' }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const sock = connect(port, '127.0.0.1', () => sock.write('hello\n'));
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes >= expected) {
        sock.destroy();
        resolve({ bytes, ended: 'complete' });
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => resolve({ bytes, ended: e.code === 'ECONNRESET' ? 'reset' : 'closed' }));
    sock.on('close', () => resolve({ bytes, ended: 'closed' }));
  });
}

describe('fault proxy, tcp mode (bytes only, as for PostgreSQL)', () => {
  it('forwards every byte when no fault is due, and counts none', async () => {
    const { port } = await bulkServer();
    const p = await proxy('tcp', port, {});
    expect(await tcpExchange(p.port, 64 * 1024)).toEqual({ bytes: 64 * 1024, ended: 'complete' });
    expect(Object.values(p.counts()).every((n) => n === 0)).toBe(true);
    expect(p.passed()).toBe(1);
  });

  it('drops a connection before a byte passes', async () => {
    const { port } = await bulkServer();
    const p = await proxy('tcp', port, { drop: 1 });
    expect(await tcpExchange(p.port, 64 * 1024)).toMatchObject({ bytes: 0 });
    expect(p.counts().drop).toBe(1);
  });

  it('resets a connection in the middle of an answer (RST: the client sees ECONNRESET after part of it)', async () => {
    const { port } = await bulkServer();
    const p = await proxy('tcp', port, { reset: 1 });
    const out = await tcpExchange(p.port, 64 * 1024);
    expect(out.ended).toBe('reset');
    expect(out.bytes).toBeLessThan(64 * 1024);
    expect(p.counts().reset).toBe(1);
  });

  it('delays chunks and keeps them in order', async () => {
    const { port } = await bulkServer();
    const p = await proxy('tcp', port, { delay: 1 });
    expect(await tcpExchange(p.port, 64 * 1024)).toEqual({ bytes: 64 * 1024, ended: 'complete' });
    expect(p.counts().delay).toBeGreaterThan(0);
  });
});

describe('fault proxy, http mode (as for CardDAV and REST)', () => {
  async function app() {
    const received: string[] = [];
    const { port } = await listening(
      createHttpServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push(`${req.method} ${req.url} ${body}`);
          res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', etag: '"e1"' }).end(JSON.stringify({ ok: true, body, pad: 'p'.repeat(2000) }));
        });
      }),
    );
    return { port, received };
  }
  const post = (p: FaultProxy) => fetch(`${p.url}/api/things?x=1`, { method: 'POST', body: '{"name":"a"}', headers: { 'content-type': 'application/json' } });

  it('forwards method, path, body, status and headers when no fault is due', async () => {
    const a = await app();
    const p = await proxy('http', a.port, {});
    const res = await post(p);
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"e1"');
    expect(await res.json()).toMatchObject({ ok: true, body: '{"name":"a"}' });
    expect(a.received).toEqual(['POST /api/things?x=1 {"name":"a"}']);
  });

  it.each([
    ['http-500', 500, null],
    ['http-502', 502, null],
    ['http-503', 503, null],
    ['http-503-retry-after', 503, '2'],
    ['http-429', 429, '2'],
  ] as const)('%s: answers %i itself (Retry-After %s); the server never sees the request', async (kind, status, retryAfter) => {
    const a = await app();
    const p = await startFaultProxy({ mode: 'http', target: { host: '127.0.0.1', port: a.port }, rates: { [kind]: 1 }, seed: 7, retryAfterSeconds: 2 });
    closers.push(() => p.close());
    const res = await post(p);
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    await res.text();
    expect(a.received).toEqual([]);
    expect(p.counts()[kind]).toBe(1);
  });

  it('drop: the connection ends with no answer and the server never sees the request', async () => {
    const a = await app();
    const p = await proxy('http', a.port, { drop: 1 });
    await expect(post(p)).rejects.toThrow();
    expect(a.received).toEqual([]);
    expect(p.counts().drop).toBe(1);
  });

  it('reset: the server did the write, the client gets a reset mid-answer', async () => {
    const a = await app();
    const p = await proxy('http', a.port, { reset: 1 });
    await expect(post(p).then((r) => r.text())).rejects.toThrow();
    expect(a.received).toHaveLength(1);
    expect(p.counts().reset).toBe(1);
  });

  it('delay: the request goes through, late', async () => {
    const a = await app();
    const p = await proxy('http', a.port, { delay: 1 });
    expect((await post(p)).status).toBe(201);
    expect(p.counts().delay).toBe(1);
  });

  it('the same seed injects the same faults for the same requests; setRates({}) stops them', async () => {
    const a = await app();
    const rates: FaultRates = { 'http-500': 0.2, 'http-429': 0.2, delay: 0.2 };
    const sequence = async (p: FaultProxy) => {
      const out: number[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await post(p);
        await r.text();
        out.push(r.status);
      }
      return out;
    };
    const one = await sequence(await proxy('http', a.port, rates, 42));
    const two = await sequence(await proxy('http', a.port, rates, 42));
    expect(two).toEqual(one);
    expect(new Set(one).size).toBeGreaterThan(1);
    const p = await proxy('http', a.port, rates, 42);
    p.setRates({});
    expect(new Set(await sequence(p))).toEqual(new Set([201]));
    expect(FAULT_KINDS.every((k) => p.counts()[k] === 0)).toBe(true);
  });
});

describe('seededRandom', () => {
  it('is fixed by its seed and stays in [0, 1)', () => {
    const a = seededRandom(123);
    const b = seededRandom(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(124)()).not.toBe(xs[0]);
  });
});
