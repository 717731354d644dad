/**
 * The command line's commands. Each opens the engine on the data folder, calls the same API the
 * UI calls, prints the answer and closes. `serve` keeps running until SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ApiArgs, ApiMethod, ApiResult } from '../api/contract';
import type { PairSummary } from '../api/model';
import { createCredentialStore } from '../credentials';
import { lockDataDir } from '../data-dir-lock';
import { describeTightened, secureDataDir } from '../data-dir-permissions';
import { DEFAULT_FILES_FOLDER, FILES_ROOT_ENV } from '../connections/files-root';
import { createEngine, type Engine } from '../engine';
import { defaultDataDir, parsePort, UsageError, webhookFlags, type EngineEnv, type WebhookFlags } from '../options';
import { newToken } from '../server/auth';
import { readTokenFile, TOKEN_HELP } from './token-source';
import { secretWeakness } from '../secret-strength';
import { formatNewToken, formatSessions, formatTokens } from './format-access';
import { formatConflicts, formatPairs, formatProgress, formatRun } from './format';

const HELP = `Concord — two-way sync between business apps

Usage:
  concord serve [--port N] [--host H] [--data-dir D] [--files-root F] [--token-file FILE]
      Runs the engine headless and serves the UI and API on http://H:N (default 127.0.0.1, a free port).
      Prints the address with the access token; a request without the token gets 401. The token comes
      from CONCORD_TOKEN or --token-file (mode 0600), else a new one is made (never --token: \`ps\` shows it).
      Connections may name files only inside the files root (default: D/files).
      --webhook-host H2, --webhook-port N2   where the webhook receiver listens (default 127.0.0.1, the port
                                            it had last time, else a free one); it needs no token: calls are signed.
      --webhook-public-url URL               the receiver's address as apps reach it (a tunnel's, a reverse proxy's).
  concord pairs [--data-dir D]                 Lists pairs with their health and counts.
  concord sync <pair> [--full] [--data-dir D]  Runs a pair now (by id or name) and prints progress.
      --confirm-deletes N   applies the deletes the mass-delete guard stopped (N: the count it printed).
  concord conflicts [--pair P] [--data-dir D]  Lists open conflicts.
  concord token create --name NAME [--admin]  Makes a named access token for the server (shown once).
  concord token list | revoke <name or id>    Lists the named tokens, or revokes one and ends its sessions.
  concord sessions [list | revoke <id>]        Lists the browser sessions, or ends one.
  concord help

Environment: CONCORD_DATA_DIR, CONCORD_FILES_ROOT, CONCORD_PORT, CONCORD_HOST, CONCORD_TOKEN, CONCORD_CREDENTIALS (keychain|file),
CONCORD_SECRET_KEY (for CONCORD_CREDENTIALS=file), CONCORD_WEBHOOK_HOST, CONCORD_WEBHOOK_PORT, CONCORD_WEBHOOK_PUBLIC_URL.`;

export async function runCommand(argv: string[], env: EngineEnv, out: (line: string) => void = console.log): Promise<number | null> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest, env, out);
    case 'pairs':
      return withEngine(rest, env, {}, {}, async (engine) => {
        out(formatPairs(await call(engine, 'pairs/list', {})));
        return 0;
      });
    case 'conflicts':
      return withEngine(rest, env, { pair: { type: 'string' } }, {}, async (engine, values) => {
        const pairId = typeof values.pair === 'string' ? (await findPair(engine, values.pair)).id : undefined;
        const page = await call(engine, 'conflicts/list', { ...(pairId ? { pairId } : {}), status: 'open', limit: 1000 });
        out(formatConflicts(page.items, page.total));
        return 0;
      });
    case 'sync':
      return withEngine(rest, env, { full: { type: 'boolean' }, 'confirm-deletes': { type: 'string' } }, { lock: 'concord sync' }, async (engine, values, positionals) => {
        const name = positionals[0];
        if (!name) throw new UsageError('say which pair to sync: `concord sync <pair id or name>`.');
        const confirm = values['confirm-deletes'];
        const confirmDeletes = typeof confirm === 'string' ? Number(confirm) : undefined;
        if (confirmDeletes !== undefined && !(Number.isInteger(confirmDeletes) && confirmDeletes >= 0)) {
          throw new UsageError(`--confirm-deletes takes the number of records the stopped run reported gone (got "${String(confirm)}").`);
        }
        if (confirmDeletes !== undefined && values.full === true) throw new UsageError('--confirm-deletes applies to a normal sync; run it without --full.');
        const pair = await findPair(engine, name);
        return syncPair(engine, pair, values.full === true, out, confirmDeletes);
      });
    case 'token':
      return withEngine(rest, env, { name: { type: 'string' }, admin: { type: 'boolean' } }, {}, async (engine, values, positionals) => {
        const [action = 'list', target] = positionals;
        if (action === 'list') out(formatTokens(await call(engine, 'access/tokens/list', {})));
        else if (action === 'create') {
          if (typeof values.name !== 'string') throw new UsageError('name the token: `concord token create --name NAME [--admin]` (the activity log shows who acted by this name).');
          const made = await call(engine, 'access/tokens/create', { name: values.name, admin: values.admin === true });
          out(formatNewToken(made.info.name, made.token, made.info.admin));
        } else if (action === 'revoke') {
          if (!target) throw new UsageError('say which token: `concord token revoke <name or id>`.');
          const revoked = await call(engine, 'access/tokens/revoke', { token: target });
          out(`Token "${revoked.name}" revoked; its browser sessions have ended.`);
        } else throw new UsageError(`unknown token action "${action}": use create, list or revoke.`);
        return 0;
      });
    case 'sessions':
      return withEngine(rest, env, {}, {}, async (engine, _values, positionals) => {
        const [action = 'list', target] = positionals;
        if (action === 'list') out(formatSessions(await call(engine, 'access/sessions/list', {})));
        else if (action === 'revoke') {
          if (!target) throw new UsageError('say which session: `concord sessions revoke <id>` (`concord sessions` lists them).');
          await call(engine, 'access/sessions/revoke', { sessionId: target });
          out(`Session ${target} ended.`);
        } else throw new UsageError(`unknown sessions action "${action}": use list or revoke.`);
        return 0;
      });
    case 'help':
    case '--help':
    case '-h':
      out(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}".`);
  }
}

type Flags = Record<string, { type: 'string' | 'boolean' }>;
type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], flags: Flags, allowPositionals: boolean) {
  try {
    return parseArgs({ args, options: { 'data-dir': { type: 'string' }, 'files-root': { type: 'string' }, ...flags }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Headless, connections are confined to the files root (a token holder is not the machine's
 * owner): --files-root, else CONCORD_FILES_ROOT, else the `files` folder in the data folder.
 */
