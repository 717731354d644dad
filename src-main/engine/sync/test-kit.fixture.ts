/**
 * TEST FIXTURE (not shipped code): two real SQLite "apps" in a temp folder, an engine over them
 * (built with `createEngine`, through its test seam when a test wraps the connection service to
 * inject a fault or a crash), and helpers that call the API through `dispatch`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiArgs, ApiMethod, ApiResult } from '../api/contract';
import type { Dispatch } from '../api/dispatch';
import type { BulkJob, ChangeDetection, PairConfig, RunSummary } from '../api/model';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import type { ConnectionStore } from '../connections/service';
import type { Connector, WriteOp, WriteResult } from '../connectors/types';
import { createEngine, type EngineOptions } from '../engine';
import type { Db } from '../store/db';

export type AppRow = { id: number; email: string | null; name: string | null; score: number | null; tags?: string | null };

export type Kit = {
  dir: string;
  dataDir: string;
  dispatch: Dispatch;
  db: Db;
  events: { event: string; payload: unknown }[];
  call<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResult<M>>;
  close(): Promise<void>;
};

export function tempDir(prefix = 'concord-sync-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** An "app": a SQLite file with a contacts table (updated_at for cursor mode, needs_sync for flag mode). */
export function createApp(path: string): void {
  const db = new Database(path);
  db.exec(`CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- ids are never reused: a reused id is indistinguishable from an edit
    email TEXT,
    name TEXT,
    score INTEGER,
    tags TEXT,
    needs_sync INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`);
  db.close();
}

/** A user editing an app directly (bumps updated_at, raises the sync flag). */
export function appExec<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
export const appInsert = (path: string, row: Omit<AppRow, 'id'>): number =>
  appExec(path, (db) => Number(db.prepare('INSERT INTO contacts (email, name, score, tags) VALUES (?, ?, ?, ?)').run(row.email, row.name, row.score, row.tags ?? null).lastInsertRowid));
export const appUpdate = (path: string, id: number, fields: Partial<Omit<AppRow, 'id'>>): void =>
  appExec(path, (db) => {
    for (const [k, v] of Object.entries(fields)) db.prepare(`UPDATE contacts SET ${k} = ?, needs_sync = 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`).run(v, id);
  });
export const appDelete = (path: string, id: number): void => appExec(path, (db) => void db.prepare('DELETE FROM contacts WHERE id = ?').run(id));
/** Runs SQL in an app (its schema, its rows, a user's edit), as the app itself would. */
export const appSql = (path: string, sql: string): void => appExec(path, (db) => void db.exec(sql));
/** A query's rows, as the app holds them. */
export const appQuery = <T = Record<string, unknown>>(path: string, sql: string): T[] => appExec(path, (db) => db.prepare(sql).all() as T[]);
export const appRows = (path: string): AppRow[] => appExec(path, (db) => db.prepare('SELECT id, email, name, score, tags FROM contacts ORDER BY id').all() as AppRow[]);

export function basePairConfig(leftId: string, rightId: string, over: Partial<PairConfig> = {}): PairConfig {
  return {
    name: 'Contacts',
    left: { connectionId: leftId, collection: 'contacts', changeDetection: 'hash' },
    right: { connectionId: rightId, collection: 'contacts', changeDetection: 'hash' },
    fields: [
      { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
      { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
      { name: 'score', type: 'number', left: { fields: ['score'] }, right: { fields: ['score'] }, direction: 'both' },
    ],
    matchKeys: ['email'],
    masterSide: 'left',
    conflictPolicy: 'master',
    deletes: { propagate: true, massDeleteThreshold: 1 },
    schedule: { intervalSeconds: null },
    ...over,
  };
}

/**
 * Starts an engine on `dataDir` with `createEngine`. `wrap` wraps the connection service the sync
 * domain runs on (fault and crash injection); the scheduler ticks hourly unless a test asks sooner.
 */
export function startEngine(dir: string, dataDir: string, wrap?: (s: ConnectionStore) => ConnectionStore, schedulerTickMs = 3_600_000, stewardWaitMs?: number, engineOptions: Partial<EngineOptions> = {}): Kit {
  const events: { event: string; payload: unknown }[] = [];
  // Change feeds are off unless a test asks for them: SQLite and CSV apps have feeds, and a test
  // that edits its app and then runs Sync now counts the runs it starts itself.
  const engine = createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests(), log: () => {}, schedulerTickMs, feeds: false, ...(wrap ? { wrapConnections: wrap } : {}), ...(stewardWaitMs !== undefined ? { stewardWaitMs } : {}), ...engineOptions });
  engine.onEvent((m) => events.push({ event: m.event, payload: m.payload }));
  const { dispatch } = engine;
  const db = engine.context.db;
  const close = () => engine.close();
  const call = async <M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResult<M>> => {
    const r = await dispatch(method, args);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.value as ApiResult<M>;
  };
  return { dir, dataDir, dispatch, db, events, call, close };
}

