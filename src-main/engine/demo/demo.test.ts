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
  engine = createEngine({ dataDir: dir, credentials: new InMemoryCredentialStoreForTests(), log: () => {} });
});
afterEach(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const finished = (e: Engine) =>
  new Promise<RunSummary>((resolve) => e.onEvent((m) => m.event === 'run/finished' && resolve(m.payload)));

it('creates two sample apps, pairs them and syncs them, leaving the planted conflicts in the inbox', async () => {
  const done = finished(engine);
  const { pairId } = await call(engine, 'demo/create', {});
  const run = await done;
  expect(run).toMatchObject({ pairId, status: 'succeeded' });
  // 270 shop customers, 271 CRM rows: 30 only in the shop, 30 only in the CRM (created on the other side).
  expect(run.counts).toMatchObject({ read: 541, created: 60 });

  const conflicts = await call(engine, 'conflicts/list', { pairId, status: 'open' });
  expect(conflicts.filter((c) => c.kind === 'field')).toHaveLength(8);
  expect(conflicts.filter((c) => c.kind === 'duplicate')).toHaveLength(1);
  for (const c of conflicts.filter((x) => x.kind === 'field')) expect(c.fields.sort()).toEqual(['phone', 'plan']);

  // Both apps really changed: the CRM-only people are now shop customers, and the other way round.
  const shop = new Database(join(dir, 'demo', '1', 'shop.sqlite'), { readonly: true });
  expect(shop.prepare('SELECT count(*) FROM customers').pluck().get()).toBe(300);
  // Full names were split into first and last name on the way in.
  expect(shop.prepare("SELECT first_name || '|' || last_name FROM customers WHERE email LIKE '%.30@example.com'").pluck().get()).toMatch(/^\w+\|[\w-]+$/);
  shop.close();
  const crm = readFileSync(join(dir, 'demo', '1', 'crm-contacts.csv'), 'utf8').trim().split('\r\n');
  expect(crm).toHaveLength(1 + 301);
  expect(crm[0]).toBe('Contact ID;Email;Name;Phone;Tier;Credits');

  // A second demo never overwrites the first.
  const again = await call(engine, 'demo/create', {});
  expect(again.pairId).not.toBe(pairId);
  expect((await call(engine, 'pairs/list', {})).map((p) => p.name).sort()).toEqual(['Demo: shop ↔ CRM', 'Demo: shop ↔ CRM 2']);
});
