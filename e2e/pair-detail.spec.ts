// A pair's detail against real apps: a record an app refuses (failed, fixed, retried), a value
// restored from the activity log, and the settings form.
import { join } from 'node:path';
import { createCustomersPair, invoke, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, csvCustomers, editCsv, execDb, readCustomersDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';

test('a record the database refuses shows in Failed with its error; fixed in the app and retried, it arrives', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [{ email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' }]);
  // The shop's own validation rule: it does not deliver to "Atlantis".
  execDb(dbPath, `CREATE TRIGGER no_atlantis BEFORE INSERT ON customers WHEN NEW.city = 'Atlantis' BEGIN SELECT RAISE(ABORT, 'we do not deliver to Atlantis'); END`);
  writeCsv(csvPath, [
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
    { email: 'nemo@example.com', name: 'Captain Nemo', city: 'Atlantis' },
  ]);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  const run = await syncAndWait(app, concord, pairId);
  expect(run.status).toBe('partial');
  expect(run.counts.failed).toBe(1);
  expect(readCustomersDb(dbPath).map((c) => c.email)).toEqual(['ann@example.com', 'bob@example.com']); // one failure never fails the batch

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await expect(app.getByRole('heading', { name: 'Shop ⇄ Sheet' })).toHaveCount(1); // named once
  await expect(detail.table('Runs')).toContainText('partial');
  await app.screenshot({ path: screenshotPath('pair-runs') });
  await detail.tab('Failed records').click();
  const failed = detail.table('Failed records');
  await expect(failed).toContainText('we do not deliver to Atlantis');
  await expect(failed).toContainText('nemo@example.com');
  await app.screenshot({ path: screenshotPath('pair-failed') });

  execDb(dbPath, 'DROP TRIGGER no_atlantis'); // the shop lifts the rule
  await failed.getByRole('button', { name: /^Retry/ }).click();
  await expect(app.getByText('The record was written.')).toBeVisible();
  await expect(detail.panel()).toContainText('No failed records');
  await expect(detail.tab('Failed records')).toHaveText('Failed records'); // the badge is gone
  expect(readCustomersDb(dbPath).find((c) => c.email === 'nemo@example.com')).toEqual({ email: 'nemo@example.com', name: 'Captain Nemo', city: 'Atlantis' });
  expect(await invoke(app, concord, 'failed/list', { pairId })).toEqual([]);
});

test('a value overwritten by "master wins" is restored from the activity tab into the app file', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [{ email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' }]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath, conflictPolicy: 'master' });
  await syncAndWait(app, concord, pairId);
  execDb(dbPath, `UPDATE customers SET city = 'Lyon', updated_at = ${NOW_SQL}`);
  editCsv(csvPath, (rows) => rows.map((r) => ({ ...r, city: 'Nice' })));
  await syncAndWait(app, concord, pairId);
  expect(csvCustomers(csvPath)[0]?.city).toBe('Lyon'); // the master (database) won; the sheet's "Nice" was overwritten

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Activity').click();
  const activity = detail.table('Activity');
  const row = activity.getByRole('row').filter({ hasText: 'Nice' }).filter({ has: app.getByRole('button', { name: /^Restore/ }) });
  await expect(row).toHaveCount(1);
  await app.screenshot({ path: screenshotPath('pair-activity') });
  // At 900 px every tab fits the window: a wide table scrolls in its own box, never the page.
  await app.setViewportSize({ width: 900, height: 800 });
  for (const tab of ['Runs', 'Failed records', 'Activity', 'Settings'] as const) {
    await detail.tab(tab).click();
    await expect(detail.tab(tab)).toHaveAttribute('aria-selected', 'true');
    expect(await app.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${tab} at 900 px`).toBeLessThanOrEqual(0);
  }
  await app.screenshot({ path: screenshotPath('pair-settings-900') });
  await detail.tab('Activity').click();
  await app.screenshot({ path: screenshotPath('pair-activity-900') });
  await app.setViewportSize({ width: 1280, height: 800 });
  await row.getByRole('button', { name: /^Restore/ }).click();
  // It asks first, naming the value and the app it goes back into; Cancel writes nothing.
  const dialog = app.getByRole('dialog', { name: /^Restore city of / });
  await expect(dialog).toContainText('Concord writes Nice back into');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(csvCustomers(csvPath)[0]?.city).not.toBe('Nice');
  await row.getByRole('button', { name: /^Restore/ }).click();
  await dialog.getByRole('button', { name: 'Restore' }).click();
  await expect(app.getByText('The overwritten value was restored.')).toBeVisible();
  await expect.poll(() => csvCustomers(csvPath)[0]?.city, { timeout: 30_000 }).toBe('Nice');
});

test('settings: a policy edited and saved is what the engine keeps', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, []);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Settings').click();
  const form = app.getByRole('form', { name: 'Pair settings' });
  await expect(form.getByLabel('When both sides change a field')).toHaveValue('manual');
  await form.getByLabel('When both sides change a field').selectOption({ label: 'Newest change wins' });
  await form.getByLabel('Master side').selectOption({ label: 'App B · Customer sheet' });
  await form.getByLabel('Conflict policy of city').selectOption({ label: 'Master wins' });
  await form.getByLabel('Only deletes in Shop database reach Customer sheet (a record deleted in Customer sheet stays in Shop database)').check();
  await form.getByLabel('Schedule', { exact: true }).selectOption({ label: 'Every hour' });
  // The mass-delete limit a halted run tells the user to raise is here too.
  await form.getByLabel(/Stop and ask when more than this share/).fill('25');
  // Matching: the name joins the email as a key (a key change says a full resync reaches existing records).
  const keys = form.getByRole('group', { name: 'Match records on' });
  await expect(keys.getByRole('checkbox', { name: 'email' })).toBeChecked();
  await keys.getByRole('checkbox', { name: 'name' }).check();
  await form.getByLabel('When two newly matched records differ').selectOption({ label: 'Ask me (conflict inbox)' });
  await app.screenshot({ path: screenshotPath('pair-settings'), fullPage: true });
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByRole('status')).toContainText('Saved. This change applies to existing records only after a full resync.');
  const saved = await invoke(app, concord, 'pairs/get', { pairId });
  expect(saved.config).toMatchObject({ conflictPolicy: 'newest', masterSide: 'right', deletes: { propagate: true, from: 'left', massDeleteThreshold: 0.25 }, schedule: { intervalSeconds: 3600 }, matchKeys: ['email', 'name'], initialMatchPolicy: 'manual' });
  expect(saved.config.fields.find((f) => f.name === 'city')?.policy).toBe('master');
  // The card on the detail now marks B as master.
  await expect(app.locator('.pair-sides')).toContainText('Customer sheet · customers.csv (master)');

  // Delete asks first.
  await form.getByRole('button', { name: 'Delete pair' }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete Shop ⇄ Sheet?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(await invoke(app, concord, 'pairs/list', {})).toHaveLength(1);
});

test('settings: an unsaved rename survives a look at another tab, and a refused save says which field, once', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, []);
  writeCsv(csvPath, []);
  await createCustomersPair(app, concord, { dbPath, csvPath });
  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Settings').click();
  const form = app.getByRole('form', { name: 'Pair settings' });
  await form.getByLabel('Name', { exact: true }).fill('Shop ⇄ Sheet (renamed)');
  await detail.tab('Runs').click();
  await expect(detail.tab('Settings')).toContainText('unsaved');
  await detail.tab('Settings').click();
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue('Shop ⇄ Sheet (renamed)');

  // The app fields are pickers with the apps' own columns (a typo cannot be saved).
  await expect(form.getByLabel('App B field for city')).toHaveValue('city');
  // A mapping only the engine can judge: the database's updated_at written from the sheet. The
  // engine refuses; the message shows once, naming the row.
  await form.getByLabel('App A field for city').selectOption('updated_at');
  await form.getByRole('button', { name: 'Save settings' }).click();
  const alert = form.getByRole('alert');
  await expect(alert).toContainText('"updated_at" is the last-modified time Concord uses to see changes in Shop database "customers"');
  await expect(alert).toContainText('Look at the direction of “city”.');
  expect((await alert.innerText()).match(/"updated_at" is the last-modified time/g)).toHaveLength(1); // Details folded
  await expect(alert.getByText('pairs/update')).toBeHidden();
  await alert.scrollIntoViewIfNeeded();
  await app.screenshot({ path: screenshotPath('pair-settings-refused') });

  await form.getByRole('button', { name: 'Discard changes' }).click();
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue('Shop ⇄ Sheet');
  await expect(detail.tab('Settings')).toHaveText('Settings');
});
