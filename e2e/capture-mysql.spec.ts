// MySQL / MariaDB capture mode from a pair's settings, against a real MariaDB server: the exact SQL
// (a change table and three triggers) shown before anything runs, Install, and Remove capture
// leaving the database as it was.
import { join } from 'node:path';
import { mariaDbTestGate, startMariaDbServer, type MariaDbServer } from '../src-main/engine/testing/mariadb-server';
import { invoke } from './api';
import { createCustomersDb } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';

const gate = mariaDbTestGate();
let server: MariaDbServer | null = null;

test.beforeAll(async () => {
  if (!gate.available) return;
  server = await startMariaDbServer();
  await server.createUserAndDb('shop_user', 'shop-pw', 'shop');
  await server.sql('CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(100), city VARCHAR(100))', [], 'shop');
});
test.afterAll(async () => {
  await server?.stop();
});

const CATALOG = `SELECT CONCAT('table ', TABLE_NAME) AS o FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop'
  UNION ALL SELECT CONCAT('trigger ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' ORDER BY 1`;

test('settings: choosing capture on a MySQL table shows the change table and triggers; Install adds them, Remove capture drops exactly them', async ({ app, concord }) => {
  test.skip(!gate.available && !gate.failInCi, gate.missingMessage);
  const my = server;
  if (!my) throw new Error(gate.missingMessage);
  const dbPath = join(concord.workDir, 'shop.sqlite');
  createCustomersDb(dbPath, []);
  const left = await invoke(app, concord, 'connections/create', { name: 'Shop database', connector: 'sqlite-table', config: { path: dbPath } });
  const right = await invoke(app, concord, 'connections/create', { name: 'Web shop', connector: 'mysql', config: { host: my.host, port: my.port, database: 'shop', user: 'shop_user' }, secret: 'shop-pw' });
  const field = (name: string) => ({ name, type: 'string' as const, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
  await invoke(app, concord, 'pairs/create', {
    config: {
      name: 'Shop ⇄ Web shop',
      left: { connectionId: left.id, collection: 'customers' },
      right: { connectionId: right.id, collection: 'customers', changeDetection: 'hash' },
      fields: [field('email'), field('name'), field('city')],
      matchKeys: ['email'],
      masterSide: 'left',
      conflictPolicy: 'manual',
      deletes: { propagate: true, massDeleteThreshold: 0.9 },
      schedule: { intervalSeconds: null },
    },
  });
  const before = await my.sql(CATALOG);

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Web shop');
  await detail.tab('Settings').click();
  const form = app.getByRole('form', { name: 'Pair settings' });
  await form.getByLabel('Change detection of App B').selectOption({ label: 'Capture (a trigger records every change)' });
  const panel = form.getByRole('region', { name: 'Capture for App B' });
  const sql = panel.getByLabel('SQL that installs capture');
  await expect(sql).toContainText('CREATE TABLE `shop`.`concord_changes_customers` (');
  await expect(sql).toContainText('CREATE TRIGGER `shop`.`concord_upd_customers` AFTER UPDATE ON `shop`.`customers` FOR EACH ROW');
  // Shown, not yet run.
  expect(await my.sql(CATALOG)).toEqual(before);
  await app.screenshot({ path: screenshotPath('pair-settings-capture-mysql'), fullPage: true });

  await panel.getByRole('button', { name: 'Install' }).click();
  await expect(panel.getByLabel('SQL that removes capture')).toContainText('DROP TRIGGER IF EXISTS `shop`.`concord_ins_customers`;');
  expect(await my.sql(`SELECT TRIGGER_NAME AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' ORDER BY 1`)).toEqual([
    { t: 'concord_del_customers' },
    { t: 'concord_ins_customers' },
    { t: 'concord_upd_customers' },
  ]);
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByRole('status')).toContainText('Saved.');

  await panel.getByRole('button', { name: 'Remove capture' }).click();
  await expect(panel.getByLabel('SQL that installs capture')).toBeVisible();
  expect(await my.sql(CATALOG)).toEqual(before);
});
