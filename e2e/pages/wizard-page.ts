/** The pairing wizard, found by roles and accessible names. */
import { expect, type Locator, type Page } from '@playwright/test';

export class WizardPage {
  constructor(readonly page: Page) {}

  stepHeading(): Locator {
    return this.page.getByRole('heading', { level: 2, name: /^Step \d of 8/ });
  }
  async expectStep(title: string): Promise<void> {
    await expect(this.stepHeading()).toHaveText(new RegExp(`: ${title}$`));
  }
  next(): Promise<void> {
    return this.page.getByRole('button', { name: 'Next', exact: true }).click();
  }
  back(): Promise<void> {
    return this.page.getByRole('button', { name: 'Back', exact: true }).click();
  }
  problem(): Locator {
    return this.page.locator('.field-error[role=alert]');
  }
  async chooseConnector(label: 'SQLite table' | 'CSV file' | 'PostgreSQL table' | 'MySQL / MariaDB table' | 'Web app (REST/JSON)'): Promise<void> {
    await this.page.getByRole('radio', { name: new RegExp(`^${label.replace(/[()/]/g, '\\$&')}`) }).check();
  }
  connectionName(): Locator {
    return this.page.getByLabel('Connection name');
  }
  async fillConnection(label: 'SQLite table' | 'CSV file', name: string, path: string): Promise<void> {
    await this.chooseConnector(label);
    await this.connectionName().fill(name);
    await this.page.getByLabel(label === 'SQLite table' ? 'Database file' : 'CSV file', { exact: true }).fill(path);
  }
  collection(side: 'A' | 'B'): Locator {
    return this.page.getByLabel(new RegExp(`^App ${side} ·`));
  }
  /** The preview's numbers as label → value. */
  async previewNumbers(): Promise<Record<string, number>> {
    const region = this.page.getByRole('region', { name: 'Preview' });
    await expect(region).toBeVisible();
    const terms = await region.locator('dt').allInnerTexts();
    const values = await region.locator('dd').allInnerTexts();
    return Object.fromEntries(terms.map((t, i) => [t.trim(), Number(values[i])]));
  }
}
