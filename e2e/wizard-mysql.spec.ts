// The wizard pairs a MariaDB table with a SQLite table from the MySQL / MariaDB form, against a
// real throwaway server: the form is filled (host, port, database, user, password), the connection
// is tested, the table is picked, and the first sync runs from the review step; then both apps are
// read back directly. The form is photographed for the README and the issue notes.
import { join } from 'node:path';
import { mariaDbTestGate, startMariaDbServer, type MariaDbServer } from '../src-main/engine/testing/mariadb-server';
import { createCustomersDb, readCustomersDb } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { WizardPage } from './pages/wizard-page';

const USER = 'shop_user';
const PASSWORD = 'shop-pw-Ünïcode';
const DATABASE = 'shop';

// Without MariaDB the spec is skipped locally, and fails under CI=true (the set-up script installs it).
const gate = mariaDbTestGate();
let server: MariaDbServer | null = null;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  if (!gate.available) return;
  server = await startMariaDbServer();
  await server.createUserAndDb(USER, PASSWORD, DATABASE);
  await server.sql(
    `CREATE TABLE customers (
       id INT AUTO_INCREMENT PRIMARY KEY,
       email VARCHAR(190) NOT NULL UNIQUE, name VARCHAR(100), city VARCHAR(100),
       updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
     ) CHARACTER SET utf8mb4`,
    [],
    DATABASE,
  );
  await server.sql(
    "INSERT INTO customers (email, name, city) VALUES ('ann@example.com', 'Ann Archer', 'Paris'), ('bob@example.com', 'Bob Baker', 'Berlin'), ('zoë@example.com', 'Zoë Zhang', 'Zürich')",
    [],
    DATABASE,
  );
});
test.afterAll(async () => {
  await server?.stop();
});

test('the wizard pairs a MySQL / MariaDB table from its form with a SQLite table, and the first sync brings both to the union', async ({ app, concord }) => {
  test.skip(!gate.available && !gate.failInCi, gate.missingMessage);
  const my = server;
  if (!my) throw new Error(gate.missingMessage);
  test.setTimeout(120_000);
  const db = join(concord.workDir, 'shop.sqlite');
  createCustomersDb(db, [
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
    { email: 'cy@example.com', name: 'Cy Cole', city: 'Rome' },
  ]);
  const wizard = new WizardPage(app);
  await app.getByRole('button', { name: 'Create a pair' }).click();
  await wizard.expectStep('App A');

  await wizard.chooseConnector('MySQL / MariaDB table');
  const form = app.getByRole('group', { name: 'MySQL / MariaDB table settings' });
  const serverGroup = form.getByRole('group', { name: 'Server' });
  // Host, database and user are needed (unless a connection string is given), so none says "optional".
  for (const name of ['Host', 'Database', 'User']) await expect(serverGroup.getByLabel(name, { exact: true })).toHaveAttribute('aria-required', 'true');
  await expect(serverGroup.getByLabel('Port (optional)')).toHaveAttribute('placeholder', '3306');
  await wizard.connectionName().fill('Web shop');
  await serverGroup.getByLabel(/^Host/).fill(my.host);
  await serverGroup.getByLabel(/^Port/).fill(String(my.port));
  await serverGroup.getByLabel(/^Database/).fill(DATABASE);
  await serverGroup.getByLabel(/^User/).fill(USER);
  const password = serverGroup.getByLabel(/^Password/);
  await expect(password).toHaveAttribute('type', 'password');
  await password.fill(PASSWORD);

  await app.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByRole('status')).toHaveText(/^Connection works: 1 collection found\./);
  await app.screenshot({ path: screenshotPath('form-mysql'), fullPage: true });
  await wizard.next();

  await wizard.expectStep('App B');
  await wizard.fillConnection('SQLite table', 'Shop database', db);
  await wizard.next();

  await wizard.expectStep('Collections');
  await expect(wizard.collection('A')).toHaveValue('customers');
  await expect(wizard.collection('B')).toHaveValue('customers');
  await wizard.next();
  await wizard.expectStep('Field mapping');
  await wizard.next();
  await wizard.expectStep('Matching');
  await expect(app.getByRole('checkbox', { name: 'email' })).toBeChecked();
  await app.getByRole('button', { name: 'Preview the first sync' }).click();
  expect(await wizard.previewNumbers()).toMatchObject({ Matched: 1, 'To create in A': 1, 'To create in B': 2 });
  await wizard.next();
  await wizard.expectStep('Master & policies');
  await wizard.next();
  await wizard.expectStep('Schedule');
  await app.getByRole('radio', { name: 'Only when I press Sync now' }).check();
  await wizard.next();

  await wizard.expectStep('Review');
  await app.getByLabel('Pair name').fill('Web shop ⇄ Shop');
  await expect(app.locator('dl.facts')).toContainText('Web shop · customers');
  await app.getByRole('button', { name: 'Create the pair and run the first sync' }).click();
  const created = app.getByRole('status').filter({ hasText: '“Web shop ⇄ Shop” is created.' });
  await expect(created).toContainText(/First sync succeeded · \d+ read, 3 created/, { timeout: 60_000 });

  const expected = [
    { email: 'ann@example.com', name: 'Ann Archer', city: 'Paris' },
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
    { email: 'cy@example.com', name: 'Cy Cole', city: 'Rome' },
    { email: 'zoë@example.com', name: 'Zoë Zhang', city: 'Zürich' },
  ];
  expect(readCustomersDb(db)).toEqual(expected);
  const rows = await my.sql<{ email: string; name: string; city: string }>('SELECT email, name, city FROM customers', [], DATABASE);
  expect(rows.sort((a, b) => (a.email < b.email ? -1 : 1))).toEqual(expected);
  expect(concord.output()).not.toContain(PASSWORD);
});
