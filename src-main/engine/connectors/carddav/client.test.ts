/**
 * The DAV layer on raw card text, against a real Radicale: discovery, listing, multiget,
 * sync-collection (with deletes and an invalid token), conditional PUT and DELETE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from '../../testing/radicale-server';
import { bookClient, InvalidSyncTokenError } from './client';
import { discoverAddressBooks } from './discover';
import { davHttp } from './http';

const gate = radicaleTestGate();
const card = (uid: string, fn: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEND:VCARD\r\n`;

describe.skipIf(!gate.available)('CardDAV client against Radicale', () => {
  let server: RadicaleServer;
  let books = 0;
  const http = () => davHttp({ kind: 'basic', username: server.user, secret: memorySecretHandle(server.password) });
  const newBook = async () => server.app.createAddressBook(`book${++books}`, `Book ${books}`);
  beforeAll(async () => {
    server = await startRadicaleServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('discovers the address books from the server URL, through the well-known URI, principal and home set', async () => {
    const a = await newBook();
    const b = await newBook();
    await server.app.createCalendar('not-a-book');
    const found = await discoverAddressBooks(http(), `${server.url}/`);
    expect(found.map((f) => f.url)).toEqual(expect.arrayContaining([a, b]));
    expect(found.some((f) => f.path.includes('not-a-book'))).toBe(false);
    expect(found.find((f) => f.url === a)).toMatchObject({ displayName: expect.stringMatching(/^Book /), syncCollection: true });
  });

  it('accepts a direct address-book URL, with or without its trailing slash', async () => {
    const a = await newBook();
    expect((await discoverAddressBooks(http(), a)).map((f) => f.url)).toEqual([a]);
    expect((await discoverAddressBooks(http(), a.replace(/\/$/, ''))).map((f) => f.url)).toEqual([a]);
  });

  it('lists, fetches in batches, and leaves out names that do not exist', async () => {
    const url = await newBook();
    for (const n of ['b', 'a', 'c']) await server.app.putCard(url, `${n}.vcf`, card(n, n.toUpperCase()));
    const c = bookClient(http(), url);
    const listed = await c.list();
    expect(listed.map((x) => x.name)).toEqual(['a.vcf', 'b.vcf', 'c.vcf']);
    const got = await c.multiget(['c.vcf', 'missing.vcf', 'a.vcf']);
    expect(got.map((x) => x.name)).toEqual(['c.vcf', 'a.vcf']);
    expect(got[0]?.body).toContain('FN:C');
    expect(got[0]?.etag).toBe(listed[2]?.etag);
  });

  it('sync-collection: the first sync lists everything; the next one changes and deletes; an unknown token is InvalidSyncTokenError', async () => {
    const url = await newBook();
    await server.app.putCard(url, 'a.vcf', card('a', 'A'));
    await server.app.putCard(url, 'b.vcf', card('b', 'B'));
    const c = bookClient(http(), url);
    const first = await c.sync('');
    expect(first.changed.map((x) => x.name).sort()).toEqual(['a.vcf', 'b.vcf']);
    await server.app.putCard(url, 'a.vcf', card('a', 'A2'));
    await server.app.deleteCard(url, 'b.vcf');
    await server.app.putCard(url, 'c d.vcf', card('c', 'C'));
    const next = await c.sync(first.token);
    expect(next.changed.map((x) => x.name).sort()).toEqual(['a.vcf', 'c d.vcf']);
    expect(next.deleted).toEqual(['b.vcf']);
    await expect(c.sync('http://radicale.org/ns/sync/0000000000000000000000000000000000000000')).rejects.toBeInstanceOf(InvalidSyncTokenError);
  });

  it('PUT with If-None-Match never replaces; If-Match with a stale ETag is 412; DELETE with If-Match', async () => {
    const url = await newBook();
    const c = bookClient(http(), url);
    const created = await c.put('x.vcf', card('x', 'X'), { ifNoneMatch: true });
    expect(created.status).toBe(201);
    expect((await c.put('x.vcf', card('x', 'Other'), { ifNoneMatch: true })).status).toBe(412);
    const etag = created.etag ?? '';
    await server.app.putCard(url, 'x.vcf', card('x', 'Changed by the app'));
    expect((await c.put('x.vcf', card('x', 'Concord'), { ifMatch: etag })).status).toBe(412);
    expect((await c.get('x.vcf'))?.body).toContain('Changed by the app');
    expect((await c.delete('x.vcf', etag)).status).toBe(412);
    const now = await c.get('x.vcf');
    expect((await c.delete('x.vcf', now?.etag)).status).toBe(200);
    expect(await c.get('x.vcf')).toBeNull();
  });

  it('a wrong password is ConnectorError auth; a stopped server is unavailable', async () => {
    const wrong = davHttp({ kind: 'basic', username: server.user, secret: memorySecretHandle('wrong') });
    await expect(discoverAddressBooks(wrong, `${server.url}/`)).rejects.toMatchObject({ name: 'ConnectorError', reason: 'auth', message: expect.stringMatching(/password/) });
    const closed = davHttp({ kind: 'basic', username: 'x', secret: memorySecretHandle('y') });
    await expect(discoverAddressBooks(closed, 'http://127.0.0.1:9/')).rejects.toMatchObject({ reason: 'unavailable' });
  });
});

if (gate.failInCi) {
  it('needs Radicale (CI=true)', () => {
    throw new Error(gate.missingMessage);
  });
}
