/**
 * The command line end to end: `runCommand` on a real data folder with two real SQLite apps, and
 * the real entry (`src-main/cli.ts`, run by Node with tsx) for exit codes and stderr.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialStore } from '../credentials';
import { createEngine } from '../engine';
import { UsageError } from '../options';
import {
  contactsPairConfig,
  contentByEmail,
  createContactsApp,
  createContactsPair,
  people,
  readContacts,
  seedContacts,
  updateContacts,
} from '../testing/sqlite-apps';
import { runCommand } from './commands';
import { readTokenFile } from './token-source';
import { secretWeakness } from '../secret-strength';

const REPO = resolve(__dirname, '../../..');
const ENTRY = resolve(REPO, 'src-main/cli.ts');

let dir: string;
let env: Record<string, string>;
let lines: string[];
const out = (line: string) => lines.push(...line.split('\n'));
const apps = () => ({ left: join(dir, 'left.sqlite'), right: join(dir, 'right.sqlite') });

/** Two apps (people 0..29 left, 20..49 right, 10 shared) and a pair named "Shop to CRM". */
async function setUp(overrides: Parameters<typeof contactsPairConfig>[3] = {}): Promise<string> {
  const { left, right } = apps();
  createContactsApp(left);
  createContactsApp(right);
  seedContacts(left, people(0, 30));
  seedContacts(right, people(20, 50));
  const dataDir = join(dir, 'data');
  const engine = createEngine({ dataDir, credentials: createCredentialStore({ dataDir, env }), log: () => undefined });
  try {
    return await createContactsPair(engine, left, right, { name: 'Shop to CRM', overrides });
  } finally {
    await engine.close();
  }
}

