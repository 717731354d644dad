/**
 * Bench: the conflict inbox at size (issue 9 §4, §8). On a data folder holding N open field
 * conflicts between two SQLite apps (the same people on both sides, each with another phone
 * number on the right; a first sync with the manual policy sends every one to the inbox):
 *
 *   list latency       `conflicts/list` (first page) and `conflicts/facets` through HTTP
 *   first render       a real `concord serve` and Chromium: from navigating to the inbox until
 *                      its first row is in the page (performance.now() at the mutation)
 *   scroll frames      the list scrolled ten rows a frame for 300 frames: the intervals between
 *                      animation frames (p50, p95, max), pages fetched as they come into view
 *   bulk resolve       "take master" for all N matching, as a job through the HTTP API:
 *                      conflicts resolved per second, start to end
 *
 * Goals (measured and reported here, never asserted in a test): first render of 50,000 under
 * 1 s, bulk resolve at least 1,000 conflicts a second.
 *
 * Alone: `node --import tsx bench/inbox.ts` (CONCORD_BENCH_CONFLICTS, default 50,000). Needs the
 * built app (`npm run build`: out/main/cli.js serves out/renderer) and /usr/bin/chromium
 * (CHROMIUM_PATH to use another).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright';
import type { ApiArgs, ApiMethod, ApiResult } from '../src-main/engine/api/contract';
import { InMemoryCredentialStoreForTests } from '../src-main/engine/connections/in-memory-credential-store-for-tests';
import { createEngine } from '../src-main/engine/engine';
import { createContactsApp, createContactsPair, people, runAndWait, seedContacts } from '../src-main/engine/testing/sqlite-apps';

export type InboxBenchResult = { conflicts: number; firstRenderMs: number; scrollFrameMs: { p50: number; p95: number; max: number }; bulkResolvePerSec: number };

const CLI = resolve(__dirname, '..', 'out', 'main', 'cli.js');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const log = (message: string) => console.error(`  [inbox] ${message}`);

/** Two apps with `n` people each, the right one with other phone numbers, and a first sync that leaves `n` open conflicts. */
export async function buildDataFolder(dir: string, n: number): Promise<void> {
  const left = join(dir, 'left.sqlite');
  const right = join(dir, 'right.sqlite');
  createContactsApp(left);
  createContactsApp(right);
  seedContacts(left, people(0, n));
  seedContacts(right, people(0, n, (p) => ({ ...p, phone: `+44 ${p.phone ?? ''}` })));
  const engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: (m, e) => console.error(`[engine] ${m}`, e ?? '') });
  try {
    const pairId = await createContactsPair(engine, left, right, { name: 'Shop ⇄ CRM', overrides: { conflictPolicy: 'manual', initialMatchPolicy: 'manual' } });
    const t = performance.now();
    const run = await runAndWait(engine, pairId);
    log(`first sync: ${run.counts.conflicts} conflicts in ${((performance.now() - t) / 1000).toFixed(1)} s (${run.status})`);
    if (run.counts.conflicts !== n) throw new Error(`the first sync opened ${run.counts.conflicts} conflicts, not ${n}: ${run.error ?? ''}`);
  } finally {
    await engine.close();
  }
}

export type Server = { url: string; loginUrl: string; token: string; child: ChildProcess };

export async function serve(dataDir: string): Promise<Server> {
  if (!existsSync(CLI)) throw new Error(`The app is not built (${CLI} is missing): run \`npm run build\`, then the bench again.`);
  const token = randomBytes(32).toString('base64url');
  // No secrets here (SQLite files only): an encrypted file store, so no OS keychain is needed.
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--files-root', dirname(dataDir)], {
    env: { ...process.env, CONCORD_TOKEN: token, CONCORD_CREDENTIALS: 'file', CONCORD_SECRET_KEY: randomBytes(32).toString('base64') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const loginUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`concord serve did not start in 30 s:\n${output}`)), 30_000);
    child.stdout?.on('data', () => {
      const m = /open:\s+(\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`concord serve exited with ${code}:\n${output}`)));
  });
  return { url: loginUrl.replace(/\?token=.*$/, ''), loginUrl, token, child };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function api<M extends ApiMethod>(server: Server, method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
  const res = await fetch(`${server.url}api/invoke/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` }, body: JSON.stringify(args) });
  const body = (await res.json()) as { ok: true; value: ApiResult<M> } | { ok: false; error: { code: string; message: string } };
  if (!body.ok) throw new Error(`${method} failed: ${body.error.code}: ${body.error.message}`);
  return body.value;
}

