import { afterEach, describe, expect, it } from 'vitest';
import { appExec, appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

const byEmail = (path: string, email: string) => appRows(path).find((r) => r.email === email);

describe('change detection', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('pitfall 2: infinite update loops — Concord\'s own writes bump updated_at on the other app, and the next runs see echoes, not changes', async () => {
    const s = await setupPair({}, { modes: ['cursor', 'cursor'] });
    kit = s.kit;
    dir = s.dir;
    const a = appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    await syncAndWait(kit, s.pairId);
    appUpdate(s.left, a, { name: 'A2' });
    const first = await syncAndWait(kit, s.pairId);
    expect(first.counts.updated).toBe(1);
    for (let i = 0; i < 3; i++) {
      const echo = await syncAndWait(kit, s.pairId);
      expect(echo.counts.updated + echo.counts.created).toBe(0);
      expect(echo.counts.skipped).toBeGreaterThan(0); // the records were re-read (look-back) and recognised as equal to the base
    }
  });

  it('pitfall 2: the column Concord uses to see changes cannot be synced into its app (it would change on every run); copied one way out of it, it settles', async () => {
    const s = await setupPair({}, { modes: ['cursor', 'cursor'] });
    kit = s.kit;
    dir = s.dir;
    const pair = await kit.call('pairs/get', { pairId: s.pairId });
    const stamped = (direction: 'both' | 'left-to-right') => ({
      ...pair.config,
      fields: [...pair.config.fields, { name: 'changed', type: 'string' as const, left: { fields: ['updated_at'] }, right: { fields: ['tags'] }, direction }],
    });
    const refused = await kit.dispatch('pairs/update', { pairId: s.pairId, config: stamped('both') });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', issues: [{ path: 'fields.3.direction', message: expect.stringMatching(/^"updated_at" is the last-modified time Concord uses to see changes in CRM "contacts": Concord sets it on its own writes.*A → B only/) }] },
    });
    await kit.call('pairs/update', { pairId: s.pairId, config: stamped('left-to-right') });
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    await syncAndWait(kit, s.pairId);
    for (let i = 0; i < 3; i++) {
      const again = await syncAndWait(kit, s.pairId);
      expect(again.counts.created + again.counts.updated).toBe(0);
    }
  });

  it('pitfall 5: clock skew and time zones — "newest wins" trusts app timestamps only when comparable, else master wins', async () => {
    const s = await setupPair({ conflictPolicy: 'newest', masterSide: 'left' });
    kit = s.kit;
    dir = s.dir;
    const a = appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const b = appInsert(s.left, { email: 'b@example.com', name: 'B', score: 1 });
    await syncAndWait(kit, s.pairId);
    const ra = byEmail(s.right, 'a@example.com')?.id ?? -1;
    const rb = byEmail(s.right, 'b@example.com')?.id ?? -1;
    // a: the right edit is genuinely newer (zoned timestamps, compared in UTC).
    appUpdate(s.left, a, { name: 'A left' });
    appUpdate(s.right, ra, { name: 'A right' });
    appExec(s.left, (db) => db.prepare("UPDATE contacts SET updated_at = '2024-05-01T12:00:00+02:00' WHERE id = ?").run(a)); // 10:00 UTC
    appExec(s.right, (db) => db.prepare("UPDATE contacts SET updated_at = '2024-05-01T11:00:00Z' WHERE id = ?").run(ra)); // 11:00 UTC
    // b: the right server's clock is far ahead: untrustworthy, so the master (left) wins.
    appUpdate(s.left, b, { name: 'B left' });
    appUpdate(s.right, rb, { name: 'B right' });
    appExec(s.right, (db) => db.prepare("UPDATE contacts SET updated_at = '2099-01-01T00:00:00Z' WHERE id = ?").run(rb));
    await syncAndWait(kit, s.pairId);
    expect(byEmail(s.left, 'a@example.com')?.name).toBe('A right');
    expect(byEmail(s.right, 'b@example.com')?.name).toBe('B left');
    expect(byEmail(s.left, 'b@example.com')?.name).toBe('B left');
  });

  it('pitfall 6: records with the same timestamp at a page boundary are not skipped', async () => {
    const s = await setupPair({}, { modes: ['cursor', 'cursor'] });
    kit = s.kit;
    dir = s.dir;
    appExec(s.left, (db) => {
      const ins = db.prepare("INSERT INTO contacts (email, name, score, updated_at) VALUES (?, ?, ?, '2024-01-01T00:00:00.000Z')");
      db.transaction(() => {
        for (let i = 0; i < 1201; i++) ins.run(`c${i}@example.com`, `C${i}`, i); // three pages of 500, one timestamp
      })();
    });
    const run = await syncAndWait(kit, s.pairId);
    expect(run.counts.created).toBe(1201);
    expect(appRows(s.right)).toHaveLength(1201);
    const again = await syncAndWait(kit, s.pairId);
    expect(again.counts.created + again.counts.updated).toBe(0);
  });

  it('pitfall 11: schema changes — a dropped or renamed mapped column pauses the pair with a message naming the field', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    await syncAndWait(kit, s.pairId);
    appExec(s.right, (db) => db.exec('ALTER TABLE contacts RENAME COLUMN score TO points'));
    const run = await syncAndWait(kit, s.pairId);
    expect(run.status).toBe('halted');
    expect(run.error).toBe('Field "score" no longer exists in Billing (contacts) — re-map it in the pair\'s settings, then resume the pair.');
    const pair = await kit.call('pairs/get', { pairId: s.pairId });
    expect(pair).toMatchObject({ paused: true, health: 'paused' });
    expect(pair.healthReason).toContain('"score"');
    const blocked = await kit.dispatch('pairs/sync-now', { pairId: s.pairId });
    expect(blocked.ok ? null : blocked.error.code).toBe('conflict');
    // Re-mapped in the settings: resumed, it syncs again.
    const { config } = pair;
    const fields = config.fields.map((f) => (f.name === 'score' ? { ...f, right: { fields: ['points'] } } : f));
    await kit.call('pairs/update', { pairId: s.pairId, config: { ...config, fields } });
    await kit.call('pairs/resume', { pairId: s.pairId });
    expect((await syncAndWait(kit, s.pairId)).status).toBe('succeeded');
  });

  it('pitfall 12: webhooks are not enough — a change seen again, late or out of order is compared with the base, never replayed', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    const a = appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    await syncAndWait(kit, s.pairId);
    appUpdate(s.left, a, { name: 'A2' });
    await syncAndWait(kit, s.pairId);
    const ra = byEmail(s.right, 'a@example.com')?.id ?? -1;
    appUpdate(s.right, ra, { name: 'A3' });
    await syncAndWait(kit, s.pairId);
    // A full reconciliation re-reads every record (as a duplicate or late delivery would): nothing is re-applied.
    const full = await syncAndWait(kit, s.pairId, true);
    expect(full.counts.updated + full.counts.created + full.counts.deleted).toBe(0);
    expect(byEmail(s.left, 'a@example.com')?.name).toBe('A3');
  });

  it('pitfall 13: false changes from hashing — whitespace, line endings, number formats and null vs empty are not changes', async () => {
    const s = await setupPair();
    kit = s.kit;
    dir = s.dir;
    const a = appInsert(s.left, { email: 'a@example.com', name: 'Line one\nLine two', score: 10 });
    const b = appInsert(s.left, { email: 'b@example.com', name: null, score: null });
    await syncAndWait(kit, s.pairId);
    const rightBefore = appRows(s.right);
    appExec(s.left, (db) => {
      db.prepare("UPDATE contacts SET name = 'Line one\r\nLine two  ', score = '10.0' WHERE id = ?").run(a);
      db.prepare("UPDATE contacts SET name = '', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").run(b);
    });
    const run = await syncAndWait(kit, s.pairId);
    expect(run.counts.read).toBeGreaterThanOrEqual(2);
    expect(run.counts.updated + run.counts.conflicts).toBe(0);
    expect(appRows(s.right)).toEqual(rightBefore);
  });
});