function filesRoot(values: Values, env: EngineEnv, dataDir: string): string {
  const given = typeof values['files-root'] === 'string' ? values['files-root'] : env[FILES_ROOT_ENV];
  return given ? resolve(given) : join(dataDir, DEFAULT_FILES_FOLDER);
}

/**
 * `oneShot`: a command that does its work and exits holds no change feeds (their runs are `serve`'s).
 * `webhooks`: start the receiver (only `serve` does: a one-off command must not take the port from a running server).
 */
async function openEngine(dataDir: string, env: EngineEnv, root: string, passive = false, mode: { oneShot?: boolean; webhooks?: WebhookFlags } = {}): Promise<Engine> {
  const credentials = await createCredentialStore({ dataDir, env });
  return createEngine({ dataDir, credentials, passive, files: { root }, ...(mode.oneShot ? { feeds: false as const } : {}), ...(mode.webhooks ? { webhooks: mode.webhooks } : {}) });
}

async function withEngine(
  args: string[],
  env: EngineEnv,
  flags: Flags,
  /**
   * `lock`: the command writes (runs pairs), so it must be the only engine on the folder.
   * Without it the engine is passive: it may sit beside a running `serve` and must not touch its runs.
   */
  options: { lock?: string },
  body: (engine: Engine, values: Values, positionals: string[]) => Promise<number>,
): Promise<number> {
  const { values, positionals } = parse(args, flags, true);
  const dataDir = typeof values['data-dir'] === 'string' ? resolve(values['data-dir']) : defaultDataDir(env);
  const tightened = describeTightened(dataDir, secureDataDir(dataDir));
  if (tightened) console.error(tightened);
  const lock = options.lock ? lockDataDir(dataDir, options.lock) : null;
  try {
    const engine = await openEngine(dataDir, env, filesRoot(values as Values, env, dataDir), !lock, { oneShot: true });
    try {
      return await body(engine, values as Values, positionals);
    } finally {
      await engine.close();
    }
  } finally {
    lock?.release();
  }
}

/** Calls the API and turns an error envelope into an exception with the user's message. */
export async function call<M extends ApiMethod>(engine: Pick<Engine, 'dispatch'>, method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
  const response = await engine.dispatch(method, args);
  if (!response.ok) throw new Error(response.error.message);
  return response.value as ApiResult<M>;
}

async function findPair(engine: Engine, nameOrId: string): Promise<PairSummary> {
  const pairs = await call(engine, 'pairs/list', {});
  const exact = pairs.find((p) => p.id === nameOrId) ?? pairs.filter((p) => p.name.toLowerCase() === nameOrId.toLowerCase());
  if (!Array.isArray(exact)) return exact;
  if (exact.length === 1 && exact[0]) return exact[0];
  if (exact.length > 1) throw new UsageError(`several pairs are named "${nameOrId}"; use the id: ${exact.map((p) => p.id).join(', ')}.`);
  const names = pairs.map((p) => `"${p.name}" (${p.id})`).join(', ') || 'none yet';
  throw new UsageError(`no pair "${nameOrId}". Pairs: ${names}.`);
}