/** The median of a few timed calls (the first one warms the statement cache and is left out). */
async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return quantile(times, 0.5);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Time to the inbox's first row, from navigating to it, and the frame intervals while scrolling it. */
async function measureBrowser(server: Server, n: number): Promise<{ firstRenderMs: number; warmRenderMs: number; frames: number[] }> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
    // Stamps the moment the first conflict row enters the page, in the page's own clock (ms since navigation).
    await page.addInitScript(() => {
      const w = window as unknown as { __firstRow?: number };
      new MutationObserver((_m, observer) => {
        if (w.__firstRow === undefined && document.querySelector('table[aria-label="Open conflicts"] button.row-open')) {
          w.__firstRow = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(server.loginUrl); // sets the session cookie
    await page.waitForSelector('nav');
    // Cold: a fresh page load straight into the inbox (from another document: a hash change in the
    // same one would be no load at all, and its clock would start at the login page).
    await page.goto('about:blank');
    await page.goto(`${server.url}#/conflicts`);
    await page.waitForSelector('table[aria-label="Open conflicts"] button.row-open', { timeout: 60_000 });
    const firstRenderMs = await page.evaluate(() => (window as unknown as { __firstRow?: number }).__firstRow ?? Number.NaN);
    if (process.env.CONCORD_BENCH_VERBOSE) {
      // Where the first render's time goes: the page's own load, then each API call (start, duration).
      const timings = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        const calls = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/')).map((e) => `${e.name.split('/').slice(-2).join('/')} at ${e.startTime.toFixed(0)} for ${e.duration.toFixed(0)} ms`);
        return [`DOMContentLoaded at ${nav?.domContentLoadedEventEnd.toFixed(0) ?? '?'} ms`, ...calls];
      });
      for (const t of timings) log(`  ${t}`);
    }
    const shown = await page.locator('.bulk-bar > span').first().textContent();
    log(`the inbox says "${shown ?? ''}" (expected ${n.toLocaleString('en-US')} shown)`);
    // Warm: from the pairs screen to the inbox, the app already loaded.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Pairs/ }).click();
    const t = performance.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Conflicts/ }).click();
    await page.waitForSelector('table[aria-label="Open conflicts"] button.row-open');
    const warmRenderMs = performance.now() - t;
    const frames = await page.evaluate(async () => {
      const box = document.querySelector<HTMLElement>('.conflict-table-scroll');
      if (!box) throw new Error('no list box');
      const out: number[] = [];
      let last = await new Promise<number>((r) => requestAnimationFrame(r));
      for (let i = 0; i < 300; i++) {
        box.scrollTop += 400; // ten rows a frame: a fast flick through the list
        const now = await new Promise<number>((r) => requestAnimationFrame(r));
        out.push(now - last);
        last = now;
      }
      return out;
    });
    return { firstRenderMs, warmRenderMs, frames };
  } finally {
    await browser.close();
  }
}

/** "Take master for all N matching" through the HTTP API, start to end: conflicts resolved per second. */
async function measureBulk(server: Server): Promise<{ perSec: number; resolved: number; failed: number; seconds: number }> {
  const t = performance.now();
  const job = await api(server, 'conflicts/resolve-bulk', { take: 'master', filter: {} });
  let state = job;
  while (state.status === 'running') {
    await new Promise((r) => setTimeout(r, 100));
    state = await api(server, 'conflicts/bulk-get', { jobId: job.id });
  }
  const seconds = (performance.now() - t) / 1000;
  if (state.status !== 'done') throw new Error(`the bulk job ended ${state.status}: ${state.error ?? ''}`);
  return { perSec: state.resolved / seconds, resolved: state.resolved, failed: state.failed, seconds };
}

export async function inboxBench(dir: string, conflicts: number): Promise<InboxBenchResult> {
  mkdirSync(dir, { recursive: true });
  await buildDataFolder(dir, conflicts);
  const server = await serve(join(dir, 'data'));
  try {
    const listMs = await timed(5, () => api(server, 'conflicts/list', { limit: 100 }));
    const searchMs = await timed(5, () => api(server, 'conflicts/list', { limit: 100, search: '+44 555 00012' }));
    const facetsMs = await timed(5, () => api(server, 'conflicts/facets', {}));
    const deepMs = await timed(5, () => api(server, 'conflicts/list', { offset: Math.max(0, conflicts - 100), limit: 100, sort: { by: 'record', desc: false } }));
    log(`conflicts/list first page ${listMs.toFixed(1)} ms, last page sorted by record ${deepMs.toFixed(1)} ms, a search ${searchMs.toFixed(1)} ms, facets ${facetsMs.toFixed(1)} ms (medians over HTTP)`);
    const browser = await measureBrowser(server, conflicts);
    const scrollFrameMs = { p50: quantile(browser.frames, 0.5), p95: quantile(browser.frames, 0.95), max: Math.max(...browser.frames) };
    log(`first render ${browser.firstRenderMs.toFixed(0)} ms (page load into the inbox), ${browser.warmRenderMs.toFixed(0)} ms from the pairs screen`);
    const bulk = await measureBulk(server);
    log(`bulk take master: ${bulk.resolved} resolved, ${bulk.failed} failed in ${bulk.seconds.toFixed(1)} s`);
    return { conflicts, firstRenderMs: browser.firstRenderMs, scrollFrameMs, bulkResolvePerSec: bulk.perSec };
  } finally {
    await stop(server.child);
  }
}

function conflictsFromEnv(): number {
  const raw = process.env.CONCORD_BENCH_CONFLICTS;
  if (raw === undefined || raw === '') return 50_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CONCORD_BENCH_CONFLICTS must be a whole number of at least 1; got "${raw}".`);
  return n;
}

async function main(): Promise<void> {
  const n = conflictsFromEnv();
  const dir = mkdtempSync(join(tmpdir(), 'concord-bench-inbox-'));
  try {
    console.error(`inbox bench: ${n.toLocaleString('en-US')} open conflicts in ${dir}`);
    const r = await inboxBench(dir, n);
    console.log(`conflicts            ${r.conflicts}`);
    console.log(`first render         ${r.firstRenderMs.toFixed(0)} ms   (goal: under 1,000 ms at 50,000)`);
    console.log(`scroll frame         p50 ${r.scrollFrameMs.p50.toFixed(1)} ms, p95 ${r.scrollFrameMs.p95.toFixed(1)} ms, max ${r.scrollFrameMs.max.toFixed(1)} ms`);
    console.log(`bulk resolve         ${Math.round(r.bulkResolvePerSec)} conflicts/s   (goal: at least 1,000)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run alone (`node --import tsx bench/inbox.ts`); imported by the bench runner, it only exports.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
