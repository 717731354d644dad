// Issue 13 §1 "A resolved conflict stays on screen with working buttons": after the last conflict
// of a filter is resolved, the panel shows it resolved (who, when, what) with no buttons, the
// filter controls still show the applied filter, and a reload on the same address shows the same.
import { join } from 'node:path';
import { createCustomersPair, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, editCsv, execDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { InboxPage } from './pages/inbox-page';

test('a resolved conflict shows who resolved it, when and what, also after a reload, and the filter stays shown', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [{ email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' }]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  await syncAndWait(app, concord, pairId);
  execDb(dbPath, `UPDATE customers SET city = 'Lyon', updated_at = ${NOW_SQL}`);
  editCsv(csvPath, (rows) => rows.map((r) => ({ ...r, city: 'Nice' })));
  expect((await syncAndWait(app, concord, pairId)).counts.conflicts).toBe(1);

  const inbox = new InboxPage(app);
  await app.reload();
  await inbox.goto();
  const filters = app.getByRole('search', { name: 'Filter conflicts' });
  await filters.getByRole('combobox', { name: /^Pair/ }).selectOption({ label: 'Shop ⇄ Sheet' });
  await filters.getByRole('combobox', { name: /^Field/ }).selectOption('city');
  await expect(inbox.rows()).toHaveCount(1);
  await inbox.openRecord('ann@example.com');
  await inbox.take('city', 'slave');
  await inbox.apply();
  await expect(inbox.badge()).toHaveText('0');

  const note = app.getByRole('note', { name: 'Resolved' });
  await expect(note).toContainText(/Resolved by operator on .+: a steward resolved the conflict: city = Customer sheet's value\./);
  await expect(inbox.panel().getByRole('button')).toHaveCount(0);
  await expect(filters.getByRole('combobox', { name: /^Pair/ }).locator('option:checked')).toHaveText('Shop ⇄ Sheet');
  await expect(filters.getByRole('combobox', { name: /^Field/ }).locator('option:checked')).toHaveText('city');
  await expect(app.getByText('No conflict matches in Shop ⇄ Sheet, on field city. No other conflict is open either.')).toBeVisible();
  await app.screenshot({ path: screenshotPath('inbox-resolved-last-in-filter') });

  // The address keeps the conflict's id: a reload shows it resolved, not with working buttons.
  await app.reload();
  await expect(app.getByRole('note', { name: 'Resolved' })).toContainText('Resolved by operator');
  await expect(inbox.panel().getByRole('button')).toHaveCount(0);
  await app.screenshot({ path: screenshotPath('conflict-resolved-reload') });
});
