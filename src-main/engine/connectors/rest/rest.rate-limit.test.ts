/**
 * PITFALLS 8 for web apps. No timed assertions: each case checks what the app saw (how many 429s)
 * and what the connector answered, however long the machine took.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { startFaultProxy, type FaultProxy } from '../../testing/fault-proxy';
import { STANDIN_API_KEY, standinProfile } from '../../testing/saas-standin/profile-fixture';
import { createRestConnector } from './connector';
import { parseProfile } from './profile';
import { people, rig } from './rest.fixture';

let proxy: FaultProxy | null = null;
afterEach(async () => {
  await proxy?.close();
  proxy = null;
});

const T = '2024-05-01T10:00:00.000Z';
const paged = { contacts: { list: { path: '/contacts', records: '$.data', paging: { style: 'page', pageParam: 'page', sizeParam: 'per_page' }, pageSize: 1 } } } as const;

describe('REST connector: rate limits (PITFALLS 8)', () => {
  it('a 429 with a long Retry-After: a read fails as "rate-limited" with retryAfterMs, for the engine to pause the side', async () => {
    const r = await rig({ rateLimit: { perSecond: 1, retryAfterSeconds: 30, headers: false } });
    r.standin.app.insert(people(3), T);
    // The first request of a second is allowed, the next is refused (or both are, across a second boundary: then still refused).
    const error = await (async () => {
      for (let i = 0; i < 3; i++) await r.connector.read('contacts', ['p001']);
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ reason: 'rate-limited', retryAfterMs: 30_000, message: expect.stringMatching(/slow down \(429\)/) });
  });

  it('a 429 mid-batch of writes: that op and every one after it fail as "rate-limited" (not sent); those before it are done', async () => {
    const r = await rig({ rateLimit: { perSecond: 2, retryAfterSeconds: 30, headers: false }, etags: true });
    r.standin.app.insert(people(6), T);
    const results = await r.connector.write('contacts', people(6).map((p) => ({ op: 'update' as const, id: p.id, fields: { name: 'Renamed' } })));
    const firstLimited = results.findIndex((x) => !x.ok);
    expect(firstLimited).toBeGreaterThan(-1);
    expect(results.slice(0, firstLimited).every((x) => x.ok)).toBe(true);
    expect(results.slice(firstLimited)).toEqual(results.slice(firstLimited).map(() => expect.objectContaining({ ok: false, reason: 'rate-limited', retryAfterMs: 30_000 })));
    const renamed = people(6).filter((p) => r.standin.app.get(p.id)?.name === 'Renamed').length;
    expect(renamed).toBe(firstLimited);
  });

  it('a short Retry-After is waited out in place once, and the read goes on', async () => {
    const r = await rig({ rateLimit: { perSecond: 2, retryAfterSeconds: 1, headers: false } }, paged);
    r.standin.app.insert(people(6), T);
    const scan = await r.scan('hash');
    expect(scan.ids).toHaveLength(6);
    expect(r.standin.stats().rateLimited).toBeGreaterThan(0);
  });

  it('X-RateLimit-Remaining: 0 makes the next request wait for X-RateLimit-Reset: no 429 at all', async () => {
    const r = await rig({ rateLimit: { perSecond: 3, retryAfterSeconds: 30 } }, paged);
    r.standin.app.insert(people(8), T);
    const scan = await r.scan('hash');
    expect(scan.ids).toHaveLength(8);
    expect(r.standin.stats().rateLimited).toBe(0);
  });

  it('requestsPerSecond from the profile spaces requests to fit an app that sends no rate-limit headers: no 429', async () => {
    const r = await rig({ rateLimit: { perSecond: 8, retryAfterSeconds: 30, headers: false } }, { ...paged, profile: { requestsPerSecond: 4 } });
    r.standin.app.insert(people(10), T);
    const scan = await r.scan('hash');
    expect(scan.ids).toHaveLength(10);
    expect(r.standin.stats().rateLimited).toBe(0);
  });

  it('a 503 that says when to come back (Retry-After) is a rate limit too: reads and writes fail "rate-limited" with the wait; a 503 without one stays "unavailable"', async () => {
    const r = await rig({ etags: true });
    r.standin.app.insert(people(2), T);
    proxy = await startFaultProxy({ mode: 'http', target: { host: '127.0.0.1', port: r.standin.port }, rates: { 'http-503-retry-after': 1 }, retryAfterSeconds: 30, seed: 1 });
    const connector = createRestConnector({ profile: parseProfile(standinProfile(`${proxy.url}/api`)), secret: memorySecretHandle(STANDIN_API_KEY) });
    await expect(connector.read('contacts', ['p001'])).rejects.toMatchObject({ reason: 'rate-limited', retryAfterMs: 30_000, message: expect.stringMatching(/503/) });
    const [write] = await connector.write('contacts', [{ op: 'update', id: 'p001', fields: { name: 'Renamed' } }]);
    expect(write).toMatchObject({ ok: false, reason: 'rate-limited', retryAfterMs: 30_000 });
    expect(r.standin.app.get('p001')?.name).toBe('Person 1');
    proxy.setRates({ 'http-503': 1 });
    await expect(connector.read('contacts', ['p001'])).rejects.toMatchObject({ reason: 'unavailable' });
    await connector.close();
  });
});

describe('REST connector: network errors and 5xx (issue 12 §3)', () => {
  const through = async (script: Parameters<typeof startFaultProxy>[0]['script']) => {
    const r = await rig({ etags: true });
    r.standin.app.insert(people(2), T);
    proxy = await startFaultProxy({ mode: 'http', target: { host: '127.0.0.1', port: r.standin.port }, rates: {}, script, seed: 1 });
    return { r, connector: createRestConnector({ profile: parseProfile(standinProfile(`${proxy.url}/api`)), secret: memorySecretHandle(STANDIN_API_KEY) }) };
  };

  it('a read (GET) that meets a dropped connection, a reset or a 5xx is sent again, a bounded number of times, before it fails', async () => {
    const { connector } = await through(['drop', 'http-502', 'reset']);
    expect((await connector.read('contacts', ['p001'])).map((x) => x.id)).toEqual(['p001']);
    expect(proxy?.passed()).toBe(4);
    await connector.close();
    const again = await through(['http-500', 'http-500', 'http-500', 'http-500', 'http-500']);
    await expect(again.connector.read('contacts', ['p001'])).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/500/) });
    expect(proxy?.passed()).toBe(4);
    await again.connector.close();
  });

  it('a create (POST) lost to a reset is never sent again by the connector: the app may hold it', async () => {
    const { r, connector } = await through(['reset']);
    const [res] = await connector.write('contacts', [{ op: 'create', key: 'k1', fields: { name: 'New', email: 'new@example.com' } }]);
    expect(res).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(r.standin.app.ids().filter((id) => r.standin.app.get(id)?.email === 'new@example.com')).toHaveLength(1);
    expect(proxy?.passed()).toBe(1);
    await connector.close();
  });
});
