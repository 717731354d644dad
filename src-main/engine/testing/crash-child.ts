/**
 * The process a crash test kills: opens the engine on a data folder and runs one sync of a pair,
 * reporting each event as a JSON line on stdout. Run with `node --import tsx crash-child.ts
 * <dataDir> <pairId>`. The parent SIGKILLs it while it writes; nothing here cleans up, on purpose.
 */
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createCredentialStore, CREDENTIALS_ENV } from '../credentials';
import { createEngine } from '../engine';
import { runAndWait } from './sqlite-apps';

async function main(): Promise<void> {
  const [dataDir, pairId] = process.argv.slice(2);
  if (!dataDir || !pairId) throw new Error('usage: crash-child.ts <dataDir> <pairId>');
  // SQLite apps need no secret: the in-memory store stands in for the keychain. A server's password
  // must outlive the process, so a parent that sets CONCORD_CREDENTIALS gets that real store.
  const credentials = process.env[CREDENTIALS_ENV] ? createCredentialStore({ dataDir, env: process.env }) : new InMemoryCredentialStoreForTests();
  // No change feeds: the child runs the one run its parent counts.
  const engine = createEngine({ dataDir, credentials, log: () => undefined, feeds: false });
  engine.onEvent((m) => process.stdout.write(`${JSON.stringify(m)}\n`));
  const run = await runAndWait(engine, pairId);
  process.stdout.write(`${JSON.stringify({ event: 'child/done', payload: run })}\n`);
  await engine.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
