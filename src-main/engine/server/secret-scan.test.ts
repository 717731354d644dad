// The secret scan (issue 13 §3): every connector of the registry that takes a secret is driven
// through the headless server with a canary secret — connections made, tested right and wrong,
// previews, runs, failed runs — and then the data folder (database, WAL, credential file), the
// logs, every API response and every WebSocket event are searched for the canary. None may hold it.
// The registry is enumerated, so a connector added later is covered or fails this test by name.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { PairConfig, RunSummary } from '../api/model';
import { secretKey } from '../connectors/config-schema';
import { connectorDefinitions, takesSecret } from '../connectors/registry';
import { createFileCredentialStore } from '../credentials/file-store';
import { createEngine, type Engine } from '../engine';
import { mariaDbTestGate, startMariaDbServer, type MariaDbServer } from '../testing/mariadb-server';
import { pgTestGate, startPgServer, type PgServer } from '../testing/pg-server';
import { startSaasStandin, type SaasStandin } from '../testing/saas-standin/server';
import { standinProfile } from '../testing/saas-standin/profile-fixture';
import { radicaleTestGate, startRadicaleServer, type RadicaleServer } from '../testing/radicale-server';
import { appInsert, appUpdate, createApp } from '../sync/test-kit.fixture';
import { freePort, type ServerTestGate } from '../testing/test-servers';
import { startServer, type RunningServer } from './http-server';
import { startReceiver } from '../actions/receiver.fixture';

/** Every canary starts with this, so one search finds the right secret, the wrong one and any slice of either. */
const MARK = 'cnry';
const RIGHT = `${MARK}R1ghtQx9ZtLp3sKc`;
const WRONG = `${MARK}Wr0ngHd8fJg1aEu5`;
const USER = 'canary_user';

/** How to reach a throwaway server of one connector kind whose user's password is `password`. */
type Exercise = {
  /** Whether its server is installed here (without it: skipped locally, a failure under CI=true). */
  gate: () => ServerTestGate;
  /** Starts the server (once), makes USER with `password` and a contacts table it may write; returns the config without the secret. */
  prepare(password: string): Promise<Record<string, string | number | boolean>>;
  /** The config of a server that does not answer (default: the same config on a free port). */
  unreachable?(config: Record<string, string | number | boolean>): Promise<Record<string, string | number | boolean>>;
  stop(): Promise<void>;
};

let pgServer: PgServer | null = null;
let myServer: MariaDbServer | null = null;
let standin: SaasStandin | null = null;
/** The stand-in's profile with the API key in the query string: the place a key most easily leaks from (URLs in messages). */
const restConfig = (url: string) => ({ profile: JSON.stringify(standinProfile(url, { profile: { auth: { kind: 'api-key', in: 'query', name: 'api_key' } } })) });
let radicale: RadicaleServer | null = null;

/**
 * The connectors this test knows how to exercise with a real secret. A connector with a secret
 * that is not here fails the test (below): add its exercise when you add the connector.
 */
const EXERCISES: Record<string, Exercise> = {
  postgres: {
    gate: pgTestGate,
    async prepare(password) {
      pgServer ??= await startPgServer();
      await pgServer.createUserAndDb(USER, password, 'canary');
      await pgServer.sql(`CREATE TABLE IF NOT EXISTS public.contacts (id serial PRIMARY KEY, email text UNIQUE, name text, score integer); ALTER TABLE public.contacts OWNER TO ${USER}`, [], 'canary');
      return { host: pgServer.host, port: pgServer.port, database: 'canary', user: USER };
    },
    async stop() {
      await pgServer?.stop();
    },
  },
  mysql: {
    gate: mariaDbTestGate,
    async prepare(password) {
      myServer ??= await startMariaDbServer();
      await myServer.createUserAndDb(USER, password, 'canary');
      await myServer.sql('CREATE TABLE IF NOT EXISTS contacts (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) UNIQUE, name VARCHAR(100), score INT)', [], 'canary');
      return { host: myServer.host, port: myServer.port, database: 'canary', user: USER };
    },
    async stop() {
      await myServer?.stop();
    },
  },
  rest: {
    gate: () => ({ available: true, missingMessage: '', failInCi: false }),
    async prepare(password) {
      standin ??= await startSaasStandin({ auth: { kind: 'api-key', in: 'query', name: 'api_key', key: password } });
      return restConfig(standin.url);
    },
    unreachable: async () => restConfig(`http://127.0.0.1:${await freePort()}/api`),
    async stop() {
      await standin?.stop();
    },
  },
  carddav: {
    gate: radicaleTestGate,
    async prepare(password) {
      radicale ??= await startRadicaleServer({ user: USER, password });
      await radicale.app.createAddressBook('contacts', 'Contacts');
      return { serverUrl: `${radicale.url}/`, username: USER };
    },
    unreachable: async (config) => ({ ...config, serverUrl: `http://127.0.0.1:${await freePort()}/` }),
    async stop() {
      await radicale?.stop();
    },
  },
};

