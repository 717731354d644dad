/**
 * Bench scenario "rerun after crash" (PITFALLS 15 at scale): a child process runs the first sync
 * of fresh apps and is SIGKILLed early in its writes, so nearly every create of the plan is left
 * `pending` in the journal; the rerun (timed here, in this process) must look each of them up
 * among the target side's unlinked records before repeating it. A lookup that scans the unlinked
 * records once per pending create is quadratic: at 20,000 records per side it took 361 s against
 * 25 s for an uninterrupted first sync. The row shows whether the rerun stays near the first sync.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine } from '../src-main/engine/engine';
import {
  contentByEmail,
  countContacts,
  createContactsApp,
  createContactsPair,
  duplicateEmails,
  runAndWait,
  seedContacts,
  writesOf,
  type ContactFields,
} from '../src-main/engine/testing/sqlite-apps';

const REPO = resolve(__dirname, '..');
const CHILD = resolve(REPO, 'src-main/engine/testing/crash-child.ts');

export type CrashRow = { scenario: string; records: number; seconds: number; writes: number; status: string };

/**
 * `seed` fills the two app files the same way as the main bench. The kill lands once `killAfter`
 * records were created on the left (the runner writes the left side's batch first), so the
 * right's creates and the rest of the left's are all pending when the rerun starts.
 */
export async function rerunAfterCrash(dir: string, perSide: number, seed: (left: string, right: string) => void, killAfter: number): Promise<CrashRow> {
  mkdirSync(dir, { recursive: true });
  const left = join(dir, 'left.sqlite');
  const right = join(dir, 'right.sqlite');
  createContactsApp(left);
  createContactsApp(right);
  seed(left, right);
  const dataDir = join(dir, 'data');
  const newEngine = () => createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests(), log: (m, e) => console.error(`[engine] ${m}`, e ?? '') });

  const setup = newEngine();
  const pairId = await createContactsPair(setup, left, right, { name: 'Bench crash' });
  await setup.close();

  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, pairId], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
  let exited = false;
  void exit.then(() => (exited = true));
  const deadline = Date.now() + 3_600_000;
  while (!exited && Date.now() < deadline && countContacts(left) < perSide + killAfter) await new Promise((r) => setTimeout(r, 5));
  if (exited) throw new Error(`the crash child finished before ${killAfter} writes were visible, so no kill landed mid-run: ${stderr}`);
  child.kill('SIGKILL');
  if ((await exit) !== 'SIGKILL') throw new Error(`the crash child was not killed: ${stderr}`);
  const createdBeforeKill = countContacts(left) - perSide;
  console.error(`  rerun after crash: child killed after ${createdBeforeKill} creates on the left`);

  const engine = newEngine();
  try {
    const start = performance.now();
    const run = await runAndWait(engine, pairId, 'pairs/sync-now', 3_600_000);
    const seconds = (performance.now() - start) / 1000;
    const l = contentByEmail(left);
    const r = contentByEmail(right);
    const agree = l.size === r.size && [...l].every(([email, v]) => JSON.stringify(r.get(email)) === JSON.stringify(v));
    const doubled = duplicateEmails(left).length + duplicateEmails(right).length;
    const status = run.status !== 'succeeded' ? run.status : !agree ? 'DIFFERENT' : doubled > 0 ? `${doubled} DUPLICATES` : run.status;
    console.error(`  rerun after crash: ${run.status} in ${seconds.toFixed(2)} s${run.error ? ` — ${run.error}` : ''}; apps ${agree ? 'identical' : 'DIFFERENT'}, ${doubled} duplicates`);
    return { scenario: `rerun after crash (killed at ${createdBeforeKill} writes)`, records: run.counts.read, seconds, writes: writesOf(run), status };
  } finally {
    await engine.close();
  }
}

export type Seed = { left: Iterable<ContactFields>; right: Iterable<ContactFields> };
export const seeded = (rows: () => Seed) => (left: string, right: string) => {
  const s = rows();
  seedContacts(left, s.left);
  seedContacts(right, s.right);
};
