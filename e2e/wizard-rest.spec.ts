// Issue 11 "Done means": the wizard creates a REST pair from scratch — no profile file written by
// hand — against the SaaS stand-in (a real HTTP server standing in for a web app), signing in with
// OAuth 2 through the loopback redirect in the browser the UI runs in. The profile is filled in
// through the form, "Try it" shows the first records, the first sync brings both apps to the
// union, and the profile exports as a file that imports back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOAuthServer } from '../src-main/engine/testing/saas-standin/oauth';
import { startSaasStandin, type SaasStandin } from '../src-main/engine/testing/saas-standin/server';
import { createCustomersDb, readCustomersDb } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { WizardPage } from './pages/wizard-page';

let standin: SaasStandin;
let oauth: ReturnType<typeof createOAuthServer>;
test.beforeEach(async () => {
  oauth = createOAuthServer({ clients: [{ clientId: 'concord', redirectUris: ['http://127.0.0.1/callback'] }] });
  standin = await startSaasStandin({ oauth: { handleOAuth: (req, res) => oauth.handle(req, res), validateBearer: (t) => oauth.validateBearer(t) }, etags: true });
  standin.app.insert([
    { id: 'c-1', name: 'Ann Archer', email: 'ann@example.com' },
    { id: 'c-2', name: 'Bob Baker', email: 'bob@example.com' },
  ]);
});
test.afterEach(async () => {
  await standin.stop();
});