// The apps sit in the test's folder, which holds the data folder: the files root is that folder.
const concord = (...argv: string[]) => runCommand([...argv, '--data-dir', join(dir, 'data'), '--files-root', dir], env, out);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-cli-'));
  env = { CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6', HOME: dir, XDG_DATA_HOME: join(dir, 'xdg') };
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('concord pairs', () => {
  it('beside a running engine, `concord pairs` and `concord conflicts` only look: a run in progress stays running', async () => {
    const pairId = await setUp();
    const dataDir = join(dir, 'data');
    const live = createEngine({ dataDir, credentials: createCredentialStore({ dataDir, env }), log: () => undefined, schedulerTickMs: 3_600_000 });
    try {
      // The serving engine's run in progress, as its row stands while it runs.
      live.context.db
        .prepare("INSERT INTO runs (id, pair_id, trigger, mode, status, started_at, counts_json) VALUES ('live-run', ?, 'manual', 'incremental', 'running', ?, '{}')")
        .run(pairId, new Date().toISOString());
      expect(await concord('pairs')).toBe(0);
      expect(await concord('conflicts')).toBe(0);
      expect(live.context.db.prepare("SELECT status FROM runs WHERE id = 'live-run'").pluck().get()).toBe('running');
    } finally {
      await live.close();
    }
  });

  it('says how to start when there are no pairs', async () => {
    expect(await concord('pairs')).toBe(0);
    expect(lines.join('\n')).toMatch(/No pairs yet/);
  });

  it('lists a pair with its health, before and after a sync', async () => {
    const pairId = await setUp();
    expect(await concord('pairs')).toBe(0);
    const row = lines.find((l) => l.includes(pairId));
    expect(row).toMatch(/Shop to CRM\s+never-run\s+never/);
    lines = [];
    expect(await concord('sync', 'Shop to CRM')).toBe(0);
    lines = [];
    expect(await concord('pairs')).toBe(0);
    expect(lines.find((l) => l.includes(pairId))).toMatch(/Shop to CRM\s+in-sync\s+succeeded /);
  });
});

describe('concord sync', () => {
  it('runs a pair by name, prints progress and the result line, and exits 0', async () => {
    await setUp();
    expect(await concord('sync', 'shop to crm')).toBe(0);
    expect(lines.some((l) => /^\s+reading\s+read \d+/.test(l))).toBe(true);
    // Writing progress is throttled (a small run may show none); the last progress line has the totals.
    expect(lines).toContain('  finishing read 60, written 40');
    // 20 people only on the left, 20 only on the right, 10 shared and equal.
    expect(lines.at(-1)).toMatch(/^Shop to CRM: succeeded in \d+\.\d s — read 60, created 40, updated 0, deleted 0, conflicts 0, failed 0$/);
    expect(contentByEmail(apps().left)).toEqual(contentByEmail(apps().right));
    expect(contentByEmail(apps().left).size).toBe(50);
  });

  it('runs a pair by id, and --full re-reads everything without writing again', async () => {
    const pairId = await setUp();
    expect(await concord('sync', pairId)).toBe(0);
    lines = [];
    expect(await concord('sync', pairId, '--full')).toBe(0);
    expect(lines.at(-1)).toMatch(/^Shop to CRM: succeeded .* created 0, updated 0, deleted 0, conflicts 0, failed 0$/);
  });

  it('a run stopped by the mass-delete guard says how to go on; --confirm-deletes N applies them (exit 1, then 0)', async () => {
    await setUp({ deletes: { propagate: true, massDeleteThreshold: 0.5 } });
    expect(await concord('sync', 'Shop to CRM')).toBe(0);
    const { appExec } = await import('../sync/test-kit.fixture');
    appExec(apps().right, (db) => db.exec('DELETE FROM contacts'));
    lines = [];
    // A cursor side cannot see deletes (and an unchanged record's partner is never read): the
    // full reconciliation does, and the guard counts every record gone.
    expect(await concord('sync', 'Shop to CRM', '--full')).toBe(1);
    const said = lines.join('\n');
    expect(said).toMatch(/halted/);
    const gone = Number(/are gone from .*--confirm-deletes (\d+)/.exec(said)?.[1]);
    expect(gone).toBe(50);
    await expect(concord('sync', 'Shop to CRM', '--confirm-deletes', 'lots')).rejects.toThrow(/--confirm-deletes takes the number of records/);
    // Applying them re-reads in full too (the deletes were seen by a full read).
    expect(await concord('sync', 'Shop to CRM', '--confirm-deletes', String(gone))).toBe(0);
    expect(contentByEmail(apps().left).size).toBe(50 - gone);
  });

  it('headless, a pair whose files lie outside the files root does not run: the run says which file and how to allow it', async () => {
    await setUp();
    const code = await runCommand(['sync', 'Shop to CRM', '--data-dir', join(dir, 'data')], env, out);
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/left\.sqlite is outside the folder this server may use \(.*data\/files\); put the file there or start the server with --files-root/);
    expect(readContacts(apps().right).length).toBe(30);
  });

  it('names the pairs there are when the pair is unknown (UsageError, exit code 2)', async () => {
    const pairId = await setUp();
    const error = await concord('sync', 'Nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(`no pair "Nope". Pairs: "Shop to CRM" (${pairId}).`);
  });

  it('asks which pair when none is given', async () => {
    await setUp();
    await expect(concord('sync')).rejects.toThrow(/say which pair to sync/);
  });

  it('refuses to run while another Concord engine (a server, the desktop app) uses the data folder', async () => {
    await setUp();
    // A real other process holds the lock (as `concord serve` would).
    const holder = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../testing/lock-contender.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const said = createInterface({ input: holder.stdout })[Symbol.asyncIterator]();
      expect((await said.next()).value).toBe('ready');
      holder.stdin.write(`try ${join(dir, 'data')}\n`);
      expect((await said.next()).value).toBe('won');
      await expect(concord('sync', 'Shop to CRM')).rejects.toThrow(new RegExp(`Another Concord \\(contender ${holder.pid}, process ${holder.pid}\\) is using the data folder`));
      // Reading is fine beside a running engine.
      expect(await concord('pairs')).toBe(0);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    expect(await concord('sync', 'Shop to CRM')).toBe(0);
  });
});

describe('concord conflicts', () => {
  it('lists a planted field conflict with its record and field', async () => {
    await setUp({ conflictPolicy: 'manual' });
    expect(await concord('sync', 'Shop to CRM')).toBe(0);
    lines = [];
    expect(await concord('conflicts')).toBe(0);
    expect(lines).toEqual(['No open conflicts.']);

    // Both apps change person 25's phone, differently: a conflict on `phone` only.
    const { left, right } = apps();
    updateContacts(left, 'email = ?', { phone: '+1 555 0000001' }, ['person25@example.com']);
    updateContacts(right, 'email = ?', { phone: '+1 555 0000002', credits: 99 }, ['person25@example.com']);
    lines = [];
    const code = await concord('sync', 'Shop to CRM');
    expect(lines.at(-1)).toMatch(/conflicts 1, failed 0$/);
    // An open conflict is not a failure of the run.
    expect(code).toBe(0);
    // The record's other changed field still synced (DESIGN §4.3).
    expect(contentByEmail(left).get('person25@example.com')?.credits).toBe(99);

    lines = [];
    expect(await concord('conflicts')).toBe(0);
    expect(lines[0]).toMatch(/^ID\s+PAIR\s+RECORD\s+KIND\s+FIELDS\s+DETECTED$/);
    const rows = lines.slice(2);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/Shop to CRM\s+person25@example\.com\s+field\s+phone\s+\d{4}-/);
    lines = [];
    expect(await concord('conflicts', '--pair', 'Shop to CRM')).toBe(0);
    expect(lines.slice(2)).toHaveLength(1);
  });
});

