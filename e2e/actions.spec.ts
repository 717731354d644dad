// Workflow actions end to end (issue 12 §4): an action added in the pair's Actions tab calls a real
// HTTP receiver on 127.0.0.1 that checks every Concord-Signature with the secret the UI showed once.
// A test event the receiver refuses (500) is listed with its answer and redelivered with the same id;
// a conflict opening and the run's end arrive signed, and show in the deliveries list as they land.
import { join } from 'node:path';
import { startReceiver, type Receiver } from '../src-main/engine/actions/receiver.fixture';
import { createCustomersPair, invoke, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, editCsv, execDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';

let receiver: Receiver | null = null;
test.afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

test('a URL action calls a real receiver, signed; its deliveries show the answers and redeliver with the same id', async ({ app, concord }) => {
  receiver = await startReceiver();
  const r = receiver;
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [{ email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' }]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  await syncAndWait(app, concord, pairId);

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Actions').click();
  await expect(detail.panel()).toContainText('No actions yet.');

  // A URL with a password in it is refused, saying why; nothing is added.
  const form = app.getByRole('form', { name: 'Add an action' });
  await form.getByRole('textbox', { name: 'URL' }).fill(`http://user:pw@127.0.0.1:${r.port}/hooks/concord`);
  await form.getByRole('button', { name: 'Add action' }).click();
  await expect(form).toContainText('leave the user name and password out of the URL');
  await expect(detail.panel()).toContainText('No actions yet.');

  await form.getByRole('textbox', { name: 'URL' }).fill(r.url);
  await form.getByRole('checkbox', { name: 'A run finishes' }).check();
  await form.getByRole('button', { name: 'Add action' }).click();
  const secretBox = app.getByRole('status', { name: 'Signing secret' });
  await expect(secretBox).toContainText('shown this once');
  const secret = (await secretBox.locator('code').textContent()) ?? '';
  expect(secret).toMatch(/^whsec_/);
  r.secret = secret;
  await secretBox.getByRole('button', { name: 'Done, I have copied it' }).click();
  await expect(secretBox).toHaveCount(0);
  const actions = detail.table('Actions');
  await expect(actions).toContainText(r.url);
  await expect(actions).toContainText('A conflict opens, A record fails, A run finishes');
  // Listing the actions never sends the secret again.
  expect(JSON.stringify(await invoke(app, concord, 'actions/list', { pairId }))).not.toContain(secret);

  // The receiver is down for a moment: the test event fails (a test is tried once) and says so.
  r.failFirst = 1;
  await actions.getByRole('button', { name: `Send a test event to ${r.url}` }).click();
  await expect(app.getByText(/The test event failed: The URL answered 500/)).toBeVisible();
  const deliveries = detail.table('Deliveries');
  const testRow = deliveries.getByRole('row').filter({ hasText: 'Test event' });
  await expect(testRow).toContainText('Failed');
  await expect(testRow).toContainText('500');
  await expect(testRow).toContainText('receiver down for a moment');
  await testRow.getByRole('button', { name: /^Redeliver/ }).click();
  await expect(app.getByText('Redelivered.')).toBeVisible();
  await expect(testRow).toContainText('Delivered');
  await expect(testRow).toContainText('2 attempts');
  await expect(testRow).toContainText('200 thanks');
  expect(r.received.map((x) => [x.json.event, x.answered, x.signatureOk])).toEqual([
    ['test', 500, true],
    ['test', 200, true],
  ]);
  expect(r.received[0]?.json.id).toBe(r.received[1]?.json.id);

  // Both apps change Ann's city: a conflict opens, and the run's end and the conflict arrive signed, while the tab is open.
  execDb(dbPath, `UPDATE customers SET city = 'Lyon', updated_at = ${NOW_SQL}`);
  editCsv(csvPath, (rows) => rows.map((row) => ({ ...row, city: 'Nice' })));
  await syncAndWait(app, concord, pairId);
  await expect(deliveries.getByRole('row').filter({ hasText: 'A conflict opens' })).toContainText('Delivered');
  await expect(deliveries.getByRole('row').filter({ hasText: 'A run finishes' }).first()).toContainText('Delivered');
  const conflict = r.received.find((x) => x.json.event === 'conflict.opened');
  expect(conflict?.signatureOk).toBe(true);
  expect(conflict?.headers['concord-event']).toBe('conflict.opened');
  expect(conflict?.json).toMatchObject({ pairId, pairName: 'Shop ⇄ Sheet', data: { count: 1, items: [{ record: 'ann@example.com', fields: ['city'] }] } });
  expect(r.received.every((x) => x.signatureOk)).toBe(true);
  // Turned off, an action sends nothing; on again, it does.
  await actions.getByRole('button', { name: `Turn off ${r.url}` }).click();
  await expect(actions.getByRole('button', { name: `Turn on ${r.url}` })).toBeVisible();
  expect((await invoke(app, concord, 'actions/list', { pairId }))[0]?.enabled).toBe(false);
  await actions.getByRole('button', { name: `Turn on ${r.url}` }).click();
  await expect(actions.getByRole('button', { name: `Turn off ${r.url}` })).toBeVisible();
  // The notices fade over the page's corner: dismissed for the picture.
  const dismiss = app.getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
  await app.screenshot({ path: screenshotPath('pair-actions'), fullPage: true });
  // At 900 px the tab fits the window: its wide tables scroll in their own boxes, never the page.
  await app.setViewportSize({ width: 900, height: 800 });
  expect(await app.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await app.setViewportSize({ width: 1280, height: 800 });

  // A notification action may not repeat "starts failing": the box says Concord does it already.
  await form.getByRole('radio', { name: 'Show a desktop notification' }).check();
  await expect(form.getByRole('checkbox', { name: /The pair starts failing/ })).toBeDisabled();
  await expect(form).toContainText('Concord always notifies this');
});
