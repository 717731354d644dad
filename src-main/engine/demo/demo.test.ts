// The demo workspace through the API, on a real engine: two sample apps, one pair, a first sync
// that matches most people, creates the rest on each side and leaves the planted conflicts open.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunSummary } from '../api/model';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createEngine, type Engine } from '../engine';
import { call } from '../testing/sqlite-apps';

let dir: string;
let engine: Engine;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-demo-'));
  // No change feeds: the apps' feeds would see the day of edits too and run the pair once more after
  // the demo's second run, which refreshes the conflicts this test reads as that run left them.
  engine = createEngine({ dataDir: dir, credentials: new InMemoryCredentialStoreForTests(), log: () => {}, feeds: false });
});
afterEach(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Both of the demo's runs, oldest first, once the second one has ended. */
async function demoRuns(e: Engine, pairId: string): Promise<RunSummary[]> {
  for (let i = 0; i < 600; i++) {
    const runs = await call(e, 'runs/list', { pairId });
    if (runs.length === 2 && runs.every((r) => r.status !== 'running')) return runs.reverse();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the demo did not run two syncs within 30 s');
}

it('creates two sample apps, pairs them and syncs them; a day of edits in both apps leaves the planted conflicts in the inbox', async () => {
  const { pairId } = await call(engine, 'demo/create', {});
  const [first, second] = await demoRuns(engine, pairId);
  expect(first).toMatchObject({ pairId, status: 'succeeded', trigger: 'first-sync' });
  // 270 shop customers, 271 CRM rows: 30 only in the shop, 30 only in the CRM (created on the other side).
  expect(first?.counts).toMatchObject({ read: 541, created: 60, conflicts: 1 });
  // The day of edits: 8 people edited on both sides, 1 edited against a delete, 1 renamed in the CRM.
  expect(second).toMatchObject({ status: 'succeeded' });
  expect(second?.counts).toMatchObject({ conflicts: 9 });

  const conflicts = (await call(engine, 'conflicts/list', { pairId, status: 'open' })).items;
  const fieldConflicts = conflicts.filter((c) => c.kind === 'field');
  expect(fieldConflicts).toHaveLength(8);
  expect(conflicts.filter((c) => c.kind === 'duplicate')).toHaveLength(1);
  expect(conflicts.filter((c) => c.kind === 'update-delete')).toHaveLength(1);
  for (const c of fieldConflicts) expect(c.fields.sort()).toEqual(['phone', 'plan']);
  // Each field conflict shows what both apps last agreed on, and credits added on both sides merged.
  const detail = await call(engine, 'conflicts/get', { conflictId: fieldConflicts[0]!.id });
  const phone = detail.fields.find((f) => f.name === 'phone');
  expect(phone).toMatchObject({ inConflict: true });
  expect(String(phone?.base)).toMatch(/^\+1 555 \d{4}$/);
  expect(String(phone?.left)).toMatch(/^\+1 557 /);
  expect(String(phone?.right)).toMatch(/^\+1 556 /);
  const credits = detail.fields.find((f) => f.name === 'credits');
  expect(credits?.inConflict).toBe(false);
  expect(Number(credits?.left)).toBe(Number(credits?.base) + 25);
  expect(credits?.right).toBe(credits?.left);

  // Both apps really changed: the CRM-only people are now shop customers, and the other way round.
  const shop = new Database(join(dir, 'demo', '1', 'shop.sqlite'), { readonly: true });
  expect(shop.prepare('SELECT count(*) FROM customers').pluck().get()).toBe(300);
  // Full names were split into first and last name on the way in.
  expect(shop.prepare("SELECT first_name || '|' || last_name FROM customers WHERE email LIKE '%.30@example.com'").pluck().get()).toMatch(/^\w+\|[\w-]+$/);
  // The CRM's rename reached the shop.
  expect(shop.prepare("SELECT last_name FROM customers WHERE email LIKE '%.212@example.com'").pluck().get()).toMatch(/-Smith$/);
  shop.close();
  const crm = readFileSync(join(dir, 'demo', '1', 'crm-contacts.csv'), 'utf8').trim().split('\r\n');
  expect(crm).toHaveLength(1 + 300); // 301 rows, less the one the CRM deleted
  expect(crm[0]).toBe('Contact ID;Email;Name;Phone;Tier;Credits');

  // A second demo never overwrites the first.
  const again = await call(engine, 'demo/create', {});
  expect(again.pairId).not.toBe(pairId);
  expect((await call(engine, 'pairs/list', {})).map((p) => p.name).sort()).toEqual(['Demo: shop ↔ CRM', 'Demo: shop ↔ CRM 2']);
  await demoRuns(engine, again.pairId);
});
