/**
 * Issue 13 §1 "Resolving a duplicate created another duplicate": a steward's resolution of a
 * duplicate conflict leaves every record it did not link or delete to the next sync, which must
 * match them — also on a side whose change feed (a cursor, a flag) does not show them again, as
 * they did not change since the run that held them. Never a second copy, never a record left
 * unlinked without a word (PITFALLS 1).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeDetection } from '../api/model';
import { createCsvApp, csvAppInsert, csvAppRows, csvAppUpdate } from './csv-app.fixture';
import { appDelete, appInsert, appRows, appSql, appUpdate, basePairConfig, createApp, removeDir, setupPair, startEngine, syncAndWait, tempDir, type Kit } from './test-kit.fixture';

/** The pair: a CSV export of the CRM (master, left) and a shop's SQLite table (right) read by `shopMode`. */
async function crmAndShop(dir: string, shopMode: ChangeDetection) {
  const csv = join(dir, 'crm-export.csv');
  const shop = join(dir, 'shop.sqlite');
  createCsvApp(csv, false);
  createApp(shop);
  const kit = startEngine(dir, join(dir, 'data'));
  const l = await kit.call('connections/create', { name: 'CRM export', connector: 'csv-file', config: { path: csv } });
  const r = await kit.call('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path: shop } });
  const config = basePairConfig(l.id, r.id, { left: { connectionId: l.id, collection: 'crm-export.csv', changeDetection: 'hash' } });
  config.right.changeDetection = shopMode;
  const { id: pairId } = await kit.call('pairs/create', { config });
  return { csv, shop, kit, pairId };
}

describe('resolving a duplicate', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it.each<ChangeDetection>(['cursor', 'flag', 'hash'])(
    'pitfall 1: the stale CSV copy deleted from the duplicate panel — the next sync links the master record to the one in Shop (%s), no second copy',
    async (shopMode) => {
      dir = tempDir('concord-dup-');
      const s = await crmAndShop(dir, shopMode);
      kit = s.kit;
      csvAppInsert(s.csv, { email: 'ann@example.com', name: 'Ann', score: 1 });
      csvAppInsert(s.csv, { email: 'ANN@example.com', name: 'Ann (2019)', score: 0 });
      const annShop = appInsert(s.shop, { email: 'ann@example.com', name: 'Ann', score: 1 });
      // Ann was entered in Shop long ago; Cy since: a cursor read moves past Ann and does not show her again.
      appSql(s.shop, `UPDATE contacts SET updated_at = '2020-01-01T00:00:00.000Z' WHERE id = ${annShop}`);
      appInsert(s.shop, { email: 'cy@example.com', name: 'Cy', score: 3 });
      csvAppInsert(s.csv, { email: 'bo@example.com', name: 'Bo', score: 2 });

      const first = await syncAndWait(kit, s.pairId);
      expect(first.status).toBe('succeeded');
      expect(first.counts).toMatchObject({ created: 2, conflicts: 1 }); // Bo and Cy; Ann is asked about
      const [summary, ...more] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
      expect(more).toEqual([]);
      const detail = await kit.call('conflicts/get', { conflictId: summary?.id ?? '' });
      expect(detail.duplicate?.side).toBe('right');
      const stale = detail.duplicate?.candidates.find((c) => c.fields.name === 'Ann (2019)');
      expect(stale).toBeDefined();

      // 1. The steward deletes the stale CSV copy from the panel.
      const outcome = await kit.call('conflicts/resolve', { conflictId: detail.id, resolution: { kind: 'delete-duplicate', candidate: stale?.id ?? '' } });
      expect(outcome).toMatchObject({ status: 'resolved', wrote: { left: 1, right: 0 } });
      expect(csvAppRows(s.csv).map((r) => r.name).sort()).toEqual(['Ann', 'Bo', 'Cy']);

      // 2. Sync now: "the next sync links what is left" — Ann in the CRM export with Ann in Shop, nothing created.
      const next = await syncAndWait(kit, s.pairId);
      expect(next.status).toBe('succeeded');
      expect(next.counts).toMatchObject({ created: 0, conflicts: 0 });
      expect(appRows(s.shop).filter((r) => r.email === 'ann@example.com').map((r) => r.id)).toEqual([annShop]);
      const activity = await kit.call('activity/list', { pairId: s.pairId });
      expect(activity.filter((a) => a.action === 'created' && a.record.includes('ann'))).toEqual([]);
      expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(3);

      // 3. Ann is linked: an edit in Shop syncs to the CRM export, no duplicate conflict comes back.
      appUpdate(s.shop, annShop, { score: 5 });
      const edited = await syncAndWait(kit, s.pairId);
      expect(edited.counts).toMatchObject({ created: 0, updated: 1, conflicts: 0 });
      expect(csvAppRows(s.csv).find((r) => r.name === 'Ann')?.score).toBe('5');
      expect((await kit.call('conflicts/count', {})).open).toBe(0);
      // And an edit in the CRM export reaches Shop.
      csvAppUpdate(s.csv, 'ann@example.com', { name: 'Ann Lee' });
      expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 0, updated: 1, conflicts: 0 });
      expect(appRows(s.shop).find((r) => r.id === annShop)?.name).toBe('Ann Lee');
    },
  );

  it.each<ChangeDetection>(['cursor', 'flag'])('pitfall 1: linked to one candidate in Shop (%s), the other candidate is not left unlinked without a word — the next sync asks about it', async (shopMode) => {
    dir = tempDir('concord-dup-');
    const s = await crmAndShop(dir, shopMode);
    kit = s.kit;
    csvAppInsert(s.csv, { email: 'cy@example.com', name: 'Cy', score: 1 });
    const cyA = appInsert(s.shop, { email: 'cy@example.com', name: 'Cy A', score: 1 });
    const cyB = appInsert(s.shop, { email: 'CY@example.com', name: 'Cy B', score: 1 });
    appSql(s.shop, `UPDATE contacts SET updated_at = '2020-01-01T00:00:00.000Z' WHERE id IN (${cyA}, ${cyB})`);
    appInsert(s.shop, { email: 'dee@example.com', name: 'Dee', score: 3 });
    await syncAndWait(kit, s.pairId);
    const [summary] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    expect((await kit.call('conflicts/get', { conflictId: summary?.id ?? '' })).duplicate?.side).toBe('left');
    await kit.call('conflicts/resolve', { conflictId: summary?.id ?? '', resolution: { kind: 'duplicate', linkTo: String(cyA) } });

    const next = await syncAndWait(kit, s.pairId);
    expect(next.counts).toMatchObject({ created: 0, conflicts: 1 });
    const [again, ...more] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    expect(more).toEqual([]);
    expect((await kit.call('conflicts/get', { conflictId: again?.id ?? '' })).rightId).toBe(String(cyB));
    // Asked about once: a later run neither creates it nor asks again.
    expect((await syncAndWait(kit, s.pairId)).counts).toMatchObject({ created: 0, conflicts: 0 });
    expect(csvAppRows(s.csv).map((r) => r.name).sort()).toEqual(['Cy', 'Dee']);
  });

  it('a duplicate whose record was deleted in its app since: resolving it closes it (it could never be resolved), and the next sync matches its candidates', async () => {
    const s = await setupPair({}, { modes: ['cursor', 'hash'] });
    kit = s.kit;
    dir = s.dir;
    const cy1 = appInsert(s.left, { email: 'cy@example.com', name: 'Cy one', score: 1 });
    const cy2 = appInsert(s.left, { email: 'CY@example.com', name: 'Cy two', score: 1 });
    appSql(s.left, `UPDATE contacts SET updated_at = '2020-01-01T00:00:00.000Z' WHERE id IN (${cy1}, ${cy2})`);
    appInsert(s.left, { email: 'dee@example.com', name: 'Dee', score: 3 });
    const cyRight = appInsert(s.right, { email: 'cy@example.com', name: 'Cy', score: 1 });
    await syncAndWait(kit, s.pairId);
    const [summary] = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    expect((await kit.call('conflicts/get', { conflictId: summary?.id ?? '' })).rightId).toBe(String(cyRight));
    appDelete(s.right, cyRight);

    const refused = await kit.dispatch('conflicts/resolve', { conflictId: summary?.id ?? '', resolution: { kind: 'duplicate', linkTo: String(cy1) } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('no longer exists in Billing (contacts), so the conflict is closed') });
    expect((await kit.call('conflicts/count', {})).open).toBe(0);
    // Both left records are new again, with no record of their key on the right: each is created there.
    const next = await syncAndWait(kit, s.pairId);
    expect(next.counts).toMatchObject({ created: 2, conflicts: 0 });
    expect(appRows(s.right).map((r) => r.name).sort()).toEqual(['Cy one', 'Cy two', 'Dee']);
    expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(3);
  });

  it('a candidate linked by another resolution since the run shows as linked in the other duplicate, and only its free candidates can be chosen', async () => {
    const s = await setupPair({}, { modes: ['hash', 'hash'] });
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'ann@example.com', name: 'Ann one', score: 1 });
    appInsert(s.left, { email: 'ANN@example.com', name: 'Ann two', score: 1 });
    appInsert(s.right, { email: 'ann@example.com', name: 'Ann A', score: 1 });
    appInsert(s.right, { email: 'ann@example.com', name: 'Ann B', score: 1 });
    await syncAndWait(kit, s.pairId);
    const items = (await kit.call('conflicts/list', { pairId: s.pairId, kind: 'duplicate' })).items;
    expect(items).toHaveLength(2);
    const [first, second] = await Promise.all(items.map((c) => kit?.call('conflicts/get', { conflictId: c.id })));
    const side = first?.duplicate?.side ?? 'left';
    const own = (d: typeof first) => (side === 'left' ? d?.leftId : d?.rightId) ?? '';
    expect(second?.duplicate?.candidates.map((c) => c.linkedTo)).toEqual([undefined, undefined]);
    const taken = first?.duplicate?.candidates[0]?.id ?? '';
    await kit.call('conflicts/resolve', { conflictId: first?.id ?? '', resolution: { kind: 'duplicate', linkTo: taken } });

    // The second conflict was stored by the run before that: the inbox shows it as it is now.
    const now = await kit.call('conflicts/get', { conflictId: second?.id ?? '' });
    const byId = new Map(now.duplicate?.candidates.map((c) => [c.id, c.linkedTo]));
    expect(byId.get(taken)).toBe(own(first));
    const free = [...byId.keys()].find((id) => id !== taken) ?? '';
    expect(byId.get(free)).toBeUndefined();
    const refused = await kit.dispatch('conflicts/resolve', { conflictId: now.id, resolution: { kind: 'duplicate', linkTo: taken } });
    expect(refused.ok ? null : refused.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('already linked') });
    await kit.call('conflicts/resolve', { conflictId: now.id, resolution: { kind: 'duplicate', linkTo: free } });
    expect((await kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(2);
    const next = await syncAndWait(kit, s.pairId);
    expect(next.counts).toMatchObject({ created: 0, conflicts: 0 });
    expect(appRows(s.right)).toHaveLength(2);
  });
});
