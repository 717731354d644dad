// Every control on every screen has a name a screen reader can say, read from Chromium's own
// accessibility tree (Playwright's aria snapshot): a button, box, choice or link without one
// shows up as a bare role. Every screen: the pairs, a pair's five tabs, the inbox with each kind
// of panel, the wizard's steps, About. And a keyboard alone reaches the pairs' actions.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { createCustomersDb, writeCsv } from './app-files';
import { expect, test } from './fixtures';
import { InboxPage } from './pages/inbox-page';
import { WizardPage } from './pages/wizard-page';

const CONTROLS = ['button', 'link', 'textbox', 'searchbox', 'combobox', 'checkbox', 'radio', 'spinbutton', 'tab', 'progressbar', 'dialog', 'table'];

/** The controls of the page's accessibility tree that have no name ("- button" with nothing after). */
async function unnamed(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot();
  // "- button "Sync now"" has a name; "- button", "- button [disabled]" and "- textbox: typed text" have none.
  const bare = new RegExp(`^- (${CONTROLS.join('|')})(?=$|[\\s:\\[])(?!\\s+")`);
  return tree
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => bare.test(line));
}

async function expectAllNamed(page: Page, screen: string): Promise<void> {
  expect(await unnamed(page), `unnamed controls on ${screen}`).toEqual([]);
}

test('every control on every screen has an accessible name, and the keyboard reaches the pairs actions', async ({ app, concord }) => {
  test.setTimeout(120_000);
  await expectAllNamed(app, 'the empty pairs screen');
  await app.getByRole('button', { name: 'Try the demo workspace' }).click();
  const inbox = new InboxPage(app);
  await inbox.waitForDemoConflicts();

  // Pairs, by keyboard only: Tab from the page's start reaches Sync now and Full resync of the demo card.
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pairs' }).click();
  await expectAllNamed(app, 'the pairs screen');
  // A streamed run shows its conflicts before it ends: the card's actions are enabled (reachable) once the demo's run has finished.
  await expect(app.getByRole('button', { name: 'Sync now' })).toBeEnabled({ timeout: 30_000 });
  const reached = new Set<string>();
  await app.locator('body').focus();
  for (let i = 0; i < 40 && reached.size < 3; i++) {
    await app.keyboard.press('Tab');
    const name = await app.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.innerText.trim() : ''));
    if (['Sync now', 'Full resync', 'Pause'].includes(name)) reached.add(name);
  }
  expect([...reached].sort()).toEqual(['Full resync', 'Pause', 'Sync now']);

  // A pair's five tabs.
  await app.getByRole('link', { name: /^Demo: shop ↔ CRM/ }).click();
  for (const tab of ['Runs', 'Failed records', 'Activity', 'Events', 'Settings']) {
    await app.getByRole('tablist', { name: 'Pair details' }).getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
    await expect(app.getByRole('tablist', { name: 'Pair details' }).getByRole('tab', { name: new RegExp(`^${tab}`) })).toHaveAttribute('aria-selected', 'true');
    await expectAllNamed(app, `the pair's ${tab} tab`);
  }
  await app.getByRole('button', { name: 'Edit the connection of App A' }).click();
  await expectAllNamed(app, 'the connection editor');

  // The inbox with each kind of panel open.
  await inbox.goto();
  for (const kind of ['Field values', 'Edit vs delete', 'Duplicate match']) {
    await inbox.filter('Kind').selectOption({ label: kind });
    await inbox.rows().first().locator('button.row-open').click();
    await expect(inbox.panelTitle()).toBeVisible();
    await expectAllNamed(app, `the inbox with a ${kind} conflict open`);
  }

  // The wizard, step by step, with two real apps.
  const db = join(concord.workDir, 'shop.sqlite');
  const csv = join(concord.workDir, 'customers.csv');
  createCustomersDb(db, [{ email: 'ann@example.com', name: 'Ann', city: 'Rome' }]);
  writeCsv(csv, [{ email: 'ann@example.com', name: 'Ann', city: 'Oslo' }]);
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pairs' }).click();
  await app.getByRole('button', { name: 'Create a pair' }).click();
  const wizard = new WizardPage(app);
  await wizard.fillConnection('SQLite table', 'Shop database', db);
  await expectAllNamed(app, 'wizard step App A');
  await wizard.next();
  await wizard.expectStep('App B');
  await wizard.fillConnection('CSV file', 'Customer sheet', csv);
  await expectAllNamed(app, 'wizard step App B');
  await wizard.next();
  for (const step of ['Collections', 'Field mapping', 'Matching', 'Master & policies', 'Schedule']) {
    await wizard.expectStep(step);
    if (step === 'Field mapping') await app.getByRole('button', { name: 'Edit details of email' }).click();
    if (step === 'Matching') await app.getByRole('button', { name: 'Preview the first sync' }).click();
    await expectAllNamed(app, `wizard step ${step}`);
    await wizard.next();
  }
  await wizard.expectStep('Review');
  await expectAllNamed(app, 'wizard step Review');

  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'About' }).click();
  await expectAllNamed(app, 'About');
});