describe('concord token and concord sessions (issue 13 §2: several named tokens)', () => {
  it('creates a named token (shown once, strong), lists it without the token, and revokes it by name', async () => {
    expect(await concord('token', 'create', '--name', 'ci-bot')).toBe(0);
    const token = lines[1]?.trim() ?? '';
    expect(lines[0]).toBe('Token "ci-bot":');
    expect(secretWeakness(token)).toBeNull();
    lines = [];
    expect(await concord('token', 'create', '--name', 'alice', '--admin')).toBe(0);
    lines = [];
    expect(await concord('token', 'list')).toBe(0);
    expect(lines.join('\n')).toMatch(/^alice \(admin\) .*\nci-bot  id /);
    expect(lines.join('\n')).not.toContain(token);
    lines = [];
    expect(await concord('token', 'revoke', 'ci-bot')).toBe(0);
    expect(lines).toEqual(['Token "ci-bot" revoked; its browser sessions have ended.']);
    lines = [];
    await concord('token', 'list');
    expect(lines.join('\n')).not.toContain('ci-bot');
    await expect(concord('token', 'create')).rejects.toThrow(UsageError);
    await expect(concord('token', 'revoke', 'nobody')).rejects.toThrow(/No token "nobody"/);
  });

  it('lists browser sessions and ends one', async () => {
    const dataDir = join(dir, 'data');
    const engine = createEngine({ dataDir, credentials: createCredentialStore({ dataDir, env }), log: () => undefined });
    try {
      const { token } = engine.access.createToken({ name: 'alice' });
      engine.access.createSession(engine.access.verifyToken(token)!, { address: '127.0.0.1' });
    } finally {
      await engine.close();
    }
    expect(await concord('sessions')).toBe(0);
    const [line = ''] = lines;
    expect(line).toMatch(/ alice  from 127\.0\.0\.1  since /);
    lines = [];
    expect(await concord('sessions', 'revoke', line.split(' ')[0]!)).toBe(0);
    lines = [];
    await concord('sessions');
    expect(lines).toEqual(['No live browser sessions.']);
  });
});

describe('concord help and mistakes', () => {
  it('prints the commands for help, --help and no command at all', async () => {
    for (const argv of [['help'], ['--help'], []]) {
      lines = [];
      expect(await runCommand(argv, env, out)).toBe(0);
      const text = lines.join('\n');
      expect(text).toMatch(/^Concord — two-way sync/);
      for (const cmd of ['concord serve', 'concord pairs', 'concord sync <pair>', 'concord conflicts']) expect(text).toContain(cmd);
    }
  });

  it('rejects an unknown command and an unknown flag as usage errors', async () => {
    await expect(runCommand(['frobnicate'], env, out)).rejects.toThrow(new UsageError('unknown command "frobnicate".'));
    await expect(concord('pairs', '--colour')).rejects.toBeInstanceOf(UsageError);
  });

  it('the real entry exits 2 with a hint for usage errors, 0 for help', { timeout: 60_000 }, async () => {
    const pairId = await setUp();
    const run = (...argv: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...argv], { cwd: REPO, env: { ...process.env, ...env, CONCORD_DATA_DIR: join(dir, 'data') }, encoding: 'utf8' });
    const unknownCommand = run('frobnicate');
    expect(unknownCommand.status).toBe(2);
    expect(unknownCommand.stderr).toContain('concord: unknown command "frobnicate".\nRun `concord help` for the commands.');
    const unknownPair = run('sync', 'Nope');
    expect(unknownPair.status).toBe(2);
    expect(unknownPair.stderr).toContain(`concord: no pair "Nope". Pairs: "Shop to CRM" (${pairId}).`);
    const help = run('help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage:');
  });
});

