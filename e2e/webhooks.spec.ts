// Real time through the UI (issue 12): webhooks turned on in a pair's settings, a secret generated
// there and read off the screen, a webhook signed as an app would and POSTed to the URL the
// settings show; the card's queue while the pair waits, the event applied in the other app, and
// the Events and Activity tabs finding it by its correlation id. Against a real `concord serve`.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { signBody } from '../src-main/engine/sync/events/verify';
import { createCustomersPair, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, csvCustomers, execDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';
import { PairsPage } from './pages/pairs-page';

/** The shop's own insert: the row's id, as its webhook would name it. */
function insertCustomer(dbPath: string, email: string, name: string, city: string): string {
  execDb(dbPath, `INSERT INTO customers (email, name, city, updated_at) VALUES (?, ?, ?, ${NOW_SQL})`, email, name, city);
  const db = new Database(dbPath, { readonly: true });
  try {
    return String(db.prepare('SELECT id FROM customers WHERE email = ?').pluck().get(email));
  } finally {
    db.close();
  }
}

test('webhooks: turned on and given a secret in the settings, a signed event waits in the card\'s queue, is applied, and is found by its correlation id', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [{ email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' }]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  await syncAndWait(app, concord, pairId); // events wait for the first sync, which is the user's to start

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Settings').click();
  const form = app.getByRole('form', { name: 'Pair settings' });
  const hooks = form.getByRole('group', { name: 'Webhooks' });
  await hooks.getByRole('checkbox', { name: 'Receive webhooks from App A · Shop database' }).check();
  await expect(hooks.getByLabel('Signature scheme of App A')).toHaveValue('github');
  await expect(hooks.getByText('Save settings to get the address App A sends its webhooks to.')).toBeVisible();
  await hooks.getByRole('radio', { name: /Answer at once with a correlation id \(asynchronous\)/ }).check();
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

  // The URL to give the app, on the receiver `serve` started; then the secret, shown this once.
  const urlBox = hooks.getByRole('textbox', { name: 'Webhook URL of App A' });
  await expect(urlBox).toHaveValue(`${concord.webhooksUrl}/hooks/${pairId}/left`);
  await expect(hooks.getByText('The webhook receiver is listening.')).toBeVisible();
  const secretPanel = hooks.getByRole('region', { name: 'Webhook secret' });
  await expect(secretPanel).toContainText('none yet');
  await secretPanel.getByRole('button', { name: 'Generate secret' }).click();
  const secretBox = secretPanel.getByRole('textbox', { name: 'The new webhook secret' });
  await expect(secretBox).toHaveValue(/^whsec_/);
  await expect(secretPanel).toContainText('Concord will not show it again');
  const secret = await secretBox.inputValue();
  const url = await urlBox.inputValue();
  await hooks.scrollIntoViewIfNeeded();
  await hooks.screenshot({ path: screenshotPath('pair-settings-webhooks') });
  await secretPanel.getByRole('button', { name: 'I have copied it' }).click();
  await expect(secretPanel).toContainText('set (kept in the keychain)');

  // The pair is paused: the shop's event is kept (202, a correlation id) and waits in the queue the card shows.
  const pairs = new PairsPage(app);
  await pairs.goto();
  const card = pairs.card('Shop ⇄ Sheet');
  await pairs.button(card, 'Pause').click();
  await expect(pairs.button(card, 'Resume')).toBeVisible();
  const id = insertCustomer(dbPath, 'zoe@example.com', 'Zoe Zimmer', 'Oslo');
  const body = JSON.stringify({ id: 'delivery-zoe', type: 'customer.created', record: { id } });
  const answer = await app.request.post(url, { data: body, headers: { 'Content-Type': 'application/json', ...signBody('github', secret, body) } });
  expect(answer.status()).toBe(202);
  const { correlationId } = (await answer.json()) as { correlationId: string };
  expect(correlationId).toMatch(/^evt_/);
  const realtime = pairs.stat(card, 'Real time');
  await expect(realtime).toHaveText(/^Webhooks from Shop database · 1 event waiting, oldest \d+ s$/);
  await app.screenshot({ path: screenshotPath('pairs-queue') });

  // Resumed, the event is applied: the sheet has Zoe, the queue is empty.
  await pairs.button(card, 'Resume').click();
  await expect(realtime).toHaveText('Webhooks from Shop database · No events waiting');
  await expect.poll(() => csvCustomers(csvPath).map((c) => c.email)).toEqual(['ann@example.com', 'zoe@example.com']);
  // (The card's last run may be the Shop database's own live feed's, which found the insert too: the event says what it wrote.)
  const status = await app.request.get(`${concord.webhooksUrl}/hooks/${pairId}/left/events/${correlationId}`);
  expect(await status.json()).toMatchObject({ correlationId, status: 'applied', detail: { wrote: [{ side: 'right', action: 'created' }] } });

  // The Events tab lists it as applied, with what it wrote; a steward pastes the id the app logged to find it.
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Events').click();
  const events = detail.table('Events');
  const row = events.getByRole('row').filter({ hasText: correlationId });
  await expect(row).toContainText('applied');
  await expect(row).toContainText('created in Customer sheet');
  await expect(row).toContainText('Webhook · Shop database');
  await app.getByRole('searchbox', { name: 'Correlation id or record id' }).fill(correlationId);
  await app.getByRole('searchbox', { name: 'Correlation id or record id' }).press('Enter');
  await expect(events.getByRole('row')).toHaveCount(2); // the header and the one event
  await app.screenshot({ path: screenshotPath('pair-events') });
  // At 900 px the Events tab and the webhook settings fit the window: a wide table scrolls in its own box.
  await app.setViewportSize({ width: 900, height: 800 });
  for (const tab of ['Events', 'Settings'] as const) {
    await detail.tab(tab).click();
    await expect(detail.tab(tab)).toHaveAttribute('aria-selected', 'true');
    expect(await app.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${tab} at 900 px`).toBeLessThanOrEqual(0);
  }
  await app.setViewportSize({ width: 1280, height: 800 });
  await detail.tab('Events').click();
  await app.getByRole('searchbox', { name: 'Correlation id or record id' }).fill('evt_nothing');
  await app.getByRole('searchbox', { name: 'Correlation id or record id' }).press('Enter');
  await expect(detail.panel()).toContainText('No event matches');

  // The activity shows the write with its correlation id, and finds it by that id.
  await detail.tab('Activity').click();
  await app.getByRole('searchbox', { name: 'Record or correlation id' }).fill(correlationId);
  await app.getByRole('searchbox', { name: 'Record or correlation id' }).press('Enter');
  const activity = detail.table('Activity');
  await expect(activity.getByRole('row')).toHaveCount(2);
  await expect(activity).toContainText(`event ${correlationId}`);
  await expect(activity).toContainText('zoe@example.com');
});
