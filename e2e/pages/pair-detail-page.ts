/** A pair's detail: heading, status card, and the Runs / Failed records / Activity / Events / Actions / Settings tabs. */
import type { Locator, Page } from '@playwright/test';

export type PairTabName = 'Runs' | 'Failed records' | 'Activity' | 'Events' | 'Actions' | 'Settings';

export class PairDetailPage {
  constructor(readonly page: Page) {}

  async open(pairName: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pairs' }).click();
    await this.page.getByRole('article', { name: pairName }).getByRole('link', { name: pairName }).click();
    await this.page.getByRole('heading', { level: 1, name: pairName }).waitFor();
  }
  tab(name: PairTabName): Locator {
    return this.page.getByRole('tablist', { name: 'Pair details' }).getByRole('tab', { name: new RegExp(`^${name}`) });
  }
  panel(): Locator {
    return this.page.getByRole('tabpanel');
  }
  table(name: 'Runs' | 'Failed records' | 'Activity' | 'Events' | 'Actions' | 'Deliveries'): Locator {
    return this.page.getByRole('table', { name });
  }
  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }
}
