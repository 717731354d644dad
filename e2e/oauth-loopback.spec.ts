/**
 * OAuth 2 sign-in through the loopback redirect in a real browser (issue 11 §3), without the
 * wizard (its OAuth step comes later): the page that runs Concord's UI opens the authorization
 * URL in a new tab as the wizard will (`window.open`), the user clicks Allow on the SaaS
 * stand-in's consent page, Chromium follows the redirect to the engine's one-shot listener on
 * 127.0.0.1, and the engine keeps the refresh token for the draft connection.
 */
import { startOAuthStandin, type OAuthStandin } from '../src-main/engine/testing/saas-standin/oauth-standalone';
import { invoke } from './api';
import { expect, test } from './fixtures';

let standin: OAuthStandin;
test.beforeEach(async () => {
  standin = await startOAuthStandin({ clients: [{ clientId: 'concord', redirectUris: ['http://127.0.0.1/callback'] }], tokenPrefix: 'cnry' });
});
test.afterEach(async () => {
  await standin.close();
});

test('signs in through the loopback redirect in the browser the UI runs in, and the draft connection keeps the refresh token', async ({ app, concord, context }) => {
  const flow = await invoke(app, concord, 'connections/oauth-start', { auth: { authorizationUrl: standin.authorizationUrl, tokenUrl: standin.tokenUrl, clientId: 'concord', scope: 'contacts' } });
  const [tab] = await Promise.all([
    context.waitForEvent('page'),
    app.evaluate((url) => {
      window.open(url, '_blank', 'noopener');
    }, flow.authorizationUrl),
  ]);
  await expect(tab.getByRole('heading', { name: 'Allow access?' })).toBeVisible();
  await tab.getByRole('button', { name: 'Allow' }).click();
  await expect(tab.getByRole('heading', { name: 'Signed in' })).toBeVisible();
  await expect(tab.getByText('You can close this tab and return to Concord.')).toBeVisible();
  expect(new URL(tab.url()).origin).toBe(new URL(flow.redirectUri).origin);
  // The page the browser is left on says nothing of the tokens.
  expect(await tab.content()).not.toContain('cnry');

  expect(await invoke(app, concord, 'connections/oauth-wait', { flowId: flow.flowId })).toEqual({ status: 'signed-in' });
  const created = await invoke(app, concord, 'connections/create', {
    name: 'CRM',
    connector: 'postgres',
    config: { host: '127.0.0.1', port: 5432, database: 'crm', user: 'concord' },
    oauthFlowId: flow.flowId,
  });
  expect(created.hasCredential).toBe(true);
  // One sign-in, one listener: the address the browser came back to answers no more.
  const again = await tab.goto(flow.redirectUri).catch((error: unknown) => error);
  expect(again).toBeInstanceOf(Error);
});
