/**
 * Issue 12 §2, REST modified-since polling against the SaaS stand-in: an edit by the app's own
 * users is signalled at the next poll, from a short window behind the app's clock; Concord's own
 * writes come back in that window but signal nothing; an app that is down is 'reconnecting' with
 * the error and recovers; a collection without a modified-since filter has no feed. Waits are on
 * the feed's rounds of polls (a test seam), never on the clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { STANDIN_API_KEY, standinProfile, type StandinProfileTweak } from '../../testing/saas-standin/profile-fixture';
import { startSaasStandin, type SaasStandin, type SaasStandinOptions } from '../../testing/saas-standin/server';
import { until } from '../../sync/test-kit.fixture';
import type { Connector } from '../types';
import { createRestConnector } from './connector';
import { parseProfile } from './profile';
import { restDefinition } from '.';

describe('REST change feed (modified-since polling) against the SaaS stand-in', () => {
  let standin: SaasStandin | null = null;
  let stop: AbortController | null = null;
  let done: Promise<void> = Promise.resolve();
  afterEach(async () => {
    stop?.abort();
    await done;
    await standin?.stop();
    standin = null;
  });

  async function listening(options: SaasStandinOptions = {}, tweak: StandinProfileTweak = {}) {
    const s = await startSaasStandin({ auth: { kind: 'api-key', in: 'header', name: 'X-Api-Key', key: STANDIN_API_KEY }, ...options });
    standin = s;
    s.app.insert([{ id: 'p1', name: 'Ann', email: 'ann@x' }]);
    let rounds = 0;
    const signals: string[] = [];
    const states: { state: string; error?: string | undefined }[] = [];
    const connector: Connector = createRestConnector({ profile: parseProfile(standinProfile(s.url, tweak)), secret: memorySecretHandle(STANDIN_API_KEY), polled: () => rounds++ });
    stop = new AbortController();
    done = connector.listen?.((e) => signals.push(e.collection), stop.signal, { pollMs: 5, retryMs: 20, onState: (state, error) => states.push({ state, error }) }) ?? Promise.resolve();
    await until(() => states.some((x) => x.state === 'listening'));
    /** Waits for two more full rounds of polls (the second began after now). */
    const twoRounds = async () => {
      const from = rounds;
      await until(() => rounds >= from + 2);
    };
    return { standin: s, connector, signals, states, twoRounds };
  }

  it("an edit and a new record by the app's users are signalled; the polls list a short window, not the whole collection", async () => {
    const f = await listening();
    await f.twoRounds();
    expect(f.signals).toEqual([]);
    f.standin.app.update('p1', { name: 'Annie' });
    await until(() => f.signals.length >= 1);
    expect(f.signals).toEqual(['contacts']);
    f.standin.app.insert([{ id: 'p2', name: 'Bob', email: 'bob@x' }]);
    await until(() => f.signals.length >= 2);
    // Every poll asked for what changed since a time.
    const lists = f.standin.stats().queries.filter((q) => q.includes('limit='));
    expect(lists.length).toBeGreaterThan(2);
    expect(lists.every((q) => q.includes('updated_since='))).toBe(true);
  });

  it("Concord's own create and update come back in the window but signal nothing; an edit by the app after them does", async () => {
    const f = await listening({ etags: true });
    const [created] = await f.connector.write('contacts', [{ op: 'create', key: 'k1', fields: { name: 'Cy', email: 'cy@x' } }]);
    expect(created).toMatchObject({ ok: true });
    await f.twoRounds();
    const [updated] = await f.connector.write('contacts', [{ op: 'update', id: 'p1', fields: { name: 'Ann B.' } }]);
    expect(updated).toMatchObject({ ok: true });
    await f.twoRounds();
    expect(f.signals).toEqual([]);
    f.standin.app.update('p1', { name: 'Ann C.' });
    await until(() => f.signals.length >= 1);
    expect(f.signals).toEqual(['contacts']);
  });

  it("an app that is down is 'reconnecting' with the error; once it is back the feed listens again and signals edits", async () => {
    const f = await listening();
    await f.standin.halt();
    try {
      await until(() => f.states.some((x) => x.state === 'reconnecting'));
      expect(f.states.find((x) => x.state === 'reconnecting')?.error).toBeTruthy();
    } finally {
      await f.standin.resume();
    }
    await until(() => f.states.at(-1)?.state === 'listening');
    f.standin.app.update('p1', { name: 'Back' });
    await until(() => f.signals.length >= 1);
  });

  it('the connector offers its feed to cursor mode only: a collection without a modified-since filter is listed whole by its runs, and gets none', async () => {
    expect(restDefinition.capabilities).toMatchObject({ realtime: 'poll', realtimeModes: ['cursor'] });
    const f = await listening({}, { contacts: { list: { path: '/contacts', records: '$.data', paging: { style: 'cursor', cursorParam: 'cursor', next: '$.next_cursor', sizeParam: 'limit' }, pageSize: 100 } } });
    const before = f.standin.stats().listCalls;
    await f.twoRounds();
    f.standin.app.update('p1', { name: 'Unseen' });
    await f.twoRounds();
    expect(f.signals).toEqual([]);
    expect(f.standin.stats().listCalls).toBe(before);
  });
});
