/**
 * PITFALLS 15 — crash or kill mid-run. A real child process runs a first sync and is SIGKILLed
 * while it writes; the engine restarts on the same data folder and runs again. The rerun must
 * finish the work with no duplicate creates and no lost records, end exactly where an
 * uninterrupted run ends, and leave nothing for a further run to do.
 *
 * Only the public API is used (createEngine, dispatch, onEvent) and the apps' files themselves.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../api/model';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createEngine } from '../engine';
import {
  call,
  contentByEmail,
  createContactsApp,
  createContactsPair,
  duplicateEmails,
  people,
  person,
  readContacts,
  mutateApp,
  type Contact,
  runAndWait,
  seedContacts,
  writesOf,
} from '../testing/sqlite-apps';

// 3,000 people on the left (0..2999), 2,000 on the right (2000..3999): 1,000 overlap by email,
// and the right holds another phone for them (the master, left, wins on the first match).
const LEFT = [0, 3000] as const;
const RIGHT = [2000, 4000] as const;
const RIGHT_PHONE = 'right-phone';
/** Writes a complete first sync makes: 1,000 creates on the left, 2,000 creates + 1,000 updates on the right. */
const TOTAL_WRITES = 1000 + 2000 + 1000;

const CHILD = resolve(__dirname, '../testing/crash-child.ts');
const REPO = resolve(__dirname, '../../..');

type Apps = { dir: string; left: string; right: string };

function makeApps(dir: string): Apps {
  mkdirSync(dir, { recursive: true });
  const apps = { dir, left: join(dir, 'left.sqlite'), right: join(dir, 'right.sqlite') };
  createContactsApp(apps.left);
  createContactsApp(apps.right);
  seedContacts(apps.left, people(...LEFT));
  seedContacts(apps.right, people(...RIGHT, (p) => ({ ...p, phone: RIGHT_PHONE })));
  return apps;
}

// No change feeds: the test counts the runs it starts itself.
const newEngine = (dataDir: string) => createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests(), log: () => undefined, feeds: false });

/** Sync writes visible in the apps' files: rows created on the left, right rows that now hold the left's data. */
function visibleWrites(apps: Apps): { left: number; right: number; total: number } {
  const count = (path: string, sql: string) => {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
    try {
      return db.prepare(sql).pluck().get() as number;
    } finally {
      db.close();
    }
  };
  const left = count(apps.left, 'SELECT count(*) FROM contacts') - (LEFT[1] - LEFT[0]);
  const right = count(apps.right, `SELECT count(*) FROM contacts WHERE phone IS NOT '${RIGHT_PHONE}'`);
  return { left, right, total: left + right };
}

/** Distinct records created or updated according to the activity log. */
const committedWrites = (entries: ActivityEntry[]): number =>
  new Set(entries.filter((e) => e.action === 'created' || e.action === 'updated').map((e) => `${e.side}:${e.action}:${e.record}`)).size;

/** The apps' own edits, each app's in one transaction, stamped with the app's clock. */
function mutateEdits(apps: Apps, edited: { phones: readonly [number, number]; credits: readonly [number, number] }): void {
  const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
  mutateApp(apps.left, (db) => {
    const set = db.prepare(`UPDATE contacts SET phone = ?, updated_at = ${now} WHERE email = ?`);
    for (let n = edited.phones[0]; n < edited.phones[1]; n++) set.run(`edited ${n}`, person(n).email);
  });
  mutateApp(apps.right, (db) => {
    const set = db.prepare(`UPDATE contacts SET credits = ?, updated_at = ${now} WHERE email = ?`);
    for (let n = edited.credits[0]; n < edited.credits[1]; n++) set.run(person(n).credits + 500, person(n).email);
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => done({ code, signal }));
  });

/**
 * Runs the first sync in a child and SIGKILLs it once `killAt` writes are visible in the apps.
 * With `inJournalWindow`, the parent first takes the write lock of the engine's own database, so
 * the child blocks (busy timeout) after a batch reached the app and before the journal marks all
 * of it done — the kill lands exactly in that window, the hardest one.
 */
