/**
 * Crashes during webhook bursts (issue 12 §3): a real engine process receives a steady stream of
 * signed webhooks over real HTTP and is SIGKILLed at a random instant, CONCORD_BURST_KILLS times
 * (200 by default, so at least 200 kill points per CI run), restarted on the same data folder
 * each time. The sender behaves as apps do: it commits the change in the app, then calls the
 * webhook; an event not answered 2xx is sent again (same event id) after the restart; a record's
 * next event waits for its previous one's answer (events of one record arrive in order).
 * In the end every acknowledged event is applied — once: the other app holds each record exactly
 * once, with the values the app holds, and no event is pending, failed or lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appExec, appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir } from '../test-kit.fixture';
import { seededRandom } from '../../core/seeded-random';
import { bundleBurstChild } from '../../testing/burst-child-bundle';
import { signBody } from './verify';

const KILLS = Number(process.env.CONCORD_BURST_KILLS ?? 200);
const SEED = Number(process.env.CONCORD_BURST_SEED ?? Date.now() % 1_000_000);
const SECRET = 'burst-secret-burst-secret';
const REPO = resolve(__dirname, '../../../..');
const IN_FLIGHT = 8;
/** A life lasts up to this long after the receiver listens: kills land in receipt, persist, runs and writes alike. */
const MAX_LIFE_MS = 200;


type Pending = { eventId: string; recordId: number; body: string };

/**
 * One webhook call on a connection of its own, as an app's sender makes it: an answer, or an error
 * when the engine dies under it or is silent for CALL_LIMIT_MS. Not `fetch`: Node 20's pooled
 * fetch was seen (CI, 2026-12-04) keeping a request queued forever on a pool whose sockets the
 * SIGKILL had closed, with no socket and no timer left to settle it.
 */