test('a REST pair made in the wizard from scratch: the profile as a form, OAuth sign-in through the loopback redirect, Try it, the first sync, and signing in again from the pair\'s settings once the app revoked it', async ({ app, concord, context }) => {
  test.setTimeout(120_000);
  const db = join(concord.workDir, 'shop.sqlite');
  createCustomersDb(db, [
    { email: 'bob@example.com', name: 'Bob Baker', city: 'Berlin' },
    { email: 'cy@example.com', name: 'Cy Cole', city: 'Rome' },
  ]);
  const { authorizationUrl, tokenUrl } = oauth.endpoints(new URL(standin.url).origin);
  const wizard = new WizardPage(app);
  await app.getByRole('button', { name: 'Create a pair' }).click();
  await wizard.expectStep('App A');
  await wizard.chooseConnector('Web app (REST/JSON)');
  await wizard.connectionName().fill('Acme CRM');

  const profile = app.getByRole('group', { name: 'App profile (JSON)' });
  const appPart = profile.getByRole('group', { name: 'App' });
  await appPart.getByLabel('App name').fill('Acme CRM');
  await appPart.getByLabel('API base URL').fill(standin.url);
  await appPart.getByLabel('Sign-in').selectOption('oauth2-authorization-code');
  await appPart.getByLabel('Authorization URL').fill(authorizationUrl);
  await appPart.getByLabel('Token URL').fill(tokenUrl);
  await appPart.getByLabel('Client id').fill('concord');
  await appPart.getByLabel('Scope (optional)').fill('contacts');

  const records = profile.getByRole('group', { name: /^Records/ });
  await records.getByLabel('List endpoint').fill('/contacts');
  await records.getByLabel('Records in the answer at').fill('$.data');
  await records.getByLabel("Record's last-modified time at (optional)").fill('updated_at');
  await records.getByLabel('Modified-since parameter (optional)').fill('updated_since');
  await records.getByLabel('Paging (optional)').selectOption('cursor');
  await records.getByLabel('Next cursor in the answer at').fill('$.next_cursor');
  await records.getByLabel('Page size parameter (optional)').fill('limit');
  await records.getByLabel('Create endpoint (optional)').fill('/contacts');
  await records.getByLabel('Update endpoint (optional)').fill('/contacts/{id}');
  await records.getByLabel('Delete endpoint (optional)').fill('/contacts/{id}');
  await records.getByLabel('Stale-write check (optional)').selectOption('etag');

  // Sign in: the stand-in's consent page opens in a new tab; Allow returns to the engine's listener.
  const [tab] = await Promise.all([context.waitForEvent('page'), appPart.getByRole('button', { name: 'Sign in' }).click()]);
  await expect(tab.getByRole('heading', { name: 'Allow access?' })).toBeVisible();
  await tab.getByRole('button', { name: 'Allow' }).click();
  await expect(tab.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  await tab.close();
  await expect(appPart.getByRole('status')).toHaveText(/^Signed in\./);

  await app.getByRole('button', { name: 'Try it' }).click();
  const sample = app.getByRole('region', { name: 'What these settings read' });
  await expect(sample.getByRole('table')).toContainText('ann@example.com');
  await expect(sample.getByRole('table')).toContainText('Bob Baker');
  await app.screenshot({ path: screenshotPath('form-rest'), fullPage: true });

  // The profile exports as a file, and that file is what the form made.
  const [download] = await Promise.all([app.waitForEvent('download'), profile.getByRole('button', { name: 'Export profile' }).click()]);
  expect(download.suggestedFilename()).toBe('acme-crm.profile.json');
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as { baseUrl: string; auth: { kind: string }; collections: { list: { paging: { style: string } } }[] };
  expect(exported).toMatchObject({ baseUrl: standin.url, auth: { kind: 'oauth2-authorization-code' }, collections: [{ list: { paging: { style: 'cursor' } } }] });

  await app.getByRole('button', { name: 'Test connection' }).click();
  await expect(app.getByText('Connection works: 1 collection found.')).toBeVisible();
  await wizard.next();

  await wizard.expectStep('App B');
  await wizard.fillConnection('SQLite table', 'Shop database', db);
  await wizard.next();
  await wizard.expectStep('Collections');
  await expect(wizard.collection('A')).toHaveValue('contacts');
  await expect(wizard.collection('B')).toHaveValue('customers');
  await wizard.next();
  await wizard.expectStep('Field mapping');
  await wizard.next();
  await wizard.expectStep('Matching');
  await app.getByRole('checkbox', { name: 'email' }).check();
  await wizard.next();
  await wizard.expectStep('Master & policies');
  await wizard.next();
  await wizard.expectStep('Schedule');
  await app.getByRole('radio', { name: 'Only when I press Sync now' }).check();
  await wizard.next();
  await wizard.expectStep('Review');
  await app.getByLabel('Pair name').fill('Acme ⇄ Shop');
  await app.getByRole('button', { name: 'Create the pair and run the first sync' }).click();
  await expect(app.getByRole('status').filter({ hasText: '“Acme ⇄ Shop” is created.' })).toContainText(/First sync succeeded/, { timeout: 60_000 });

  // Both apps hold the union, read directly.
  expect(readCustomersDb(db).map((c) => c.email)).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);
  const inApp = standin.app.ids().map((id) => standin.app.get(id)?.email).sort();
  expect(inApp).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);

  // The user removes Concord's access in the app: the next run fails asking to sign in again; the
  // pair's settings sign in anew (the new refresh token replaces the old one) and syncing goes on.
  oauth.revokeAll();
  standin.app.insert([{ id: 'c-9', name: 'Dee Dunn', email: 'dee@example.com' }]);
  await app.getByRole('link', { name: 'Pairs', exact: true }).click();
  const card = app.getByRole('article', { name: 'Acme ⇄ Shop' });
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(card).toContainText(/sign in again/i, { timeout: 30_000 });
  await card.getByRole('link', { name: 'Acme ⇄ Shop' }).click();
  await app.getByRole('tab', { name: /^Settings/ }).click();
  await expect(app.getByRole('region', { name: 'Apps' })).toContainText(`Acme CRM · ${standin.url}`);
  await app.getByRole('button', { name: 'Edit the connection of App A' }).click();
  const form = app.getByRole('form', { name: 'Connection of App A' });
  const [again] = await Promise.all([context.waitForEvent('page'), form.getByRole('button', { name: 'Sign in' }).click()]);
  await again.getByRole('button', { name: 'Allow' }).click();
  await expect(again.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  await again.close();
  await expect(form.getByText(/^Signed in\./)).toBeVisible();
  await form.getByRole('button', { name: 'Test and save' }).click();
  await expect(app.getByRole('status').getByText(/^Saved “Acme CRM”: 1 collection found\./)).toBeVisible();
  await app.getByRole('button', { name: 'Sync now', exact: true }).click();
  await expect(app.getByText('In sync', { exact: true })).toBeVisible({ timeout: 30_000 });
  expect(readCustomersDb(db).map((c) => c.email)).toContain('dee@example.com');
});
