/**
 * Sets up pairs through the public HTTP API (with the page's session cookie), for specs whose
 * subject is not the wizard. The wizard spec creates its pair through the UI.
 */
import type { Page } from '@playwright/test';
import type { ApiArgs, ApiMethod, ApiResult } from '../src-main/engine/api/contract';
import type { ConflictPolicy, FieldMapping, Side } from '../src-main/engine/api/model';
import type { ConcordServer } from './server';

export async function invoke<M extends ApiMethod>(page: Page, concord: ConcordServer, method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
  const res = await page.request.post(`${concord.url}api/invoke/${method}`, { data: args, headers: { 'content-type': 'application/json' } });
  const body = (await res.json()) as { ok: true; value: ApiResult<M> } | { ok: false; error: { code: string; message: string } };
  if (!body.ok) throw new Error(`${method} failed: ${body.error.code}: ${body.error.message}`);
  return body.value;
}

const field = (name: string): FieldMapping => ({ name, type: 'string', left: { fields: [name] }, right: { fields: [name] }, direction: 'both' });

/** A pair SQLite `customers` ⇄ CSV file on email, name, city; matched on email; manual schedule. */
export async function createCustomersPair(
  page: Page,
  concord: ConcordServer,
  options: { dbPath: string; csvPath: string; name?: string; conflictPolicy?: ConflictPolicy; initialMatchPolicy?: ConflictPolicy; masterSide?: Side },
): Promise<string> {
  const left = await invoke(page, concord, 'connections/create', { name: 'Shop database', connector: 'sqlite-table', config: { path: options.dbPath } });
  const right = await invoke(page, concord, 'connections/create', { name: 'Customer sheet', connector: 'csv-file', config: { path: options.csvPath } });
  const csvCollection = options.csvPath.split('/').pop() ?? '';
  const pair = await invoke(page, concord, 'pairs/create', {
    config: {
      name: options.name ?? 'Shop ⇄ Sheet',
      left: { connectionId: left.id, collection: 'customers' },
      right: { connectionId: right.id, collection: csvCollection },
      fields: [field('email'), field('name'), field('city')],
      matchKeys: ['email'],
      masterSide: options.masterSide ?? 'left',
      conflictPolicy: options.conflictPolicy ?? 'manual',
      initialMatchPolicy: options.initialMatchPolicy ?? 'master',
      deletes: { propagate: true, massDeleteThreshold: 0.9 },
      schedule: { intervalSeconds: null },
    },
  });
  return pair.id;
}

/** Starts an incremental run through the API and waits for its end; returns the finished run. */
export async function syncAndWait(page: Page, concord: ConcordServer, pairId: string) {
  const { runId } = await invoke(page, concord, 'pairs/sync-now', { pairId });
  for (let i = 0; i < 300; i++) {
    const run = await invoke(page, concord, 'runs/get', { runId });
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish in 30 s`);
}
