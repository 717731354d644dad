/**
 * What the throwaway database servers of the tests share (pg-server.ts, mariadb-server.ts): a free
 * port, whether we run as root, and the gate that decides whether a test file can run.
 */
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
