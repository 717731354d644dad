/**
 * The engine process. Electron main forks this file with `utilityProcess.fork` so that a long
 * sync (better-sqlite3 is synchronous) never freezes a window; messages follow
 * `process-protocol.ts`. Headless, the same engine is started by `concord serve` instead.
 */
import { parseArgs } from 'node:util';
import { createCredentialStore } from './credentials';
import { lockDataDir } from './data-dir-lock';
import { describeTightened, restrictUmask, secureDataDir } from './data-dir-permissions';
import { createEngine, type Engine } from './engine';
import { defaultDataDir, webhookFlags } from './options';
import type { EngineToMain, MainToEngine } from './process-protocol';

/** The two ways a parent can talk to us: Electron's parentPort, or Node's IPC channel (tests). */
type Channel = { send(message: EngineToMain): void; onMessage(listener: (message: unknown) => void): void };

function parentChannel(): Channel | null {
  // Electron's utilityProcess adds `process.parentPort`; it is absent from Node's types.
  const port = (process as NodeJS.Process & { parentPort?: { postMessage(m: unknown): void; on(e: 'message', l: (e: { data: unknown }) => void): void } }).parentPort;
  if (port) return { send: (m) => port.postMessage(m), onMessage: (l) => port.on('message', (e) => l(e.data)) };
  if (process.send) {
    const send = process.send.bind(process);
    return { send: (m) => void send(m), onMessage: (l) => process.on('message', l) };
  }
  return null;
}

export async function runEngineProcess(channel: Channel, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' } }, strict: false });
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
  const binding = process.env.CONCORD_SQLITE_BINDING;
  restrictUmask();
  const tightened = describeTightened(dataDir, secureDataDir(dataDir));
  if (tightened) console.error(`[engine] ${tightened}`);
  const lock = lockDataDir(dataDir, 'the Concord desktop app', binding ? { nativeBinding: binding } : {});
  let engine: Engine;
  try {
    // The desktop app's user owns the machine: its connections may name any file they can open.
    // Its webhook receiver: 127.0.0.1 on the port it had last time (else a free one), unless
    // CONCORD_WEBHOOK_HOST/_PORT/_PUBLIC_URL say otherwise (a tunnel in front, say).
    engine = createEngine({
      dataDir,
      credentials: createCredentialStore({ dataDir, env: process.env }),
      files: 'anywhere',
      webhooks: webhookFlags({}, process.env),
      ...(binding ? { sqliteBinding: binding } : {}),
    });
  } catch (error) {
    lock.release();
    throw error;
  }
  engine.onEvent((m) => channel.send({ type: 'event', ...m }));

  let closing: Promise<void> | null = null;
  channel.onMessage((raw) => {
    const message = raw as Partial<MainToEngine> | null;
    if (message?.type === 'invoke' && typeof message.id === 'number') {
      const id = message.id;
      if (closing) {
        // The store is closing or closed: a call now would fail half-way with an internal error.
        channel.send({ type: 'result', id, response: { ok: false, error: { code: 'unavailable', message: 'Concord is shutting down; the request was not run.' } } });
        return;
      }
      void engine.dispatch(message.method, message.args).then((response) => channel.send({ type: 'result', id, response }));
    } else if (message?.type === 'shutdown') {
      closing ??= engine.close().then(() => {
        lock.release();
        channel.send({ type: 'closed' });
        // Let the message flush before the process goes.
        setTimeout(() => process.exit(0), 50);
      });
    }
  });
  channel.send({ type: 'ready' });
}

const channel = parentChannel();
if (channel) {
  runEngineProcess(channel, process.argv.slice(2)).catch((error: unknown) => {
    const message = `Concord's engine could not start: ${error instanceof Error ? error.message : String(error)}`;
    console.error(message);
    // Main shows this to the user instead of a bare "did not start"; let it flush before exiting.
    channel.send({ type: 'failed', message });
    setTimeout(() => process.exit(1), 50);
  });
} else if (!process.env.VITEST) {
  console.error('This is the engine process of the Concord desktop app. To run Concord headless, use `concord serve` (npm run serve).');
  process.exitCode = 2;
}
