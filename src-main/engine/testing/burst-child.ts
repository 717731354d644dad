/**
 * The process the kill-during-burst test kills (issue 12 §3): an engine on a data folder with its
 * webhook receiver on the port the folder remembers, nothing else. It says `child/ready` with
 * the port once it listens; the parent then sends webhooks and SIGKILLs it at a random instant.
 * SIGTERM closes it cleanly (the last, unkilled life). Nothing here cleans up after a kill, on purpose.
 * The webhook secret comes from BURST_SECRET: SQLite apps need no other, so the in-memory store
 * stands in for the keychain.
 */
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createEngine } from '../engine';
import { webhookAccount } from '../sync/events/domain';

async function main(): Promise<void> {
  const [dataDir, pairId] = process.argv.slice(2);
  const secret = process.env.BURST_SECRET;
  if (!dataDir || !pairId || !secret) throw new Error('usage: BURST_SECRET=… burst-child <dataDir> <pairId>');
  const credentials = new InMemoryCredentialStoreForTests();
  await credentials.set(webhookAccount(pairId), secret);
  // BURST_FEEDS=off: no change feeds (the webhook bench measures webhooks alone; a SQLite app's own feed would add runs of its own).
  const engine = createEngine({ dataDir, credentials, log: () => undefined, webhooks: { port: Number(process.env.BURST_PORT ?? 0) }, events: { retryMs: 20 }, ...(process.env.BURST_FEEDS === 'off' ? { feeds: false as const } : {}) });
  await engine.webhooksReady;
  const address = engine.webhookAddress();
  if (!address) throw new Error('the webhook receiver did not listen');
  process.stdout.write(`${JSON.stringify({ event: 'child/ready', port: address.port })}\n`);
  process.once('SIGTERM', () => {
    void engine.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
