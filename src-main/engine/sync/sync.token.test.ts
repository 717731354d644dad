import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStore } from '../connections/service';
import { MemoryAppFixture } from './memory-connector.fixture';
import { appInsert, appRows, appUpdate, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

describe('token change detection (native change feed with reported deletes)', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    removeDir(dir);
  });

  it('reads changes and deletes from the token, resumes from it, and a second run writes nothing', async () => {
    const app = new MemoryAppFixture(['email', 'name', 'score']);
    // The right connection ("Billing") is stored as usual; only its connector is the in-memory fixture.
    const isMemory = (svc: ConnectionStore, id: string) => svc.get(id).name === 'Billing';
    const wrap = (svc: ConnectionStore): ConnectionStore => ({
      ...svc,
      open: (id) => (isMemory(svc, id) ? app.connector('contacts') : svc.open(id)),
      definition: (id) => (isMemory(svc, id) ? app.definition() : svc.definition(id)),
    });
    const s = await setupPair({}, { wrap, modes: ['hash', 'token'] });
    kit = s.kit;
    dir = s.dir;

    appInsert(s.left, { email: 'a@example.com', name: 'A', score: 1 });
    const m = app.put(null, { email: 'm@example.com', name: 'M', score: '2' });
    const first = await syncAndWait(s.kit, s.pairId);
    expect(first.counts.created).toBe(2);
    expect(appRows(s.left).map((r) => r.email).sort()).toEqual(['a@example.com', 'm@example.com']);

    app.put(m, { name: 'M2' });
    const second = await syncAndWait(s.kit, s.pairId);
    expect(second.counts.updated).toBe(1);
    expect(appRows(s.left).find((r) => r.email === 'm@example.com')?.name).toBe('M2');

    app.remove(m); // reported by the feed, no scan needed
    const third = await syncAndWait(s.kit, s.pairId);
    expect(third.counts.deleted).toBe(1);
    expect(appRows(s.left).map((r) => r.email)).toEqual(['a@example.com']);

    const a = appRows(s.left)[0]?.id ?? -1;
    appUpdate(s.left, a, { name: 'A2' });
    await syncAndWait(s.kit, s.pairId);
    expect([...app.rows.values()].map((r) => r.fields.name)).toEqual(['A2']);
    const quiet = await syncAndWait(s.kit, s.pairId);
    expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);
  });
});
