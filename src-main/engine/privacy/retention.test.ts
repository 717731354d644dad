// Retention (issue 13 §3): activity, finished runs, resolved conflicts and finished journal rows
// older than the retention period (default 90 days, a setting) are pruned — on request and in the
// background — and the freed pages go back to the file system (incremental vacuum). The clock is
// injected: "91 days later" is a clock, not a wait.
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineOptions } from '../engine';
import { appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from '../sync/test-kit.fixture';

const DAY = 86_400_000;
let clock = new Date();
const later = (days: number) => (clock = new Date(Date.now() + days * DAY));

const count = (kit: Kit, sql: string): number => kit.db.prepare(sql).pluck().get() as number;
const rows = (kit: Kit) => ({
  activity: count(kit, 'SELECT count(*) FROM activity'),
  runs: count(kit, 'SELECT count(*) FROM runs'),
  resolved: count(kit, "SELECT count(*) FROM conflicts WHERE status = 'resolved'"),
  open: count(kit, "SELECT count(*) FROM conflicts WHERE status = 'open'"),
  journal: count(kit, 'SELECT count(*) FROM journal'),
});

/** A pair with history: 200 records created, a resolved conflict, an open one, several runs. */
async function pairWithHistory(engine: Partial<EngineOptions>) {
  clock = new Date();
  const s = await setupPair({ conflictPolicy: 'manual' }, { engine: { clock: () => clock, ...engine } });
  for (let i = 0; i < 200; i++) appInsert(s.left, { email: `p${i}@example.com`, name: `Person ${i} ${'x'.repeat(200)}`, score: i });
  await syncAndWait(s.kit, s.pairId);
  const idOf = (path: string, email: string) => appRows(path).find((r) => r.email === email)?.id ?? 0;
  appUpdate(s.left, idOf(s.left, 'p1@example.com'), { name: 'Left edit' });
  appUpdate(s.right, idOf(s.right, 'p1@example.com'), { name: 'Right edit' });
  await syncAndWait(s.kit, s.pairId);
  const [open] = (await s.kit.call('conflicts/list', { pairId: s.pairId })).items;
  await s.kit.call('conflicts/resolve', { conflictId: open?.id ?? '', resolution: { kind: 'fields', fields: { name: { take: 'left' } } } });
  appUpdate(s.left, idOf(s.left, 'p2@example.com'), { name: 'Left again' });
  appUpdate(s.right, idOf(s.right, 'p2@example.com'), { name: 'Right again' });
  await syncAndWait(s.kit, s.pairId);
  // A run clears its finished journal rows as it ends; rows it could not (an interrupted run's,
  // marked failed by the next) stay, and so does a pending one a crash left.
  const journal = s.kit.db.prepare("INSERT INTO journal (pair_id, run_id, side, op, payload_json, status, created_at, finished_at) VALUES (?, 'old-run', 'right', 'update', '{}', ?, ?, ?)");
  journal.run(s.pairId, 'failed', new Date().toISOString(), new Date().toISOString());
  journal.run(s.pairId, 'pending', new Date().toISOString(), null);
  return s;
}

describe('retention', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('keeps everything for 90 days by default, then prunes activity, finished runs, resolved conflicts and journal rows, and vacuums', async () => {
    const s = await pairWithHistory({});
    kit = s.kit;
    dir = s.dir;
    expect(await kit.call('privacy/settings', {})).toEqual({ retentionDays: 90, lastPrune: null });
    const before = rows(kit);
    expect(before).toMatchObject({ runs: 3, resolved: 1, open: 1 });
    expect(before.activity).toBeGreaterThan(200);
    expect(before.journal).toBe(2);
    expect(kit.db.pragma('auto_vacuum', { simple: true })).toBe(2); // incremental, from the first table on

    later(89);
    expect(await kit.call('privacy/prune', {})).toMatchObject({ activity: 0, runs: 0, conflicts: 0, journal: 0 });
    expect(rows(kit)).toEqual(before);

    later(91);
    const pagesBefore = kit.db.pragma('page_count', { simple: true }) as number;
    const pruned = await kit.call('privacy/prune', {});
    expect(pruned).toMatchObject({ activity: before.activity, runs: 2, conflicts: 1, journal: 1 });
    expect(pruned.freedPages).toBeGreaterThan(0);
    // The pair's latest run stays (its card shows it); an open conflict and a pending journal row are never pruned.
    expect(rows(kit)).toEqual({ activity: 0, runs: 1, resolved: 0, open: 1, journal: 1 });
    expect(kit.db.pragma('freelist_count', { simple: true })).toBe(0);
    expect(kit.db.pragma('page_count', { simple: true })).toBeLessThan(pagesBefore);
    expect((await kit.call('pairs/get', { pairId: s.pairId })).lastRun).not.toBeNull();
    expect((await kit.call('privacy/settings', {})).lastPrune).toEqual(pruned);
  });

  it('follows the retention setting, and refuses a period that is not a whole number of days from 1', async () => {
    const s = await pairWithHistory({});
    kit = s.kit;
    dir = s.dir;
    expect(await kit.call('privacy/set-retention', { days: 10 })).toMatchObject({ retentionDays: 10 });
    later(9);
    expect((await kit.call('privacy/prune', {})).activity).toBe(0);
    later(11);
    expect((await kit.call('privacy/prune', {})).activity).toBeGreaterThan(0);
    for (const days of [0, -1, 1.5]) {
      const r = await kit.dispatch('privacy/set-retention', { days });
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid-input', issues: [{ path: 'days' }] } });
    }
    expect((await kit.call('privacy/settings', {})).retentionDays).toBe(10);
  });

  it('prunes in the background without being asked', async () => {
    const s = await pairWithHistory({ retentionFirstMs: 3_600_000, retentionIntervalMs: 20 });
    kit = s.kit;
    dir = s.dir;
    later(120);
    for (let i = 0; rows(kit).activity > 0; i++) {
      if (i > 3_000) throw new Error('the background prune never ran');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(rows(kit)).toMatchObject({ activity: 0, runs: 1, resolved: 0, journal: 1 });
  });
});

describe('incrementalVacuum on a database made before auto_vacuum', () => {
  it('converts it once (a full VACUUM), then frees pages incrementally', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { incrementalVacuum } = await import('./retention');
    const folder = mkdtempSync(join(tmpdir(), 'concord-vacuum-'));
    const db = new Database(join(folder, 'old.sqlite'));
    try {
      db.pragma('journal_mode = WAL');
      db.exec("CREATE TABLE t (v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT hex(randomblob(300)) FROM n;");
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(0);
      db.exec('DELETE FROM t');
      await incrementalVacuum(db);
      expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
      expect(db.pragma('freelist_count', { simple: true })).toBe(0);
      db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT hex(randomblob(300)) FROM n; DELETE FROM t;");
      expect(db.pragma('freelist_count', { simple: true })).toBeGreaterThan(0);
      expect(await incrementalVacuum(db)).toBeGreaterThan(0);
      expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    } finally {
      db.close();
      removeDir(folder);
    }
  });
});
