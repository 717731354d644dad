import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from './radicale-server';

const gate = radicaleTestGate();
const card = (uid: string, fn: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEND:VCARD\r\n`;

describe.skipIf(!gate.available && !gate.failInCi)('radicale test server', () => {
  let server: RadicaleServer;
  beforeAll(async () => {
    server = await startRadicaleServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('makes an address book, puts, lists, reads and deletes cards as another client', async () => {
    const book = await server.app.createAddressBook('contacts', 'Contacts');
    const etag = await server.app.putCard(book, 'a.vcf', card('a', 'Ann'));
    expect(etag).toMatch(/^"/);
    expect(await server.app.listCards(book)).toEqual(['a.vcf']);
    expect((await server.app.getCard(book, 'a.vcf'))?.body).toContain('FN:Ann');
    await server.app.deleteCard(book, 'a.vcf');
    expect(await server.app.getCard(book, 'a.vcf')).toBeNull();
  });

  it('halts and resumes on the same port with the same storage', async () => {
    const book = await server.app.createAddressBook('kept');
    await server.app.putCard(book, 'k.vcf', card('k', 'Kept'));
    await server.halt();
    await expect(server.app.listCards(book)).rejects.toThrow();
    await server.resume();
    expect(await server.app.listCards(book)).toEqual(['k.vcf']);
  });

  it('refuses a wrong password', async () => {
    const res = await fetch(`${server.url}/${server.user}/`, { method: 'PROPFIND', headers: { Authorization: `Basic ${Buffer.from(`${server.user}:wrong`).toString('base64')}`, Depth: '0' } });
    expect(res.status).toBe(401);
  });
});

if (gate.failInCi) {
  it('needs Radicale (CI=true)', () => {
    throw new Error(gate.missingMessage);
  });
}
