// The data-folder lock against real processes racing for it after a holder was SIGKILLed
// (issue 9: two `concord sync` both ran after a stale lock, 3 times in 50).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';

const CONTENDER = join(import.meta.dirname, 'testing', 'lock-contender.ts');
const CONTENDERS = 6;
const TRIALS = 5;

type Worker = { child: ChildProcessWithoutNullStreams; ask(line: string): Promise<string> };

function worker(): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', CONTENDER], { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line));
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += String(c)));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', () => reject(new Error(`a contender died: ${stderr}`)));
    });
  const ask = (line: string) => {
    const answer = next();
    child.stdin.write(`${line}\n`);
    return answer;
  };
  return next().then(() => ({ child, ask }));
}

const started: Worker[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const w of started) w.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('exactly one of many engines starting together wins the lock a SIGKILLed engine left, every time', async () => {
  // Started together up front (each start costs a TypeScript load): the contenders live through
  // every trial; each trial's holder is its own process, killed while it holds the lock.
  const all = await Promise.all(Array.from({ length: CONTENDERS + TRIALS }, () => worker()));
  started.push(...all);
  const contenders = all.slice(0, CONTENDERS);
  for (let trial = 0; trial < TRIALS; trial++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'concord-lock-race-'));
    dirs.push(dataDir);
    const holder = all[CONTENDERS + trial] as Worker;
    expect(await holder.ask(`try ${dataDir}`)).toBe('won');
    const dead = new Promise((r) => holder.child.once('exit', r));
    holder.child.kill('SIGKILL');
    await dead;

    const at = Date.now() + 100;
    const answers = await Promise.all(contenders.map((c) => c.ask(`try-at ${at} ${dataDir}`)));
    const winners = answers.filter((a) => a === 'won');
    expect(winners, `trial ${trial}: ${answers.join(' | ')}`).toHaveLength(1);
    for (const a of answers.filter((x) => x !== 'won')) expect(a).toMatch(/^lost Another Concord .*is using the data folder/);
    const winner = contenders[answers.indexOf('won')] as Worker;
    expect(await winner.ask('release')).toBe('released');
    // Released: the next one takes it at once.
    const again = contenders[(answers.indexOf('won') + 1) % CONTENDERS] as Worker;
    expect(await again.ask(`try ${dataDir}`)).toBe('won');
    expect(await again.ask('release')).toBe('released');
  }
});
