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
  /**
   * Starts watching for the card's progress bar; the returned function says whether it was ever
   * shown. A short run can end before a locator polls, so a MutationObserver records it instead.
   */
  async watchProgress(pairName: string): Promise<() => Promise<boolean>> {
    const key = `progress:${pairName}`;
    await this.page.evaluate(
      ({ key, label }) => {
        const seen = window as unknown as Record<string, boolean>;
        seen[key] = false;
        const check = () => {
          if (document.querySelector(`progress[aria-label="${label}"]`)) seen[key] = true;
        };
        new MutationObserver(check).observe(document.body, { childList: true, subtree: true });
        check();
      },
      { key, label: `Sync progress for ${pairName}` },
    );
    return () => this.page.evaluate((k) => (window as unknown as Record<string, boolean>)[k] === true, key);
  }
  openConflictsBadge(): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByTestId('open-conflicts');
  }
}