async function killMidRun(apps: Apps, dataDir: string, pairId: string, killAt: number, inJournalWindow = false, written: () => number = () => visibleWrites(apps).total) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, pairId], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = exited(child);
  let done = false;
  void exit.then(() => (done = true));
  const deadline = Date.now() + 60_000;
  while (!done && Date.now() < deadline) {
    if (written() >= killAt) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  if (done) throw new Error(`the child finished before ${killAt} writes were visible, so no kill landed mid-run.\nstdout tail: ${stdout.slice(-500)}\nstderr: ${stderr}`);
  let lock: Database.Database | null = null;
  if (inJournalWindow) {
    // The lock is granted between two of the child's transactions. When the child's next step is
    // an app write, that batch reaches the app and the child blocks on marking it done: the
    // window. When its next step is journaling a batch, it blocks before writing anything, so the
    // lock is let go and taken again until an app write is seen under it (no fixed wait: the
    // child's pace depends on the machine's load).
    for (let attempt = 0; attempt < 200 && !done; attempt++) {
      lock = new Database(join(dataDir, 'concord.sqlite'), { timeout: 5000 });
      lock.exec('BEGIN IMMEDIATE');
      const before = written();
      const until = Date.now() + 1_000;
      while (Date.now() < until && written() === before && !done) await new Promise((r) => setTimeout(r, 5));
      if (written() > before) break;
      // Let the child commit the transaction it was blocked on before the lock is taken again
      // (re-taken at once, it could keep the child waiting until its busy timeout ran out).
      const committed = () => Number(lock?.prepare('SELECT count(*) FROM journal').pluck().get() ?? 0) + Number(lock?.prepare('SELECT count(*) FROM links').pluck().get() ?? 0);
      lock.exec('ROLLBACK');
      const seen = committed();
      const moved = Date.now() + 10_000;
      while (Date.now() < moved && committed() === seen && !done) await new Promise((r) => setTimeout(r, 5));
      lock.close();
      lock = null;
    }
    if (!lock) throw new Error('no app write was seen while Concord\'s database was locked, so the kill could not land between an app commit and the journal commit');
  }
  child.kill('SIGKILL');
  const result = await exit;
  lock?.exec('ROLLBACK');
  lock?.close();
  return { result, at: visibleWrites(apps), writtenAtKill: written(), stdout };
}

