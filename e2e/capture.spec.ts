// PostgreSQL capture mode from a pair's settings, against a real PostgreSQL server: the exact SQL
// shown before anything runs, Install, and Remove capture leaving the database as it was.
import { join } from 'node:path';
import { pgTestGate, startPgServer, type PgServer } from '../src-main/engine/testing/pg-server';
import { invoke } from './api';
import { createCustomersDb } from './app-files';
import { expect, screenshotPath, test } from './fixtures';
import { PairDetailPage } from './pages/pair-detail-page';

const gate = pgTestGate();
let server: PgServer | null = null;

test.beforeAll(async () => {
  if (!gate.available) return;
  server = await startPgServer();
  await server.createUserAndDb('shop_user', 'shop-pw', 'shop');
  await server.sql(`CREATE TABLE public.customers (id serial PRIMARY KEY, email text NOT NULL, name text, city text); ALTER TABLE public.customers OWNER TO shop_user;`, [], 'shop');
});
test.afterAll(async () => {
  await server?.stop();
});

const CATALOG = `SELECT 'rel ' || relname AS o FROM pg_class WHERE relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`;

test('settings: choosing capture shows the exact SQL; Install adds the trigger, Remove capture drops exactly it', async ({ app, concord }) => {
  test.skip(!gate.available && !gate.failInCi, gate.missingMessage);
  const pg = server;
  if (!pg) throw new Error(gate.missingMessage);
  const dbPath = join(concord.workDir, 'shop.sqlite');
  createCustomersDb(dbPath, []);
  const left = await invoke(app, concord, 'connections/create', { name: 'Shop database', connector: 'sqlite-table', config: { path: dbPath } });
  const right = await invoke(app, concord, 'connections/create', { name: 'Warehouse', connector: 'postgres', config: { host: pg.host, port: pg.port, database: 'shop', user: 'shop_user' }, secret: 'shop-pw' });
  const field = (name: string) => ({ name, type: 'string' as const, left: { fields: [name] }, right: { fields: [name] }, direction: 'both' as const });
  await invoke(app, concord, 'pairs/create', {
    config: {
      name: 'Shop ⇄ Warehouse',
      left: { connectionId: left.id, collection: 'customers' },
      right: { connectionId: right.id, collection: 'public.customers', changeDetection: 'hash' },
      fields: [field('email'), field('name'), field('city')],
      matchKeys: ['email'],
      masterSide: 'left',
      conflictPolicy: 'manual',
      deletes: { propagate: true, massDeleteThreshold: 0.9 },
      schedule: { intervalSeconds: null },
    },
  });
  const before = await pg.sql(CATALOG, [], 'shop');

  const detail = new PairDetailPage(app);
  await app.reload();
  await detail.open('Shop ⇄ Warehouse');
  await detail.tab('Settings').click();
  const form = app.getByRole('form', { name: 'Pair settings' });
  await form.getByLabel('Change detection of App B').selectOption({ label: 'Capture (a trigger records every change)' });
  const panel = form.getByRole('region', { name: 'Capture for App B' });
  const sql = panel.getByLabel('SQL that installs capture');
  await expect(sql).toContainText('CREATE TABLE "public"."concord_changes_customers" (');
  await expect(sql).toContainText('CREATE TRIGGER concord_capture AFTER INSERT OR UPDATE OR DELETE ON "public"."customers" FOR EACH ROW');
  // Shown, not yet run.
  expect(await pg.sql(CATALOG, [], 'shop')).toEqual(before);
  await app.screenshot({ path: screenshotPath('pair-settings-capture'), fullPage: true });

  await panel.getByRole('button', { name: 'Install' }).click();
  await expect(panel.getByLabel('SQL that removes capture')).toContainText('DROP TRIGGER IF EXISTS concord_capture ON "public"."customers";');
  expect(await pg.sql(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.customers'::regclass AND NOT tgisinternal`, [], 'shop')).toEqual([{ tgname: 'concord_capture' }]);
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByRole('status')).toContainText('Saved.');
  expect((await invoke(app, concord, 'pairs/get', { pairId: (await invoke(app, concord, 'pairs/list', {}))[0]?.id ?? '' })).config.right.changeDetection).toBe('capture');
  // Capture mode listens for the warehouse's commits: once its LISTEN connection is open, the
  // pair's card says the pair syncs live — on the open page, from the feed's event (which can
  // overtake the save's own answer: the older answer must not put "starting" back).
  await expect(app.getByText('Live · otherwise Sync now only')).toBeVisible({ timeout: 60_000 });

  await panel.getByRole('button', { name: 'Remove capture' }).click();
  await expect(panel.getByLabel('SQL that installs capture')).toBeVisible();
  expect(await pg.sql(CATALOG, [], 'shop')).toEqual(before);
});
