/**
 * Test fixtures: `concord` is a fresh server per test (own data folder, own port, own token);
 * `app` is a page already signed in with the printed address.
 */
import { test as base, type Page } from '@playwright/test';
import { startConcord, type ConcordServer } from './server';

export const test = base.extend<{ concord: ConcordServer; app: Page }>({
  concord: async ({}, use) => {
    const server = await startConcord();
    await use(server);
    await server.stop();
  },
  app: async ({ page, concord }, use) => {
    await page.goto(concord.loginUrl);
    await use(page);
  },
});

export { expect } from '@playwright/test';

/** Screenshots that the README and the issue notes refer to live in e2e/screenshots/. */
export const screenshotPath = (name: string): string => `e2e/screenshots/${name}.png`;
