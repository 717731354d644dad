/**
 * TEST FIXTURE (not shipped code): a test file's way to the run's shared database servers
 * (`shared-servers.ts`, Vitest's globalSetup). Asks the broker in Vitest's main process for the
 * server, which starts it on the first request of the run; null when the run has no broker (a
 * Vitest config without the globalSetup), so the caller starts a server of its own as before.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { BrokerAnswer, SharedServerInfo, SharedServerKind } from './shared-servers';

export async function sharedServer(kind: SharedServerKind): Promise<SharedServerInfo | null> {
  const broker = inject('testServerBroker');
  if (!broker) return null;
  const res = await fetch(`${broker}/${kind}`);
  if (!res.ok) throw new Error(`the test-server broker answered ${res.status} for ${kind}`);
  const answer = (await res.json()) as BrokerAnswer;
  if (!answer.ok) throw new Error(`the run's shared ${kind === 'pg' ? 'PostgreSQL' : 'MariaDB'} server did not start: ${answer.error}`);
  return answer.server;
}

/** A random lower-case name part (databases and users of one test file). */
export const randomName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;
