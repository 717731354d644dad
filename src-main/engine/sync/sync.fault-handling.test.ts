/**
 * Issue 12 §3, the engine's side of fault handling, found by the fault-proxy suite
 * (sync.faults.test.ts) and pinned down here on SQLite apps with a write hook.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { standinProfile } from '../testing/saas-standin/profile-fixture';
import { startSaasStandin } from '../testing/saas-standin/server';
import { nextAttemptDelayMs } from './records-store';
import { appInsert, appRows, appUpdate, basePairConfig, createApp, interceptWrites, removeDir, setupPair, startEngine, syncAndWait, tempDir, type Kit } from './test-kit.fixture';

describe('fault handling', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('pitfall 14: a failed update whose write reached the app after all (its answer was lost) leaves the failed list once both apps are found equal', async () => {
    let loseAnswers = false;
    const s = await setupPair({}, {
      wrap: interceptWrites(async (real, collection, ops) => {
        const results = await real.write(collection, ops);
        // The app took every write; with loseAnswers its answer to an update never arrives.
        return loseAnswers ? results.map((r, i) => (ops[i]?.op === 'update' ? { ok: false as const, reason: 'invalid' as const, error: 'The connection closed before the app answered.' } : r)) : results;
      }),
    });
    kit = s.kit;
    dir = s.dir;
    const id = appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    await syncAndWait(kit, s.pairId);
    loseAnswers = true;
    appUpdate(s.left, id, { name: 'Annie' });
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ failed: 1 });
    expect(appRows(s.right)[0]?.name).toBe('Annie');
    const [failed] = await kit.call('failed/list', { pairId: s.pairId });
    loseAnswers = false;
    // The retry finds both apps holding "Annie": nothing to write, and nothing failed any more.
    expect(await kit.call('failed/retry', { failedId: failed?.id ?? '' })).toEqual({ status: 'done', error: null });
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
    expect((await kit.call('pairs/get', { pairId: s.pairId })).health).toBe('in-sync');
  });

  it.each(['hash', 'cursor'] as const)('pitfall 15: a create the app took but whose answer was lost ("unavailable") is found on the retry, never made twice (%s mode)', async (mode) => {
    let loseCreates = true;
    const s = await setupPair({}, {
      modes: [mode, mode],
      wrap: interceptWrites(async (real, collection, ops, connectionId) => {
        const results = await real.write(collection, ops);
        if (!loseCreates || connectionId !== rightConn) return results;
        return results.map((r, i) => (ops[i]?.op === 'create' ? { ok: false as const, reason: 'unavailable' as const, error: 'The connection was reset before the app answered.' } : r));
      }),
    });
    const rightConn = s.rightConn;
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 0, failed: 1 });
    expect(appRows(s.right)).toHaveLength(1);
    loseCreates = false;
    const [failed] = await kit.call('failed/list', { pairId: s.pairId });
    expect(await kit.call('failed/retry', { failedId: failed?.id ?? '' })).toEqual({ status: 'done', error: null });
    expect(appRows(s.right).map((r) => r.email)).toEqual(['ann@example.com']);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
    // And no later run copies it back or makes it again.
    const next = await syncAndWait(kit, s.pairId);
    expect(next.counts).toMatchObject({ created: 0, failed: 0 });
    expect(appRows(s.left)).toHaveLength(1);
    expect(appRows(s.right)).toHaveLength(1);
  });

  it('pitfall 8: a side that asks Concord to slow down pauses the pair, and its summary says which side and until when', async () => {
    const s = await setupPair({}, {
      wrap: interceptWrites(async (real, collection, ops, connectionId) =>
        connectionId === rightConn ? ops.map(() => ({ ok: false as const, reason: 'rate-limited' as const, error: 'Too many requests (429)', retryAfterMs: 90_000 })) : real.write(collection, ops),
      ),
    });
    const rightConn = s.rightConn;
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann', score: 1 });
    const before = Date.now();
    expect((await syncAndWait(kit, s.pairId)).status).toBe('partial');
    const pair = await kit.call('pairs/get', { pairId: s.pairId });
    expect(pair.rateLimit).toMatchObject({ side: 'right' });
    const until = Date.parse(pair.rateLimit?.until ?? '');
    expect(until).toBeGreaterThanOrEqual(before + 90_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 90_000);
    // Resume clears the pause (the user chose not to wait).
    expect((await kit.call('pairs/resume', { pairId: s.pairId })).rateLimit).toBeNull();
  });

  it('per-record retries back off exponentially from 30 s, capped at 6 h, with ±50 % jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => nextAttemptDelayMs(n, mid))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(nextAttemptDelayMs(30, mid)).toBe(6 * 3600_000);
    expect(nextAttemptDelayMs(3, () => 0)).toBe(60_000);
    expect(nextAttemptDelayMs(3, () => 0.999)).toBeLessThan(180_000);
  });

  it('pitfall 9: a bearer token the app refuses, with nothing to refresh it from, fails the run once with what to fix, and the pair shows it failing', async () => {
    dir = tempDir('concord-bearer-');
    const standin = await startSaasStandin({ auth: { kind: 'bearer', tokens: ['the-right-token'] } });
    try {
      const left = join(dir, 'left.sqlite');
      createApp(left);
      appInsert(left, { email: 'ann@example.com', name: 'Ann', score: 1 });
      kit = startEngine(dir, join(dir, 'data'));
      const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
      const r = await kit.call('connections/create', { name: 'Web app', connector: 'rest', config: { profile: JSON.stringify(standinProfile(standin.url, { profile: { auth: { kind: 'bearer' } } })) }, secret: 'an-old-token' });
      const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'contacts', changeDetection: 'hash' }, fields: [{ name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' }] });
      const { id: pairId } = await kit.call('pairs/create', { config });
      const before = standin.stats().requests;
      const run = await syncAndWait(kit, pairId);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/refused the token \(401.*Check the token in the connection's settings/);
      const pair = await kit.call('pairs/get', { pairId });
      expect(pair.health).toBe('failing');
      expect(pair.healthReason).toBe(run.error);
      expect(await kit.call('failed/list', { pairId })).toEqual([]);
      // Asked once and once more after reopening the connection (the keychain may hold a new token by then): no loop.
      expect(standin.stats().requests - before).toBe(2);
    } finally {
      await standin.stop();
    }
  });
});
