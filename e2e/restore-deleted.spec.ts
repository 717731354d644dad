// Issue 13 §1 "Delete it on both sides needs a net": the inbox asks first, naming both apps; the
// notice says what was deleted; Restore in the pair's activity log brings the record back in both
// apps, linked (the next sync has nothing to do). Both app files are read back directly.
import { join } from 'node:path';
import { createCustomersPair, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, csvCustomers, editCsv, execDb, readCustomersDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { InboxPage } from './pages/inbox-page';
import { PairDetailPage } from './pages/pair-detail-page';

test('"Delete it on both sides" asks naming both apps, says what it deleted, and Restore brings the record back in both apps', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [
    { email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' },
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
  ]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  expect((await syncAndWait(app, concord, pairId)).status).toBe('succeeded');
  execDb(dbPath, `UPDATE customers SET city = 'Hamburg', updated_at = ${NOW_SQL} WHERE email = 'bob@example.com'`);
  editCsv(csvPath, (rows) => rows.filter((r) => r.email !== 'bob@example.com'));
  expect((await syncAndWait(app, concord, pairId)).counts.conflicts).toBe(1);

  const inbox = new InboxPage(app);
  await app.reload();
  await inbox.goto();
  await inbox.openRecord('bob@example.com');
  await app.getByRole('button', { name: 'Delete it on both sides' }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete bob@example.com in Shop database · customers too?' });
  await expect(dialog).toContainText('Customer sheet · customers.csv deleted this record. Concord will delete it in Shop database · customers as well');
  await app.screenshot({ path: screenshotPath('conflict-delete-both-confirm') });
  expect(readCustomersDb(dbPath).map((c) => c.email)).toContain('bob@example.com'); // nothing deleted before the answer
  await dialog.getByRole('button', { name: 'Delete in Shop database · customers' }).click();
  await expect(app.getByText(/Resolved bob@example\.com: deleted in Shop database · customers \(Customer sheet · customers\.csv had deleted it already\)\. Restore it from the pair's Activity tab\./)).toBeVisible();
  expect(readCustomersDb(dbPath).map((c) => c.email)).toEqual(['ann@example.com']);

  const detail = new PairDetailPage(app);
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Activity').click();
  await app.getByRole('button', { name: 'Restore the deleted record bob@example.com' }).click();
  const ask = app.getByRole('dialog', { name: 'Restore bob@example.com?' });
  await expect(ask).toContainText('Concord creates bob@example.com again in Shop database and Customer sheet');
  await app.screenshot({ path: screenshotPath('pair-activity-restore-deleted') });
  await ask.getByRole('button', { name: 'Restore' }).click();
  await expect(app.getByText('bob@example.com was created again in Shop database and Customer sheet.')).toBeVisible();
  expect(readCustomersDb(dbPath).find((c) => c.email === 'bob@example.com')).toEqual({ email: 'bob@example.com', name: 'Bob Baker', city: 'Hamburg' });
  expect(csvCustomers(csvPath).find((c) => c.email === 'bob@example.com')).toEqual({ email: 'bob@example.com', name: 'Bob Baker', city: 'Hamburg' });
  expect((await syncAndWait(app, concord, pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0, conflicts: 0 });
  await expect(app.getByRole('button', { name: 'Restore the deleted record bob@example.com' })).toHaveCount(0);
});
