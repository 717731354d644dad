// The mapping editor's details end to end: App A's first_name + last_name joined into one field
// that is App B's "Full Name", and App A's plan codes mapped to the words App B uses (prod →
// production). The first sync then writes both files, which are read back directly.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { readCsv, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { WizardPage } from './pages/wizard-page';

type Account = { email: string; first_name: string | null; last_name: string | null; plan: string | null };

function createAccountsDb(path: string, rows: Account[]): void {
  const db = new Database(path);
  try {
    db.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, first_name TEXT, last_name TEXT, plan TEXT, updated_at TEXT)');
    const insert = db.prepare(`INSERT INTO accounts (email, first_name, last_name, plan, updated_at) VALUES (?, ?, ?, ?, '2024-01-01T00:00:00.000Z')`);
    for (const r of rows) insert.run(r.email, r.first_name, r.last_name, r.plan);
  } finally {
    db.close();
  }
}

function readAccountsDb(path: string): Account[] {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    return db.prepare('SELECT email, first_name, last_name, plan FROM accounts ORDER BY email').all() as Account[];
  } finally {
    db.close();
  }
}

test('a full name joined from first + last name, and a plan value map, sync both ways on the first run', async ({ app, concord }) => {
  const db = join(concord.workDir, 'accounts.sqlite');
  const csv = join(concord.workDir, 'accounts.csv');
  createAccountsDb(db, [
    { email: 'ann@example.com', first_name: 'Ann', last_name: 'Archer', plan: 'prod' },
    { email: 'bob@example.com', first_name: 'Bob', last_name: 'Baker', plan: 'dev' },
  ]);
  writeCsv(
    csv,
    [
      { email: 'cy@example.com', 'Full Name': 'Cy Cole', tier: 'production' },
      { email: 'dee@example.com', 'Full Name': 'Dee Van Dunn', tier: 'development' },
    ],
    ['email', 'Full Name', 'tier'],
  );
  const wizard = new WizardPage(app);
  await app.getByRole('button', { name: 'Create a pair' }).click();
  await wizard.fillConnection('SQLite table', 'Accounts database', db);
  await wizard.next();
  await wizard.expectStep('App B');
  await wizard.fillConnection('CSV file', 'Accounts sheet', csv);
  await wizard.next();
  await wizard.expectStep('Collections');
  await wizard.next();

  await wizard.expectStep('Field mapping');
  await expect(app.getByLabel('Name of row 1')).toHaveValue('email'); // the only same-named field
  await app.getByRole('button', { name: 'Add a field' }).click();
  await app.getByLabel('Name of row 2').fill('full_name');
  await app.getByLabel('App A field for full_name').selectOption('first_name');
  await app.getByLabel('App B field for full_name').selectOption('Full Name');
  await app.getByRole('button', { name: 'Edit details of full_name' }).click();
  const sideA = app.getByRole('group', { name: 'App A side of full_name' });
  await sideA.getByRole('button', { name: 'Join another field' }).click();
  await sideA.getByLabel('App A field 2 for full_name').selectOption('last_name');
  await expect(sideA.getByLabel('App A separator for full_name')).toHaveValue(' ');
  // The compact row now reads the join.
  await expect(app.getByRole('button', { name: 'App A field for full_name: first_name + last_name, joined with “␣”' })).toBeVisible();
  // A join without a separator cannot be split back: said in the editor and on Next.
  await sideA.getByLabel('App A separator for full_name').fill('');
  await expect(app.locator('.mapping-problems-box')).toContainText('"full_name" joins 2 App A fields but has no separator');
  await wizard.next();
  await expect(wizard.problem()).toContainText('no separator');
  await sideA.getByLabel('App A separator for full_name').fill(' ');
  await expect(wizard.problem()).toHaveCount(0); // the message follows the fix
  await app.getByRole('button', { name: 'Edit details of full_name' }).click(); // fold it again

  await app.getByRole('button', { name: 'Add a field' }).click();
  await app.getByLabel('Name of row 3').fill('plan');
  await app.getByLabel('App A field for plan').selectOption('plan');
  await app.getByLabel('App B field for plan').selectOption('tier');
  await app.getByRole('button', { name: 'Edit details of plan' }).click();
  const planA = app.getByRole('group', { name: 'App A side of plan' });
  await planA.getByLabel('Add an App A transform to plan').selectOption({ label: 'Map values' });
  await expect(planA).toContainText('A row has no app value');
  await planA.getByLabel('App A value 1 for plan').fill('prod');
  await planA.getByLabel('Concord value 1 for plan (App A)').fill('production');
  await planA.getByRole('button', { name: 'Add a value' }).click();
  await planA.getByLabel('App A value 2 for plan').fill('dev');
  await planA.getByLabel('Concord value 2 for plan (App A)').fill('development');
  await expect(app.locator('.mapping-problems-box')).toHaveCount(0);
  await expect(app.getByRole('table', { name: 'Mapped fields' })).toContainText('map 2 values');
  await app.screenshot({ path: screenshotPath('wizard-mapping-details'), fullPage: true });
  await app.emulateMedia({ colorScheme: 'dark' });
  await app.screenshot({ path: screenshotPath('wizard-mapping-details-dark'), fullPage: true });
  await app.emulateMedia({ colorScheme: 'light' });
  await wizard.next();

  await wizard.expectStep('Matching');
  await app.getByRole('checkbox', { name: 'email' }).check();
  await app.getByRole('button', { name: 'Preview the first sync' }).click();
  expect(await wizard.previewNumbers()).toEqual({ Matched: 0, 'To create in A': 2, 'To create in B': 2, 'Differ — master wins': 0, Ambiguous: 0 });
  await wizard.next();
  await wizard.expectStep('Master & policies');
  await wizard.next();
  await wizard.expectStep('Schedule');
  await app.getByRole('radio', { name: 'Only when I press Sync now' }).check();
  await wizard.next();
  await wizard.expectStep('Review');
  await app.getByRole('button', { name: 'Create the pair and run the first sync' }).click();
  await expect(app.getByText(/First sync succeeded · /)).toBeVisible({ timeout: 30_000 });

  // App A: names split on the first space (the last field keeps the rest), plan codes mapped back.
  expect(readAccountsDb(db)).toEqual([
    { email: 'ann@example.com', first_name: 'Ann', last_name: 'Archer', plan: 'prod' },
    { email: 'bob@example.com', first_name: 'Bob', last_name: 'Baker', plan: 'dev' },
    { email: 'cy@example.com', first_name: 'Cy', last_name: 'Cole', plan: 'prod' },
    { email: 'dee@example.com', first_name: 'Dee', last_name: 'Van Dunn', plan: 'dev' },
  ]);
  // App B: names joined with a space, plan words.
  expect(readCsv(csv).map((r) => ({ email: r.email, name: r['Full Name'], tier: r.tier }))).toEqual([
    { email: 'ann@example.com', name: 'Ann Archer', tier: 'production' },
    { email: 'bob@example.com', name: 'Bob Baker', tier: 'development' },
    { email: 'cy@example.com', name: 'Cy Cole', tier: 'production' },
    { email: 'dee@example.com', name: 'Dee Van Dunn', tier: 'development' },
  ]);
});
