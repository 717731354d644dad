/**
 * The PostgreSQL ↔ SQLite scenario's capture step (issue 10): the PostgreSQL side switched to
 * capture mode through the API the wizard uses (the plan's SQL, installed against its hash, then
 * the pair's setting), its first capture run (which lists every row), and then the real-time path:
 * single-row edits committed in PostgreSQL one at a time, each after the previous one arrived,
 * each timed from its COMMIT to its value being readable in the SQLite app's file (polled on a
 * read-only handle every turn of the event loop, by primary key). No schedule: every run after
 * the first is started by the change feed (sync/feeds.ts).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '../src-main/engine/engine';
import type { PgServer } from '../src-main/engine/testing/pg-server';
import { call, runAndWait, writesOf } from '../src-main/engine/testing/sqlite-apps';
import type { Latency } from './results';

/** Single-row commits measured. */
export const CAPTURE_EDITS = 200;
/** An edit that has not arrived after this long fails the step (rather than hang until the bench's limit). */
const ARRIVAL_LIMIT_MS = 60_000;

export type CaptureState = { server: PgServer; engine: Engine; pairId: string; left: string };
/** `feedRunP50Ms`: how long the feed's runs themselves took (p50), the part of the latency that is not waiting or polling. */
export type CaptureFigures = { seconds: number; read: number; writes: number; status: string; error?: string; label: string; latency: Latency | null; feedRunP50Ms?: number };

/** The value at rank `q` (0..1) of sorted `xs`, nearest-rank. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

async function settled(engine: Engine, pairId: string): Promise<void> {
  // Idle twice in a row, with the feed listening: a queued run starts in the turn its predecessor ends, a debounced one within moments.
  for (let quiet = 0; quiet < 2; ) {
    const p = await call(engine, 'pairs/get', { pairId });
    quiet = p.running === null && p.feed?.state === 'listening' ? quiet + 1 : 0;
    await sleep(quiet === 0 ? 5 : 100);
  }
}

export async function captureStep(s: CaptureState, database: string, user: string, password: string, edits = CAPTURE_EDITS): Promise<CaptureFigures> {
  const label = 'capture mode: first run (lists every row)';
  const pair = await call(s.engine, 'pairs/get', { pairId: s.pairId });
  const { connectionId, collection } = pair.config.right;
  const plan = await call(s.engine, 'connections/capture-plan', { connectionId, collection });
  await call(s.engine, 'connections/capture-install', { connectionId, collection, installHash: plan.installHash });
  await call(s.engine, 'pairs/update', { pairId: s.pairId, config: { ...pair.config, right: { ...pair.config.right, changeDetection: 'capture' } } });
  const start = performance.now();
  const first = await runAndWait(s.engine, s.pairId, 'pairs/sync-now', 24 * 3_600_000);
  const seconds = (performance.now() - start) / 1000;
  const figures = { seconds, read: first.counts.read, writes: writesOf(first), status: first.status, ...(first.error ? { error: first.error } : {}), label };
  if (first.status !== 'succeeded') return { ...figures, latency: null };
  await settled(s.engine, s.pairId);

  const picked = await s.server.sql<{ id: string; email: string }>(`SELECT id::text AS id, email FROM public.contacts WHERE email IS NOT NULL ORDER BY random() LIMIT ${edits}`, [], database);
  const sqlite = new Database(s.left, { readonly: true });
  const client = new pg.Client({ host: s.server.host, port: s.server.port, database, user, password });
  client.on('error', () => {});
  const times: number[] = [];
  try {
    // The SQLite app's row for each picked person, found once (its emails match PostgreSQL's lower-cased and trimmed).
    const rowOf = new Map<string, number>();
    for (const r of sqlite.prepare('SELECT id, email FROM contacts').iterate() as Iterable<{ id: number; email: string | null }>) {
      if (r.email) rowOf.set(r.email.trim().toLowerCase(), r.id);
    }
    const read = sqlite.prepare('SELECT first_name FROM contacts WHERE id = ?').pluck();
    await client.connect();
    for (const [i, p] of picked.entries()) {
      const row = rowOf.get(p.email.trim().toLowerCase());
      if (row === undefined) return { ...figures, status: 'failed', error: `${p.email} is in PostgreSQL but not in the SQLite app`, latency: null };
      const value = `Live ${i} ${Date.now()}`;
      await client.query('BEGIN');
      await client.query('UPDATE public.contacts SET first_name = $1 WHERE id = $2', [value, p.id]);
      const t0 = performance.now();
      await client.query('COMMIT');
      while (read.get(row) !== value) {
        if (performance.now() - t0 > ARRIVAL_LIMIT_MS) return { ...figures, status: 'failed', error: `edit ${i + 1} of ${edits} did not reach the SQLite app within ${ARRIVAL_LIMIT_MS / 1000} s`, latency: null };
        await nextTurn();
      }
      times.push(performance.now() - t0);
    }
  } finally {
    sqlite.close();
    await client.end().catch(() => {});
  }
  const sorted = [...times].sort((a, b) => a - b);
  const runs = (await call(s.engine, 'runs/list', { pairId: s.pairId, limit: 2 * edits })).filter((r) => r.trigger === 'feed' && r.durationMs !== null);
  const runMs = runs.map((r) => r.durationMs ?? 0).sort((a, b) => a - b);
  return { ...figures, latency: { count: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted[sorted.length - 1] ?? NaN }, ...(runMs.length ? { feedRunP50Ms: percentile(runMs, 0.5) } : {}) };
}
