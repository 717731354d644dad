/**
 * `npm run bench:realtime` (and the last step of `npm run bench`): issue 12 §5. Webhook load —
 * 1,000 signed events a second for 30 s into the local receiver of an engine in its own process,
 * for a SQLite ↔ SQLite and a PostgreSQL ↔ SQLite pair, in the asynchronous and the synchronous
 * mode. Each event follows a commit in the app (a row's score changes), as a real app's would, and
 * is thin (Concord reads the row by id). Latency is from the event's receipt (`received_at`) to
 * its outcome (`finished_at`, recorded once the run that wrote it to the other app committed):
 * an upper bound of receipt-to-write. Synchronous mode also gives the caller's round trip. Nothing
 * may be lost: every event applied, the other app equal to the app. Memory: the engine process's
 * RSS sampled every second. Then the feeds: a saved CSV file and a PostgreSQL commit in capture
 * mode, each timed to its value readable in the other app.
 * Settings: CONCORD_BENCH_RT_RATE (events/s, 1000), CONCORD_BENCH_RT_SECONDS (30), CONCORD_BENCH_RT_ROWS (10000).
 * The section is written into BENCHMARKS.md between its markers.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionSummary, PairConfig } from '../src-main/engine/api/model';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine } from '../src-main/engine/engine';
import { signBody } from '../src-main/engine/sync/events/verify';
import { bundleBurstChild } from '../src-main/engine/testing/burst-child-bundle';
import { startPgServer, type PgServer } from '../src-main/engine/testing/pg-server';
import { call, runAndWait } from '../src-main/engine/testing/sqlite-apps';
import { percentile } from './postgres-capture';
import { feedLatencies, type FeedRow } from './realtime-feeds';

const REPO = resolve(__dirname, '..');
const RATE = Number(process.env.CONCORD_BENCH_RT_RATE ?? 1000);
const SECONDS = Number(process.env.CONCORD_BENCH_RT_SECONDS ?? 30);
const ROWS = Number(process.env.CONCORD_BENCH_RT_ROWS ?? 10_000);
const SECRET = 'bench-webhook-secret-0123456789';

type App = { kind: 'sqlite' | 'postgres'; update(id: number, score: number): Promise<void>; scores(): Promise<Map<number, number>>; close(): Promise<void> };
export type LoadRow = {
  pair: string;
  mode: 'async' | 'sync';
  sent: number;
  applied: number;
  notApplied: number;
  rightDiffers: number;
  p50: number;
  p99: number;
  max: number;
  roundTrip: { p50: number; p99: number; max: number } | null;
  rss: { first: number; last: number; max: number };
  achievedRate: number;
  /** Calls that failed (connection refused or reset) and were sent again. */
  retriedCalls: number;
};

const mib = (kb: number) => Math.round(kb / 1024);
const rssKb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

function sqliteApp(path: string): App {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER)');
  const ins = db.prepare('INSERT INTO contacts (id, email, name, score) VALUES (?, ?, ?, 0)');
  db.transaction(() => {
    for (let i = 1; i <= ROWS; i++) ins.run(i, `p${i}@example.com`, `P${i}`);
  })();
  const upd = db.prepare('UPDATE contacts SET score = ? WHERE id = ?');
  return {
    kind: 'sqlite',
    update: async (id, score) => void upd.run(score, id),
    scores: async () => new Map((db.prepare('SELECT id, score FROM contacts').all() as { id: number; score: number }[]).map((r) => [r.id, r.score])),
    close: async () => void db.close(),
  };
}

async function postgresApp(server: PgServer, db: string): Promise<App> {
  await server.sql(`CREATE DATABASE ${db}`);
  await server.sql('CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER)', [], db);
  await server.sql(`INSERT INTO contacts SELECT i, 'p' || i || '@example.com', 'P' || i, 0 FROM generate_series(1, ${ROWS}) i`, [], db);
  const pool = new pg.Pool({ host: server.host, port: server.port, user: 'postgres', database: db, max: 8 });
  return {
    kind: 'postgres',
    update: async (id, score) => void (await pool.query('UPDATE contacts SET score = $1 WHERE id = $2', [score, id])),
    scores: async () => new Map((await pool.query<{ id: number; score: number }>('SELECT id, score FROM contacts')).rows.map((r) => [r.id, r.score])),
    close: () => pool.end(),
  };
}

async function startChild(bundle: string, dataDir: string, pairId: string): Promise<{ child: ChildProcess; port: number }> {
  const profile = process.env.CONCORD_BENCH_RT_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CONCORD_BENCH_RT_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, bundle, dataDir, pairId], { env: { ...process.env, BURST_SECRET: SECRET, BURST_FEEDS: 'off' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => rej(new Error(`the engine exited (${code}) before it listened`)));
  });
}

