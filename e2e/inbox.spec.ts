// The conflict inbox against real apps: field-by-field merge written to both files, the keyboard,
// bulk take-master, the live open count, and the duplicate and update-vs-delete panels.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { createCustomersPair, invoke, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, csvCustomers, editCsv, execDb, readCustomersDb, writeCsv, type Customer } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { InboxPage } from './pages/inbox-page';
import type { ConcordServer } from './server';

/** A pair SQLite ⇄ CSV (manual policy, the database is master) after its first sync. */
async function syncedPair(app: Page, concord: ConcordServer, rows: Customer[]) {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, rows);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  expect((await syncAndWait(app, concord, pairId)).status).toBe('succeeded');
  return { dbPath, csvPath, pairId };
}

test('a conflict resolved field by field writes the chosen values to both apps', async ({ app, concord }) => {
  const { dbPath, csvPath, pairId } = await syncedPair(app, concord, [{ email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' }]);
  // Both apps change all three fields, differently.
  execDb(dbPath, `UPDATE customers SET email = 'ann@shop.example', name = 'Ann (shop)', city = 'Lyon', updated_at = ${NOW_SQL}`);
  editCsv(csvPath, (rows) => rows.map((r) => ({ ...r, email: 'ann@sheet.example', name: 'Ann (sheet)', city: 'Nice' })));
  const run = await syncAndWait(app, concord, pairId);
  expect(run.counts.conflicts).toBe(1);

  const inbox = new InboxPage(app);
  await expect(inbox.badge()).toHaveText('1'); // pushed by the engine, no reload
  await inbox.goto();
  await expect(inbox.rows()).toHaveCount(1);
  await app.screenshot({ path: screenshotPath('inbox') });
  await inbox.rows().first().getByRole('button').last().click();
  await expect(inbox.fieldGroup('email')).toBeVisible();
  await inbox.take('name', 'master');
  await inbox.take('city', 'slave');
  await inbox.typeMerged('email', 'ann@merged.example');
  await expect(inbox.panel()).toContainText('Ready to apply');
  await app.screenshot({ path: screenshotPath('conflict-detail') });
  // At 1280 wide with the panel open, the list folds into two-line rows that are read whole.
  const row = inbox.rows().first();
  await expect(row.locator('.ct-meta')).toHaveText('Shop ⇄ Sheet · Values · email, name, city');
  expect(await row.locator('button.row-open').evaluate((b) => b.scrollWidth <= b.clientWidth)).toBe(true);
  await expect(row.locator('time')).toHaveText(/just now|min ago/);
  await app.emulateMedia({ colorScheme: 'dark' });
  await app.screenshot({ path: screenshotPath('conflict-detail-dark') });
  await app.emulateMedia({ colorScheme: 'light' });
  await app.setViewportSize({ width: 1920, height: 1080 });
  await app.screenshot({ path: screenshotPath('conflict-detail-1920') });
  await app.setViewportSize({ width: 1280, height: 800 });
  await inbox.apply();
  await expect(inbox.badge()).toHaveText('0');
  // The last open conflict stays on screen, shown resolved with no buttons (issue 13 §1); what
  // Apply wrote stays readable in the window's notices.
  await expect(app.getByText('No other conflict is open.')).toBeVisible();
  await expect(app.getByRole('note', { name: 'Resolved' })).toContainText('Resolved by operator');
  await expect(inbox.panel().getByRole('button')).toHaveCount(0);
  await expect(app.getByRole('status').getByText("Resolved ann@shop.example: updated in Shop database · customers and in Customer sheet · customers.csv.")).toBeVisible();
  await app.screenshot({ path: screenshotPath('inbox-resolved') });

  const expected = [{ email: 'ann@merged.example', name: 'Ann (shop)', city: 'Nice' }];
  expect(readCustomersDb(dbPath)).toEqual(expected);
  expect(csvCustomers(csvPath)).toEqual(expected);
});

test('the demo workspace: j/k move without history entries, 1/2 and Enter resolve, bulk take master, live count', async ({ app }) => {
  const inbox = new InboxPage(app);
  await app.getByRole('button', { name: 'Try the demo workspace' }).click();
  await expect(app.getByRole('heading', { level: 1, name: /^Demo: shop ↔ CRM/ })).toBeVisible();
  const open = await inbox.waitForDemoConflicts();

  await inbox.goto();
  await inbox.filter('Kind').selectOption({ label: 'Field values' });
  await expect(inbox.rows().first()).toBeVisible();
  const historyBefore = await app.evaluate(() => history.length);
  await app.keyboard.press('j');
  const first = await inbox.panelTitle().innerText();
  await app.keyboard.press('j');
  await expect(inbox.panelTitle()).not.toHaveText(first);
  const second = await inbox.panelTitle().innerText();
  await app.keyboard.press('k');
  await expect(inbox.panelTitle()).toHaveText(first);
  expect(await app.evaluate(() => history.length)).toBe(historyBefore); // replaceState, not push
  expect(app.url()).toContain('#/conflicts/');

  // 1 takes master for the focused field and moves on; 2 takes slave; Enter applies.
  const conflicting = await inbox.panel().getByRole('group').count();
  for (let i = 0; i < conflicting; i++) await app.keyboard.press(i === 0 && conflicting > 1 ? '2' : '1');
  await expect(inbox.panel()).toContainText('Ready to apply');
  await app.keyboard.press('Enter');
  await expect(inbox.badge()).toHaveText(String(open - 1));
  await expect(inbox.table().getByRole('button', { name: first, exact: true })).toHaveCount(0);
  // The next conflict opened in its place.
  await expect(inbox.panelTitle()).toHaveText(second);

  // Bulk: three selected, take master for all.
  const records = (await inbox.table().locator('button.row-open').allInnerTexts()).slice(0, 3);
  for (const r of records) await inbox.select(r);
  await expect(app.getByText(/, 3 selected/)).toBeVisible();
  await app.getByRole('button', { name: 'Take master for selected' }).click();
  // It asks first, naming how many.
  await app.getByRole('dialog', { name: "Take the master's values for 3 conflicts?" }).getByRole('button', { name: 'Take master for 3' }).click();
  await expect(app.getByRole('status').filter({ hasText: /^\d+ resolved/ })).toHaveText('3 resolved');
  // The focus lands in the list, not on the page (the pressed button is disabled now).
  await expect(inbox.table().locator('button.row-open').first()).toBeFocused();
  await expect(inbox.badge()).toHaveText(String(open - 4));
  for (const r of records) await expect(inbox.table().getByRole('button', { name: r, exact: true })).toHaveCount(0);
  await expect(app.getByRole('heading', { level: 1 })).toContainText(`(${open - 4} open)`);
  // The open conflict was among them: its panel gave way to the next open conflict (no stale Apply).
  expect(records).toContain(second);
  await expect(inbox.panelTitle()).toBeVisible();
  for (const r of records) await expect(inbox.panelTitle()).not.toHaveText(r);

  await app.emulateMedia({ colorScheme: 'dark' });
  await app.screenshot({ path: screenshotPath('inbox-dark') });
  await app.emulateMedia({ colorScheme: 'light' });

  // The pair card's open-conflicts number opens the inbox filtered to that pair.
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pairs' }).click();
  const card = app.getByRole('article', { name: /^Demo: shop ↔ CRM/ });
  await card.locator('dl > div').filter({ hasText: 'Open conflicts' }).getByRole('link').click();
  await expect(app.getByRole('heading', { level: 1 })).toContainText('Conflicts');
  await expect(inbox.filter('Pair')).toHaveValue(/.+/);
  expect(await inbox.filter('Pair').locator('option:checked').innerText()).toMatch(/^Demo: shop ↔ CRM/);

  // The demo's planted duplicate renders its candidates.
  await inbox.filter('Kind').selectOption({ label: 'Duplicate match' });
  await inbox.rows().first().locator('button.row-open').click();
  await expect(app.getByRole('table', { name: 'Record and its candidates' })).toBeVisible();
  await expect(app.getByRole('button', { name: 'Link to candidate 1' })).toBeVisible();
  await expect(app.getByRole('button', { name: 'Create as a new record' })).toBeVisible();
  await app.screenshot({ path: screenshotPath('conflict-duplicate') });
});

test('an edit on one side and a delete on the other is an update-vs-delete conflict; keeping the update restores it', async ({ app, concord }) => {
  const { dbPath, csvPath, pairId } = await syncedPair(app, concord, [
    { email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' },
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
    { email: 'cy@example.com', name: 'Cy Cole', city: 'Rome' },
    { email: 'dee@example.com', name: 'Dee Dunn', city: 'Oslo' },
  ]);
  execDb(dbPath, `UPDATE customers SET city = 'Hamburg', updated_at = ${NOW_SQL} WHERE email = 'bob@example.com'`);
  editCsv(csvPath, (rows) => rows.filter((r) => r.email !== 'bob@example.com'));
  const run = await syncAndWait(app, concord, pairId);
  expect(run.counts.conflicts).toBe(1);

  const inbox = new InboxPage(app);
  await inbox.goto();
  await inbox.rows().first().locator('button.row-open').click();
  const updated = app.getByRole('table', { name: 'The updated record' });
  await expect(updated).toContainText('Hamburg');
  await expect(inbox.panel()).toContainText('Customer sheet · customers.csv deleted this record, while Shop database · customers changed it');
  await app.screenshot({ path: screenshotPath('conflict-update-delete') });
  await app.getByRole('button', { name: 'Keep the updated record' }).click();
  await expect(inbox.badge()).toHaveText('0');
  expect(csvCustomers(csvPath).find((c) => c.email === 'bob@example.com')).toEqual({ email: 'bob@example.com', name: 'Bob Baker', city: 'Hamburg' });
  expect(readCustomersDb(dbPath)).toHaveLength(4);
  expect(await invoke(app, concord, 'conflicts/count', {})).toMatchObject({ open: 0 });
});

test('the merge panel keeps unapplied choices across conflicts, applies with Enter from a typed value, and reads at 900, 1280 and 1920 px', async ({ app }) => {
  const inbox = new InboxPage(app);
  await app.getByRole('button', { name: 'Try the demo workspace' }).click();
  const open = await inbox.waitForDemoConflicts();
  await inbox.goto();
  await inbox.filter('Kind').selectOption({ label: 'Field values' });
  const [first = '', second = ''] = await inbox.table().locator('button.row-open').allInnerTexts();
  await inbox.openRecord(first);
  await expect(inbox.panelTitle()).toHaveText(first);

  // Apply with nothing chosen says what is missing; the message goes as soon as a choice changes.
  await inbox.apply();
  await expect(inbox.panel()).toContainText('Choose a value for phone, plan first.');
  await inbox.take('phone', 'slave');
  await expect(inbox.panel()).not.toContainText('Choose a value for');

  // Edit pre-fills the master's value, selected: what is typed replaces it.
  await inbox.fieldGroup('plan').getByRole('button', { name: 'Edit' }).click();
  await expect(inbox.mergedValue('plan')).toBeFocused();
  const prefilled = await inbox.mergedValue('plan').inputValue();
  expect(prefilled).not.toBe('');
  await app.keyboard.type('enterprise');
  await expect(inbox.mergedValue('plan')).toHaveValue('enterprise');
  // Wide enough for real values: the box spans the value columns, not a 150 px cell.
  expect((await inbox.mergedValue('plan').boundingBox())?.width ?? 0).toBeGreaterThan(300);

  // Another conflict, then back: the choices and the typed value are still there.
  await inbox.openRecord(second);
  await expect(inbox.panelTitle()).toHaveText(second);
  await expect(inbox.pressed('phone')).toHaveCount(0);
  await inbox.openRecord(first);
  await expect(inbox.panelTitle()).toHaveText(first);
  await expect(inbox.pressed('phone')).toHaveText('Slave');
  await expect(inbox.mergedValue('plan')).toHaveValue('enterprise');
  await expect(inbox.mergedValue('plan')).not.toBeFocused(); // coming back does not steal the focus
  await expect(inbox.panel()).toContainText('Ready to apply');

  // The layout at three widths, light and dark: the value columns stay readable.
  for (const [width, height] of [[900, 800], [1280, 800], [1920, 1080]] as const) {
    await app.setViewportSize({ width, height });
    const widths = await inbox.mergeColumnWidths();
    for (const w of widths.slice(1, 4)) expect(w, `value column at ${width} px`).toBeGreaterThanOrEqual(90);
    const list = await inbox.listBox().boundingBox();
    const panel = await inbox.panel().boundingBox();
    if (width === 900) expect(panel?.y ?? 0, 'the panel goes below the list at 900 px').toBeGreaterThan((list?.y ?? 0) + (list?.height ?? 0) - 1);
    else expect(panel?.x ?? 0, `the panel is beside the list at ${width} px`).toBeGreaterThan((list?.x ?? 0) + (list?.width ?? 0) - 1);
    await app.screenshot({ path: screenshotPath(`merge-${width}`) });
    await app.emulateMedia({ colorScheme: 'dark' });
    await app.screenshot({ path: screenshotPath(`merge-${width}-dark`) });
    await app.emulateMedia({ colorScheme: 'light' });
  }
  await app.setViewportSize({ width: 1280, height: 800 });

  // Enter in the typed value applies the complete resolution.
  await inbox.mergedValue('plan').focus();
  await app.keyboard.press('Enter');
  await expect(inbox.badge()).toHaveText(String(open - 1));
  await expect(inbox.table().getByRole('button', { name: first, exact: true })).toHaveCount(0);
});

test('a search that matches nothing says so and clears the filters in one click', async ({ app }) => {
  const inbox = new InboxPage(app);
  await app.getByRole('button', { name: 'Try the demo workspace' }).click();
  await inbox.waitForDemoConflicts();
  await inbox.goto();
  await expect(inbox.rows().first()).toBeVisible();
  await app.getByRole('searchbox').fill('zebra-nobody');
  await expect(app.getByText('No conflict matches “zebra-nobody”.')).toBeVisible();
  await app.screenshot({ path: screenshotPath('inbox-no-match') });
  await app.getByRole('button', { name: 'Clear the filters' }).click();
  await expect(app.getByRole('searchbox')).toHaveValue('');
  await expect(inbox.rows().first()).toBeVisible();
});
