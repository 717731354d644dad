import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStore } from '../connections/service';
import { appDelete, appExec, appInsert, appRows, appUpdate, basePairConfig, removeDir, setupPair, syncAndWait, waitRun, type Kit } from './test-kit.fixture';

const emails = (path: string) => appRows(path).map((r) => r.email).sort();

describe('deletes', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  async function seeded(n: number, over: Parameters<typeof setupPair>[0] = {}, opts: Parameters<typeof setupPair>[1] = {}) {
    const s = await setupPair(over, opts);
    kit = s.kit;
    dir = s.dir;
    const ids = Array.from({ length: n }, (_, i) => appInsert(s.left, { email: `c${i}@example.com`, name: `C${i}`, score: i }));
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.created).toBe(n);
    return { ...s, ids };
  }

  it('pitfall 4: deleted records come back / deletes never arrive — a delete propagates, and the record never comes back', async () => {
    const s = await seeded(3);
    appDelete(s.left, s.ids[0] ?? -1);
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.deleted).toBe(1);
    expect(emails(s.right)).toEqual(['c1@example.com', 'c2@example.com']);
    await syncAndWait(s.kit, s.pairId);
    await syncAndWait(s.kit, s.pairId, true);
    expect(emails(s.left)).toEqual(['c1@example.com', 'c2@example.com']);
    expect(emails(s.right)).toEqual(['c1@example.com', 'c2@example.com']);
    const activity = await s.kit.call('activity/list', { pairId: s.pairId, record: 'c0@example.com' });
    expect(activity.some((a) => a.action === 'deleted' && a.field === 'name' && a.before === 'C0')).toBe(true);
  });

  it('a pair that takes deletes from one app only: the left app\'s delete clears the right\'s row; a row deleted in the right keeps its left record', async () => {
    const s = await seeded(3, { deletes: { propagate: true, from: 'left', massDeleteThreshold: 1 } });
    appDelete(s.left, s.ids[0] ?? -1);
    const right = appRows(s.right);
    appDelete(s.right, right.find((r) => r.email === 'c1@example.com')?.id ?? -1);
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.deleted).toBe(1);
    expect(emails(s.left)).toEqual(['c1@example.com', 'c2@example.com']);
    expect(emails(s.right)).toEqual(['c2@example.com']);
    const kept = (await s.kit.call('activity/list', { pairId: s.pairId, record: 'c1@example.com' })).find((a) => a.action === 'deleted');
    expect(kept?.reason).toBe('deleted in Billing (contacts); kept in CRM (contacts) (the pair takes deletes from CRM (contacts) only) and no longer synced');
    // The kept record is not recreated in the right app, and later runs write nothing.
    const again = await syncAndWait(s.kit, s.pairId, true);
    expect(again.counts.created + again.counts.updated + again.counts.deleted).toBe(0);
    expect(emails(s.right)).toEqual(['c2@example.com']);
  });

  it('pitfall 4: a full resync of a side that can only read flagged records deletes nothing (a flag read does not list every record)', async () => {
    // The right app can detect changes by flag only (no full hash scan), like an API with a "modified" flag.
    const flagOnly = (svc: ConnectionStore): ConnectionStore => ({
      ...svc,
      definition: (id) => {
        const def = svc.definition(id);
        return svc.get(id).name === 'Billing' ? { ...def, capabilities: { ...def.capabilities, changeDetection: ['flag'] } } : def;
      },
    });
    const s = await seeded(3, {}, { wrap: flagOnly, modes: ['hash', 'flag'] });
    const run = await syncAndWait(s.kit, s.pairId, true); // no right record is flagged any more
    expect(run.counts.deleted).toBe(0);
    expect(emails(s.left)).toEqual(['c0@example.com', 'c1@example.com', 'c2@example.com']);
    expect((await s.kit.call('pairs/get', { pairId: s.pairId })).linked).toBe(3);
  });

  it('pitfall 4: edit beats delete by default, and is an update-delete conflict when the policy is manual', async () => {
    const s = await seeded(2);
    const rightC0 = appRows(s.right).find((r) => r.email === 'c0@example.com')?.id ?? -1;
    appDelete(s.left, s.ids[0] ?? -1);
    appUpdate(s.right, rightC0, { name: 'Edited' });
    await syncAndWait(s.kit, s.pairId);
    expect(appRows(s.left).find((r) => r.email === 'c0@example.com')?.name).toBe('Edited'); // recreated

    const { config } = await s.kit.call('pairs/get', { pairId: s.pairId });
    await s.kit.call('pairs/update', { pairId: s.pairId, config: { ...config, conflictPolicy: 'manual' } });
    const rightC1 = appRows(s.right).find((r) => r.email === 'c1@example.com')?.id ?? -1;
    appDelete(s.left, s.ids[1] ?? -1);
    appUpdate(s.right, rightC1, { name: 'Edited too' });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.conflicts).toBe(1);
    expect(emails(s.left)).not.toContain('c1@example.com');
    const [c] = (await s.kit.call('conflicts/list', { kind: 'update-delete' })).items;
    const detail = await s.kit.call('conflicts/get', { conflictId: c?.id ?? '' });
    expect(detail.deletedSide).toBe('left');
    await s.kit.call('conflicts/resolve', { conflictId: detail.id, resolution: { kind: 'update-delete', keep: 'deleted' } });
    expect(emails(s.right)).not.toContain('c1@example.com');
  });

  it('pitfall 4: an edit against a delete is an update-delete conflict when an edited field has a per-field manual policy (pair policy master)', async () => {
    const fields = basePairConfig('l', 'r').fields.map((f) => (f.name === 'name' ? { ...f, policy: 'manual' as const } : f));
    const s = await seeded(2, { conflictPolicy: 'master', fields });
    const rightC0 = appRows(s.right).find((r) => r.email === 'c0@example.com')?.id ?? -1;
    const rightC1 = appRows(s.right).find((r) => r.email === 'c1@example.com')?.id ?? -1;
    appDelete(s.left, s.ids[0] ?? -1);
    appUpdate(s.right, rightC0, { name: 'Edited' }); // a manual field: the steward decides
    appDelete(s.left, s.ids[1] ?? -1);
    appUpdate(s.right, rightC1, { score: 99 }); // a master-policy field: edit beats delete
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts.conflicts).toBe(1);
    expect(emails(s.left)).toEqual(['c1@example.com']); // c1 recreated; c0 waits in the inbox, not recreated
    const open = (await s.kit.call('conflicts/list', { pairId: s.pairId })).items;
    expect(open.map((c) => [c.kind, c.record])).toEqual([['update-delete', 'c0@example.com']]);
    expect(appRows(s.right).find((r) => r.email === 'c0@example.com')?.name).toBe('Edited');
  });

  it('pitfall 4: the mass-delete guard stops a run when an app suddenly returns nothing', async () => {
    const s = await seeded(10, { deletes: { propagate: true, massDeleteThreshold: 0.3 } });
    appExec(s.left, (db) => db.exec('DELETE FROM contacts')); // a broken export: the table comes back empty
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.status).toBe('halted');
    expect(run.error).toMatch(/^Stopped before deleting: 10 of 10 linked records \(100%\) are gone from CRM \(contacts\), more than the pair's limit of 30%.*Apply these deletes.*--confirm-deletes 10/);
    expect(appRows(s.right)).toHaveLength(10);
    const pair = await s.kit.call('pairs/get', { pairId: s.pairId });
    expect(pair.health).toBe('needs-attention');
    expect(pair.healthReason).toContain('Stopped before deleting');
    expect(pair.awaitingDeleteConfirmation).toEqual({ gone: 10 });
    // A confirmation for fewer records than are gone now asks again.
    const fewer = await waitRun(s.kit, (await s.kit.call('pairs/sync-now', { pairId: s.pairId, confirmDeletes: 4 })).runId);
    expect(fewer.status).toBe('halted');
    expect(fewer.error).toContain('10 of 10 linked records (100%) are gone from CRM (contacts) now, more than the 4 you confirmed.');
    // The user says the deletes are real: one run applies them, and the pair is healthy again.
    const { runId } = await s.kit.call('pairs/sync-now', { pairId: s.pairId, confirmDeletes: 10 });
    const confirmed = await waitRun(s.kit, runId);
    expect(confirmed).toMatchObject({ status: 'succeeded', counts: { deleted: 10 } });
    expect(appRows(s.right)).toHaveLength(0);
    expect(await s.kit.call('pairs/get', { pairId: s.pairId })).toMatchObject({ healthReason: null, awaitingDeleteConfirmation: null });
  });

  it('pitfall 4: the guard also stops a pair that does not propagate deletes — an empty answer must not stop syncing every record; the records come back and sync again', async () => {
    const s = await seeded(10, { deletes: { propagate: false, massDeleteThreshold: 0.3 } });
    const saved = appRows(s.left);
    appExec(s.left, (db) => db.exec('DELETE FROM contacts'));
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('halted');
    expect(s.kit.db.prepare('SELECT count(*) FROM links WHERE deleted_side IS NOT NULL').pluck().get()).toBe(0);
    // Below the limit, a delete leaves a tombstone; the record restored in its app syncs again.
    appExec(s.left, (db) => {
      const put = db.prepare('INSERT INTO contacts (id, email, name, score) VALUES (?, ?, ?, ?)');
      for (const r of saved) if (r.email !== 'c0@example.com') put.run(r.id, r.email, r.name, r.score);
    });
    expect((await syncAndWait(s.kit, s.pairId)).status).toBe('succeeded');
    expect(s.kit.db.prepare('SELECT count(*) FROM links WHERE deleted_side IS NOT NULL').pluck().get()).toBe(1);
    const c0 = saved.find((r) => r.email === 'c0@example.com');
    appExec(s.left, (db) => db.prepare('INSERT INTO contacts (id, email, name, score) VALUES (?, ?, ?, ?)').run(c0?.id, c0?.email, 'C0 again', c0?.score));
    const back = await syncAndWait(s.kit, s.pairId);
    expect(back.status).toBe('succeeded');
    expect(appRows(s.right).find((r) => r.email === 'c0@example.com')?.name).toBe('C0 again');
    expect(s.kit.db.prepare('SELECT count(*) FROM links WHERE deleted_side IS NOT NULL').pluck().get()).toBe(0);
  });

  it('pitfall 4: a cursor connector that cannot see deletes gets them on full reconciliation', async () => {
    const s = await seeded(3, {}, { modes: ['cursor', 'cursor'] });
    // Records last touched long ago: outside the cursor's look-back window, so nothing re-reads them.
    for (const p of [s.left, s.right]) appExec(p, (db) => db.exec("UPDATE contacts SET updated_at = '2020-01-0' || id || 'T00:00:00.000Z'"));
    await syncAndWait(s.kit, s.pairId);
    appDelete(s.left, s.ids[0] ?? -1);
    await syncAndWait(s.kit, s.pairId);
    expect(appRows(s.right)).toHaveLength(3); // a cursor cannot see a delete
    const full = await syncAndWait(s.kit, s.pairId, true);
    expect(full.mode).toBe('full');
    expect(full.counts.deleted).toBe(1);
    expect(emails(s.right)).toEqual(['c1@example.com', 'c2@example.com']);
  });

  it('pitfall 10: pagination instability — after a full scan, deletes are reconciled against ids, not counts', async () => {
    const s = await seeded(5);
    // Same count, different records: one deleted and one inserted.
    appDelete(s.left, s.ids[1] ?? -1);
    appInsert(s.left, { email: 'new@example.com', name: 'New', score: 0 });
    const run = await syncAndWait(s.kit, s.pairId);
    expect(run.counts).toMatchObject({ created: 1, deleted: 1 });
    expect(emails(s.right)).toEqual(emails(s.left));
  });
});
