/**
 * The CardDAV connector against a real Radicale, beyond the conformance suite: discovery,
 * conditional writes ('stale', never an overwrite), an invalid sync token, repeated creates,
 * wrong credentials, and a Concord update that keeps what it does not map.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from '../../testing/radicale-server';
import { collect } from '../conformance';
import { ConnectorError } from '../errors';
import type { Connector } from '../types';
import { cardDavDefinition } from '.';

const gate = radicaleTestGate();
const card = (uid: string, fn: string, email = `${uid}@example.com`) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEMAIL;TYPE=INTERNET:${email}\r\nEND:VCARD\r\n`;

describe.skipIf(!gate.available)('CardDAV connector against Radicale', () => {
  let server: RadicaleServer;
  let n = 0;
  const open = (serverUrl = `${server.url}/`, password = server.password): Connector =>
    cardDavDefinition.create({ config: { serverUrl, username: server.user }, secret: memorySecretHandle(password), dataDir: '/nonexistent' });
  const newBook = async () => {
    const url = await server.app.createAddressBook(`book${++n}`, `Book ${n}`);
    return { url, collection: new URL(url).pathname };
  };
  beforeAll(async () => {
    server = await startRadicaleServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('describes every address book as a collection, found from the server URL; a direct book URL describes just that book', async () => {
    const a = await newBook();
    const b = await newBook();
    await server.app.createCalendar(`calendar${n}`);
    const c = open();
    const { collections } = await c.describe();
    const names = collections.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining([a.collection, b.collection]));
    expect(names.some((x) => x.includes('calendar'))).toBe(false);
    const info = collections.find((x) => x.name === a.collection);
    expect(info).toMatchObject({ primaryKey: ['id'], changeDetection: ['token', 'hash'] });
    expect(info?.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['id', 'name', 'email', 'emails', 'phones', 'organization']));
    await c.close();

    const direct = open(b.url);
    expect((await direct.describe()).collections.map((x) => x.name)).toEqual([b.collection]);
    await server.app.putCard(b.url, 'x.vcf', card('x', 'Xavier'));
    expect((await direct.read(b.collection, ['x.vcf']))[0]?.fields).toMatchObject({ id: 'x.vcf', name: 'Xavier', email: 'x@example.com' });
    await direct.close();
  });

  it('a stale ETag answers "stale" and never overwrites what the app wrote; with the fresh ETag the update lands', async () => {
    const { url, collection } = await newBook();
    await server.app.putCard(url, 'a.vcf', card('a', 'Ann'));
    const c = open();
    const [read] = await c.read(collection, ['a.vcf']);
    await server.app.putCard(url, 'a.vcf', card('a', 'Ann (edited on the phone)'));
    const [r] = await c.write(collection, [{ op: 'update', id: 'a.vcf', fields: { name: 'Ann from Concord' }, ifVersion: read?.version ?? '' }]);
    expect(r).toMatchObject({ ok: false, reason: 'stale' });
    expect((await server.app.getCard(url, 'a.vcf'))?.body).toContain('FN:Ann (edited on the phone)');
    const [del] = await c.write(collection, [{ op: 'delete', id: 'a.vcf', ifVersion: read?.version ?? '' }]);
    expect(del).toMatchObject({ ok: false, reason: 'stale' });
    expect(await server.app.getCard(url, 'a.vcf')).not.toBeNull();
    const [fresh] = await c.read(collection, ['a.vcf']);
    const [ok] = await c.write(collection, [{ op: 'update', id: 'a.vcf', fields: { name: 'Ann from Concord' }, ifVersion: fresh?.version ?? '' }]);
    expect(ok).toMatchObject({ ok: true, id: 'a.vcf', version: (await server.app.getCard(url, 'a.vcf'))?.etag });
    await c.close();
  });

  it('an invalid sync token falls back to a full scan from a new token, whose last batch says complete', async () => {
    const { url, collection } = await newBook();
    for (const id of ['a', 'b', 'c']) await server.app.putCard(url, `${id}.vcf`, card(id, id.toUpperCase()));
    const c = open();
    const first = await collect(c, collection, null, 'token', 2);
    expect(first.batches.some((b) => b.complete)).toBe(false);
    await server.app.deleteCard(url, 'b.vcf');
    const bogus = { mode: 'token' as const, value: { token: 'http://radicale.org/ns/sync/ffffffffffffffffffffffffffffffffffffffff' } };
    const rescan = await collect(c, collection, bogus, 'token', 2);
    expect([...rescan.ids].sort()).toEqual(['a.vcf', 'c.vcf']);
    expect(rescan.deletes).toEqual([]);
    expect(rescan.batches.at(-1)?.complete).toBe(true);
    expect(rescan.batches.slice(0, -1).every((b) => !b.complete)).toBe(true);
    expect(rescan.batches.every((b) => b.rescan === true)).toBe(true);
    expect(first.batches.some((b) => b.rescan)).toBe(false);
    // The new token works: the next read lists only what changed since.
    await server.app.putCard(url, 'd.vcf', card('d', 'D'));
    const next = await collect(c, collection, rescan.cursor, 'token', 2);
    expect(next.ids).toEqual(['d.vcf']);
    expect(next.batches.some((b) => b.complete)).toBe(false);
    await c.close();
  });

  it('a repeated create answers with the first card; a name another card holds is refused, not overwritten', async () => {
    const { url, collection } = await newBook();
    const c = open();
    const op = { op: 'create' as const, key: 'pair-7:left:42', fields: { name: 'Nina', email: 'nina@example.com' } };
    const [first] = await c.write(collection, [op]);
    expect(first).toMatchObject({ ok: true, id: expect.stringMatching(/\.vcf$/) });
    const [again] = await c.write(collection, [op]);
    expect(again).toEqual(first);
    expect(await server.app.listCards(url)).toHaveLength(1);
    await server.app.putCard(url, 'taken.vcf', card('someone-else', 'Someone else'));
    const [clash] = await c.write(collection, [{ op: 'create', key: 'other-key', fields: { id: 'taken.vcf', name: 'Concord' } }]);
    expect(clash).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringMatching(/already has another card/) });
    expect((await server.app.getCard(url, 'taken.vcf'))?.body).toContain('FN:Someone else');
    await c.close();
  });

  it('a wrong password fails test() as ConnectorError "auth" with a message that says what to fix', async () => {
    const c = open(`${server.url}/`, 'wrong-password');
    const error = await c.test().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ reason: 'auth', message: expect.stringMatching(/password.*check the credentials/) });
    await c.close();
  });

  it('a collection named like //other-host/… is refused before any request (the credentials stay with the server)', async () => {
    const c = open();
    await expect(c.read('//evil.example/alice/contacts/', ['a.vcf'])).rejects.toMatchObject({ reason: 'not-found' });
    await c.close();
  });

  it('an update by Concord keeps the properties and parameters it does not map', async () => {
    const { url, collection } = await newBook();
    const text = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:keep-me',
      'FN:Kim Keep',
      'N:Keep;Kim;;;',
      'EMAIL;TYPE=INTERNET,WORK:kim@work.example',
      'TEL;TYPE=CELL:+1 555 0100',
      'X-PHONE-APP-COLOR:teal',
      'X-ABLabel;X-CUSTOM=yes:Best friend',
      'NOTE:Met at the conference',
      'END:VCARD',
      '',
    ].join('\r\n');
    await server.app.putCard(url, 'kim.vcf', text);
    const c = open();
    const beforeText = (await server.app.getCard(url, 'kim.vcf'))?.body ?? '';
    const [before] = await c.read(collection, ['kim.vcf']);
    const [r] = await c.write(collection, [{ op: 'update', id: 'kim.vcf', fields: { title: 'Head of Sales', note: 'Met at the fair' }, ifVersion: before?.version ?? '' }]);
    expect(r).toMatchObject({ ok: true });
    const after = (await server.app.getCard(url, 'kim.vcf'))?.body ?? '';
    // Radicale re-serializes every card it stores (vobject: names upper-cased, properties sorted),
    // so "kept" means: every line of the card as the server held it, but the NOTE Concord changed.
    const lines = after.split('\r\n');
    for (const kept of beforeText.split('\r\n').filter((l) => l !== '' && !l.startsWith('NOTE'))) expect(lines).toContain(kept);
    expect(after).toContain('X-PHONE-APP-COLOR:teal');
    expect(after).toMatch(/X-ABLABEL;X-CUSTOM=yes:Best friend/i);
    expect(after).toContain('TITLE:Head of Sales');
    expect(after).toContain('NOTE:Met at the fair');
    expect(after).not.toContain('Met at the conference');
    await c.close();
  });
});

if (gate.failInCi) {
  it('needs Radicale (CI=true)', () => {
    throw new Error(gate.missingMessage);
  });
}
