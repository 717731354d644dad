/** The pairs list: one card (an article named by the pair) per pair. */
import type { Locator, Page } from '@playwright/test';

export class PairsPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pairs' }).click();
  }
  card(name: string): Locator {
    return this.page.getByRole('article', { name });
  }
  button(card: Locator, name: string): Locator {
    return card.getByRole('button', { name, exact: true });
  }
  progress(card: Locator): Locator {
    return card.getByRole('progressbar');
  }
  /** The value shown next to a term of the card's stats ("Open conflicts", "Failed", "Last run"). */
  stat(card: Locator, term: string): Locator {
    return card.locator('dl > div').filter({ has: this.page.locator('dt', { hasText: term }) }).locator('dd');
  }
  openConflictsBadge(): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByTestId('open-conflicts');
  }
}
