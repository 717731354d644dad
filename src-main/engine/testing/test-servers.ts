/**
 * What the throwaway servers of the tests share (pg-server.ts, mariadb-server.ts,
 * radicale-server.ts): a free port, whether we run as root, waiting for a started server, the end
 * of its log for a failure message, and the gate that decides whether a test file can run.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port the OS says is free now; a server may still lose a race for it, so its start retries. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Waits until `probe` succeeds (the server answers), or the server exits; false when it exited or the deadline passed. */
export async function whenReady(child: ChildProcess, probe: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => (exited = true));
  while (!exited && Date.now() < deadline) {
    try {
      await probe();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/** The last lines of a server's log, for a failure message (they say why it would not start). */
export function logTail(path: string, missing = '(no log)'): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return missing;
  }
}

export type ServerTestGate = { available: boolean; missingMessage: string; failInCi: boolean };

/**
 * Whether a test file can run against a real server. Under CI=true a missing server is an error
 * the test run must report (a test that says so fails); locally the file is skipped and says why,
 * loudly, once.
 */
export function serverTestGate(name: string, available: boolean, missingMessage: string): ServerTestGate {
  if (!available && process.env.CI !== 'true') console.warn(`\n*** SKIPPING ${name} tests: ${missingMessage} ***\n`);
  return { available, missingMessage, failInCi: !available && process.env.CI === 'true' };
}
