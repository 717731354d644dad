// The inbox with thousands of open conflicts: the table stays virtualized (a screenful of rows in
// the page, not thousands), scrolls to the last one, and j / search still find any of them.
import { join } from 'node:path';
import { createCustomersPair, syncAndWait } from './api';
import { createCustomersDb, writeCsv, type Customer } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { InboxPage } from './pages/inbox-page';

const COUNT = 3000;

test(`${COUNT} open conflicts: the table renders a screenful of rows, scrolls to the last, and search finds any`, async ({ app, concord }) => {
  test.setTimeout(120_000);
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  const people: Customer[] = Array.from({ length: COUNT }, (_, i) => ({ email: `p${String(i).padStart(4, '0')}@example.com`, name: `Person ${i}`, city: 'Rome' }));
  createCustomersDb(dbPath, people);
  // The same people in the sheet, each in another city: a first sync with the manual policy asks about every one.
  writeCsv(csvPath, people.map((p) => ({ email: p.email, name: p.name ?? '', city: 'Oslo' })));
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath, initialMatchPolicy: 'manual' });
  const run = await syncAndWait(app, concord, pairId);
  expect(run.counts.conflicts).toBe(COUNT);

  const inbox = new InboxPage(app);
  // Counts read with the reader's thousands separator.
  await expect(inbox.badge()).toHaveText(COUNT.toLocaleString('en-US'));
  await inbox.goto();
  await expect(app.getByText(`${COUNT.toLocaleString('en-US')} shown`)).toBeVisible();
  // Virtualized: what the page holds is what fits on screen (plus a few above and below).
  const rendered = await inbox.rows().count();
  expect(rendered).toBeGreaterThan(5);
  expect(rendered).toBeLessThan(80);

  // Sorted by record, the last one is at the bottom: scroll there and it is drawn.
  await inbox.table().getByRole('button', { name: 'Record' }).click();
  await inbox.listBox().evaluate((box) => box.scrollTo({ top: box.scrollHeight }));
  await expect(inbox.table().getByRole('button', { name: 'p2999@example.com', exact: true })).toBeVisible();
  expect(await inbox.rows().count()).toBeLessThan(80);
  await app.screenshot({ path: screenshotPath('inbox-3000') });

  // Search narrows thousands to one; it opens with every field.
  await app.getByRole('searchbox').fill('p1234@');
  await expect(app.getByText('1 shown')).toBeVisible();
  await inbox.openRecord('p1234@example.com');
  await expect(inbox.panelTitle()).toHaveText('p1234@example.com');
  await expect(inbox.fieldGroup('city')).toBeVisible();
});
