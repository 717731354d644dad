// The first slice through every layer, in Debian's Chromium against a real `concord serve`.
import { expect, screenshotPath, test } from './fixtures';

test('the UI opens with the token and shows the empty pairs list with what to do next', async ({ app }) => {
  await expect(app.getByRole('heading', { name: 'Pairs', level: 1 })).toBeVisible();
  await expect(app.getByRole('heading', { name: 'No pairs yet' })).toBeVisible();
  await expect(app.getByRole('button', { name: 'Create a pair' })).toBeVisible();
  await expect(app.getByRole('button', { name: 'Try the demo workspace' })).toBeVisible();
  // The token left the address bar once it became a cookie.
  expect(app.url()).not.toContain('token=');
  await app.screenshot({ path: screenshotPath('pairs-empty') });
});

test('without the token the server refuses the UI, the API and the event socket', async ({ page, concord }) => {
  const res = await page.goto(concord.url);
  expect(res?.status()).toBe(401);
  await expect(page.getByRole('heading', { name: 'Access token needed' })).toBeVisible();
  const api = await page.request.post(`${concord.url}api/invoke/pairs/list`, { data: {} });
  expect(api.status()).toBe(401);
  const wsStatus = await page.evaluate(
    (url) => new Promise<string>((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve('open');
      ws.onerror = () => resolve('refused');
    }),
    `${concord.url.replace('http', 'ws')}api/events`,
  );
  expect(wsStatus).toBe('refused');
});

test('the About panel shows the engine version and data folder, fetched through the API', async ({ app, concord }) => {
  await app.getByRole('link', { name: 'About' }).click();
  await expect(app.getByRole('heading', { name: 'About Concord', level: 1 })).toBeVisible();
  await expect(app.getByText(concord.dataDir, { exact: true })).toBeVisible();
  await expect(app.getByText('Concord 0.1.0', { exact: true })).toBeVisible();
  await app.screenshot({ path: screenshotPath('about') });
});

test('a bad API input shows the typed error in the UI, and the app keeps working', async ({ app, concord }) => {
  // A pair id longer than the schema allows: the engine answers invalid-input, the UI shows it.
  await app.goto(`${concord.url}#/pairs/${'x'.repeat(201)}/runs`);
  await expect(app.getByRole('alert')).toContainText(/Invalid input for pairs\/get/);
  await expect(app.getByRole('alert')).toContainText(/pairId/);
  await app.screenshot({ path: screenshotPath('bad-input-error') });
  await app.getByRole('link', { name: 'Pairs' }).click();
  await expect(app.getByRole('heading', { name: 'No pairs yet' })).toBeVisible();
});
