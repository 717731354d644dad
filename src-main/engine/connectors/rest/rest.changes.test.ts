import { describe, expect, it } from 'vitest';
import type { SaasStandinOptions } from '../../testing/saas-standin/server';
import type { ProfileInput } from './profile';
import { people, rig } from './rest.fixture';

const T = '2024-05-01T10:00:00.000Z';
const later = (s: number) => new Date(Date.parse(T) + s * 1000).toISOString();
const LIST = { path: '/contacts', records: '$.data', paging: { style: 'cursor', cursorParam: 'cursor', next: '$.next_cursor', sizeParam: 'limit' }, modifiedSince: { param: 'updated_since' } } as const;

describe('REST connector: modified-since in the app’s own time format', () => {
  it.each([
    ['iso', 'iso', 'iso'],
    ['epoch seconds', 'epoch-seconds', 'epoch-seconds'],
    ['epoch ms', 'epoch-ms', 'epoch-ms'],
    ['a strftime pattern', 'pattern', { pattern: '%Y-%m-%d %H:%M:%S' }],
  ] as [string, NonNullable<SaasStandinOptions['timeFormat']>, ProfileInput['timeFormat']][])('%s', async (_n, serverFormat, profileFormat) => {
    const r = await rig({ timeFormat: serverFormat }, { profile: { timeFormat: profileFormat } });
    r.standin.app.insert(people(3), T);
    const first = await r.scan('cursor');
    expect(first.ids).toHaveLength(3);
    expect(first.upserts[0]?.updatedAt).toBe(T);
    expect(first.cursor).toEqual({ mode: 'cursor', value: { ts: T } });
    r.standin.app.update('p002', { name: 'Changed' }, later(60));
    r.standin.app.insert([{ id: 'n001', name: 'New', email: 'n@x' }], later(120));
    // The filter is inclusive: the records at the cursor's own time come again (harmless: equal to the base).
    const next = await r.scan('cursor', first.cursor);
    expect([...next.ids].sort()).toEqual(['n001', 'p001', 'p002', 'p003']);
    expect(next.cursor).toEqual({ mode: 'cursor', value: { ts: later(120) } });
    expect((await r.scan('cursor', next.cursor)).ids).toEqual(['n001']);
  });
});

describe('REST connector: deletes', () => {
  it('deleted flag: hash scans leave flagged records out (absent = deleted); cursor reads report them as deletes', async () => {
    const r = await rig({ deletedFlag: true }, { contacts: { deletes: { kind: 'flag', field: 'archived', value: true }, list: { ...LIST, query: { include_archived: 'true' } } } });
    r.standin.app.insert(people(3), T);
    const first = await r.scan('cursor');
    r.standin.app.remove('p002');
    const scan = await r.scan('hash');
    expect(scan.ids.sort()).toEqual(['p001', 'p003']);
    expect(scan.batches.at(-1)?.complete).toBe(true);
    const next = await r.scan('cursor', first.cursor);
    expect(next.deletes).toEqual(['p002']);
    expect(next.ids).not.toContain('p002');
    expect(await r.connector.read('contacts', ['p002'])).toEqual([]);
  });

  it('deleted-since endpoint: a cursor read asks it from the cursor’s time and reports what it lists', async () => {
    const r = await rig({ deletedSince: true }, { contacts: { deletes: { kind: 'endpoint', path: '/contacts/deleted', sinceParam: 'since', records: '$.deleted', id: 'id' } } });
    r.standin.app.insert(people(3), T);
    const first = await r.scan('cursor');
    expect(first.deletes).toEqual([]);
    r.standin.app.remove('p003');
    const next = await r.scan('cursor', first.cursor);
    expect(next.deletes).toEqual(['p003']);
  });

  it('no deletes reported: a hash scan lists every id, so a record deleted in the app is simply absent (reconciled by ids)', async () => {
    const r = await rig({});
    r.standin.app.insert(people(5), T);
    r.standin.app.remove('p004');
    const scan = await r.scan('hash', null, 2);
    expect(scan.ids.sort()).toEqual(['p001', 'p002', 'p003', 'p005']);
    expect(scan.batches.at(-1)).toMatchObject({ complete: true, total: 4 });
    expect(scan.batches.slice(0, -1).every((b) => !b.complete)).toBe(true);
  });
});

