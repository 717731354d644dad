// The pairing wizard end to end: a SQLite table and a CSV file, paired through every step, the
// first sync run from the review step; then both files are read back directly.
import { join } from 'node:path';
import { invoke } from './api';
import { createCustomersDb, csvCustomers, readCustomersDb, writeCsv } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { WizardPage } from './pages/wizard-page';

test('a pair created through the wizard previews the first sync, runs it, and both apps hold the union', async ({ app, concord }) => {
  const db = join(concord.workDir, 'shop.sqlite');
  const csv = join(concord.workDir, 'customers.csv');
  createCustomersDb(db, [
    { email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' },
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
    { email: 'cy@example.com', name: 'Cy Cole', city: 'Rome' },
    { email: 'eve@example.com', name: 'Eve Evans', city: 'Lima' },
  ]);
  writeCsv(csv, [
    { email: 'ANN@example.com ', name: 'Ann Archer', city: 'Paris' }, // same key, other case and a space
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Munich' }, // matched, one field differs
    { email: 'dee@example.com', name: 'Dee Dunn', city: 'Oslo' }, // only in B
    { email: 'eve@example.com', name: 'Eve One', city: 'Lima' }, // two rows with one key: ambiguous
    { email: 'eve@example.com', name: 'Eve Two', city: 'Lima' },
  ]);
  const wizard = new WizardPage(app);

  await app.getByRole('button', { name: 'Create a pair' }).click();
  await wizard.expectStep('App A');
  await app.screenshot({ path: screenshotPath('wizard-app-a') });
  await wizard.fillConnection('SQLite table', 'Shop database', db);
  await app.getByRole('button', { name: 'Test connection' }).click();
  await expect(app.getByRole('status').filter({ hasText: 'Connection works' })).toHaveText('Connection works: 1 collection found.');
  await wizard.next();

  await wizard.expectStep('App B');
  // App A's test result stays with App A.
  await wizard.chooseConnector('CSV file');
  await expect(app.getByText(/Connection works/)).toHaveCount(0);
  await wizard.fillConnection('CSV file', 'Customer sheet', csv);
  await app.screenshot({ path: screenshotPath('wizard-app-b') });
  await wizard.next();

  await wizard.expectStep('Collections');
  await expect(wizard.collection('A')).toHaveValue('customers');
  await expect(wizard.collection('B')).toHaveValue('customers.csv');
  await app.screenshot({ path: screenshotPath('wizard-collections') });
  await wizard.next();

  // Suggested: the same-named fields, the key columns left out. Adjust it: rename one canonical field.
  await wizard.expectStep('Field mapping');
  const mapping = app.getByRole('table', { name: 'Mapped fields' });
  await expect(mapping.getByRole('textbox')).toHaveCount(3);
  await expect(app.getByLabel('Name of row 1')).toHaveValue('email');
  await expect(app.getByLabel('Name of row 3')).toHaveValue('city');
  await app.getByLabel('Name of row 2').fill('full_name');
  await expect(app.getByLabel('App B field for full_name')).toHaveValue('name');
  await app.screenshot({ path: screenshotPath('wizard-mapping') });
  await wizard.next();

  await wizard.expectStep('Matching');
  await expect(app.getByRole('checkbox', { name: 'email' })).toBeChecked(); // suggested: the email field
  await app.getByRole('button', { name: 'Preview the first sync' }).click();
  expect(await wizard.previewNumbers()).toEqual({ Matched: 2, 'To create in A': 1, 'To create in B': 1, 'Differ — master wins': 2, Ambiguous: 1 });
  // Two matched records differ: Ann's email (case and a space) and Bob's city. The initial-match
  // policy is master wins by default, so the preview says they are decided, not sent to the inbox.
  await expect(app.getByRole('region', { name: 'Preview' })).toContainText('take App A\'s values (the master)');
  await app.getByText('Examples: Differ — master wins (2)').click();
  await expect(app.getByRole('region', { name: 'Preview' }).getByRole('listitem').filter({ hasText: 'Munich' })).toHaveCount(1);
  await expect(app.getByRole('region', { name: 'Preview' })).toContainText('A holds 4 records, B holds 5');
  // The ambiguous key comes with the records that share it.
  await app.getByText('Examples: Ambiguous (1)').click();
  await expect(app.getByRole('region', { name: 'Preview' }).getByRole('table').filter({ hasText: 'shared by 3 records' }).getByRole('row')).toHaveCount(4);
  await app.screenshot({ path: screenshotPath('wizard-matching'), fullPage: true });
  await wizard.next();

  await wizard.expectStep('Master & policies');
  // Clearing the mass-delete share leaves it empty while typing (not 0, which made "15" read "015").
  const share = app.getByLabel(/Stop and ask when more than this share/);
  await share.fill('');
  await expect(share).toHaveValue('');
  await share.pressSequentially('15');
  await expect(share).toHaveValue('15');
  await app.getByRole('radio', { name: /App B \(Customer sheet\) is the master/ }).check();
  await app.getByLabel('When a first sync links two records that differ').selectOption({ label: 'Master wins' });
  await app.screenshot({ path: screenshotPath('wizard-policies') });
  await wizard.next();

  await wizard.expectStep('Schedule');
  await app.getByRole('radio', { name: 'Only when I press Sync now' }).check();
  await app.screenshot({ path: screenshotPath('wizard-schedule') });
  await wizard.next();

  await wizard.expectStep('Review');
  await app.getByLabel('Pair name').fill('Shop ⇄ Sheet');
  const facts = app.locator('dl.facts');
  await expect(facts).toContainText('Shop database · customers');
  await expect(facts).toContainText('email, full_name, city');
  await expect(facts).toContainText('Only when I press Sync now');
  // Every consequence, from a preview of the final settings (issue 13 §1).
  const consequences = app.getByRole('region', { name: 'What the first sync will do' });
  await expect(consequences).toContainText('Add the column concord_id to Customer sheet');
  await expect(consequences).toContainText('Overwrite 2 values in 2 records of Shop database (first match: Master wins)');
  await expect(consequences).toContainText('1 record matches several records');
  await expect(consequences).toContainText('Delete nothing in either app.');
  await app.screenshot({ path: screenshotPath('wizard-review') });
  await app.getByRole('button', { name: 'Create the pair and run the first sync' }).click();
  const created = app.getByRole('status').filter({ hasText: '“Shop ⇄ Sheet” is created.' });
  await expect(created).toContainText(/First sync succeeded · \d+ read, 2 created/, { timeout: 30_000 });
  // Eve's ambiguous key waits in the inbox: the wizard says so and offers the way there.
  await expect(created).toContainText('1 conflict waits for your decision in the inbox.');
  await expect(app.getByRole('button', { name: 'Review 1 conflict' })).toBeVisible();
  // The pair exists now: no Back into steps whose edits would go nowhere.
  await expect(app.getByRole('button', { name: 'Back' })).toHaveCount(0);
  await app.screenshot({ path: screenshotPath('wizard-done') });

  // Both apps hold the union; B was master for Bob's differing city; Eve stays ambiguous (inbox).
  const expected = [
    { email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' },
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Munich' },
    { email: 'cy@example.com', name: 'Cy Cole', city: 'Rome' },
    { email: 'dee@example.com', name: 'Dee Dunn', city: 'Oslo' },
  ];
  const inDb = readCustomersDb(db).filter((c) => !c.email.startsWith('eve'));
  expect(inDb.map((c) => ({ ...c, email: c.email.trim().toLowerCase() }))).toEqual(expected);
  const inCsv = csvCustomers(csv).filter((c) => !c.email.startsWith('eve'));
  expect(inCsv.map((c) => ({ ...c, email: c.email.trim().toLowerCase() }))).toEqual(expected);

  await app.getByRole('button', { name: 'Open the pair' }).click();
  await expect(app.getByRole('heading', { level: 1, name: 'Shop ⇄ Sheet' })).toBeVisible();
  await expect(app.getByTestId('open-conflicts')).toHaveText('1');
});

test('Back and Next keep what was typed, and a step with a missing value says what is missing', async ({ app, concord }) => {
  const db = join(concord.workDir, 'shop.sqlite');
  createCustomersDb(db, []);
  const wizard = new WizardPage(app);
  await app.getByRole('button', { name: 'Create a pair' }).click();

  await wizard.next();
  await expect(wizard.problem()).toHaveText('Choose which kind of app this is.');
  await wizard.chooseConnector('SQLite table');
  await wizard.next();
  await expect(wizard.problem()).toHaveText(/Give this connection a name/);
  await wizard.connectionName().fill('Shop database');
  await wizard.next();
  await expect(wizard.problem()).toHaveText('Fill in Database file.');
  await app.screenshot({ path: screenshotPath('wizard-missing-value') });
  await app.getByLabel('Database file', { exact: true }).fill(db);
  await wizard.next();

  await wizard.expectStep('App B');
  await expect(wizard.problem()).toHaveCount(0);
  await wizard.fillConnection('CSV file', 'Customer sheet', join(concord.workDir, 'later.csv'));
  await wizard.back();
  await wizard.expectStep('App A');
  await expect(app.getByText('Connected to Shop database')).toBeVisible();
  await wizard.next();
  await wizard.expectStep('App B');
  await expect(wizard.connectionName()).toHaveValue('Customer sheet');
  await expect(app.getByLabel('CSV file', { exact: true })).toHaveValue(join(concord.workDir, 'later.csv'));
  // The file does not exist: the engine's error says so, and the wizard stays on the step.
  await wizard.next();
  await expect(app.getByRole('alert')).toContainText(/later\.csv/);
  await wizard.expectStep('App B');
});

test('Next on a connection whose test fails keeps the user on the step with the error and saves nothing', async ({ app, concord }) => {
  const wizard = new WizardPage(app);
  await app.getByRole('button', { name: 'Create a pair' }).click();
  const missing = join(concord.workDir, 'nope.db');
  await wizard.fillConnection('SQLite table', 'Shop DB', missing);
  await app.getByRole('button', { name: 'Test connection' }).click();
  const fields = app.getByRole('group', { name: 'SQLite table settings' });
  await expect(fields.getByRole('alert')).toContainText('does not exist');
  await wizard.next();
  await wizard.expectStep('App A');
  await expect(app.getByText(/Connected to/)).toHaveCount(0);
  // The error sits with the connection's fields, in the user's words; the method and code are folded away.
  const alert = fields.getByRole('alert');
  await expect(alert).toContainText(`The file ${missing} does not exist`);
  await expect(alert.getByText('connector-error')).toBeHidden();
  await alert.getByText('Details').click();
  await expect(alert.getByText('connector-error')).toBeVisible();
  expect(await invoke(app, concord, 'connections/list', {})).toEqual([]);
  await app.screenshot({ path: screenshotPath('wizard-connection-failed') });
});
