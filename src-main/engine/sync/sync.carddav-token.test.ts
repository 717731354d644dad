/**
 * PITFALLS 4 (deletes never arrive) for a token side: a CardDAV address book whose sync token the
 * server no longer accepts. The connector lists the whole book again (every batch marked
 * `rescan`), and the run must then find the cards deleted meanwhile by their absence — without
 * taking every linked card it had not marked seen for deleted. Against a real Radicale, with a
 * real SQLite table on the other side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { PairConfig } from '../api/model';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from '../testing/radicale-server';
import { appRows, createApp, removeDir, startEngine, syncAndWait, tempDir } from './test-kit.fixture';

const gate = radicaleTestGate();
const card = (uid: string, fn: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEMAIL;TYPE=INTERNET:${uid}@example.com\r\nEND:VCARD\r\n`;

describe.skipIf(!gate.available)('a CardDAV sync token the server no longer accepts (Radicale)', () => {
  let server: RadicaleServer;
  let n = 0;
  beforeAll(async () => {
    server = await startRadicaleServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function linkedPair(ids: string[]) {
    const dir = tempDir('concord-dav-token-');
    const left = join(dir, 'left.sqlite');
    createApp(left);
    const url = await server.app.createAddressBook(`book${++n}`);
    for (const id of ids) await server.app.putCard(url, `${id}.vcf`, card(id, id.toUpperCase()));
    const kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await kit.call('connections/create', { name: 'Phone', connector: 'carddav', config: { serverUrl: `${server.url}/`, username: server.user }, secret: server.password });
    const string = (name: string) => ({ name, type: 'string' as const, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
    const config: PairConfig = {
      name: 'Contacts',
      left: { connectionId: l.id, collection: 'contacts', changeDetection: 'hash' },
      right: { connectionId: r.id, collection: new URL(url).pathname, changeDetection: 'token' },
      fields: [string('email'), string('name')],
      matchKeys: ['email'],
      masterSide: 'left',
      conflictPolicy: 'manual',
      deletes: { propagate: true, massDeleteThreshold: 0.5 },
      schedule: { intervalSeconds: null },
    };
    const { id: pairId } = await kit.call('pairs/create', { config });
    const first = await syncAndWait(kit, pairId);
    expect(first).toMatchObject({ status: 'succeeded', counts: { created: ids.length } });
    // A second run stores the token the first run's own writes led to (nothing to do).
    expect((await syncAndWait(kit, pairId)).status).toBe('succeeded');
    return { dir, left, url, kit, pairId };
  }

  const emails = (path: string) => appRows(path).map((r) => r.email).sort();

  it('pitfall 4: a card deleted while the server forgot the sync tokens is deleted on the other side; the other linked cards stay', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const s = await linkedPair(ids);
    try {
      await server.app.deleteCard(s.url, 'b.vcf');
      await server.app.putCard(s.url, 'c.vcf', card('c', 'C edited on the phone'));
      server.forgetSyncTokens(s.url);
      const run = await syncAndWait(s.kit, s.pairId);
      expect(run).toMatchObject({ status: 'succeeded', counts: { deleted: 1, created: 0, failed: 0 } });
      expect(emails(s.left)).toEqual(['a', 'c', 'd', 'e', 'f'].map((id) => `${id}@example.com`));
      expect(appRows(s.left).find((r) => r.email === 'c@example.com')?.name).toBe('C edited on the phone');
      // The new token works again: the next run reads nothing and changes nothing.
      const quiet = await syncAndWait(s.kit, s.pairId);
      expect(quiet).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 0, deleted: 0 } });
      expect(await server.app.listCards(s.url)).toHaveLength(5);
    } finally {
      await s.kit.close();
      removeDir(s.dir);
    }
  });

  it('pitfall 4: a bogus stored token falls back to a full listing that finds the delete, and the mass-delete guard still counts', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const s = await linkedPair(ids);
    try {
      const bogus = JSON.stringify({ mode: 'token', value: { token: 'http://radicale.org/ns/sync/ffffffffffffffffffffffffffffffffffffffff' } });
      s.kit.db.prepare("UPDATE cursors SET cursor_json = ? WHERE pair_id = ? AND side = 'right'").run(bogus, s.pairId);
      // Three of four gone at once: more than the pair's limit, so the run stops and deletes nothing.
      for (const id of ['a', 'b', 'c']) await server.app.deleteCard(s.url, `${id}.vcf`);
      const halted = await syncAndWait(s.kit, s.pairId);
      expect(halted.status).toBe('halted');
      expect(emails(s.left)).toHaveLength(4);
      // One came back (restored from a backup): one delete left, under the limit.
      await server.app.putCard(s.url, 'a.vcf', card('a', 'A'));
      await server.app.putCard(s.url, 'b.vcf', card('b', 'B'));
      const run = await syncAndWait(s.kit, s.pairId);
      expect(run).toMatchObject({ status: 'succeeded', counts: { deleted: 1, failed: 0 } });
      expect(emails(s.left)).toEqual(['a@example.com', 'b@example.com', 'd@example.com']);
    } finally {
      await s.kit.close();
      removeDir(s.dir);
    }
  });
});

if (gate.failInCi) {
  it('needs Radicale (CI=true)', () => {
    throw new Error(gate.missingMessage);
  });
}
