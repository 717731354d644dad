// Endpoint shapes the shipped profiles need: ids that are resource paths ({idPath}, Google's
// `people/c123`), a list and create at the base URL itself (Airtable's table URL), and an app that
// answers `null` for an empty list (Pipedrive).
import { describe, expect, it } from 'vitest';
import { endpointFor } from './endpoint';
import { people, rig } from './rest.fixture';

const T = '2024-05-01T10:00:00.000Z';

describe('REST connector: record endpoints', () => {
  it('{id} is encoded whole; {idPath} keeps the slashes of a resource path and encodes each part', () => {
    expect(endpointFor('/contacts/{id}', 'a/b c')).toBe('/contacts/a%2Fb%20c');
    expect(endpointFor('/{idPath}:updateContact', 'people/c12 3')).toBe('/people/c12%203:updateContact');
  });

  it('{idPath} refuses an id that would point elsewhere (empty, . or .. parts)', () => {
    for (const id of ['people/../admin', '/people/c1', 'people//c1', '.']) expect(() => endpointFor('/{idPath}', id)).toThrow(/not a resource path/);
  });

  it('a list and a create at the base URL itself (empty path): the table URL is the base URL', async () => {
    const r = await rig({}, { contacts: { list: { path: '', records: '$.data', paging: { style: 'cursor', cursorParam: 'cursor', next: '$.next_cursor', sizeParam: 'limit' }, pageSize: 2 }, get: { path: '/{id}' }, create: { path: '' }, update: { path: '/{id}' }, delete: { path: '/{id}' } } }, { baseUrlSuffix: '/contacts' });
    r.standin.app.insert(people(3), T);
    expect((await r.scan()).ids.sort()).toEqual(['p001', 'p002', 'p003']);
    const [created] = await r.connector.write('contacts', [{ op: 'create', key: 'k-dee', fields: { name: 'Dee', email: 'dee@x' } }]);
    expect(created).toMatchObject({ ok: true });
    expect(await r.connector.read('contacts', ['p002'])).toMatchObject([{ id: 'p002' }]);
  });
});

describe('REST connector: an empty list answered as null', () => {
  it('is an empty page, not a broken profile; a path that is not there still is', async () => {
    const r = await rig({ nullWhenEmpty: true });
    const empty = await r.scan();
    expect(empty.ids).toEqual([]);
    expect(empty.batches.at(-1)?.complete).toBe(true);
    const wrong = await rig({ nullWhenEmpty: true }, { contacts: { list: { path: '/contacts', records: '$.items' } } });
    await expect(wrong.scan()).rejects.toMatchObject({ message: expect.stringContaining('no array at list.records ("$.items")') });
  });
});

describe('REST connector: an update the app takes as the whole record (wholeRecord)', () => {
  it('reads the record and sends every writable field with the changed ones merged over it, whatever the method', async () => {
    const r = await rig({ etags: true }, { contacts: { update: { method: 'PATCH', path: '/contacts/{id}', wholeRecord: true } } });
    r.standin.app.insert([{ id: 'p001', name: 'Ann', email: 'ann@x', company: 'Acme' }], T);
    const [done] = await r.connector.write('contacts', [{ op: 'update', id: 'p001', fields: { name: 'Anna' } }]);
    expect(done).toMatchObject({ ok: true });
    const sent = JSON.parse(r.standin.stats().bodies.at(-1)!) as Record<string, unknown>;
    expect(sent).toMatchObject({ name: 'Anna', email: 'ann@x', company: 'Acme' });
    expect(sent).not.toHaveProperty('id');
    expect(sent).not.toHaveProperty('updated_at');
    expect(r.standin.app.get('p001')).toMatchObject({ name: 'Anna', email: 'ann@x', company: 'Acme' });
  });
});

