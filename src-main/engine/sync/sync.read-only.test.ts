/**
 * Issue 13 §1 "A file Concord cannot write passes Test connection": a read-only file fails the
 * connection test with words a user can act on, a run that would write it fails once (one run
 * error, nothing written on either side, no failed record per row), and "Retry all" retries every
 * failed record in one run.
 *
 * These tests run as root, for whom chmod 0444 does not stop a write (the kernel's DAC override):
 * Concord judges a file by its permission bits too, so a file no one may write is read-only for
 * root as well. `chattr +i` (an immutable file, which even root cannot write) covers the other
 * path — the kernel's own answer (access W_OK) — where the filesystem supports it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../connectors/errors';
import { appExec, appInsert, appRows, basePairConfig, createApp, interceptWrites, removeDir, setupPair, startEngine, syncAndWait, tempDir, waitRun, type Kit } from './test-kit.fixture';

const READ_ONLY = 'read-only: Concord can read but not write this file';

/** Makes a file immutable with chattr +i; false where the filesystem or the user cannot. */
function immutable(path: string, on: boolean): boolean {
  try {
    execFileSync('chattr', [on ? '+i' : '-i', path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function csvPair(dir: string, csv: string) {
  const left = join(dir, 'left.sqlite');
  const path = join(dir, 'people.csv');
  createApp(left);
  writeFileSync(path, csv);
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path } });
  const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: 'people.csv', changeDetection: 'hash' } });
  config.fields = config.fields.filter((f) => f.name !== 'score');
  const pair = await kit.call('pairs/create', { config });
  return { left, path, kit, pairId: pair.id, rightConn: r.id, leftConn: l.id };
}

describe('a file Concord cannot write', () => {
  let kit: Kit | null = null;
  let dir = '';
  const locked: string[] = [];
  afterEach(async () => {
    for (const p of locked.splice(0)) immutable(p, false);
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('Test connection says a chmod 0444 CSV file is read-only (root included), and passes once it is writable again', async () => {
    dir = tempDir('concord-ro-');
    const s = await csvPair(dir, 'email,name\nann@x,Ann\n');
    kit = s.kit;
    chmodSync(s.path, 0o444);
    await expect(kit.call('connections/test', { connectionId: s.rightConn })).rejects.toThrow(READ_ONLY);
    await expect(kit.call('connections/test', { connector: 'csv-file', config: { path: s.path } })).rejects.toThrow(READ_ONLY);
    chmodSync(s.path, 0o644);
    expect(await kit.call('connections/test', { connectionId: s.rightConn })).toMatchObject({ ok: true, collections: 1 });
  });

  it('Test connection says a chmod 0444 SQLite file is read-only', async () => {
    dir = tempDir('concord-ro-');
    const s = await csvPair(dir, 'email,name\n');
    kit = s.kit;
    chmodSync(s.left, 0o444);
    await expect(kit.call('connections/test', { connectionId: s.leftConn })).rejects.toThrow(READ_ONLY);
  });

  it('Test connection says an immutable file (chattr +i, which stops root too) is read-only', async (ctx) => {
    dir = tempDir('concord-ro-');
    const s = await csvPair(dir, 'email,name\nann@x,Ann\n');
    kit = s.kit;
    // A filesystem without the immutable attribute (tmpfs, some overlays) cannot hold this case: said, not hidden.
    if (!immutable(s.path, true)) return ctx.skip(`chattr +i is not supported on the filesystem of ${s.path}; the chmod 0444 cases above still cover read-only files`);
    locked.push(s.path);
    await expect(kit.call('connections/test', { connectionId: s.rightConn })).rejects.toThrow(READ_ONLY);
  });

  it('a sync into a read-only CSV fails the run once, before anything is written on either side', async () => {
    dir = tempDir('concord-ro-');
    const csv = 'email,name\nsheet-only@x,From the sheet\n';
    const s = await csvPair(dir, csv);
    kit = s.kit;
    for (let i = 1; i <= 250; i++) appInsert(s.left, { email: `c${i}@x`, name: `C${i}`, score: null });
    chmodSync(s.path, 0o444);
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('failed');
    expect(run.error).toContain(READ_ONLY);
    expect(run.counts).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
    // Not half-applied: the CRM did not get the sheet's row either, and the file is as it was.
    expect(appRows(s.left).map((r) => r.email)).not.toContain('sheet-only@x');
    expect(readFileSync(s.path, 'utf8')).toBe(csv);

    chmodSync(s.path, 0o644);
    const again = await syncAndWait(kit, s.pairId);
    expect(again).toMatchObject({ status: 'succeeded', counts: { created: 251, failed: 0 } });
  });

  it('a whole-collection write error met mid-run (the file became read-only) fails the run once, not one failed record per row', async () => {
    let refuse = false;
    const s = await setupPair(
      {},
      {
        wrap: interceptWrites(async (real, c, ops, id) => {
          if (refuse && id === rightId) throw new ConnectorError('read-only', `${READ_ONLY} (test: right.sqlite)`);
          return real.write(c, ops);
        }),
      },
    );
    const rightId = s.rightConn;
    kit = s.kit;
    dir = s.dir;
    for (let i = 1; i <= 250; i++) appInsert(s.left, { email: `c${i}@x`, name: `C${i}`, score: i });
    refuse = true;
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('failed');
    expect(run.error).toContain(READ_ONLY);
    expect(run.counts.failed).toBe(0);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
    refuse = false;
    expect(await syncAndWait(kit, s.pairId)).toMatchObject({ status: 'succeeded', counts: { created: 250 } });
    expect(appRows(s.right)).toHaveLength(250);
  });
});

describe('Retry all', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  const rejectPrefix = (path: string) =>
    appExec(path, (db) => db.exec(`CREATE TRIGGER reject BEFORE INSERT ON contacts WHEN NEW.email LIKE 'bad%' BEGIN SELECT RAISE(ABORT, 'the app rejects it'); END`));

  it('"Retry all" retries every failed record of the pair in one run, whatever their backoff', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    for (let i = 1; i <= 30; i++) appInsert(s.left, { email: `bad${i}@x`, name: `B${i}`, score: i });
    rejectPrefix(s.right);
    expect((await syncAndWait(kit, s.pairId)).counts.failed).toBe(30);
    appExec(s.right, (db) => db.exec('DROP TRIGGER reject'));
    const out = await kit.call('failed/retry-all', { pairId: s.pairId });
    expect(out).toMatchObject({ retried: 30, failed: 0 });
    expect(await waitRun(kit, out.runId)).toMatchObject({ trigger: 'retry', counts: { created: 30 } });
    expect(appRows(s.right)).toHaveLength(30);
    expect(await kit.call('failed/list', { pairId: s.pairId })).toEqual([]);
  });

  it('once one failed record is due, a run retries every failed record, not the slice whose jittered backoff has passed', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    for (let i = 1; i <= 20; i++) appInsert(s.left, { email: `bad${i}@x`, name: `B${i}`, score: i });
    rejectPrefix(s.right);
    expect((await syncAndWait(kit, s.pairId)).counts.failed).toBe(20);
    appExec(s.right, (db) => db.exec('DROP TRIGGER reject'));
    // The jitter spread their next attempts: only one is due now.
    kit.db.prepare("UPDATE failed SET next_attempt_at = '2999-01-01T00:00:00.000Z'").run();
    kit.db.prepare("UPDATE failed SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE record = 'bad7@x'").run();
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 20, failed: 0 });
    expect(appRows(s.right)).toHaveLength(20);
  });
});
