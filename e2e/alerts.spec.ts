// A pair that starts failing: its card says why, the window says so once, and a browser that
// allowed notifications shows one (Chromium's own Notification API, recorded as it is constructed).
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createCustomersPair, invoke, syncAndWait } from './api';
import { createCustomersDb, csvCustomers, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairsPage } from './pages/pairs-page';

test('a pair that starts failing shows why on its card and alerts once, in the window and as a browser notification', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [{ email: 'ada@example.com', name: 'Ada', city: 'Rome' }]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  await syncAndWait(app, concord, pairId);

  // Notifications start off: About offers to turn them on.
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'About' }).click();
  const setting = app.getByRole('group', { name: 'Desktop notifications' });
  await expect(setting).toContainText('Off:');
  await expect(setting.getByRole('button', { name: 'Turn on desktop notifications' })).toBeVisible();

  // The user allows them (Chromium's permission prompt cannot be clicked headless; granting it is the same answer).
  await app.context().grantPermissions(['notifications'], { origin: concord.url });
  await app.addInitScript(() => {
    const shown: { title: string; body: string | undefined }[] = [];
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded });
    Object.defineProperty(window, 'shownNotifications', { value: shown });
  });
  await app.reload();
  await expect(setting).toContainText('On: this browser shows a notification');
  await expect(setting.getByRole('button')).toHaveCount(0);

  const pairs = new PairsPage(app);
  await pairs.goto();
  const card = pairs.card('Shop ⇄ Sheet');
  await expect(card.getByText('In sync', { exact: true })).toBeVisible();

  // The sheet disappears (moved away by hand): every run fails until it is back.
  renameSync(csvPath, `${csvPath}.moved`);
  await pairs.button(card, 'Sync now').click();
  await expect(card.getByText('Failing', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(card.locator('.health-reason')).toContainText('customers.csv');
  const notice = app.getByRole('status').getByText(/“Shop ⇄ Sheet” is failing: /);
  await expect(notice).toBeVisible();
  await app.screenshot({ path: screenshotPath('pairs-failing') });
  const shown = () => app.evaluate(() => (window as unknown as { shownNotifications: { title: string; body: string }[] }).shownNotifications);
  await expect.poll(shown, { timeout: 30_000 }).toHaveLength(1);
  expect((await shown())[0]?.title).toBe('Concord: “Shop ⇄ Sheet” is failing');
  expect((await shown())[0]?.body).toContain('customers.csv');

  // Failing again is not news: no second alert.
  await syncAndWait(app, concord, pairId);
  await expect(pairs.stat(card, 'Last run')).toContainText('failed before reading anything');
  expect(await invoke(app, concord, 'runs/list', { pairId })).toHaveLength(3);
  expect(await shown()).toHaveLength(1);

  // Back in place, the next run recovers; failing anew alerts anew.
  renameSync(`${csvPath}.moved`, csvPath);
  await pairs.button(card, 'Sync now').click();
  await expect(card.getByText('In sync', { exact: true })).toBeVisible({ timeout: 30_000 });
  renameSync(csvPath, `${csvPath}.moved`);
  await pairs.button(card, 'Sync now').click();
  await expect.poll(shown, { timeout: 30_000 }).toHaveLength(2);

  // The fix, from the UI: the pair's Settings point App B at where the file went.
  await card.getByRole('link', { name: 'Check the apps’ settings' }).click();
  await expect(app.getByRole('tablist', { name: 'Pair details' }).getByRole('tab', { name: /^Settings/ })).toHaveAttribute('aria-selected', 'true');
  await app.getByRole('button', { name: 'Edit the connection of App B' }).click();
  const form = app.getByRole('form', { name: 'Connection of App B' });
  // A path with another app's data (no customers.csv collection there) is refused and changes nothing.
  const other = join(concord.workDir, 'other.csv');
  writeCsv(other, []);
  await form.getByLabel('CSV file').fill(other);
  await form.getByRole('button', { name: 'Test and save' }).click();
  await expect(form.getByRole('alert')).toContainText('has no “customers.csv”, which this pair syncs');
  expect(await invoke(app, concord, 'connections/list', {})).toContainEqual(expect.objectContaining({ name: 'Customer sheet', config: { path: csvPath } }));
  // Same file name, another app's rows: none of the linked records is there, so it is refused too.
  mkdirSync(join(concord.workDir, 'other'));
  const lookalike = join(concord.workDir, 'other', 'customers.csv');
  writeCsv(lookalike, [{ email: 'zed@example.com', name: 'Zed', city: 'Oslo' }]);
  await form.getByLabel('CSV file').fill(lookalike);
  await form.getByRole('button', { name: 'Test and save' }).click();
  await expect(form.getByRole('alert')).toContainText('Only 0 of the 1 records Concord linked in “Customer sheet” are there');
  expect(await invoke(app, concord, 'connections/list', {})).toContainEqual(expect.objectContaining({ name: 'Customer sheet', config: { path: csvPath } }));
  // The file went to another folder: there it is the same app's data.
  const folder = join(concord.workDir, 'archive');
  mkdirSync(folder);
  const moved = join(folder, 'customers.csv');
  renameSync(`${csvPath}.moved`, moved);
  await form.getByLabel('CSV file').fill(moved);
  await app.screenshot({ path: screenshotPath('pair-connection-edit') });
  await form.getByRole('button', { name: 'Test and save' }).click();
  await expect(app.getByRole('status').getByText(/^Saved “Customer sheet”: 1 collection found\. Press Sync now/)).toBeVisible();
  await expect(app.getByRole('region', { name: 'Apps' })).toContainText(moved);
  await app.getByRole('button', { name: 'Sync now', exact: true }).click();
  await expect(app.getByText('In sync', { exact: true })).toBeVisible({ timeout: 30_000 });
  expect(csvCustomers(moved).map((c) => c.email)).toEqual(['ada@example.com']);
});
