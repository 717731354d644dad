import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors';
import { collect } from '../conformance';
import { nextLink } from './paging';
import { people, rig } from './rest.fixture';

const T = '2024-05-01T10:00:00.000Z';
const LIST = { path: '/contacts', records: '$.data' } as const;

describe('REST connector: each paging style reads every record once, page by page', () => {
  it.each([
    ['page', { style: 'page', pageParam: 'page', sizeParam: 'per_page' }],
    ['offset', { style: 'offset', offsetParam: 'offset', limitParam: 'limit' }],
    ['cursor token in the body', { style: 'cursor', cursorParam: 'cursor', next: '$.next_cursor', sizeParam: 'limit' }],
    ['Link header', { style: 'link', sizeParam: 'limit' }],
  ] as const)('%s', async (_name, paging) => {
    const r = await rig({}, { contacts: { list: { ...LIST, paging, pageSize: 4 } } });
    r.standin.app.insert(people(11), T);
    const before = r.standin.stats().listCalls;
    const scan = await r.scan('hash', null, 100);
    expect([...scan.ids].sort()).toEqual(people(11).map((p) => p.id));
    // 3 pages of 4 (the last short, or an empty one after it)
    expect(r.standin.stats().listCalls - before).toBeGreaterThanOrEqual(3);
    expect(r.standin.stats().listCalls - before).toBeLessThanOrEqual(4);
    expect(scan.batches.at(-1)?.complete).toBe(true);
  });

  it('no paging: one answer, split into the engine’s batches', async () => {
    const r = await rig({}, { contacts: { list: { ...LIST, paging: { style: 'none' } } } });
    r.standin.app.insert(people(5), T);
    const scan = await r.scan('hash', null, 2);
    expect(scan.batches.map((b) => b.upserts.length)).toEqual([2, 2, 1]);
    expect(r.standin.stats().listCalls).toBe(1);
  });

  it('reads rel="next" among other links', () => {
    expect(nextLink('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"')).toBe('https://a/x?page=3');
    expect(nextLink('<https://a/x?page=1>; rel="first"')).toBeNull();
  });

  it('a Link header pointing to another origin stops the read: credentials go only to the base URL', async () => {
    const r = await rig({ linkOrigin: 'http://127.0.0.2:9' }, { contacts: { list: { ...LIST, paging: { style: 'link', sizeParam: 'limit' }, pageSize: 2 } } });
    r.standin.app.insert(people(3), T);
    await expect(r.scan()).rejects.toMatchObject({ message: expect.stringMatching(/outside http:\/\/127\.0\.0\.1:\d+: Concord sends its credentials only/) });
  });
});

describe('REST connector: records', () => {
  it('nested objects are flattened to fields, and the id and updated-at come from the profile’s paths', async () => {
    const r = await rig({ etags: true });
    r.standin.app.insert([{ id: 'a1', name: 'Ann', address: { city: 'Oslo', street: 'Storgata 1' }, tags: ['vip'] }], T);
    const [rec] = await r.connector.read('contacts', ['a1']);
    expect(rec?.fields).toMatchObject({ id: 'a1', name: 'Ann', 'address.city': 'Oslo', 'address.street': 'Storgata 1', 'address.postcode': null, tags: ['vip'] });
    expect(rec?.updatedAt).toBe(T);
    expect(rec?.version).toMatch(/^"r1-/);
    const { collections } = await r.connector.describe();
    expect(collections[0]?.fields.find((f) => f.name === 'updated_at')).toMatchObject({ managed: 'updated-at' });
    expect(collections[0]?.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['address.city', 'tags']));
  });

  it('a profile without declared fields finds them on the first page', async () => {
    const r = await rig({}, { contacts: { fields: [] } });
    r.standin.app.insert([{ id: 'a1', name: 'Ann', phone: '+47 1', tags: ['x'], address: { city: 'Oslo' } }], T);
    const { collections } = await r.connector.describe();
    expect(collections[0]?.fields).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'phone', type: 'string' }), expect.objectContaining({ name: 'tags', type: 'set' }), expect.objectContaining({ name: 'address.city' })]));
  });

  it('wrong key: ConnectorError "auth" that says to check the API key; no key stored: says to enter it', async () => {
    const r = await rig({}, {}, { key: 'wrong' });
    await expect(r.connector.test()).rejects.toMatchObject({ reason: 'auth', message: expect.stringMatching(/refused the API key.*Check the API key in the connection's settings/) });
    const r2 = await rig({}, {}, { key: '' });
    await expect(r2.connector.test()).rejects.toMatchObject({ reason: 'auth', message: expect.stringMatching(/No API key is stored/) });
  });

  it.each([
    ['bearer', { kind: 'bearer', tokens: ['tok-1'] }, { kind: 'bearer' }, 'tok-1'],
    ['basic', { kind: 'basic', username: 'ann', password: 'pw' }, { kind: 'basic', username: 'ann' }, 'pw'],
    ['api key in the query', { kind: 'api-key', in: 'query', name: 'api_key', key: 'k9' }, { kind: 'api-key', in: 'query', name: 'api_key' }, 'k9'],
  ] as const)('auth: %s', async (_n, serverAuth, profileAuth, secret) => {
    const r = await rig({ auth: serverAuth }, { profile: { auth: profileAuth } }, { key: secret });
    r.standin.app.insert(people(2), T);
    expect((await r.scan()).ids).toHaveLength(2);
    const wrong = await rig({ auth: serverAuth }, { profile: { auth: profileAuth } }, { key: 'nope' });
    await expect(wrong.connector.test()).rejects.toBeInstanceOf(ConnectorError);
  });

  it('an OAuth 2 profile whose token endpoint does not answer fails "unavailable", naming the host; nothing is sent to the API', async () => {
    const r = await rig({}, { profile: { auth: { kind: 'oauth2-client-credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c' } } });
    await expect(r.connector.test()).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringContaining('could not reach 127.0.0.1:9 for a token') });
    expect(r.standin.stats().requests).toBe(0);
  });

  it('a server that is gone: ConnectorError "unavailable"; an abort mid-request (slow app) rejects promptly with the abort', async () => {
    const r = await rig({ slowMs: 60_000 });
    const controller = new AbortController();
    const reading = r.connector.read('contacts', ['x'], { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await r.standin.halt();
    await expect(r.connector.read('contacts', ['x'])).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/Could not reach/) });
  });

  it('a list path the app does not know: "config" with the path to check', async () => {
    const r = await rig({}, { contacts: { list: { ...LIST, path: '/people' } } });
    await expect(collect(r.connector, 'contacts', null, 'hash')).rejects.toMatchObject({ reason: 'config', message: expect.stringContaining('Check list.path ("/people")') });
  });
});
