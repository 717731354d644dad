/** The conflict inbox: the table of open conflicts and the panel of the open one. */
import { expect, type Locator, type Page } from '@playwright/test';

export class InboxPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Conflicts/ }).click();
  }
  /**
   * The demo's second sync (after its day of edits) plants 8 field conflicts and an edit against
   * a delete beside the first sync's duplicate: 10 open once it is done. Returns the count.
   */
  async waitForDemoConflicts(): Promise<number> {
    await expect(this.badge()).toHaveText('10', { timeout: 20_000 });
    return 10;
  }
  table(): Locator {
    return this.page.getByRole('table', { name: 'Open conflicts' });
  }
  /** The list's visible box (the table inside is as tall as all its rows). */
  listBox(): Locator {
    return this.page.locator('.conflict-table-scroll');
  }
  rows(): Locator {
    return this.table().locator('tbody tr');
  }
  openRecord(record: string): Promise<void> {
    return this.table().getByRole('button', { name: record, exact: true }).click();
  }
  select(record: string): Promise<void> {
    return this.page.getByRole('checkbox', { name: `Select ${record}` }).check();
  }
  panel(): Locator {
    return this.page.locator('section.conflict-panel');
  }
  panelTitle(): Locator {
    return this.page.getByRole('heading', { level: 2 }).and(this.page.locator('#conflict-panel-title'));
  }
  fieldGroup(field: string): Locator {
    return this.page.getByRole('group', { name: `Value for ${field}` });
  }
  async take(field: string, side: 'master' | 'slave'): Promise<void> {
    await this.fieldGroup(field).getByRole('button', { name: side === 'master' ? 'Take master' : 'Take slave' }).click();
  }
  async typeMerged(field: string, value: string): Promise<void> {
    await this.fieldGroup(field).getByRole('button', { name: 'Edit' }).click();
    await this.mergedValue(field).fill(value);
  }
  mergedValue(field: string): Locator {
    return this.page.getByLabel(`Merged value for ${field}`);
  }
  pressed(field: string): Locator {
    return this.fieldGroup(field).locator('button[aria-pressed="true"]');
  }
  /** The widths (px) of the merge table's column headers: Field, Last synced, Master, Slave, Result. */
  mergeColumnWidths(): Promise<number[]> {
    return this.page.getByRole('table', { name: 'Fields of this record' }).locator('thead th').evaluateAll((ths) => ths.map((th) => th.getBoundingClientRect().width));
  }
  apply(): Promise<void> {
    return this.panel().getByRole('button', { name: 'Apply', exact: true }).click();
  }
  status(): Locator {
    return this.panel().getByRole('status');
  }
  badge(): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByTestId('open-conflicts');
  }
  filter(name: 'Pair' | 'Kind' | 'Field'): Locator {
    return this.page.getByRole('search', { name: 'Filter conflicts' }).getByLabel(name);
  }
}
