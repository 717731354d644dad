// The inbox at 20,000 open conflicts (issue 9 §4): the engine counts and pages them, the list
// fetches rows as it scrolls, search finds values (not the stored JSON's keys), and "take master
// for all N matching" runs as a job with progress and Cancel. Screenshots during and after.
import { join } from 'node:path';
import { createContactsApp, people, seedContacts } from '../src-main/engine/testing/sqlite-apps';
import { invoke } from './api';
import { expect, screenshotPath, test } from './fixtures';
import { InboxPage } from './pages/inbox-page';

const COUNT = 20_000;
const shown = (n: number) => `${n.toLocaleString('en-US')} shown`;

test(`${COUNT.toLocaleString('en-US')} open conflicts: paged from the engine, searched by value, resolved by a bulk job with progress and Cancel`, async ({ app, concord }) => {
  test.setTimeout(600_000);
  const left = join(concord.workDir, 'shop.sqlite');
  const right = join(concord.workDir, 'crm.sqlite');
  createContactsApp(left);
  createContactsApp(right);
  seedContacts(left, people(0, COUNT));
  // The same people in the CRM with another phone each: a first sync with the manual policy asks about every one.
  seedContacts(right, people(0, COUNT, (p) => ({ ...p, phone: `+44 ${p.phone ?? ''}` })));
  const l = await invoke(app, concord, 'connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path: left } });
  const r = await invoke(app, concord, 'connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: right } });
  const plain = (name: string) => ({ name, type: 'string' as const, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
  const pair = await invoke(app, concord, 'pairs/create', {
    config: {
      name: 'Shop ⇄ CRM',
      left: { connectionId: l.id, collection: 'contacts' },
      right: { connectionId: r.id, collection: 'contacts' },
      fields: [plain('email'), plain('first_name'), plain('phone')],
      matchKeys: ['email'],
      masterSide: 'left',
      conflictPolicy: 'manual',
      initialMatchPolicy: 'manual',
      deletes: { propagate: true, massDeleteThreshold: 0.5 },
      schedule: { intervalSeconds: null },
    },
  });
  const { runId } = await invoke(app, concord, 'pairs/sync-now', { pairId: pair.id });
  // Today's first sync holds the engine for seconds while it matches (issue 9 §2, another change):
  // a kept-alive connection may be reset meanwhile, so a failed poll is asked again.
  const runStatus = () => invoke(app, concord, 'runs/get', { runId }).then((run) => run.status, () => 'running');
  await expect.poll(runStatus, { timeout: 300_000, intervals: [500] }).not.toBe('running');
  expect((await invoke(app, concord, 'runs/get', { runId })).counts.conflicts).toBe(COUNT);

  const inbox = new InboxPage(app);
  await inbox.goto();
  await expect(app.getByText(shown(COUNT))).toBeVisible({ timeout: 30_000 });
  // Virtualized and paged: a screenful of rows in the page.
  expect(await inbox.rows().count()).toBeLessThan(80);
  // Sorted by record in the engine; the last one is fetched when the list scrolls to it.
  await inbox.table().getByRole('button', { name: 'Record' }).click();
  await expect(inbox.table().getByRole('button', { name: 'person0@example.com', exact: true })).toBeVisible();
  await inbox.listBox().evaluate((box) => box.scrollTo({ top: box.scrollHeight }));
  await expect(inbox.table().getByRole('button', { name: 'person9999@example.com', exact: true })).toBeVisible();
  expect(await inbox.rows().count()).toBeLessThan(80);

  // Search finds a value in conflict; the keys of the stored conflict ("left", "base") find nothing.
  const search = app.getByRole('searchbox');
  await search.fill('+44 +1 555 0012345');
  await expect(app.getByText(shown(1))).toBeVisible();
  await expect(inbox.table().getByRole('button', { name: 'person12345@example.com', exact: true })).toBeVisible();
  for (const key of ['left', 'base']) {
    await search.fill(key);
    await expect(app.getByText(/^No conflict matches/)).toBeVisible();
  }
  await search.fill('');

  // Every conflict on the phone field: a bulk job for all of them. Cancel stops it part way.
  await app.getByRole('search', { name: 'Filter conflicts' }).getByRole('combobox', { name: /^Field/ }).selectOption('phone');
  await app.getByRole('button', { name: `Take master for all ${COUNT.toLocaleString('en-US')} matching` }).click();
  await app.getByRole('dialog').getByRole('button', { name: `Take master for all ${COUNT.toLocaleString('en-US')}` }).click();
  const progress = app.getByRole('progressbar', { name: 'Bulk resolve progress' });
  await expect(progress).toBeVisible();
  await expect.poll(async () => Number(await progress.getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(0);
  await app.screenshot({ path: screenshotPath('inbox-20000-bulk-running') });
  await app.getByRole('button', { name: 'Cancel', exact: true }).click();
  const status = app.locator('.bulk-bar [role=status]');
  await expect(status).toContainText('Cancelled after', { timeout: 60_000 });
  const left1 = await invoke(app, concord, 'conflicts/count', {});
  expect(left1.open).toBeGreaterThan(0);
  expect(left1.open).toBeLessThan(COUNT);
  await expect(app.getByText(shown(left1.open))).toBeVisible();
  await app.screenshot({ path: screenshotPath('inbox-20000-bulk-cancelled') });

  // Again, to the end: every conflict resolved, the result said, the inbox empty.
  await app.getByRole('button', { name: `Take master for all ${left1.open.toLocaleString('en-US')} matching` }).click();
  await app.getByRole('dialog').getByRole('button', { name: `Take master for all ${left1.open.toLocaleString('en-US')}` }).click();
  // The filter is still applied, so its controls stay and show it (issue 13 §1), with nothing left under it.
  await expect(app.getByText('No conflict matches on field phone. No other conflict is open either.')).toBeVisible({ timeout: 300_000 });
  await expect(app.getByRole('search', { name: 'Filter conflicts' }).getByRole('combobox', { name: /^Field/ }).locator('option:checked')).toHaveText('phone');
  await expect(app.getByRole('status').filter({ hasText: 'resolved' })).toHaveText(`${left1.open.toLocaleString('en-US')} resolved`);
  await expect(inbox.badge()).toHaveText('0');
  await app.screenshot({ path: screenshotPath('inbox-20000-bulk-done') });
  expect((await invoke(app, concord, 'conflicts/count', {})).open).toBe(0);
});