/** Keep-alive connections, as many as a webhook sender of a busy app keeps open. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...signBody('hex', SECRET, body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function loadScenario(root: string, bundle: string, kind: App['kind'], mode: 'async' | 'sync', server: PgServer | null): Promise<LoadRow> {
  const dir = mkdtempSync(join(root, `${kind}-${mode}-`));
  const dataDir = join(dir, 'data');
  const right = join(dir, 'right.sqlite');
  // The other app keeps its file in WAL mode, as the app does (a commit is a WAL append, not a journal file per write).
  new Database(right).exec('PRAGMA journal_mode = WAL; CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER)');
  const dbName = `rt_${mode}`;
  const app = kind === 'sqlite' ? sqliteApp(join(dir, 'left.sqlite')) : await postgresApp(server as PgServer, dbName);
  // The pair and its first sync in this process; then only the child runs the engine.
  const setup = createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests(), log: () => undefined });
  let l: ConnectionSummary;
  if (kind === 'sqlite') l = await call(setup, 'connections/create', { name: 'App', connector: 'sqlite-table', config: { path: join(dir, 'left.sqlite') } });
  else l = await call(setup, 'connections/create', { name: 'App', connector: 'postgres', config: { host: '127.0.0.1', port: (server as PgServer).port, database: dbName, user: 'postgres' } });
  const r = await call(setup, 'connections/create', { name: 'Other', connector: 'sqlite-table', config: { path: right } });
  const f = (name: string, type: 'string' | 'number') => ({ name, type, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
  const config: PairConfig = {
    name: `${kind} ${mode}`,
    left: { connectionId: l.id, collection: kind === 'sqlite' ? 'contacts' : 'public.contacts', changeDetection: 'hash' },
    right: { connectionId: r.id, collection: 'contacts', changeDetection: 'hash' },
    fields: [f('email', 'string'), f('name', 'string'), f('score', 'number')],
    matchKeys: ['email'],
    masterSide: 'left',
    conflictPolicy: 'master',
    deletes: { propagate: true, massDeleteThreshold: 0.5 },
    schedule: { intervalSeconds: null },
    webhooks: { mode, syncTimeoutSeconds: 30, left: { enabled: true, scheme: 'hex', timestampHeader: 'X-Timestamp' } },
  };
  const pair = await call(setup, 'pairs/create', { config });
  await runAndWait(setup, pair.id, 'pairs/sync-now', 600_000);
  await setup.close();

  const { child, port } = await startChild(bundle, dataDir, pair.id);
  const url = `http://127.0.0.1:${port}/hooks/${pair.id}/left`;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(rssKb(child.pid ?? 0)), 1000);
  const roundTrips: number[] = [];
  let sent = 0;
  let failedCalls = 0;
  let retriedCalls = 0;
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  const total = RATE * SECONDS;
  // Open loop: every 10 ms, the events due by now (a slow answer does not slow the sender).
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
    while (sent < due) {
      const i = ++sent;
      const id = 1 + ((i * 7919) % ROWS);
      const p = (async () => {
        await app.update(id, i);
        const body = JSON.stringify({ id: `e${i}`, type: 'updated', record: { id } });
        const t0 = performance.now();
        // As a webhook sender does: a call that fails is sent again (same event id) after a moment.
        for (let attempt = 0; ; attempt++) {
          const status = await post(url, body).catch(() => 0);
          if (status === 200 || status === 202) break;
          if (status !== 0 || attempt >= 20) {
            failedCalls++;
            break;
          }
          retriedCalls++;
          await sleep(50);
        }
        if (mode === 'sync') roundTrips.push(performance.now() - t0);
      })()
        .catch(() => void failedCalls++)
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await sleep(10);
  }
  const achievedRate = sent / ((performance.now() - start) / 1000);
  await Promise.allSettled(inflight);
  // Drained: no event pending (read from the engine's database, read-only, beside it).
  const engineDb = new Database(join(dataDir, 'concord.sqlite'), { readonly: true });
  for (;;) {
    const pending = engineDb.prepare("SELECT count(*) FROM events WHERE state = 'pending'").pluck().get() as number;
    if (pending === 0) break;
    await sleep(100);
  }
  clearInterval(sampler);
  const rows = engineDb.prepare('SELECT state, received_at, finished_at FROM events').all() as { state: string; received_at: string; finished_at: string | null }[];
  engineDb.close();
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  const lat = rows.filter((x) => x.finished_at).map((x) => Date.parse(x.finished_at ?? '') - Date.parse(x.received_at)).sort((a, b) => a - b);
  if (process.env.CONCORD_BENCH_RT_TIMELINE) {
    // Latency per second of the run: where the slow events were.
    const t0 = Date.parse(rows[0]?.received_at ?? '');
    const bySecond = new Map<number, number[]>();
    for (const x of rows) if (x.finished_at) bySecond.set(Math.floor((Date.parse(x.received_at) - t0) / 1000), [...(bySecond.get(Math.floor((Date.parse(x.received_at) - t0) / 1000)) ?? []), Date.parse(x.finished_at) - Date.parse(x.received_at)]);
    for (const [sec, xs] of bySecond) console.log(`  s${sec}: p50 ${percentile(xs.sort((a, b) => a - b), 0.5)} ms, p99 ${percentile(xs, 0.99)} ms, max ${xs.at(-1)} ms (${xs.length})`);
  }
  const want = await app.scores();
  const got = new Map((new Database(right, { readonly: true }).prepare('SELECT email, score FROM contacts').all() as { email: string; score: number }[]).map((x) => [Number(x.email.slice(1, x.email.indexOf('@'))), x.score]));
  let rightDiffers = 0;
  for (const [id, score] of want) if (got.get(id) !== score) rightDiffers++;
  await app.close();
  const rt = roundTrips.sort((a, b) => a - b);
  const applied = rows.filter((x) => x.state === 'applied').length;
  const third = Math.max(1, Math.floor(rss.length / 3));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  rmSync(dir, { recursive: true, force: true });
  return {
    pair: kind === 'sqlite' ? 'SQLite ↔ SQLite' : 'PostgreSQL ↔ SQLite',
    mode,
    sent,
    applied,
    notApplied: sent - applied + failedCalls,
    rightDiffers,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    max: lat.at(-1) ?? NaN,
    roundTrip: mode === 'sync' ? { p50: percentile(rt, 0.5), p99: percentile(rt, 0.99), max: rt.at(-1) ?? NaN } : null,
    rss: { first: mib(avg(rss.slice(0, third))), last: mib(avg(rss.slice(-third))), max: mib(Math.max(...rss)) },
    achievedRate,
    retriedCalls,
  };
}

function section(rows: LoadRow[], feeds: FeedRow[], loadStart: number): string {
  const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '—');
  const lines = [
    '<!-- bench:realtime -->',
    '## Real time: webhook load and feed latency (issue 12)',
    '',
    `Written by \`npm run bench:realtime\` (also the last step of \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}, load average ${loadStart.toFixed(1)} at the start. ${RATE} signed webhook events a second for ${SECONDS} s into the engine's receiver (the engine in its own process, the sender in another), each after a commit in the app changing one of ${ROWS.toLocaleString('en')} rows; thin events (Concord reads the row by id); the apps' own change feeds are off, so every run is the webhooks'. Latency: from the event's receipt to its outcome, recorded once the run that wrote the other app committed (an upper bound of receipt-to-write). Memory: the engine process's RSS, sampled every second (first third of the run, last third, peak).`,
    '',
    '| pair | mode | events | applied | lost or not applied | other app differs | p50 | p99 | max | caller round trip p50 / p99 / max | RSS first → last (peak) | rate achieved |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.pair} | ${r.mode} | ${r.sent.toLocaleString('en')} | ${r.applied.toLocaleString('en')} | ${r.notApplied} | ${r.rightDiffers} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.roundTrip ? `${ms(r.roundTrip.p50)} / ${ms(r.roundTrip.p99)} / ${ms(r.roundTrip.max)}` : '—'} | ${r.rss.first} → ${r.rss.last} MiB (${r.rss.max}) | ${Math.round(r.achievedRate)}/s |`,
    ),
    '',
    `Target: p99 under 100 ms at 1,000 events a second for SQLite ↔ SQLite; nothing lost; memory flat. ${rows
      .filter((r) => r.pair === 'SQLite ↔ SQLite')
      .map((r) => `${r.mode}: p99 ${ms(r.p99)} — ${r.p99 < 100 && r.notApplied === 0 && r.rightDiffers === 0 ? 'met' : 'NOT met'}`)
      .join('; ')}.`,
    '',
    '| feed | changes | p50 | p99 | max | note |',
    '|---|---|---|---|---|---|',
    ...feeds.map((f) => `| ${f.feed} | ${f.changes} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.max)} | ${f.note} |`),
    '<!-- /bench:realtime -->',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0] ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'concord-bench-rt-'));
  const bundle = bundleBurstChild('bench-child');
  let server: PgServer | null = null;
  try {
    server = await startPgServer({ maxConnections: 100 });
    const rows: LoadRow[] = [];
    for (const kind of ['sqlite', 'postgres'] as const) {
      for (const mode of ['async', 'sync'] as const) {
        if (process.env.CONCORD_BENCH_RT_ONLY && process.env.CONCORD_BENCH_RT_ONLY !== `${kind}-${mode}`) continue;
        const r = await loadScenario(root, bundle, kind, mode, server);
        console.log(JSON.stringify(r));
        rows.push(r);
      }
    }
    const feeds = process.env.CONCORD_BENCH_RT_ONLY ? [] : await feedLatencies(root, server);
    for (const f of feeds) console.log(JSON.stringify(f));
    const md = section(rows, feeds, loadStart);
    console.log(`\n${md}`);
    const file = join(REPO, 'BENCHMARKS.md');
    const current = readFileSync(file, 'utf8');
    const marked = /<!-- bench:realtime -->[\s\S]*<!-- \/bench:realtime -->/;
    writeFileSync(file, marked.test(current) ? current.replace(marked, md) : `${current.trimEnd()}\n\n${md}\n`);
  } finally {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(bundle, { force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