async function syncPair(engine: Engine, pair: PairSummary, full: boolean, out: (line: string) => void, confirmDeletes?: number): Promise<number> {
  let runId: string | null = null;
  const finished = new Promise<ApiResult<'runs/get'>>((resolveRun) => {
    engine.onEvent((m) => {
      if (m.event === 'run/progress' && m.payload.pairId === pair.id) out(formatProgress(m.payload));
      if (m.event === 'run/finished' && m.payload.pairId === pair.id && (runId === null || m.payload.id === runId)) resolveRun(m.payload);
    });
  });
  runId = (
    full ? await call(engine, 'pairs/full-resync', { pairId: pair.id }) : await call(engine, 'pairs/sync-now', { pairId: pair.id, ...(confirmDeletes !== undefined ? { confirmDeletes } : {}) })
  ).runId;
  const run = await finished;
  out(formatRun(pair.name, run));
  return run.status === 'succeeded' ? 0 : run.status === 'partial' ? 3 : 1;
}

function rendererDir(): string {
  // Built layout: out/main/cli.js beside out/renderer. From sources (tsx): the repository's out/.
  const candidates = [join(__dirname, '..', 'renderer'), resolve(__dirname, '..', '..', '..', 'out', 'renderer'), resolve('out', 'renderer')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/**
 * The token `serve` prints, from CONCORD_TOKEN or --token-file, else a new random one. Never from
 * the command line: every user of the machine can read a process's arguments (`ps`).
 */
function startToken(values: Values, env: EngineEnv): string {
  if (values.token !== undefined) {
    throw new UsageError(`--token would show the token to every user of this machine (in \`ps\`). ${TOKEN_HELP}`);
  }
  const fromFile = typeof values['token-file'] === 'string' ? readTokenFile(values['token-file']) : undefined;
  const given = fromFile ?? env.CONCORD_TOKEN;
  if (!given) return newToken();
  const weakness = secretWeakness(given);
  if (weakness) throw new UsageError(`the access token ${fromFile !== undefined ? `in ${String(values['token-file'])}` : 'in CONCORD_TOKEN'} is too weak: ${weakness}. ${TOKEN_HELP}`);
  return given;
}

/** The receiver's line at start: the endpoint pattern apps are given, and where it really listens. */
function describeReceiver(engine: Engine, webhooks: WebhookFlags): string {
  const a = engine.webhookAddress();
  if (!a) return `not receiving: ${engine.webhookError() ?? 'the receiver did not start'}`;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const local = `http://${host}:${a.port}`;
  const pattern = '/hooks/<pair id>/<left|right>';
  return webhooks.publicUrl ? `${webhooks.publicUrl}${pattern} (received on ${local})` : `${local}${pattern}`;
}

async function serve(args: string[], env: EngineEnv, out: (line: string) => void): Promise<null> {
  const values = parse(
    args,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'allow-host': { type: 'string' },
      'webhook-host': { type: 'string' },
      'webhook-port': { type: 'string' },
      'webhook-public-url': { type: 'string' },
    },
    false,
  ).values as Values;
  const dataDir = typeof values['data-dir'] === 'string' ? resolve(values['data-dir']) : defaultDataDir(env);
  const portRaw = values.port ?? env.CONCORD_PORT;
  const port = typeof portRaw === 'string' ? parsePort(portRaw, values.port !== undefined ? '--port' : 'CONCORD_PORT') : 0;
  const host = (typeof values.host === 'string' ? values.host : env.CONCORD_HOST) || '127.0.0.1';
  const token = startToken(values, env);
  const webhooks = webhookFlags(values, env);

  const root = filesRoot(values, env, dataDir);
  const tightened = describeTightened(dataDir, secureDataDir(dataDir));
  if (tightened) out(tightened);
  const lock = lockDataDir(dataDir, 'concord serve');
  let engine: Engine;
  try {
    engine = await openEngine(dataDir, env, root, false, { webhooks });
    await engine.webhooksReady;
  } catch (error) {
    lock.release();
    throw error;
  }
  let server;
  try {
    // Loaded here: the other commands (a `concord sync` from a script) do not pay for the server and its WebSocket library.
    const { startServer } = await import('../server/http-server');
    server = await startServer({
      engine,
      token,
      host,
      port,
      staticDir: rendererDir(),
      allowedHosts: typeof values['allow-host'] === 'string' ? [values['allow-host']] : [],
    });
  } catch (error) {
    await engine.close();
    lock.release();
    throw error;
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    out(`Warning: listening on ${host}, reachable from other machines. Keep the token secret and put TLS in front;`);
    out('  requests must name this server as it was started (or a name given with --allow-host).');
  }
  out(`Concord ${engine.context.version} is serving.`);
  out(`  data folder: ${dataDir}`);
  out(`  files root:  ${root} (connections may name files only here)`);
  out(`  open:        ${server.loginUrl}`);
  out(`  API token:   ${token}`);
  out(`  webhooks:    ${describeReceiver(engine, webhooks)}`);
  if (webhooks.host !== '127.0.0.1' && webhooks.host !== 'localhost' && webhooks.host !== '::1') {
    out(`Warning: the webhook receiver listens on ${webhooks.host}; calls are checked by their signatures only. Put TLS in front.`);
  }
  const running = server;
  const stop = async (signal: string) => {
    out(`Concord: ${signal} received, stopping…`);
    await running.close();
    await engine.close();
    lock.release();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return null;
}
