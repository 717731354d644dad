/**
 * The feeds' latency (issue 12 §5), engine in this process with its change feeds on: a commit in
 * PostgreSQL (capture mode: LISTEN, then the event queue) and a CSV file saved by another program
 * (written beside and renamed over, as spreadsheets save), each timed from the commit or the
 * rename to the value readable in the SQLite app (polled every turn of the event loop).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { PairConfig } from '../src-main/engine/api/model';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine, type Engine } from '../src-main/engine/engine';
import type { PgServer } from '../src-main/engine/testing/pg-server';
import { call, runAndWait } from '../src-main/engine/testing/sqlite-apps';
import { percentile } from './postgres-capture';

export type FeedRow = { feed: string; changes: number; p50: number; p99: number; max: number; note: string };
const EDITS = Number(process.env.CONCORD_BENCH_RT_FEED_EDITS ?? 100);
const LIMIT_MS = 30_000;

const f = (name: string, type: 'string' | 'number') => ({ name, type, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
const pairConfig = (leftId: string, rightId: string, leftCollection: string, leftMode: PairConfig['left']['changeDetection']): PairConfig => ({
  name: 'feed latency',
  left: { connectionId: leftId, collection: leftCollection, ...(leftMode ? { changeDetection: leftMode } : {}) },
  right: { connectionId: rightId, collection: 'contacts', changeDetection: 'hash' },
  fields: [f('email', 'string'), f('name', 'string')],
  matchKeys: ['email'],
  masterSide: 'left',
  conflictPolicy: 'master',
  deletes: { propagate: true, massDeleteThreshold: 0.5 },
  schedule: { intervalSeconds: null },
});

/** Times `edits` changes, each from `change()` returning to `arrived()` holding. */
async function timeEdits(change: (i: number) => Promise<string>, arrived: (i: number, value: string) => boolean): Promise<number[] | string> {
  const times: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const value = await change(i);
    const t0 = performance.now();
    while (!arrived(i, value)) {
      if (performance.now() - t0 > LIMIT_MS) return `change ${i + 1} did not arrive within ${LIMIT_MS / 1000} s`;
      await nextTurn();
    }
    times.push(performance.now() - t0);
    await sleep(20);
  }
  return times.sort((a, b) => a - b);
}

const row = (feed: string, t: number[] | string, note: string): FeedRow =>
  typeof t === 'string' ? { feed, changes: 0, p50: NaN, p99: NaN, max: NaN, note: t } : { feed, changes: t.length, p50: percentile(t, 0.5), p99: percentile(t, 0.99), max: t.at(-1) ?? NaN, note };

function otherApp(dir: string): string {
  const path = join(dir, 'other.sqlite');
  new Database(path).exec('CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT)');
  return path;
}

async function withEngine<T>(dataDir: string, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests(), log: () => undefined, feeds: { debounceMs: 10 } });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

async function postgresCapture(root: string, server: PgServer): Promise<FeedRow> {
  const dir = mkdtempSync(join(root, 'feed-pg-'));
  const other = otherApp(dir);
  await server.sql('CREATE DATABASE rt_feed');
  await server.sql('CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT)', [], 'rt_feed');
  await server.sql("INSERT INTO contacts SELECT i, 'p' || i || '@example.com', 'P' || i FROM generate_series(1, 1000) i", [], 'rt_feed');
  return withEngine(join(dir, 'data'), async (engine) => {
    const l = await call(engine, 'connections/create', { name: 'PG', connector: 'postgres', config: { host: '127.0.0.1', port: server.port, database: 'rt_feed', user: 'postgres' } });
    const plan = await call(engine, 'connections/capture-plan', { connectionId: l.id, collection: 'public.contacts' });
    await call(engine, 'connections/capture-install', { connectionId: l.id, collection: 'public.contacts', installHash: plan.installHash });
    const r = await call(engine, 'connections/create', { name: 'Other', connector: 'sqlite-table', config: { path: other } });
    const pair = await call(engine, 'pairs/create', { config: pairConfig(l.id, r.id, 'public.contacts', 'capture') });
    await runAndWait(engine, pair.id, 'pairs/sync-now', 120_000);
    await sleep(500);
    const client = new pg.Client({ host: '127.0.0.1', port: server.port, database: 'rt_feed', user: 'postgres' });
    await client.connect();
    const read = new Database(other, { readonly: true }).prepare('SELECT name FROM contacts WHERE email = ?').pluck();
    try {
      const t = await timeEdits(
        async (i) => {
          const value = `Live ${i}`;
          await client.query('UPDATE contacts SET name = $1 WHERE id = $2', [value, 1 + ((i * 37) % 1000)]);
          return value;
        },
        (i, value) => read.get(`p${1 + ((i * 37) % 1000)}@example.com`) === value,
      );
      return row('PostgreSQL commit (capture mode) → SQLite', t, 'timed from COMMIT returning');
    } finally {
      await client.end();
    }
  });
}

async function csvSave(root: string): Promise<FeedRow> {
  const dir = mkdtempSync(join(root, 'feed-csv-'));
  const other = otherApp(dir);
  const csv = join(dir, 'contacts.csv');
  const names = Array.from({ length: 1000 }, (_, i) => `P${i + 1}`);
  const save = () => {
    // As spreadsheets save: a new file beside it, renamed over the old one.
    const tmp = `${csv}.saving`;
    writeFileSync(tmp, `id,email,name\n${names.map((n, i) => `${i + 1},p${i + 1}@example.com,${n}`).join('\n')}\n`);
    renameSync(tmp, csv);
  };
  save();
  return withEngine(join(dir, 'data'), async (engine) => {
    const l = await call(engine, 'connections/create', { name: 'Sheet', connector: 'csv-file', config: { path: csv, idColumn: 'id' } });
    const r = await call(engine, 'connections/create', { name: 'Other', connector: 'sqlite-table', config: { path: other } });
    const def = (await call(engine, 'connectors/list', {})).find((c) => c.kind === 'csv-file');
    const pair = await call(engine, 'pairs/create', { config: pairConfig(l.id, r.id, (await call(engine, 'connections/describe', { connectionId: l.id }))[0]?.name ?? 'contacts', 'hash') });
    await runAndWait(engine, pair.id, 'pairs/sync-now', 120_000);
    if (!def?.capabilities.realtime) return row('CSV file saved → SQLite', 'the CSV connector has no change feed in this build', '');
    await sleep(500);
    const read = new Database(other, { readonly: true }).prepare('SELECT name FROM contacts WHERE email = ?').pluck();
    const t = await timeEdits(
      async (i) => {
        const k = (i * 37) % 1000;
        names[k] = `Saved ${i}`;
        save();
        return names[k] ?? '';
      },
      (i, value) => read.get(`p${((i * 37) % 1000) + 1}@example.com`) === value,
    );
    return row('CSV file saved (written beside, renamed over) → SQLite', t, 'timed from the rename; includes the debounce');
  });
}

export async function feedLatencies(root: string, server: PgServer): Promise<FeedRow[]> {
  const out: FeedRow[] = [];
  for (const [name, fn] of [['PostgreSQL capture', () => postgresCapture(root, server)], ['CSV save', () => csvSave(root)]] as const) {
    try {
      out.push(await fn());
    } catch (e) {
      out.push(row(name, `failed: ${e instanceof Error ? e.message : String(e)}`, ''));
    }
  }
  return out;
}