/** Polls until `fn` returns something other than undefined/false (the test's timeout is the deadline). */
export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts a run and waits for it to finish (polling runs/get through the API). */
export async function syncAndWait(kit: Kit, pairId: string, full = false): Promise<RunSummary> {
  const { runId } = await kit.call(full ? 'pairs/full-resync' : 'pairs/sync-now', { pairId });
  return waitRun(kit, runId);
}
export async function waitRun(kit: Kit, runId: string): Promise<RunSummary> {
  for (;;) {
    const run = await kit.call('runs/get', { runId });
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Waits for a bulk-resolve job to end (polling conflicts/bulk-get through the API). */
export async function waitBulk(kit: Kit, jobId: string): Promise<BulkJob> {
  for (;;) {
    const job = await kit.call('conflicts/bulk-get', { jobId });
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Two apps, two connections and a pair (hash mode by default) in a fresh temp folder. */
export async function setupPair(
  over: Partial<PairConfig> = {},
  opts: { dir?: string; wrap?: (s: ConnectionStore) => ConnectionStore; modes?: [ChangeDetection, ChangeDetection]; schedulerTickMs?: number; stewardWaitMs?: number; engine?: Partial<EngineOptions> } = {},
) {
  const dir = opts.dir ?? tempDir();
  const left = join(dir, 'left.sqlite');
  const right = join(dir, 'right.sqlite');
  createApp(left);
  createApp(right);
  const kit = startEngine(dir, join(dir, 'data'), opts.wrap, opts.schedulerTickMs, opts.stewardWaitMs, opts.engine);
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: right } });
  const config = basePairConfig(l.id, r.id, over);
  if (opts.modes) {
    config.left.changeDetection = opts.modes[0];
    config.right.changeDetection = opts.modes[1];
  }
  const pair = await kit.call('pairs/create', { config });
  return { dir, left, right, kit, pairId: pair.id, leftConn: l.id, rightConn: r.id };
}

/**
 * Two SQLite apps of any shape in `dir` (left.sqlite and right.sqlite, each made by its SQL), an
 * engine, their connections "CRM" and "Billing", and a pair from `basePairConfig` that `shape`
 * adjusts (fields, collections, change detection). For connector tests through the engine;
 * `setupPair` is the contacts-table version with fault injection.
 */
export async function sqlAppsPair(dir: string, sql: { left: string; right: string }, shape: (config: PairConfig) => PairConfig = (c) => c) {
  const left = join(dir, 'left.sqlite');
  const right = join(dir, 'right.sqlite');
  appSql(left, sql.left);
  appSql(right, sql.right);
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: right } });
  const { id: pairId } = await kit.call('pairs/create', { config: shape(basePairConfig(l.id, r.id)) });
  return { left, right, kit, pairId };
}

export type WriteHook = (real: Connector, collection: string, ops: WriteOp[], connectionId: string) => Promise<WriteResult[]>;

/**
 * A connection service whose connectors' writes pass through `hook` (to fake a 429, a 401, a
 * stale version or a crash around the real SQLite connector). `onOpen` counts (re)opens.
 */
export function interceptWrites(hook: WriteHook, onOpen?: (connectionId: string) => void) {
  return (svc: ConnectionStore): ConnectionStore => ({
    ...svc,
    open(id: string): Connector {
      onOpen?.(id);
      const real = svc.open(id);
      return { ...real, write: (c, ops) => hook(real, c, ops, id) };
    },
  });
}

/** Crash injection: write ops before `crashAt` reach the app; at op `crashAt` the engine "dies". */
export type CrashPlan = { crashAt: number | null; count: number; crashed: boolean; snapshot: Buffer | null; db: () => Db };

export function crashingService(plan: CrashPlan) {
  return (svc: ConnectionStore): ConnectionStore => ({
    ...svc,
    open(id: string): Connector {
      const real = svc.open(id);
      const dead = () => new Error('the engine process died (test crash)');
      const clearFlags = real.clearFlags;
      return {
        ...real,
        ...(clearFlags
          ? {
              clearFlags: async (c: string, records: { id: string; version?: string }[]) => {
                if (plan.crashed) throw dead();
                return clearFlags(c, records);
              },
            }
          : {}),
        async write(c, ops) {
          if (plan.crashed) throw dead();
          if (plan.crashAt === null || plan.count + ops.length <= plan.crashAt) {
            plan.count += ops.length;
            return real.write(c, ops);
          }
          const allowed = plan.crashAt - plan.count;
          if (allowed > 0) await real.write(c, ops.slice(0, allowed));
          plan.crashed = true;
          // Concord's own database at the instant of death: everything committed so far, nothing after.
          plan.snapshot = plan.db().serialize();
          throw dead();
        },
      };
    },
  });
}

/** After a crash: stop the engine, put its database back as it was at the crash, start a new one. */
export async function restartFromCrash(kit: Kit, plan: CrashPlan): Promise<Kit> {
  const snapshot = plan.snapshot;
  if (!snapshot) throw new Error('no crash happened');
  await kit.close();
  const dbFile = join(kit.dataDir, 'concord.sqlite');
  rmSync(`${dbFile}-wal`, { force: true });
  rmSync(`${dbFile}-shm`, { force: true });
  writeFileSync(dbFile, snapshot);
  Object.assign(plan, { crashAt: null, crashed: false, count: 0, snapshot: null });
  return startEngine(kit.dir, kit.dataDir, crashingService(plan));
}
