// Slow clients (a slowloris) against both of Concord's HTTP servers: headers or a body that never
// finish are answered 408 and closed once the limit passes, and connections past the cap are
// closed at once — on the guarded server itself, on the headless UI's server and on the webhook
// receiver of a real engine. Limits are shortened here; the deadline of each wait is the test's.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createEngine, type Engine } from '../engine';
import { startServer } from './http-server';
import { until } from '../sync/test-kit.fixture';
import { createGuardedServer, type SlowClientLimits } from './slow-clients';

const SHORT: SlowClientLimits = { headersTimeoutMs: 300, requestTimeoutMs: 600, checkEveryMs: 50, maxConnections: 3 };

/** Opens a connection, writes `sent`, and resolves with everything the server wrote once it closes. */
function talk(port: number, sent: string): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (got += d));
  socket.on('error', () => undefined); // a reset after the answer: `close` follows
  socket.write(sent);
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve(got))) };
}
const partialHeaders = 'POST /api/invoke/app/info HTTP/1.1\r\nHost: 127.0.0.1\r\n';
const partialBody = 'POST /api/invoke/app/info HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the guarded server', () => {
  async function guarded(limits = SHORT): Promise<{ port: number; open: () => Promise<number> }> {
    // Answers once the whole request is in, as a real handler does.
    const server = createGuardedServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    }, limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    cleanups.push(() => server.closeAllConnections());
    const open = () => new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    return { port: (server.address() as AddressInfo).port, open };
  }
  const whole = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

  it('answers 408 and closes a client whose headers or body never finish; a whole request is answered', async () => {
    const { port } = await guarded();
    const headers = talk(port, partialHeaders);
    const body = talk(port, partialBody);
    expect(await headers.closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(await body.closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(await talk(port, whole).closed).toMatch(/^HTTP\/1\.1 200 [\s\S]*ok$/);
  });

  it('closes a connection past its cap at once, unanswered, and serves again once the others go', async () => {
    // Long time limits here: the three held connections stay however slow the machine is.
    const { port, open } = await guarded({ ...SHORT, headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 });
    const held = [talk(port, ''), talk(port, ''), talk(port, '')];
    await until(async () => (await open()) === 3);
    expect(await talk(port, whole).closed).toBe('');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    await until(async () => (await open()) === 0);
    expect(await talk(port, whole).closed).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('both servers of a real engine are guarded', () => {
  function engineIn(dir: string, limits: SlowClientLimits | null): Engine {
    const engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: () => undefined, feeds: false, ...(limits ? { webhooks: { port: 0, limits } } : {}) });
    cleanups.push(() => engine.close());
    return engine;
  }
  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'concord-slow-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('the headless UI server answers 408 to headers that never finish', async () => {
    const dir = tempDir();
    const ui = join(dir, 'ui');
    mkdirSync(ui, { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Concord</title>');
    const server = await startServer({ engine: engineIn(dir, null), token: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6', staticDir: ui, port: 0, limits: SHORT });
    cleanups.push(() => server.close());
    expect(await talk(server.port, partialHeaders).closed).toMatch(/^HTTP\/1\.1 408 [\s\S]*x-frame-options: DENY[\s\S]*The request took too long to arrive\.\n$/i);
  });

  it('the webhook receiver answers 408 to headers that never finish', async () => {
    const engine = engineIn(tempDir(), SHORT);
    await engine.webhooksReady;
    const port = engine.webhookAddress()?.port ?? 0;
    expect(port).toBeGreaterThan(0);
    expect(await talk(port, partialHeaders.replace('/api/invoke/app/info', '/hooks/p/left')).closed).toMatch(/^HTTP\/1\.1 408 /);
  });
});