const CALL_LIMIT_MS = 30_000;
function call(port: number, path: string, body: string | null, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolveCall, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: body === null ? 'GET' : 'POST', agent: false, headers, timeout: CALL_LIMIT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the answer was cut off')));
      res.on('end', () => {
        try {
          resolveCall({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${CALL_LIMIT_MS} ms`)));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

describe('SIGKILL during webhook bursts', () => {
  const dir = tempDir('concord-burst-');
  afterAll(() => removeDir(dir));

  it(`every acknowledged event is applied exactly once across ${KILLS} kills (seed ${SEED})`, { timeout: 1_200_000 }, async () => {
    const random = seededRandom(SEED); // a failing seed replays the same kill delays and events
    const left = join(dir, 'left.sqlite');
    const right = join(dir, 'right.sqlite');
    const dataDir = join(dir, 'data');
    createApp(left);
    createApp(right);
    // The pair, its first sync, then the engine goes: from here on only the child runs it.
    const setup = startEngine(dir, dataDir);
    const l = await setup.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const r = await setup.call('connections/create', { name: 'Billing', connector: 'sqlite-table', config: { path: right } });
    const hooks = { mode: 'async' as const, syncTimeoutSeconds: 30, left: { enabled: true, scheme: 'hex' as const, timestampHeader: 'X-Timestamp' } };
    const { id: pairId } = await setup.call('pairs/create', { config: basePairConfig(l.id, r.id, { webhooks: hooks }) });
    await syncAndWait(setup, pairId);
    await setup.close();

    const bundle = bundleBurstChild('burst-child');

    const queue: Pending[] = []; // not yet acknowledged, oldest first
    const busy = new Set<number>(); // records with an event in flight
    const acked = new Map<string, string>(); // event id → correlation id
    let made = 0;
    let records = 0;
    let refused: string | null = null;

    /** The app commits a change, then (as a real app) queues its webhook. */
    function makeEvent(): void {
      made++;
      const create = records < 20 || random() < 0.35;
      let id: number;
      if (create) {
        records++;
        id = appExec(left, (db) => Number(db.prepare('INSERT INTO contacts (email, name, score) VALUES (?, ?, ?)').run(`p${records}@example.com`, `P${records}`, 0).lastInsertRowid));
      } else {
        id = 1 + Math.floor(random() * records);
        appExec(left, (db) => db.prepare('UPDATE contacts SET score = ?, name = ? WHERE id = ?').run(made, `P${id}-${made}`, id));
      }
      const row = appExec(left, (db) => db.prepare('SELECT id, email, name, score FROM contacts WHERE id = ?').get(id)) as Record<string, unknown>;
      // Half the events are fat (they carry the record), half thin (Concord reads it).
      const record = random() < 0.5 ? row : { id };
      queue.push({ eventId: `e${made}`, recordId: id, body: JSON.stringify({ id: `e${made}`, type: create ? 'created' : 'updated', record }) });
    }

    async function send(port: number, p: Pending): Promise<void> {
      try {
        const { status, json } = await call(port, `/hooks/${pairId}/left`, p.body, { 'Content-Type': 'application/json', ...signBody('hex', SECRET, p.body) });
        if (status === 200 || status === 202) {
          acked.set(p.eventId, String(json.correlationId));
          queue.splice(queue.indexOf(p), 1);
        } else refused ??= `${p.eventId}: ${status} ${String(json.error ?? '')}`;
      } catch {
        // The engine died under it: sent again after the restart.
      } finally {
        busy.delete(p.recordId);
      }
    }

    /** Sends while `alive()`: up to IN_FLIGHT at once, never two of one record. */
    async function sender(port: number, alive: () => boolean, until: () => boolean, produce = true): Promise<void> {
      const inflight = new Set<Promise<void>>();
      while (alive() && !until()) {
        if (produce && !queue.some((p) => !busy.has(p.recordId))) makeEvent();
        const next = queue.find((p) => !busy.has(p.recordId));
        if (!next || inflight.size >= IN_FLIGHT) {
          await Promise.race([...inflight, new Promise((res) => setTimeout(res, 1))]);
          continue;
        }
        busy.add(next.recordId);
        const pr = send(port, next).finally(() => inflight.delete(pr));
        inflight.add(pr);
      }
      await Promise.allSettled(inflight);
    }

    function startChild(): Promise<{ child: ChildProcess; port: number; exited: Promise<void> }> {
      const child = spawn(process.execPath, [bundle, dataDir, pairId], { cwd: REPO, env: { ...process.env, BURST_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      return new Promise((res, rej) => {
        let out = '';
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"port":(\d+)/.exec(out);
          if (m) res({ child, port: Number(m[1]), exited });
        });
        void exited.then(() => rej(new Error(`the engine exited before it listened: ${stderr}`)));
      });
    }

    let inFlightAtKill = 0;
    for (let life = 0; life < KILLS; life++) {
      const { child, port, exited } = await startChild();
      let alive = true;
      const lifeMs = random() * MAX_LIFE_MS;
      const killed = new Promise<void>((res) =>
        setTimeout(() => {
          if (busy.size > 0) inFlightAtKill++;
          child.kill('SIGKILL');
          alive = false;
          res();
        }, lifeMs),
      );
      await Promise.all([sender(port, () => alive, () => false), killed]);
      await exited;
      expect(refused).toBeNull();
      if (process.env.CONCORD_BURST_DEBUG) console.error(`life ${life}: ${lifeMs.toFixed(0)} ms, ${made} made, ${acked.size} acked, ${queue.length} queued`);
    }

    // The last life: no kill. Everything still unacknowledged is sent, and the queue drains.
    const { child, port, exited } = await startChild();
    await sender(port, () => true, () => queue.length === 0, false);
    expect(refused).toBeNull();
    const statusOf = async (correlationId: string) => String((await call(port, `/hooks/${pairId}/left/events/${correlationId}`, null)).json.status);
    for (const [eventId, correlationId] of acked) {
      const status = await (async () => {
        for (;;) {
          const s = await statusOf(correlationId);
          if (s !== 'pending') return s;
          if (process.env.CONCORD_BURST_DEBUG) console.error(`waiting for ${eventId}`);
          await new Promise((res) => setTimeout(res, 20));
        }
      })();
      expect({ eventId, status }).toEqual({ eventId, status: 'applied' });
    }
    child.kill('SIGTERM');
    await exited;

    // Exactly once: each left record once in the right app, holding what the left holds.
    const want = appRows(left).map(({ email, name, score }) => ({ email, name, score }));
    const got = appRows(right).map(({ email, name, score }) => ({ email, name, score }));
    expect(got.length).toBe(want.length);
    expect(new Set(got.map((g) => g.email)).size).toBe(got.length);
    const byEmail = (a: { email: string | null }, b: { email: string | null }) => String(a.email).localeCompare(String(b.email));
    expect(got.sort(byEmail)).toEqual(want.sort(byEmail));
    expect(acked.size).toBe(made);
    console.log(`kill-during-burst: ${KILLS} kills (seed ${SEED}), ${inFlightAtKill} with webhook calls in flight; ${made} events, ${records} records, all ${acked.size} acknowledged events applied`);
  });
});