describe('sync survives a SIGKILL mid-run (PITFALLS 15)', () => {
  const root = mkdtempSync(join(tmpdir(), 'concord-crash-'));
  let reference: { left: ReturnType<typeof contentByEmail>; right: ReturnType<typeof contentByEmail> };

  beforeAll(async () => {
    // The state an uninterrupted first sync reaches from the same starting files.
    const apps = makeApps(join(root, 'reference'));
    const engine = newEngine(join(root, 'reference', 'data'));
    try {
      const pairId = await createContactsPair(engine, apps.left, apps.right);
      const run = await runAndWait(engine, pairId);
      expect(run.status).toBe('succeeded');
      expect(writesOf(run)).toBe(TOTAL_WRITES);
    } finally {
      await engine.close();
    }
    reference = { left: contentByEmail(apps.left), right: contentByEmail(apps.right) };
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Both apps agree, equal the uninterrupted run's end state, lost nothing and doubled nothing. */
  async function expectConvergedToReference(engine: ReturnType<typeof newEngine>, apps: Apps, before: Record<'left' | 'right', Contact[]>, pairId: string) {
    const left = contentByEmail(apps.left);
    const right = contentByEmail(apps.right);
    expect(duplicateEmails(apps.left)).toEqual([]);
    expect(duplicateEmails(apps.right)).toEqual([]);
    // Both apps agree on every mapped field, and equal the uninterrupted run's end state.
    expect(left).toEqual(right);
    expect(left).toEqual(reference.left);
    expect(right).toEqual(reference.right);
    // Every original record is still there, with its own id.
    for (const side of ['left', 'right'] as const) {
      const now = new Map(readContacts(apps[side]).map((c) => [c.id, c.email]));
      for (const c of before[side]) expect(now.get(c.id)).toBe(c.email);
    }
    for (let n = LEFT[0]; n < RIGHT[1]; n++) expect(left.get(person(n).email)?.first_name).toBe(person(n).first_name);

    const detail = await call(engine, 'pairs/get', { pairId });
    expect(detail.linked).toBe(RIGHT[1] - LEFT[0]);
    expect(detail.queued).toBe(0);
    expect(detail.failed).toBe(0);

  }

  it.each([
    { name: 'early (a few hundred writes in)', killAt: 300 },
    { name: 'half-way', killAt: 2000 },
    { name: 'late (most writes done)', killAt: 3000 },
    { name: 'between an app commit and the journal commit', killAt: 2500, inJournalWindow: true },
  ])('killed $name: the rerun completes without duplicates or losses', { timeout: 180_000 }, async ({ killAt, inJournalWindow }) => {
    const dir = join(root, `kill-${killAt}`);
    const apps = makeApps(dir);
    const before = { left: readContacts(apps.left), right: readContacts(apps.right) };
    const dataDir = join(dir, 'data');

    const setup = newEngine(dataDir);
    const pairId = await createContactsPair(setup, apps.left, apps.right);
    await setup.close();

    const { result, at } = await killMidRun(apps, dataDir, pairId, killAt, inJournalWindow);
    // The kill landed while writes were in progress: some, not all, are in the apps.
    expect(result.signal).toBe('SIGKILL');
    expect(at.total).toBeGreaterThan(0);
    expect(at.total).toBeLessThan(TOTAL_WRITES);

    const engine = newEngine(dataDir);
    try {
      // The killed run is not left "running" for ever.
      const [interrupted] = await call(engine, 'runs/list', { pairId });
      expect(interrupted?.status).not.toBe('running');
      // Writes the engine committed (each commits its activity entry with its journal row).
      const journaled = committedWrites(await call(engine, 'activity/list', { pairId, limit: 10_000 }));
      expect(journaled).toBeLessThanOrEqual(at.total);
      // In the journal window, some writes reached the app that the journal never marked done.
      if (inJournalWindow) expect(journaled).toBeLessThan(at.total);

      const rerun = await runAndWait(engine, pairId);
      console.info(`kill at ${killAt}: ${at.left} left + ${at.right} right writes in the apps, ${journaled} marked done in the journal; rerun wrote ${writesOf(rerun)}`);
      expect(rerun.status).toBe('succeeded');
      expect(rerun.counts.failed).toBe(0);
      // The rerun finishes the work only: what the killed run wrote (journaled done or not) is not written again.
      expect(writesOf(rerun)).toBe(TOTAL_WRITES - at.total);

      await expectConvergedToReference(engine, apps, before, pairId);

      // A further sync finds nothing to do: the journal left no echo to chase.
      const again = await runAndWait(engine, pairId);
      expect(again.status).toBe('succeeded');
      expect(writesOf(again)).toBe(0);
      expect(again.counts.conflicts).toBe(0);
    } finally {
      await engine.close();
    }
  });
  it('killed twice (the first sync, then the rerun that resumes it): a third run still converges', { timeout: 180_000 }, async () => {
    const dir = join(root, 'kill-twice');
    const apps = makeApps(dir);
    const before = { left: readContacts(apps.left), right: readContacts(apps.right) };
    const dataDir = join(dir, 'data');
    const setup = newEngine(dataDir);
    const pairId = await createContactsPair(setup, apps.left, apps.right);
    await setup.close();

    const first = await killMidRun(apps, dataDir, pairId, 1200);
    // The second child re-plans over the first one's pending journal rows, and dies too.
    const second = await killMidRun(apps, dataDir, pairId, first.at.total + 1200);
    expect(second.result.signal).toBe('SIGKILL');
    expect(second.at.total).toBeGreaterThan(first.at.total);
    expect(second.at.total).toBeLessThan(TOTAL_WRITES);

    const engine = newEngine(dataDir);
    try {
      const rerun = await runAndWait(engine, pairId);
      expect(rerun.status).toBe('succeeded');
      expect(writesOf(rerun)).toBe(TOTAL_WRITES - second.at.total);
      await expectConvergedToReference(engine, apps, before, pairId);
      const runs = await call(engine, 'runs/list', { pairId });
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'failed']);
      expect(writesOf(await runAndWait(engine, pairId))).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('killed during an incremental run with edits on both sides: no edit is lost or echoed back', { timeout: 180_000 }, async () => {
    const dir = join(root, 'kill-incremental');
    const apps = makeApps(dir);
    const dataDir = join(dir, 'data');
    const engine0 = newEngine(dataDir);
    const pairId = await createContactsPair(engine0, apps.left, apps.right);
    expect((await runAndWait(engine0, pairId)).status).toBe('succeeded');
    await engine0.close();

    // The left app edits 1,500 phones, the right app 1,500 credit balances (other people).
    const edited = { phones: [0, 1500], credits: [2500, 4000] } as const;
    mutateEdits(apps, edited);
    const written = () => {
      const count = (path: string, sql: string) => {
        const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
        try {
          return db.prepare(sql).pluck().get() as number;
        } finally {
          db.close();
        }
      };
      return count(apps.right, "SELECT count(*) FROM contacts WHERE phone LIKE 'edited %'") + count(apps.left, 'SELECT count(*) FROM contacts WHERE credits >= 500');
    };
    expect(written()).toBe(0);
    const { result, writtenAtKill } = await killMidRun(apps, dataDir, pairId, 1000, false, written);
    expect(result.signal).toBe('SIGKILL');
    expect(writtenAtKill).toBeGreaterThan(0);
    expect(writtenAtKill).toBeLessThan(3000);

    const engine = newEngine(dataDir);
    try {
      const rerun = await runAndWait(engine, pairId);
      expect(rerun.status).toBe('succeeded');
      expect(rerun.counts.conflicts).toBe(0);
      expect(writesOf(rerun)).toBe(3000 - writtenAtKill);
      const left = contentByEmail(apps.left);
      expect(left).toEqual(contentByEmail(apps.right));
      for (let n = edited.phones[0]; n < edited.phones[1]; n++) expect(left.get(person(n).email)?.phone).toBe(`edited ${n}`);
      for (let n = edited.credits[0]; n < edited.credits[1]; n++) expect(left.get(person(n).email)?.credits).toBe(person(n).credits + 500);
      expect(duplicateEmails(apps.left)).toEqual([]);
      expect(duplicateEmails(apps.right)).toEqual([]);
      expect(writesOf(await runAndWait(engine, pairId))).toBe(0);
    } finally {
      await engine.close();
    }
  });
  it('killed while creating records that have no match key: the journal, not the key, prevents duplicates', { timeout: 180_000 }, async () => {
    const dir = join(root, 'kill-no-key');
    mkdirSync(dir, { recursive: true });
    const apps = { dir, left: join(dir, 'left.sqlite'), right: join(dir, 'right.sqlite') };
    createContactsApp(apps.left);
    createContactsApp(apps.right);
    // No email: a rerun cannot find what the killed run created by the match key.
    seedContacts(apps.left, people(0, 3000, (p) => ({ ...p, email: null })));
    const dataDir = join(dir, 'data');
    const setup = newEngine(dataDir);
    // The pair creates records without a key (the default holds them in the inbox).
    const pairId = await createContactsPair(setup, apps.left, apps.right, { overrides: { emptyKeys: 'create' } });
    await setup.close();

    const rightRows = () => readContacts(apps.right).length;
    const { result, writtenAtKill } = await killMidRun(apps, dataDir, pairId, 1200, false, rightRows);
    expect(result.signal).toBe('SIGKILL');
    expect(writtenAtKill).toBeGreaterThan(0);
    expect(writtenAtKill).toBeLessThan(3000);

    const engine = newEngine(dataDir);
    try {
      const rerun = await runAndWait(engine, pairId);
      expect(rerun.status).toBe('succeeded');
      expect(writesOf(rerun)).toBe(3000 - writtenAtKill);
      const phones = readContacts(apps.right).map((c) => c.phone);
      expect(phones).toHaveLength(3000);
      expect(new Set(phones).size).toBe(3000);
      expect(readContacts(apps.left)).toHaveLength(3000);
      expect(writesOf(await runAndWait(engine, pairId))).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
