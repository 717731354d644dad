/**
 * A process that contends for data-folder locks, for the lock's race tests. Run with
 * `node --import tsx lock-contender.ts`; it reads commands on stdin, one a line, and answers each
 * on stdout: `try <dataDir>` → `won` | `lost <message>` | `error <message>`; `release` → `released`.
 * `try-at <epochMs> <dataDir>` tries at that instant (it spins the last few ms), so contenders
 * told together try together — the race the lock must win does not depend on that, only shows up more.
 * A test SIGKILLs it while it holds a lock, as a crash would.
 */
import { createInterface } from 'node:readline';
import { DataDirLocked, lockDataDir, type DataDirLock } from '../data-dir-lock';

let held: DataDirLock | null = null;
const answer = (line: string) => process.stdout.write(`${line}\n`);

function attempt(dataDir: string): void {
  try {
    held = lockDataDir(dataDir, `contender ${process.pid}`);
    answer('won');
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\n/g, ' ') : String(error);
    answer(`${error instanceof DataDirLocked ? 'lost' : 'error'} ${message}`);
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ...rest] = line.split(' ');
  if (command === 'try') attempt(rest.join(' '));
  else if (command === 'try-at') {
    const at = Number(rest[0]);
    setTimeout(() => {
      while (Date.now() < at) {
        /* spin to the instant */
      }
      attempt(rest.slice(1).join(' '));
    }, Math.max(0, at - Date.now() - 5));
  } else if (command === 'release') {
    held?.release();
    held = null;
    answer('released');
  }
});
answer('ready');
