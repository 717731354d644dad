/**
 * Test fixtures: `concord` is a fresh server per test (own data folder, own port, own token);
 * `app` is a page already signed in with the printed address.
 */
import { test as base, type Page } from '@playwright/test';
import { startConcord, type ConcordServer } from './server';

export const test = base.extend<{ concord: ConcordServer; app: Page }>({
  concord: async ({}, use, testInfo) => {
    const server = await startConcord();
    await use(server);
    await server.stop();
    // A failed test carries what the server printed (a crash, an engine log line) with its report.
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('concord serve output', { body: server.output(), contentType: 'text/plain' });
      console.log(`--- concord serve output (${testInfo.title}) ---\n${server.output()}`);
    }
  },
  app: async ({ page, concord }, use) => {
    await page.goto(concord.loginUrl);
    await use(page);
  },
});

export { expect } from '@playwright/test';

/**
 * Screenshots that the README and the issue notes refer to live in e2e/screenshots/; the suite
 * rewrites them there only on `npm run screenshots` (CONCORD_SCREENSHOTS=update). An ordinary
 * test run puts its pictures in test-results/screenshots/, so it leaves the working tree clean.
 */
export const screenshotPath = (name: string): string =>
  process.env.CONCORD_SCREENSHOTS === 'update' ? `e2e/screenshots/${name}.png` : `test-results/screenshots/${name}.png`;