describe('concord serve', () => {
  // Issue 13 §2, "Tokens show in `ps`" and "Weak secrets are accepted".
  it('refuses a token on the command line, and says to use CONCORD_TOKEN or --token-file', async () => {
    const error = await runCommand(['serve', '--token', 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6', '--data-dir', join(dir, 'data')], env, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/--token would show the token to every user of this machine.*CONCORD_TOKEN.*--token-file/);
  });

  it('refuses a weak token (16 characters of one letter, a short one) and says how to make one', async () => {
    for (const weak of ['a'.repeat(16), 'a'.repeat(40), 'token-0123456789']) {
      const error = await runCommand(['serve', '--data-dir', join(dir, 'data')], { ...env, CONCORD_TOKEN: weak }, out).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/the access token in CONCORD_TOKEN is too weak: .*concord token create/);
    }
  });

  it('takes a token file only when no other user can read it', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const error = await runCommand(['serve', '--token-file', file, '--data-dir', join(dir, 'data')], env, out).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/can be read by other users \(mode 644\); run `chmod 600/);
    chmodSync(file, 0o600);
    expect(readTokenFile(file)).toBe('Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6');
  });

  it('takes its port, host, data folder and token from the environment, and stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolvePort) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolvePort(p));
      });
    });
    const dataDir = join(dir, 'env-data');
    const token = 'token-from-the-environment-Xq3v9ZtL0pWm2sKc7yRb4nHd';
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve'], {
      cwd: REPO,
      env: { ...process.env, ...env, CONCORD_PORT: String(port), CONCORD_HOST: '127.0.0.1', CONCORD_DATA_DIR: dataDir, CONCORD_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Listened for from the start: a serve that exits early (say, the UI not built) must fail the test, not hang it.
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    try {
      let printed = '';
      await new Promise<void>((resolveStarted, reject) => {
        child.stdout.on('data', (chunk) => {
          printed += String(chunk);
          if (/webhooks:.*\n/.test(printed)) resolveStarted();
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${printed}${stderr}`)));
      });
      expect(printed).toContain(`data folder: ${dataDir}`);
      expect(printed).toContain(`open:        http://127.0.0.1:${port}/?token=${token}`);
      // The webhook receiver starts with it (issue 12), on its own free port.
      expect(printed).toMatch(/webhooks: {4}http:\/\/127\.0\.0\.1:\d+\/hooks\/<pair id>\/<left\|right>\n/);
      const info = (url: string, headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/api/invoke/${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      expect((await info('app/info', {})).status).toBe(401);
      const answer = await (await info('app/info', { authorization: `Bearer ${token}` })).json();
      expect(answer).toMatchObject({ ok: true, value: { dataDir } });
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    }
  });

  // Issue 12 §1: the receiver's port and public address are the operator's to set; a bad one is refused before anything starts.
  it('starts the webhook receiver on --webhook-port and prints the --webhook-public-url apps are given', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve', '--port', '0', '--data-dir', join(dir, 'hook-data'), '--webhook-port', String(port), '--webhook-public-url', 'https://hooks.example.com/concord/'], {
      cwd: REPO,
      env: { ...process.env, ...env, CONCORD_TOKEN: 'token-from-the-environment-Xq3v9ZtL0pWm2sKc7yRb4nHd' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    try {
      let printed = '';
      await new Promise<void>((resolveStarted, reject) => {
        child.stdout.on('data', (chunk) => {
          printed += String(chunk);
          if (/webhooks:.*\n/.test(printed)) resolveStarted();
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${printed}${stderr}`)));
      });
      expect(printed).toContain(`webhooks:    https://hooks.example.com/concord/hooks/<pair id>/<left|right> (received on http://127.0.0.1:${port})`);
      // It answers there without the UI's token (a webhook is checked by its signature): no such pair here.
      const res = await fetch(`http://127.0.0.1:${port}/hooks/no-such-pair/left`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/No webhook endpoint here/) });
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    }
  });

  it('refuses a webhook port or public URL it cannot use, before it starts', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--webhook-port', '70000'], {}, /--webhook-port must be a port number from 0 to 65535/],
      [['--webhook-public-url', 'hooks.example.com'], {}, /--webhook-public-url must be the URL apps reach the webhook receiver at/],
      [['--webhook-public-url', 'ftp://hooks.example.com'], {}, /must be an http:\/\/ or https:\/\/ URL/],
      [['--webhook-public-url', 'https://hooks.example.com/?token=x'], {}, /without a query/],
      [[], { CONCORD_WEBHOOK_PORT: 'abc' }, /CONCORD_WEBHOOK_PORT must be a port number/],
    ];
    for (const [flags, extra, message] of cases) {
      const error = await runCommand(['serve', '--data-dir', join(dir, 'data'), ...flags], { ...env, ...extra, CONCORD_TOKEN: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' }, out).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise<number>((resolvePort) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolvePort(p));
    });
  });
}
