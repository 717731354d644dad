/**
 * `demo/create`: a newcomer's first minute. Writes two sample apps into the data folder (headless: the files root), connects
 * them, creates a pair through the same API the wizard uses, and runs its first sync, which
 * matches most people and creates the rest on each side. Then both apps change as a day of work
 * would change them (`writeDemoEdits`), and a second sync starts: it carries the plain edits and
 * puts the planted conflicts in the inbox, each with the value both apps last agreed on.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiArgs, ApiMethod, ApiResult } from '../api/contract';
import type { Handler } from '../api/dispatch';
import type { PairConfig } from '../api/model';
import type { Domain, EngineContext } from '../context';
import { writeDemoApps, writeDemoEdits } from './demo-data';

export type Call = <M extends ApiMethod>(method: M, args: ApiArgs<M>) => Promise<ApiResult<M>>;
export type DemoHandlers = { 'demo/create': Handler<'demo/create'> };

export function demoPairConfig(shopConnectionId: string, shopCollection: string, crmConnectionId: string, crmCollection: string, name: string): PairConfig {
  return {
    name,
    left: { connectionId: shopConnectionId, collection: shopCollection },
    right: { connectionId: crmConnectionId, collection: crmCollection },
    fields: [
      { name: 'email', type: 'string', left: { fields: ['email'], transforms: [{ kind: 'trim' }, { kind: 'case', to: 'lower' }] }, right: { fields: ['Email'], transforms: [{ kind: 'trim' }, { kind: 'case', to: 'lower' }] }, direction: 'both' },
      { name: 'name', type: 'string', left: { fields: ['first_name', 'last_name'], separator: ' ' }, right: { fields: ['Name'] }, direction: 'both' },
      { name: 'phone', type: 'string', left: { fields: ['phone'] }, right: { fields: ['Phone'] }, direction: 'both' },
      { name: 'plan', type: 'string', left: { fields: ['plan'] }, right: { fields: ['Tier'], transforms: [{ kind: 'value-map', values: { Free: 'free', Pro: 'pro', Business: 'business' } }] }, direction: 'both' },
      { name: 'credits', type: 'number', left: { fields: ['credits'] }, right: { fields: ['Credits'] }, direction: 'both', policy: 'merge-numeric' },
    ],
    matchKeys: ['email'],
    masterSide: 'left',
    conflictPolicy: 'manual',
    initialMatchPolicy: 'manual',
    deletes: { propagate: true, massDeleteThreshold: 0.3 },
    schedule: { intervalSeconds: null },
  };
}

/** The demo's first sync is a few hundred records: it ends in well under a second here. */
async function waitForRun(call: Call, runId: string, timeoutMs = 60_000): Promise<ApiResult<'runs/get'>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await call('runs/get', { runId });
    if (run.status !== 'running') return run;
    if (Date.now() > until) throw new Error(`the demo's first sync did not end within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function createDemoDomain(ctx: EngineContext, call: Call): Domain<DemoHandlers> {
  return {
    handlers: {
      'demo/create': async () => {
        // Each demo gets its own folder, so a second demo never overwrites the first one's apps.
        // Headless, the demo's apps live in the files root like any other file a connection names.
        const base = ctx.files === 'anywhere' ? join(ctx.dataDir, 'demo') : join(ctx.files.root, 'demo');
        let n = 1;
        while (existsSync(join(base, String(n)))) n++;
        const dir = join(base, String(n));
        mkdirSync(dir, { recursive: true });
        const shopPath = join(dir, 'shop.sqlite');
        const crmPath = join(dir, 'crm-contacts.csv');
        writeDemoApps(shopPath, crmPath);
        const suffix = n > 1 ? ` ${n}` : '';
        const shop = await call('connections/create', { name: `Demo shop${suffix} (SQLite)`, connector: 'sqlite-table', config: { path: shopPath } });
        const crm = await call('connections/create', { name: `Demo CRM${suffix} (CSV)`, connector: 'csv-file', config: { path: crmPath, idColumn: 'Contact ID' } });
        const shopCollection = (await call('connections/describe', { connectionId: shop.id })).find((c) => c.name === 'customers');
        const [crmCollection] = await call('connections/describe', { connectionId: crm.id });
        if (!shopCollection || !crmCollection) throw new Error('the demo apps were written but their collections could not be read back');
        const pair = await call('pairs/create', { config: demoPairConfig(shop.id, shopCollection.name, crm.id, crmCollection.name, `Demo: shop ↔ CRM${suffix}`) });
        const first = await call('pairs/sync-now', { pairId: pair.id });
        const run = await waitForRun(call, first.runId);
        if (run.status !== 'succeeded') throw new Error(`the demo's first sync ended ${run.status}: ${run.error ?? 'no reason given'}`);
        writeDemoEdits(shopPath, crmPath);
        await call('pairs/sync-now', { pairId: pair.id });
        return { pairId: pair.id };
      },
    },
  };
}
