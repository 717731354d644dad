/**
 * PITFALLS 4 for a token side whose token the app forgot: the connector lists everything again
 * (`ChangeBatch.rescan`). Random books, random deletes and edits while the token was invalid,
 * random page sizes, and a listing cut short at a random page — by a network error, or by a
 * connector that simply stops without saying `complete`. Properties:
 * - a listing that did not end complete never infers a delete (nothing is deleted on the other side);
 * - the next, whole listing finds exactly the records deleted meanwhile, and applies the edits;
 * - a run after that is quiet.
 * The token side is the in-memory fixture (memory-connector.fixture.ts), the other a real SQLite
 * table. Number of cases: env CONCORD_PROPERTY_RUNS (default 25).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStore } from '../connections/service';
import { MemoryAppFixture } from './memory-connector.fixture';
import { appRows, removeDir, setupPair, syncAndWait, type Kit } from './test-kit.fixture';

const RUNS = Math.min(Number(process.env.CONCORD_PROPERTY_RUNS ?? 25), 100);

describe('token side: a listing after a forgotten token (rescan)', () => {
  let kit: Kit | null = null;
  let dir = '';
  afterEach(async () => {
    await kit?.close();
    kit = null;
    removeDir(dir);
  });

  it('pitfall 4: a rescan cut short mid-way never infers deletes; the whole rescan finds exactly the deletes', async () => {
    const scenario = fc
      .record({
        n: fc.integer({ min: 2, max: 14 }),
        pageSize: fc.integer({ min: 1, max: 5 }),
        how: fc.constantFrom('throw' as const, 'end' as const),
        cutAt: fc.nat(),
        deleted: fc.uniqueArray(fc.nat({ max: 13 }), { maxLength: 6 }),
        edited: fc.uniqueArray(fc.nat({ max: 13 }), { maxLength: 4 }),
      })
      .map((s) => ({ ...s, deleted: s.deleted.filter((i) => i < s.n), edited: s.edited.filter((i) => i < s.n) }));
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        await kit?.close();
        removeDir(dir);
        const app = new MemoryAppFixture(['email', 'name', 'score']);
        const isMemory = (svc: ConnectionStore, id: string) => svc.get(id).name === 'Billing';
        const wrap = (svc: ConnectionStore): ConnectionStore => ({
          ...svc,
          open: (id) => (isMemory(svc, id) ? app.connector('contacts') : svc.open(id)),
          definition: (id) => (isMemory(svc, id) ? app.definition() : svc.definition(id)),
        });
        // The guard never stops these runs (limit 100 %): what is under test is what counts as gone.
        const s = await setupPair({ deletes: { propagate: true, massDeleteThreshold: 1 } }, { wrap, modes: ['hash', 'token'] });
        kit = s.kit;
        dir = s.dir;
        const ids = Array.from({ length: sc.n }, (_, i) => app.put(null, { email: `p${i}@example.com`, name: `P${i}`, score: String(i) }));
        expect((await syncAndWait(s.kit, s.pairId)).counts.created).toBe(sc.n);
        await syncAndWait(s.kit, s.pairId);

        for (const i of sc.edited) if (!sc.deleted.includes(i)) app.put(ids[i] as string, { name: `P${i} edited` });
        for (const i of sc.deleted) app.remove(ids[i] as string);
        app.forgetTokens();
        app.pageSize = sc.pageSize;
        const pages = Math.max(1, Math.ceil(app.rows.size / sc.pageSize));
        app.cut = { after: sc.cutAt % pages, how: sc.how };

        const cut = await syncAndWait(s.kit, s.pairId);
        expect(cut.status).toBe(sc.how === 'throw' ? 'failed' : 'succeeded');
        expect(cut.counts.deleted).toBe(0);
        expect(appRows(s.left)).toHaveLength(sc.n);

        const whole = await syncAndWait(s.kit, s.pairId);
        expect(whole).toMatchObject({ status: 'succeeded', counts: { deleted: sc.deleted.length, failed: 0 } });
        const expected = [...app.rows.values()].map((r) => ({ email: r.fields.email, name: r.fields.name })).sort((a, b) => String(a.email).localeCompare(String(b.email)));
        const got = appRows(s.left).map((r) => ({ email: r.email, name: r.name })).sort((a, b) => String(a.email).localeCompare(String(b.email)));
        expect(got).toEqual(expected);

        const quiet = await syncAndWait(s.kit, s.pairId);
        expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
