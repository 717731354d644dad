/**
 * Issue 12 §2: the CardDAV change feed against a real Radicale. Another client's change moves the
 * book's sync token and CTag and is signalled at the next poll; Concord's own writes (create,
 * update, delete) move them too but are told apart and signal nothing; a server that is down is
 * 'reconnecting' with the error, and the feed listens again once it is back. Waits are on the
 * feed's rounds of polls (a test seam), never on the clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from '../../testing/radicale-server';
import { until } from '../../sync/test-kit.fixture';
import type { Connector } from '../types';
import { createCardDavConnector } from './connector';

const gate = radicaleTestGate();
const card = (uid: string, fn: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEMAIL;TYPE=INTERNET:${uid}@example.com\r\nEND:VCARD\r\n`;

describe.skipIf(!gate.available)('CardDAV change feed against Radicale', () => {
  let server: RadicaleServer;
  let n = 0;
  let stop: AbortController | null = null;
  let done: Promise<void> = Promise.resolve();
  beforeAll(async () => {
    server = await startRadicaleServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    stop?.abort();
    await done;
  });

  /** A fresh book and a connector listening to the server, polling every few milliseconds. */
  async function listening() {
    const url = await server.app.createAddressBook(`feed${++n}`);
    const collection = new URL(url).pathname;
    let rounds = 0;
    const signals: string[] = [];
    const states: { state: string; error?: string | undefined }[] = [];
    const connector: Connector = createCardDavConnector({ serverUrl: `${server.url}/`, username: server.user }, memorySecretHandle(server.password), { polled: () => rounds++ });
    stop = new AbortController();
    done = connector.listen?.((e) => signals.push(e.collection), stop.signal, { pollMs: 5, retryMs: 20, onState: (state, error) => states.push({ state, error }) }) ?? Promise.resolve();
    await until(() => states.some((s) => s.state === 'listening'));
    /** Waits for two more full rounds of polls (the second began after now). */
    const twoRounds = async () => {
      const from = rounds;
      await until(() => rounds >= from + 2);
    };
    return { url, collection, connector, signals, states, twoRounds };
  }

  it("another client's new card, edit and delete are each signalled for the book at the next poll", async () => {
    const f = await listening();
    await server.app.putCard(f.url, 'ann.vcf', card('ann', 'Ann'));
    await until(() => f.signals.length >= 1);
    expect(f.signals).toEqual([f.collection]);
    await server.app.putCard(f.url, 'ann.vcf', card('ann', 'Annie'));
    await until(() => f.signals.length >= 2);
    await server.app.deleteCard(f.url, 'ann.vcf');
    await until(() => f.signals.length >= 3);
    expect(new Set(f.signals)).toEqual(new Set([f.collection]));
  });

  it("Concord's own create, update and delete move the sync token but signal nothing; another client's edit after them does", async () => {
    const f = await listening();
    const [created] = await f.connector.write(f.collection, [{ op: 'create', key: 'k1', fields: { name: 'Bob', email: 'bob@example.com' } }]);
    expect(created).toMatchObject({ ok: true });
    const id = created?.ok ? created.id : '';
    await f.twoRounds();
    const [updated] = await f.connector.write(f.collection, [{ op: 'update', id, fields: { name: 'Bobby', email: 'bob@example.com' } }]);
    expect(updated).toMatchObject({ ok: true });
    await f.twoRounds();
    expect(f.signals).toEqual([]);
    await server.app.putCard(f.url, 'cy.vcf', card('cy', 'Cy'));
    await until(() => f.signals.length >= 1);
    const [deleted] = await f.connector.write(f.collection, [{ op: 'delete', id }]);
    expect(deleted).toMatchObject({ ok: true });
    await f.twoRounds();
    expect(f.signals).toEqual([f.collection]);
  });

  it('an address book deleted on the server is not an outage: the feed stays listening and still signals the other books', async () => {
    const f = await listening();
    const gone = await server.app.createAddressBook(`feed${++n}`);
    await f.connector.read(new URL(gone).pathname, ['x.vcf']); // the connector has used it: the feed polls it
    await f.twoRounds();
    const res = await fetch(gone, { method: 'DELETE', headers: { Authorization: `Basic ${Buffer.from(`${server.user}:${server.password}`).toString('base64')}` } });
    expect(res.ok).toBe(true);
    await f.twoRounds();
    await server.app.putCard(f.url, 'eve.vcf', card('eve', 'Eve'));
    await until(() => f.signals.length >= 1);
    expect(f.signals).toEqual([f.collection]);
    expect(f.states.map((s) => s.state)).toEqual(['listening']);
  });

  it("a server that is down is 'reconnecting' with the error; once it is back the feed listens again and signals changes", async () => {
    const f = await listening();
    await server.halt();
    try {
      await until(() => f.states.some((s) => s.state === 'reconnecting'));
      expect(f.states.find((s) => s.state === 'reconnecting')?.error).toMatch(/Cannot reach the CardDAV server/);
    } finally {
      await server.resume();
    }
    await until(() => f.states.at(-1)?.state === 'listening');
    await server.app.putCard(f.url, 'dee.vcf', card('dee', 'Dee'));
    await until(() => f.signals.length >= 1);
  });
});