describe('REST connector: quirks a profile states', () => {
  it('lists lag writes: a scan right after Concord’s own writes still has the record it created, not the one it deleted, and the new values of the one it updated', async () => {
    const r = await rig({ etags: true, listLagCalls: 3 }, { contacts: { quirks: { listLagSeconds: 60 } } });
    r.standin.app.insert(people(3), T);
    const results = await r.connector.write('contacts', [
      { op: 'create', key: 'k', fields: { id: 'n001', name: 'Mine' } },
      { op: 'update', id: 'p001', fields: { name: 'Updated by Concord' } },
      { op: 'delete', id: 'p002' },
    ]);
    expect(results.every((x) => x.ok)).toBe(true);
    for (const mode of ['hash', 'cursor'] as const) {
      const scan = await r.scan(mode, null, 2);
      expect([...scan.ids].sort(), mode).toEqual(['n001', 'p001', 'p003']);
      expect(scan.upserts.find((u) => u.id === 'p001')?.fields.name, mode).toBe('Updated by Concord');
    }
  });

  it('lists lag writes, and the profile does not say so: the scan misses Concord’s own create (what the quirk setting is for)', async () => {
    const r = await rig({ etags: true, listLagCalls: 3 });
    await r.connector.write('contacts', [{ op: 'create', key: 'k', fields: { id: 'n001', name: 'Mine' } }]);
    expect((await r.scan('hash')).ids).toEqual([]);
  });

  it('a cursor read of lagging lists looks back at least the lag', async () => {
    const r = await rig({}, { contacts: { quirks: { listLagSeconds: 30 } } });
    r.standin.app.insert(people(1), T);
    r.standin.app.insert([{ id: 'late', name: 'Indexed late' }], later(-20));
    const next = await r.scan('cursor', { mode: 'cursor', value: { ts: T } });
    expect(next.ids).toContain('late');
  });

  it('updated-at null on create: the created-at stands in, so new records are read and move the cursor', async () => {
    const r = await rig({ updatedAtNullOnCreate: true }, { contacts: { quirks: { updatedAtNullOnCreate: true } } });
    r.standin.app.insert(people(2), T);
    expect(r.standin.app.get('p001')?.updated_at).toBeNull();
    const first = await r.scan('cursor');
    expect(first.upserts[0]?.updatedAt).toBe(T);
    expect(first.cursor).toEqual({ mode: 'cursor', value: { ts: T } });
    r.standin.app.insert([{ id: 'n001', name: 'New' }], later(10));
    expect((await r.scan('cursor', first.cursor)).ids).toContain('n001');
  });

  it.each([
    [true, '2024-05-01T09:59:59.000Z'],
    [false, '2024-05-01T10:00:00.000Z'],
  ])('1-second timestamps stated (%s): the modified-since a cursor read sends looks back a second; a record later in the same second is read', async (stated, sent) => {
    const r = await rig({ secondTimestamps: true }, { contacts: { quirks: { secondTimestamps: stated } } });
    r.standin.app.insert(people(1), '2024-05-01T10:00:00.900Z');
    const first = await r.scan('cursor');
    expect(first.cursor).toEqual({ mode: 'cursor', value: { ts: T } });
    r.standin.app.insert([{ id: 'same-second', name: 'S' }], '2024-05-01T10:00:00.950Z');
    expect((await r.scan('cursor', first.cursor)).ids).toContain('same-second');
    expect(r.standin.stats().queries.at(-1)).toContain(`updated_since=${encodeURIComponent(sent)}`);
  });

  it('pages in updated-at order let the cursor move page by page; otherwise it moves only on the last batch', async () => {
    const sorted = await rig({}, { contacts: { list: { ...LIST, query: { sort: 'updated_at' }, order: 'updated-asc' } } });
    const unsorted = await rig({});
    for (const r of [sorted, unsorted]) for (let i = 0; i < 4; i++) r.standin.app.insert([{ id: `x${i}`, name: 'x' }], later(i));
    const a = await sorted.scan('cursor', null, 2);
    expect(a.batches.map((b) => b.cursor.value)).toEqual([{ ts: later(1) }, { ts: later(3) }]);
    const b = await unsorted.scan('cursor', null, 2);
    expect(b.batches.map((x) => x.cursor.value)).toEqual([null, { ts: later(3) }]);
  });
});
