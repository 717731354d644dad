/**
 * `demo/create`: a newcomer's first minute. Writes two sample apps into the data folder, connects
 * them, creates a pair through the same API the wizard uses, and starts its first sync, which
 * matches most people, creates the rest on each side, and puts the planted conflicts in the inbox.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiArgs, ApiMethod, ApiResult } from '../api/contract';
import type { Handler } from '../api/dispatch';
import type { PairConfig } from '../api/model';
import type { Domain, EngineContext } from '../context';
import { writeDemoApps } from './demo-data';

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

export function createDemoDomain(ctx: EngineContext, call: Call): Domain<DemoHandlers> {
  return {
    handlers: {
      'demo/create': async () => {
        // Each demo gets its own folder, so a second demo never overwrites the first one's apps.
        let n = 1;
        while (existsSync(join(ctx.dataDir, 'demo', String(n)))) n++;
        const dir = join(ctx.dataDir, 'demo', String(n));
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
        await call('pairs/sync-now', { pairId: pair.id });
        return { pairId: pair.id };
      },
    },
  };
}
