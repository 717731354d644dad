// Issue 13 §1: a file Concord cannot write. The connection test says it is read-only, a sync into it
// fails once (one run error, nothing half-applied, no failed record per row), and "Retry all" in
// the Failed tab retries every failed record in one run. The server runs as root here, for whom
// chmod 0444 does not stop writes: Concord goes by the file's permission bits too (file-access.ts).
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCustomersPair, invoke, syncAndWait } from './api';
import { createCustomersDb, execDb, readCustomersDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';
import { WizardPage } from './pages/wizard-page';

const READ_ONLY = 'read-only: Concord can read but not write this file';

test('Test connection says a read-only CSV file is read-only', async ({ app, concord }) => {
  const csv = join(concord.workDir, 'customers.csv');
  writeCsv(csv, [{ email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' }]);
  chmodSync(csv, 0o444);
  const wizard = new WizardPage(app);
  await app.getByRole('button', { name: 'Create a pair' }).click();
  await wizard.fillConnection('CSV file', 'Customer sheet', csv);
  await app.getByRole('button', { name: 'Test connection' }).click();
  const fields = app.getByRole('group', { name: 'CSV file settings' });
  await expect(fields.getByRole('alert')).toContainText(READ_ONLY);
  await expect(app.getByText(/Connection works/)).toHaveCount(0);
  await app.screenshot({ path: screenshotPath('wizard-connection-read-only') });
});

test('a sync into a read-only file fails once with one error; "Retry all" retries every failed record in one run', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, []);
  const rows = Array.from({ length: 40 }, (_, i) => ({ email: `c${i}@example.com`, name: `Customer ${i}`, city: 'Atlantis' }));
  writeCsv(csvPath, rows);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  execDb(dbPath, `INSERT INTO customers (email, name, city, updated_at) VALUES ('shop-only@example.com', 'Shop Only', 'Oslo', '2024-01-01T00:00:00.000Z')`);
  chmodSync(csvPath, 0o444);
  const before = readFileSync(csvPath, 'utf8');
  const first = await syncAndWait(app, concord, pairId);
  expect(first.status).toBe('failed');
  expect(first.counts.failed).toBe(0);
  expect(readCustomersDb(dbPath).map((c) => c.email)).toEqual(['shop-only@example.com']); // nothing half-applied
  expect(readFileSync(csvPath, 'utf8')).toBe(before);

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await expect(detail.table('Runs')).toContainText(READ_ONLY);
  await detail.tab('Failed records').click();
  await expect(detail.panel()).toContainText('No failed records');

  // Writable again, but the shop refuses every row for now: 40 failed records.
  chmodSync(csvPath, 0o644);
  execDb(dbPath, `CREATE TRIGGER no_atlantis BEFORE INSERT ON customers WHEN NEW.city = 'Atlantis' BEGIN SELECT RAISE(ABORT, 'we do not deliver to Atlantis'); END`);
  expect((await syncAndWait(app, concord, pairId)).counts.failed).toBe(40);
  await app.reload();
  await detail.tab('Failed records').click();
  await expect(detail.table('Failed records').getByRole('row')).toHaveCount(41);
  await app.screenshot({ path: screenshotPath('pair-failed-retry-all') });
  execDb(dbPath, 'DROP TRIGGER no_atlantis');
  await app.getByRole('button', { name: 'Retry all 40' }).click();
  await expect(app.getByText('Retried 40 failed records: all written.')).toBeVisible();
  await expect(detail.panel()).toContainText('No failed records');
  expect(readCustomersDb(dbPath)).toHaveLength(41);
  const runs = await invoke(app, concord, 'runs/list', { pairId });
  expect(runs.filter((r) => r.trigger === 'retry')).toHaveLength(1); // one run, not a slice per run
});
