/**
 * The parent's handle on a bench child process (bench/worker.ts): one request at a time, each
 * under a time limit. A request that outlives its limit kills the child's whole process group
 * (the engine's own children, a crash child or a browser, go with it); a child that dies answers
 * every request with how it died. While a request runs, the parent also samples the child's RSS
 * from /proc, so a run that is killed or dies still has a peak to show.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Reply, Request } from './worker';

const REPO = resolve(__dirname, '..');
const WORKER = resolve(__dirname, 'worker.ts');

export type CallResult =
  | { kind: 'ok'; value: unknown; peakRssBytes: number | null }
  /** The request threw; the child lives on. */
  | { kind: 'error'; error: string; peakRssBytes: number | null }
  | { kind: 'timeout'; afterS: number; peakRssBytes: number | null }
  | { kind: 'died'; error: string; peakRssBytes: number | null };

const live = new Set<BenchChild>();

/** Kills every child still running (Ctrl-C, or the bench itself failing). */
export function killAllChildren(): void {
  for (const c of live) c.kill();
}

async function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | null> {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The line of a dead child's stderr that says why: V8's fatal error (out of memory), else the
 * last JavaScript error, else the last line. Stack frames (JavaScript and native) never say why.
 */
export function causeOf(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at ') && !/^\d+: 0x[0-9a-f]+ /i.test(l) && !l.startsWith('<---'));
  const fatal = lines.find((l) => l.startsWith('FATAL ERROR'));
  const error = [...lines].reverse().find((l) => /\b[A-Z]\w*Error\b|abort/.test(l));
  return fatal ?? error ?? lines.at(-1) ?? 'no output';
}

export class BenchChild {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private stderrTail = '';
  private exit: string | null = null;
  private readonly exited: Promise<void>;

  constructor(readonly name: string) {
    // Its own process group (detached), so a kill takes the grandchildren too.
    this.child = fork(WORKER, [], { cwd: REPO, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
    live.add(this);
    const keep = (d: Buffer) => {
      process.stderr.write(d);
      this.stderrTail = (this.stderrTail + d.toString()).slice(-8000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('message', (reply: Reply) => this.waiting.get(reply.id)?.(reply));
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        this.exit = signal ? `killed by ${signal}` : `exit code ${code}`;
        live.delete(this);
        done();
      }),
    );
  }

  get alive(): boolean {
    return this.exit === null;
  }

  kill(): void {
    if (this.exit !== null || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  private died(peak: number | null): CallResult {
    return { kind: 'died', error: `the process died (${this.exit}): ${causeOf(this.stderrTail)}`, peakRssBytes: peak };
  }

  async call(req: Request, limitS: number): Promise<CallResult> {
    const pid = this.child.pid;
    if (!this.alive || pid === undefined) return this.died(null);
    const id = this.nextId++;
    let sampled: number | null = null;
    const sampler = setInterval(() => {
      void procStatus(pid, 'VmRSS').then((rss) => {
        if (rss !== null) sampled = Math.max(sampled ?? 0, rss);
      });
    }, 50);
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = new Promise<Reply>((done) => this.waiting.set(id, done));
      const timeout = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), limitS * 1000)));
      this.child.send({ id, req });
      const first = await Promise.race([reply, timeout, this.exited.then(() => 'exited' as const)]);
      const peak = (child: number | null) => (child === null && sampled === null ? null : Math.max(child ?? 0, sampled ?? 0));
      if (first === 'timeout') {
        // VmHWM was reset by the child when the request began: it is this request's peak.
        const hwm = await procStatus(pid, 'VmHWM');
        this.kill();
        await this.exited;
        return { kind: 'timeout', afterS: limitS, peakRssBytes: peak(hwm) };
      }
      if (first === 'exited') return this.died(peak(null));
      return first.ok ? { kind: 'ok', value: first.value, peakRssBytes: peak(first.peakRssBytes) } : { kind: 'error', error: first.error, peakRssBytes: peak(first.peakRssBytes) };
    } finally {
      clearInterval(sampler);
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  /** Closes the engine and ends the child; kills it if it does not end within `limitS`. */
  async close(limitS = 15): Promise<void> {
    if (this.alive) await this.call({ op: 'exit' }, limitS);
    this.kill();
    await this.exited;
  }
}
