import { afterEach, describe, expect, it } from 'vitest';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { appExec, appInsert, appRows, crashingService, interceptWrites, removeDir, restartFromCrash, setupPair, syncAndWait, type CrashPlan, type Kit } from './test-kit.fixture';

const emails = (path: string) => appRows(path).map((r) => r.email).sort();
const rejectEmail = (path: string, email: string) =>
  appExec(path, (db) => db.exec(`CREATE TRIGGER reject BEFORE INSERT ON contacts WHEN NEW.email = '${email}' BEGIN SELECT RAISE(ABORT, 'the app rejects ${email}'); END`));

describe('failures, limits and crashes', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('pitfall 14: partial failure — record 47 of 100 fails, the other 99 are committed, 47 waits in the failed list with the app\'s error and a retry', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    for (let i = 1; i <= 100; i++) appInsert(s.left, { email: `c${i}@example.com`, name: `C${i}`, score: i });
    rejectEmail(s.right, 'c47@example.com');
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('partial');
    expect(run.counts).toMatchObject({ created: 99, failed: 1 });
    expect(appRows(s.right)).toHaveLength(99);
    const failed = await kit.call('failed/list', { pairId: s.pairId });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ side: 'right', op: 'create', record: 'c47@example.com', attempts: 1 });
    expect(failed[0]?.error).toContain('the app rejects c47@example.com');
    expect((await kit.call('pairs/get', { pairId: s.pairId })).failed).toBe(1);

    appExec(s.right, (db) => db.exec('DROP TRIGGER reject'));
    expect(await kit.call('failed/retry', { failedId: failed[0]?.id ?? '' })).toEqual({ status: 'done', error: null });
    expect(appRows(s.right)).toHaveLength(100);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
  });

  it('pitfall 14: a failed record waits for its backoff in a hash-mode pair too; "Retry" forces it at once', async () => {
    const s = await setupPair({}, { modes: ['hash', 'hash'] });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ok@example.com', name: 'OK', score: 1 });
    appInsert(s.left, { email: 'bad@example.com', name: 'Bad', score: 2 });
    rejectEmail(s.right, 'bad@example.com');
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 1, failed: 1 });
    // A second full scan within the backoff sees the record again but does not attempt it.
    const within = await syncAndWait(kit, s.pairId);
    expect(within.counts.failed).toBe(0);
    const [f] = await kit.call('failed/list', { pairId: s.pairId });
    expect(f).toMatchObject({ record: 'bad@example.com', attempts: 1 });
    expect(Date.parse(f?.nextAttemptAt ?? '')).toBeGreaterThan(Date.now());
    // The backoff elapsed: the next run attempts it again (and backs off further).
    kit.db.prepare("UPDATE failed SET next_attempt_at = '2000-01-01T00:00:00.000Z'").run();
    expect((await syncAndWait(kit, s.pairId)).counts.failed).toBe(1);
    expect((await kit.call('failed/list', { pairId: s.pairId }))[0]?.attempts).toBe(2);
    // "Retry" does not wait for the backoff.
    appExec(s.right, (db) => db.exec('DROP TRIGGER reject'));
    expect(await kit.call('failed/retry', { failedId: f?.id ?? '' })).toEqual({ status: 'done', error: null });
    expect(emails(s.right)).toEqual(['bad@example.com', 'ok@example.com']);
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 0, failed: 0 });
  });

  it('a failed new record that was deleted in its app before the retry leaves the failed list', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    const id = appInsert(s.left, { email: 'gone@example.com', name: 'G', score: 1 });
    rejectEmail(s.right, 'gone@example.com');
    await syncAndWait(kit, s.pairId);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toHaveLength(1);
    appExec(s.left, (db) => db.prepare('DELETE FROM contacts WHERE id = ?').run(id));
    kit.db.prepare("UPDATE failed SET next_attempt_at = '2000-01-01T00:00:00.000Z'").run();
    await syncAndWait(kit, s.pairId);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
  });

  it('pitfall 7: the cursor advanced past records that failed or were never written — a failed record is retried with backoff; a rate-limited run leaves the cursor where it was', async () => {
    let limited = true;
    const hook = async (real: Connector, c: string, ops: WriteOp[], id: string): Promise<WriteResult[]> =>
      limited && id === rightConn ? ops.map(() => ({ ok: false, error: '429 Too Many Requests', reason: 'rate-limited', retryAfterMs: 60_000 }) satisfies WriteResult) : real.write(c, ops);
    let rightConn = '';
    const s = await setupPair({}, { modes: ['cursor', 'cursor'], wrap: interceptWrites(hook) });
    rightConn = s.rightConn;
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    appInsert(s.left, { email: 'b@example.com', name: 'B', score: 2 });
    const before = kit.db.prepare('SELECT count(*) FROM cursors').pluck().get();
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('partial');
    expect(kit.db.prepare('SELECT count(*) FROM cursors').pluck().get()).toBe(before); // not advanced
    expect(appRows(s.right)).toHaveLength(0);

    limited = false;
    await kit.call('pairs/resume', { pairId: s.pairId });
    rejectEmail(s.right, 'b@example.com');
    const second = await syncAndWait(kit, s.pairId);
    expect(second.counts).toMatchObject({ created: 1, failed: 1 });
    const [f] = await kit.call('failed/list', { pairId: s.pairId });
    const delay = Date.parse(f?.nextAttemptAt ?? '') - Date.now();
    expect(delay).toBeGreaterThan(10_000); // backoff with jitter: 15–45 s after the first failure
    expect(delay).toBeLessThan(46_000);

    // Time passes; the app accepts the record again: the next ordinary run picks it up although the cursor moved on.
    appExec(s.right, (db) => db.exec('DROP TRIGGER reject'));
    kit.db.prepare("UPDATE failed SET next_attempt_at = '2000-01-01T00:00:00.000Z'").run();
    const third = await syncAndWait(kit, s.pairId);
    expect(third.counts.created).toBe(1);
    expect(emails(s.right)).toEqual(['a@example.com', 'b@example.com']);
  });

  it('pitfall 8: rate limits — a 429 pauses that side until Retry-After, is not counted as success, and the run resumes from the cursor', async () => {
    let calls = 0;
    const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      calls++;
      return calls === 1 ? ops.map(() => ({ ok: false, error: 'Too Many Requests', reason: 'rate-limited', retryAfterMs: 120_000 }) satisfies WriteResult) : real.write(c, ops);
    };
    const s = await setupPair({}, { wrap: interceptWrites(hook) });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('partial');
    expect(run.counts.created).toBe(0);
    expect(run.error).toMatch(/rate limit/);
    const pair = await kit.call('pairs/get', { pairId: s.pairId });
    expect(Date.parse(kit.db.prepare('SELECT paused_until FROM pairs').pluck().get() as string) - Date.now()).toBeGreaterThan(100_000);
    expect(pair.failed).toBe(0); // a 429 is neither success nor a record failure
    const blocked = await kit.dispatch('pairs/sync-now', { pairId: s.pairId });
    expect(blocked.ok ? null : blocked.error.message).toMatch(/rate limit until/);
    kit.db.prepare('UPDATE pairs SET paused_until = NULL').run(); // the wait is over
    const next = await syncAndWait(kit, s.pairId);
    expect(next.counts.created).toBe(1);
  });

  it('pitfall 9: token expiry mid-sync — a 401 reopens the connection (reading the refreshed credential) once and retries', async () => {
    const opens: string[] = [];
    let expired = true;
    const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (expired) {
        expired = false;
        return ops.map(() => ({ ok: false, error: '401 token expired', reason: 'auth' }) satisfies WriteResult);
      }
      return real.write(c, ops);
    };
    const s = await setupPair({}, { wrap: interceptWrites(hook, (id) => opens.push(id)) });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const before = opens.length;
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('succeeded');
    expect(run.counts.created).toBe(1);
    // Opened once when the pair was created (the pool keeps it open for the run), then reopened once after the 401.
    expect(opens.filter((id) => id === s.rightConn)).toHaveLength(2);
    expect(opens.slice(before).filter((id) => id === s.rightConn)).toHaveLength(1);
  });

  it('pitfall 9: a token that expires a second time in the same long run is refreshed again (once per request, not once per run)', async () => {
    // Each opened connection holds a token that is good for one write request; the next answers 401.
    const used = new WeakSet<Connector>();
    const hook = async (real: Connector, c: string, ops: WriteOp[]): Promise<WriteResult[]> => {
      if (used.has(real)) return ops.map(() => ({ ok: false, error: '401 token expired', reason: 'auth' }) satisfies WriteResult);
      used.add(real);
      return real.write(c, ops);
    };
    const s = await setupPair({}, { wrap: interceptWrites(hook) });
    kit = s.kit;
    dir = s.dir;
    appExec(s.left, (db) => {
      const insert = db.prepare('INSERT INTO contacts (email, name, score) VALUES (?, ?, ?)');
      for (let i = 0; i < 250; i++) insert.run(`c${i}@example.com`, `C${i}`, i); // three write requests of at most 100
    });
    const run = await syncAndWait(kit, s.pairId);
    expect(run.counts).toMatchObject({ created: 250, failed: 0 });
    expect(run.status).toBe('succeeded');
    expect(appRows(s.right)).toHaveLength(250);
  });

  it('pitfall 15: crash or kill mid-run — the rerun finishes the work from the journal without duplicate creates or lost changes', async () => {
    const plan: CrashPlan = { crashAt: null, count: 0, crashed: false, snapshot: null, db: () => current.db };
    const s = await setupPair({}, { wrap: crashingService(plan), modes: ['cursor', 'flag'] });
    let current = s.kit;
    dir = s.dir;
    for (let i = 0; i < 6; i++) appInsert(s.left, { email: `c${i}@example.com`, name: `C${i}`, score: i });
    plan.crashAt = 3;
    await syncAndWait(current, s.pairId);
    expect(plan.crashed).toBe(true);
    expect(appRows(s.right)).toHaveLength(3); // three creates reached the app before the process died
    current = await restartFromCrash(current, plan);
    kit = current;
    expect(kit.db.prepare("SELECT count(*) FROM journal WHERE status = 'pending'").pluck().get()).toBeGreaterThan(0);
    const rerun = await syncAndWait(kit, s.pairId);
    expect(rerun.status).toBe('succeeded');
    expect(rerun.counts.created).toBe(3);
    expect(emails(s.right)).toEqual(emails(s.left));
    expect(kit.db.prepare("SELECT count(*) FROM journal WHERE status = 'pending'").pluck().get()).toBe(0);
    expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(6);
    const interrupted = await kit.call('runs/list', { pairId: s.pairId });
    expect(interrupted.at(-1)?.status).toBe('failed'); // the run that died is marked, not left "running"
  });

  describe.each([
    ['hash', 'hash'],
    ['cursor', 'cursor'],
    ['flag', 'flag'],
  ] as const)('pitfall 15: a create the app committed but whose answer was lost (%s / %s)', (leftMode, rightMode) => {
    async function lostAnswer(row: { email: string | null; name: string }) {
      let lose = true;
      let billing = '';
      const hook = async (real: Connector, c: string, ops: WriteOp[], id: string): Promise<WriteResult[]> => {
        const results = await real.write(c, ops);
        if (lose && id === billing && ops.some((o) => o.op === 'create')) {
          lose = false;
          throw new Error('the connection dropped after the app committed');
        }
        return results;
      };
      // Records without a key are created (not held in the inbox): the lost answer is what is tested.
      const s = await setupPair({ emptyKeys: 'create' }, { wrap: interceptWrites(hook), modes: [leftMode, rightMode] });
      billing = s.rightConn;
      kit = s.kit;
      dir = s.dir;
      appInsert(s.left, { email: row.email, name: row.name, score: 1 });
      const first = await syncAndWait(s.kit, s.pairId);
      expect(first.counts.failed).toBe(1);
      return s;
    }

    it('is found in the app on the next run (still in its backoff) and on Retry, never created twice nor copied back', async () => {
      const s = await lostAnswer({ email: 'a@example.com', name: 'A' });
      await syncAndWait(s.kit, s.pairId);
      await syncAndWait(s.kit, s.pairId, true);
      expect(appRows(s.left)).toHaveLength(1);
      expect(appRows(s.right)).toHaveLength(1);
      expect(await s.kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
      expect((await s.kit.call('conflicts/list', { pairId: s.pairId })).items).toEqual([]);
    });

    it('a record with no match-key value is found by its content', async () => {
      const s = await lostAnswer({ email: null, name: 'No email' });
      const [failed] = await s.kit.call('failed/list', { pairId: s.pairId });
      expect(await s.kit.call('failed/retry', { failedId: failed?.id ?? '' })).toEqual({ status: 'done', error: null });
      await syncAndWait(s.kit, s.pairId);
      expect(appRows(s.left)).toHaveLength(1);
      expect(appRows(s.right)).toHaveLength(1);
    });
  });
});

