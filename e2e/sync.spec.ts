// Sync now, Full resync and Pause/Resume from a pair's card, against a real SQLite file and CSV file.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { invoke, createCustomersPair } from './api';
import { NOW_SQL, createCustomersDb, csvCustomers, execDb, readCustomersDb, writeCsv, type Customer } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairsPage } from './pages/pairs-page';
import type { ConcordServer } from './server';

const many = (n: number): Customer[] => Array.from({ length: n }, (_, i) => ({ email: `c${i}@example.com`, name: `Customer ${i}`, city: i % 2 ? 'Paris' : 'Rome' }));

async function setUp(app: Page, concord: ConcordServer, rows: number) {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, many(rows));
  writeCsv(csvPath, [{ email: 'only-in-sheet@example.com', name: 'Sheet Only', city: 'Oslo' }]);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  const pairs = new PairsPage(app);
  await app.reload();
  const card = pairs.card('Shop ⇄ Sheet');
  await expect(card).toBeVisible();
  return { dbPath, csvPath, pairId, pairs, card };
}

test('Sync now: one click runs once with progress, cannot be double-started, and the card counts update', async ({ app, concord }) => {
  const { dbPath, csvPath, pairId, pairs, card } = await setUp(app, concord, 800);
  await expect(card.getByText('Never run', { exact: true }).first()).toBeVisible();

  const syncNow = card.getByRole('button', { name: /^(Sync now|Syncing…)$/ });
  const sawProgress = await pairs.watchProgress('Shop ⇄ Sheet');
  await syncNow.dblclick();
  // The button disables on the first click (before the engine's event), so the second click is lost.
  await expect(syncNow).toHaveText('Syncing…');
  await expect(syncNow).toBeDisabled();
  await expect(card.getByRole('button', { name: 'Full resync' })).toBeDisabled();
  await app.screenshot({ path: screenshotPath('pairs-syncing') });
  await expect(syncNow).toHaveText('Sync now', { timeout: 30_000 });
  expect(await sawProgress()).toBe(true);
  await expect(syncNow).toBeEnabled();
  await expect(pairs.progress(card)).toHaveCount(0);

  await expect(pairs.stat(card, 'Last run')).toContainText(/succeeded · 801 read, 801 created/);
  expect(await invoke(app, concord, 'runs/list', { pairId })).toHaveLength(1); // the double click started one run
  await app.screenshot({ path: screenshotPath('pairs') });
  await app.emulateMedia({ colorScheme: 'dark' });
  await app.screenshot({ path: screenshotPath('pairs-dark') });
  await app.emulateMedia({ colorScheme: 'light' });
  expect(readCustomersDb(dbPath)).toHaveLength(801);
  expect(csvCustomers(csvPath)).toHaveLength(801);

  // An edit in the database: the database's change feed (its file is watched) carries it to the
  // sheet with no Sync now, and the card says 1 updated.
  execDb(dbPath, `UPDATE customers SET city = 'Vienna', updated_at = ${NOW_SQL} WHERE email = 'c7@example.com'`);
  await expect(pairs.stat(card, 'Last run')).toContainText(/succeeded · .*1 updated/, { timeout: 30_000 });
  expect(csvCustomers(csvPath).find((c) => c.email === 'c7@example.com')?.city).toBe('Vienna');
  expect((await invoke(app, concord, 'runs/list', { pairId }))[0]?.trigger).toBe('feed');
});

test('Full resync asks first, shows progress, and repairs drift', async ({ app, concord }) => {
  const { dbPath, csvPath, pairId, pairs, card } = await setUp(app, concord, 600);
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(pairs.stat(card, 'Last run')).toContainText('succeeded', { timeout: 30_000 });
  // Drift: an edit that leaves updated_at alone is invisible to the last-modified cursor. (The
  // database's change feed still sees the commit and runs the pair once: wait for that run.)
  execDb(dbPath, `UPDATE customers SET city = 'Drifted' WHERE email = 'c5@example.com'`);
  await expect.poll(async () => (await invoke(app, concord, 'runs/list', { pairId })).filter((r) => r.status !== 'running').length, { timeout: 30_000 }).toBe(2);

  const resync = card.getByRole('button', { name: 'Full resync' });
  await resync.click();
  const dialog = app.getByRole('dialog', { name: 'Full resync of Shop ⇄ Sheet?' });
  await expect(dialog).toBeVisible();
  await app.screenshot({ path: screenshotPath('pairs-full-resync-confirm') });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await invoke(app, concord, 'runs/list', { pairId })).toHaveLength(2); // Cancel started nothing

  await resync.click();
  const sawProgress = await pairs.watchProgress('Shop ⇄ Sheet');
  await dialog.getByRole('button', { name: 'Start full resync' }).click();
  await expect(card.getByRole('button', { name: 'Sync now' })).toBeEnabled({ timeout: 30_000 });
  expect(await sawProgress()).toBe(true);
  const runs = await invoke(app, concord, 'runs/list', { pairId });
  expect(runs[0]).toMatchObject({ trigger: 'full-resync', mode: 'full', status: 'succeeded' });
  expect(csvCustomers(csvPath)).toHaveLength(601);
  expect(csvCustomers(csvPath).find((c) => c.email === 'c5@example.com')?.city).toBe('Drifted');
});

test('Pause stops Sync now and Full resync until Resume, and survives a reload', async ({ app, concord }) => {
  const { card } = await setUp(app, concord, 3);
  await card.getByRole('button', { name: 'Pause' }).click();
  await expect(card.getByText('Paused', { exact: true })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Sync now' })).toBeDisabled();
  await expect(card.getByRole('button', { name: 'Full resync' })).toBeDisabled();
  await app.reload();
  await expect(card.getByRole('button', { name: 'Resume' })).toBeVisible();
  await expect(card.getByText('Paused', { exact: true })).toBeVisible();
  await card.getByRole('button', { name: 'Resume' }).click();
  await expect(card.getByRole('button', { name: 'Pause' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Sync now' })).toBeEnabled();
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(new PairsPage(app).stat(card, 'Last run')).toContainText('succeeded', { timeout: 30_000 });
});

test('an app that suddenly holds nothing stops the run and asks; "Apply these deletes" applies them once, after a confirmation', async ({ app, concord }) => {
  const { dbPath, csvPath, card } = await setUp(app, concord, 10);
  const syncNow = card.getByRole('button', { name: /^(Sync now|Syncing…)$/ });
  await syncNow.click();
  await expect(new PairsPage(app).stat(card, 'Last run')).toContainText(/succeeded · 11 read, 11 created/, { timeout: 30_000 });
  writeCsv(csvPath, []); // the sheet comes back empty

  await syncNow.click();
  await expect(card.getByText(/Stopped before deleting: 11 of 11 linked records \(100%\) are gone from Customer sheet/)).toBeVisible({ timeout: 30_000 });
  expect(readCustomersDb(dbPath)).toHaveLength(11); // nothing was changed
  await card.getByRole('button', { name: 'Apply these deletes (11)' }).click();
  const dialog = app.getByRole('dialog', { name: 'Apply the deletes of Shop ⇄ Sheet?' });
  await expect(dialog).toBeVisible();
  await app.screenshot({ path: screenshotPath('pairs-confirm-deletes') });
  await dialog.getByRole('button', { name: 'Apply the deletes and sync' }).click();
  await expect(new PairsPage(app).stat(card, 'Last run')).toContainText(/succeeded · .*11 deleted/, { timeout: 30_000 });
  expect(readCustomersDb(dbPath)).toHaveLength(0);
  await expect(card.getByRole('button', { name: /^Apply these deletes/ })).toHaveCount(0);
});
