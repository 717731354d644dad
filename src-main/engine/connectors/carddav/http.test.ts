/**
 * Bearer tokens and rate limits, which Radicale has neither of: a stand-in HTTP server (named so)
 * on 127.0.0.1 that answers like a CardDAV server fronted by a token gateway.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { bookClient } from './client';
import { davHttp, RateLimitedError, retryAfterMs } from './http';

let standIn: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (standIn ? standIn.close(() => r()) : r()));
  standIn = null;
});

/** STAND-IN for a CardDAV server behind a gateway: answers each request with `answer(authorization)`. */
async function standInServer(answer: (auth: string | undefined) => { status: number; headers?: Record<string, string>; body?: string }): Promise<string> {
  standIn = createServer((req, res) => {
    const a = answer(req.headers.authorization);
    res.writeHead(a.status, a.headers ?? {});
    res.end(a.body ?? '');
  });
  await new Promise<void>((r) => standIn?.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/book/`;
}

const emptyMultistatus = '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"/>';

describe('CardDAV HTTP: bearer tokens and rate limits', () => {
  it('sends the keychain token as a bearer token; a refused token is "auth" and says to check the token', async () => {
    const seen: (string | undefined)[] = [];
    const url = await standInServer((auth) => {
      seen.push(auth);
      return auth === 'Bearer tok-123' ? { status: 207, headers: { 'Content-Type': 'application/xml' }, body: emptyMultistatus } : { status: 401 };
    });
    await expect(bookClient(davHttp({ kind: 'bearer', username: '', secret: memorySecretHandle('tok-123') }), url).list()).resolves.toEqual([]);
    expect(seen).toEqual(['Bearer tok-123']);
    await expect(bookClient(davHttp({ kind: 'bearer', username: '', secret: memorySecretHandle('expired') }), url).list()).rejects.toMatchObject({ reason: 'auth', message: expect.stringMatching(/access token/) });
  });

  it('no saved secret is "auth" before any request is sent', async () => {
    const url = await standInServer(() => ({ status: 500 }));
    await expect(bookClient(davHttp({ kind: 'basic', username: 'u', secret: memorySecretHandle(null) }), url).list()).rejects.toMatchObject({ reason: 'auth', message: expect.stringMatching(/No password is saved/) });
  });

  it('429 with Retry-After, and 503 with Retry-After, are "rate-limited" with the wait in ms', async () => {
    let status = 429;
    const url = await standInServer(() => ({ status, headers: { 'Retry-After': '7' } }));
    const c = bookClient(davHttp({ kind: 'basic', username: 'u', secret: memorySecretHandle('p') }), url);
    await expect(c.list()).rejects.toSatisfy((e: unknown) => e instanceof RateLimitedError && e.reason === 'rate-limited' && e.retryAfterMs === 7000);
    status = 503;
    await expect(c.multiget(['a.vcf'])).rejects.toMatchObject({ reason: 'rate-limited', retryAfterMs: 7000 });
  });

  it('Retry-After as an HTTP date', () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    expect(retryAfterMs(at)).toBeGreaterThan(100_000);
    expect(retryAfterMs('soon')).toBeNull();
  });
});
