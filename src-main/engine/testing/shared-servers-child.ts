/**
 * TEST FIXTURE (not shipped code): a stand-in for Vitest's main process, for
 * shared-servers.test.ts. Runs the globalSetup, has the broker start PostgreSQL, prints the
 * server's port and folder as one JSON line, and waits to be interrupted (SIGINT / SIGTERM).
 */
import setup from './shared-servers';

async function main(): Promise<void> {
  let broker = '';
  await setup({ provide: (_key, value) => (broker = value) });
  const answer: unknown = await (await fetch(`${broker}/pg`)).json();
  console.log(JSON.stringify(answer));
  // Kept alive until a signal ends it.
  setInterval(() => {}, 60_000);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
