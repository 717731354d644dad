/**
 * Issue 13 §1 "A re-exported CSV changes the master's ids": a CRM export saved again without
 * Concord's concord_id column gives every row a new id. A row whose match key still finds exactly
 * one record is relinked as an edit; any other loss of identity (a key two rows share, an empty
 * key) stops the run and asks, naming the records — never a delete in the other app plus a create.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appInsert, appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from './test-kit.fixture';

describe('a CSV export saved again without its concord_id column', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  /** The CRM export (CSV, master) and the shop (SQLite), synced once, with every row's id stored in the file. */
  async function synced() {
    dir = tempDir('concord-reexport-');
    const csv = join(dir, 'crm-export.csv');
    const shop = join(dir, 'shop.sqlite');
    createApp(shop);
    // Eve is only in the shop, so the first sync writes the file, and with it every row's concord_id.
    appInsert(shop, { email: 'eve@x', name: 'Eve', score: 9 });
    writeFileSync(csv, 'email,name,score\nann@x,Ann,1\nbob@x,Bob,2\ndee@x,Dee,3\n,No email,5\n');
    kit = startEngine(dir, join(dir, 'data'));
    const l = await kit.call('connections/create', { name: 'CRM export', connector: 'csv-file', config: { path: csv } });
    const r = await kit.call('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path: shop } });
    const config = basePairConfig(l.id, r.id, { left: { connectionId: l.id, collection: 'crm-export.csv', changeDetection: 'hash' }, emptyKeys: 'create', deletes: { propagate: true, massDeleteThreshold: 0.9 } });
    const { id: pairId } = await kit.call('pairs/create', { config });
    expect((await syncAndWait(kit, pairId)).status).toBe('succeeded');
    // A second Dee, made in the CRM on purpose (the steward created it as its own record from the inbox).
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/\r?\n$/, '') + '\ndee@x,Dee Two,4,\n');
    await syncAndWait(kit, pairId);
    const [held] = (await kit.call('conflicts/list', { pairId, kind: 'duplicate' })).items;
    await kit.call('conflicts/resolve', { conflictId: held?.id ?? '', resolution: { kind: 'duplicate', linkTo: null } });
    const settled = await syncAndWait(kit, pairId);
    expect(settled.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    const before = appRows(shop);
    expect(before.map((r) => r.name).sort()).toEqual(['Ann', 'Bob', 'Dee', 'Dee Two', 'Eve', 'No email']);
    expect(readFileSync(csv, 'utf8').split(/\r?\n/)[0]).toBe('email,name,score,concord_id');
    return { csv, shop, pairId, before, kit };
  }

  it('rows whose key finds one record are relinked as edits; the shared and empty keys stop the run, naming the records, and nothing is deleted or created', async () => {
    const s = await synced();
    // Re-exported: another row order, a new (empty) phone column, no concord_id, and Ann renamed in
    // the CRM meanwhile. Every row's id changes (a row without a stored id is known by its content).
    const exported = 'email,name,score,phone\n,No email,5,\ndee@x,Dee Two,4,\nbob@x,Bob,2,\neve@x,Eve,9,\ndee@x,Dee,3,\nann@x,Annie,1,\n';
    writeFileSync(s.csv, exported);
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.status).toBe('halted');
    expect(run.error).toContain('lost their ids in CRM export');
    expect(run.error).toContain('dee@x');
    expect(run.error).toContain('No email');
    expect(run.error).not.toContain('Annie');
    // Ann was relinked: her edit reached her own shop record. Nothing was deleted or created.
    expect(appRows(s.shop)).toEqual(s.before.map((r) => (r.email === 'ann@x' ? { ...r, name: 'Annie' } : r)));
    const pair = await s.kit.call('pairs/get', { pairId: s.pairId });
    expect(pair.healthReason).toContain('lost their ids in CRM export');
    expect(pair.awaitingDeleteConfirmation).toEqual({ gone: 3 });
    // Later runs keep asking rather than deciding.
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('halted');
    expect(appRows(s.shop).map((r) => r.name)).toEqual(s.before.map((r) => (r.name === 'Ann' ? 'Annie' : r.name)));
  });

  it('once the ids are back in the file, the next run goes on: Ann\'s edit arrives under the same shop record', async () => {
    const s = await synced();
    const withIds = readFileSync(s.csv, 'utf8');
    writeFileSync(s.csv, 'email,name,score,phone\nann@x,Ann,1,\nbob@x,Bob,2,\ndee@x,Dee,3,\n,No email,5,\neve@x,Eve,9,\ndee@x,Dee Two,4,\n');
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('halted');
    writeFileSync(s.csv, withIds.replace('ann@x,Ann,', 'ann@x,Annie,'));
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.counts).toMatchObject({ created: 0, deleted: 0, updated: 1 });
    expect(appRows(s.shop)).toEqual(s.before.map((r) => (r.email === 'ann@x' ? { ...r, name: 'Annie' } : r)));
    expect((await s.kit.call('pairs/get', { pairId: s.pairId })).healthReason).toBeNull();
  });

  it('"Apply these deletes" is the steward\'s answer that they are other records: deleted and created once, and the run is quiet after', async () => {
    const s = await synced();
    writeFileSync(s.csv, 'email,name,score,phone\n,No email,5,\ndee@x,Dee Two,4,\nbob@x,Bob,2,\neve@x,Eve,9,\ndee@x,Dee,3,\nann@x,Annie,1,\n');
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('halted');
    const { runId } = await s.kit.call('pairs/sync-now', { pairId: s.pairId, confirmDeletes: 3 });
    const { waitRun } = await import('./test-kit.fixture');
    const run = await waitRun(s.kit, runId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.counts).toMatchObject({ deleted: 3, created: 3 });
    // Ann and Bob kept their shop records (relinked); the three others are new shop records.
    const after = appRows(s.shop);
    for (const email of ['ann@x', 'bob@x', 'eve@x']) expect(after.find((r) => r.email === email)?.id).toBe(s.before.find((r) => r.email === email)?.id);
    expect(after.map((r) => r.name).sort()).toEqual(['Annie', 'Bob', 'Dee', 'Dee Two', 'Eve', 'No email']);
    expect((await syncAndWait(s.kit, s.pairId)).counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });
});