const withSecret = connectorDefinitions.filter(takesSecret);

let dir: string;
let dataDir: string;
let engine: Engine;
let server: RunningServer;
let ws: WebSocket;
const TOKEN = 'Zk4nQw8rT2vYp6xLm0cJ3hBf9sGd1aEu';
const logs: string[] = [];
const responses: string[] = [];
const events: string[] = [];

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name}: ${error.message}\n${error.stack ?? ''}\n${error.cause === undefined ? '' : describeError(error.cause)}`;
}

async function invoke(method: string, args: unknown): Promise<{ ok: boolean; value?: unknown; error?: { message: string } }> {
  const res = await fetch(`${server.url}api/invoke/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(args) });
  const text = await res.text();
  responses.push(`${method} → ${text}`);
  return JSON.parse(text) as { ok: boolean; value?: unknown; error?: { message: string } };
}
async function value<T>(method: string, args: unknown): Promise<T> {
  const r = await invoke(method, args);
  if (!r.ok) throw new Error(`${method} failed: ${r.error?.message}`);
  return r.value as T;
}
async function waitRun(runId: string): Promise<RunSummary> {
  for (;;) {
    const run = await value<RunSummary>('runs/get', { runId });
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every file under `root`, as bytes (the database, its WAL and shared memory, the credential file, anything else). */
function filesUnder(root: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}
/** The canary as UTF-8, UTF-16 (SQLite may store text so) and base64 of the right secret. */
const needles = [Buffer.from(MARK), Buffer.from(MARK, 'utf16le'), Buffer.from(Buffer.from(RIGHT).toString('base64').slice(0, 16))];
const leaksIn = (bytes: Buffer): boolean => needles.some((n) => bytes.includes(n));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-secret-scan-'));
  dataDir = join(dir, 'data');
  const ui = join(dir, 'ui');
  mkdirSync(ui, { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Concord</title>');
  engine = createEngine({
    dataDir,
    credentials: createFileCredentialStore({ dataDir, env: { CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' } }),
    log: (message, error) => logs.push(`${message} ${error === undefined ? '' : describeError(error)}`),
  });
  server = await startServer({ engine, token: TOKEN, staticDir: ui, port: 0 });
  ws = new WebSocket(`${server.url.replace('http', 'ws')}api/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
  ws.on('message', (data) => events.push(String(data)));
  await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
}, 60_000);

afterAll(async () => {
  ws?.close();
  await server?.close();
  await engine?.close();
  for (const e of Object.values(EXERCISES)) await e.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the secret scan', () => {
  it('finds connectors that take a secret in the registry (else this test checks nothing)', () => {
    expect(withSecret.length).toBeGreaterThan(0);
  });

  it('knows how to exercise every connector that takes a secret', () => {
    const unknown = withSecret.map((d) => d.kind).filter((kind) => !EXERCISES[kind]);
    if (unknown.length > 0) {
      throw new Error(`The secret scan cannot exercise ${unknown.join(', ')}: add an entry to EXERCISES in src-main/engine/server/secret-scan.test.ts that gives it a real server and a user whose password is the canary.`);
    }
  });

  for (const definition of withSecret) {
    const exercise = EXERCISES[definition.kind];
    it(`keeps the ${definition.label} secret out of everything Concord stores, logs, answers and sends`, async (test) => {
      if (!exercise) throw new Error(`No exercise for ${definition.kind} (see the test above).`);
      const gate = exercise.gate();
      if (gate.failInCi) throw new Error(gate.missingMessage);
      if (!gate.available) return test.skip(gate.missingMessage);
      const kind = definition.kind;
      const config = await exercise.prepare(RIGHT);
      const leftPath = join(dir, `${kind}-left.sqlite`);
      createApp(leftPath);
      appInsert(leftPath, { email: 'ann@example.com', name: 'Ann', score: 1 });
      appInsert(leftPath, { email: 'bob@example.com', name: 'Bob', score: 2 });

      // A draft tested with the right secret, then with a wrong one (the app refuses it).
      expect((await invoke('connections/test', { connector: kind, config, secret: RIGHT })).ok).toBe(true);
      expect((await invoke('connections/test', { connector: kind, config, secret: WRONG })).ok).toBe(false);
      // The secret put in a settings field instead of the secret is refused, without repeating it.
      expect((await invoke('connections/create', { name: 'Misplaced', connector: kind, config: { ...config, [secretKey(definition.configSchema) ?? 'password']: RIGHT } })).ok).toBe(false);
      // Too long a secret is refused without repeating it; so is a server that does not answer.
      expect((await invoke('connections/test', { connector: kind, config, secret: RIGHT.repeat(1000) })).ok).toBe(false);
      const unreachable = exercise.unreachable ? await exercise.unreachable(config) : { ...config, port: await freePort() };
      expect((await invoke('connections/test', { connector: kind, config: unreachable, secret: RIGHT })).ok).toBe(false);

      const left = await value<{ id: string }>('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: leftPath } });
      const right = await value<{ id: string }>('connections/create', { name: `App ${kind}`, connector: kind, config, secret: RIGHT });
      await value('connections/test', { connectionId: right.id });
      const collections = await value<{ name: string }[]>('connections/describe', { connectionId: right.id });
      // A table `contacts`, or an address book at …/contacts/.
      const collection = collections.find((c) => c.name.replace(/\/$/, '').endsWith('contacts'))?.name ?? 'contacts';
      await value('connections/list', {});
      await value('connections/try', { connectionId: right.id, collection });
      await value('connections/try', { connector: kind, config, secret: RIGHT, collection });

      const pairConfig: PairConfig = {
        name: `Contacts ${kind}`,
        left: { connectionId: left.id, collection: 'contacts', changeDetection: 'hash' },
        right: { connectionId: right.id, collection, changeDetection: 'hash' },
        fields: [
          { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
          { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
        ],
        matchKeys: ['email'],
        masterSide: 'left',
        conflictPolicy: 'master',
        deletes: { propagate: true, massDeleteThreshold: 0.5 },
        schedule: { intervalSeconds: null },
      };
      await value('pairs/preview', { config: pairConfig });
      const pair = await value<{ id: string }>('pairs/create', { config: pairConfig });
      const { runId } = await value<{ runId: string }>('pairs/sync-now', { pairId: pair.id });
      expect((await waitRun(runId)).counts.created).toBe(2);

      // The app's password changes under Concord: the saved connection's test, a preview and a run fail.
      await value('connections/update', { connectionId: right.id, secret: WRONG });
      appUpdate(leftPath, 1, { name: 'Ann Edited' });
      expect((await invoke('connections/test', { connectionId: right.id })).ok).toBe(false);
      expect((await invoke('pairs/preview', { pairId: pair.id })).ok).toBe(false);
      // The left app's live feed may be running the pair already (the full resync then waits behind it): the full resync's own run is the one that must fail.
      await value('pairs/full-resync', { pairId: pair.id });
      const fullRun = async () => (await value<RunSummary[]>('runs/list', { pairId: pair.id, limit: 20 })).find((r) => r.trigger === 'full-resync' && r.finishedAt !== null);
      let full = await fullRun();
      while (!full) {
        await new Promise((r) => setTimeout(r, 20));
        full = await fullRun();
      }
      expect(full.status).toBe('failed');
      // The right secret again: everything works.
      await value('connections/update', { connectionId: right.id, secret: RIGHT });
      // A run still going with the wrong one (the feed's) ends first: Sync now would join it.
      while ((await value<{ running: unknown }>('pairs/get', { pairId: pair.id })).running !== null) await new Promise((r) => setTimeout(r, 20));
      const again = await value<{ runId: string }>('pairs/sync-now', { pairId: pair.id });
      expect((await waitRun(again.runId)).status).toBe('succeeded');

      // Test and save from the pair's settings, the password typed again: checked, saved, nowhere else.
      await value('pairs/edit-connection', { pairId: pair.id, side: 'right', name: `App ${kind}`, config, secret: RIGHT });
      // A wrong one typed there is refused by the draft's test and stored nowhere either.
      expect((await invoke('pairs/edit-connection', { pairId: pair.id, side: 'right', name: `App ${kind}`, config, secret: WRONG })).ok).toBe(false);

      for (const [method, args] of [
        ['runs/list', { pairId: pair.id }],
        ['pairs/get', { pairId: pair.id }],
        ['pairs/list', {}],
        ['activity/list', { pairId: pair.id }],
        ['failed/list', { pairId: pair.id }],
        ['conflicts/list', { status: 'resolved' }],
        ['app/info', {}],
      ] as const) {
        await value(method, args);
      }

      // Everything that left Concord, and everything it keeps (the WAL while the engine is open).
      const found: string[] = [];
      for (const r of responses) if (leaksIn(Buffer.from(r))) found.push(`API response ${r.slice(0, 300)}`);
      for (const e of events) if (leaksIn(Buffer.from(e))) found.push(`WebSocket event ${e.slice(0, 300)}`);
      for (const l of logs) if (leaksIn(Buffer.from(l))) found.push(`log line ${l.slice(0, 300)}`);
      const files = filesUnder(dataDir);
      expect(files.map((f) => f.path).some((p) => p.endsWith('-wal'))).toBe(true);
      for (const f of files) if (leaksIn(f.bytes)) found.push(`file ${f.path}`);
      expect(found).toEqual([]);
      expect(responses.length).toBeGreaterThan(20);
      expect(events.length).toBeGreaterThan(0);
    }, 240_000);
  }
});

// Workflow actions (issue 12 §4): Concord makes a URL action's signing secret itself and answers it
// once (create, rotate). Those two answers are the only places it may appear: not the database,
// WAL or credential file (it is encrypted there), logs, events, nor any other answer.
describe('the secret scan of workflow actions', () => {
  it('keeps a URL action\'s signing secret out of everything Concord stores, logs, answers and sends, but the answer that shows it once', async () => {
    const receiver = await startReceiver();
    try {
      const leftPath = join(dir, 'actions-left.sqlite');
      const rightPath = join(dir, 'actions-right.sqlite');
      createApp(leftPath);
      createApp(rightPath);
      appInsert(leftPath, { email: 'ann@example.com', name: 'Ann', score: 1 });
      const left = await value<{ id: string }>('connections/create', { name: 'Left', connector: 'sqlite-table', config: { path: leftPath } });
      const right = await value<{ id: string }>('connections/create', { name: 'Right', connector: 'sqlite-table', config: { path: rightPath } });
      const field = (name: string) => ({ name, type: 'string' as const, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
      const pair = await value<{ id: string }>('pairs/create', {
        config: {
          name: 'Actions scan',
          left: { connectionId: left.id, collection: 'contacts' },
          right: { connectionId: right.id, collection: 'contacts' },
          fields: [field('email'), field('name')],
          matchKeys: ['email'],
          masterSide: 'left',
          conflictPolicy: 'master',
          deletes: { propagate: true, massDeleteThreshold: 0.5 },
          schedule: { intervalSeconds: null },
        } satisfies PairConfig,
      });
      const shownOnce = new Set<string>();
      const made = await value<{ action: { id: string }; secret: string }>('actions/create', { pairId: pair.id, action: { kind: 'url', url: receiver.url, events: ['run.finished', 'conflict.opened'] } });
      shownOnce.add(responses.at(-1) ?? '');
      const rotated = await value<{ secret: string }>('actions/rotate-secret', { actionId: made.action.id });
      shownOnce.add(responses.at(-1) ?? '');
      receiver.secret = rotated.secret;
      receiver.failFirst = 1;
      const tested = await value<{ id: string; status: string }>('actions/test', { actionId: made.action.id });
      expect(tested.status).toBe('failed');
      expect((await value<{ status: string }>('actions/redeliver', { deliveryId: tested.id })).status).toBe('delivered');
      const { runId } = await value<{ runId: string }>('pairs/sync-now', { pairId: pair.id });
      await waitRun(runId);
      for (;;) {
        const page = await value<{ items: { status: string }[] }>('actions/deliveries', { pairId: pair.id });
        if (page.items.length === 2 && page.items.every((d) => d.status === 'delivered')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await value('actions/list', { pairId: pair.id });
      expect(receiver.received.every((x) => x.signatureOk)).toBe(true);

      const secrets = [made.secret, rotated.secret];
      const actionNeedles = secrets.flatMap((x) => [Buffer.from(x), Buffer.from(x, 'utf16le'), Buffer.from(x.slice(6, 30))]);
      const leaks = (bytes: Buffer) => actionNeedles.some((n) => bytes.includes(n));
      const found: string[] = [];
      for (const r of responses) if (!shownOnce.has(r) && leaks(Buffer.from(r))) found.push(`API response ${r.slice(0, 300)}`);
      for (const e of events) if (leaks(Buffer.from(e))) found.push(`WebSocket event ${e.slice(0, 300)}`);
      for (const l of logs) if (leaks(Buffer.from(l))) found.push(`log line ${l.slice(0, 300)}`);
      for (const r of receiver.received) if (leaks(Buffer.from(JSON.stringify(r)))) found.push(`a call to the user's URL ${r.body.slice(0, 300)}`);
      for (const f of filesUnder(dataDir)) if (leaks(f.bytes)) found.push(`file ${f.path}`);
      expect(found).toEqual([]);
      // The answers that showed it did carry it (else this test checks nothing).
      expect([...shownOnce].every((r) => leaks(Buffer.from(r)))).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 120_000);
});
