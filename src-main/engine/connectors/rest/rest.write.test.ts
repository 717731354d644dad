import { describe, expect, it } from 'vitest';
import { people, rig } from './rest.fixture';

const T = '2024-05-01T10:00:00.000Z';

describe('REST connector: writes', () => {
  it('nested fields are written back nested; a PATCH leaves the other nested fields alone', async () => {
    const r = await rig({ etags: true });
    r.standin.app.insert([{ id: 'a1', name: 'Ann', address: { city: 'Oslo', street: 'Storgata 1' } }], T);
    const results = await r.connector.write('contacts', [
      { op: 'update', id: 'a1', fields: { 'address.city': 'Bergen' } },
      { op: 'create', key: 'k', fields: { id: 'b1', name: 'Bob', 'address.city': 'Tromsø', tags: ['a', 'b'] } },
    ]);
    expect(results.map((x) => x.ok)).toEqual([true, true]);
    expect(r.standin.app.get('a1')).toMatchObject({ name: 'Ann', address: { city: 'Bergen', street: 'Storgata 1' } });
    expect(r.standin.app.get('b1')).toMatchObject({ name: 'Bob', address: { city: 'Tromsø' }, tags: ['a', 'b'] });
  });

  it('a body template wraps the fields (JSON structure, not text): {"properties": "{{fields}}"}', async () => {
    const r = await rig({ writeEnvelope: 'properties' }, {
      contacts: { create: { path: '/contacts', body: { properties: '{{fields}}' } }, update: { method: 'PATCH', path: '/contacts/{id}', body: { properties: '{{fields}}' } } },
    });
    r.standin.app.insert(people(1), T);
    // A value that looks like a template or JSON stays a value.
    const results = await r.connector.write('contacts', [
      { op: 'update', id: 'p001', fields: { name: '{{id}}", "x": "' } },
      { op: 'create', key: 'k', fields: { id: 'n1', name: '{{fields}}' } },
    ]);
    expect(results.map((x) => x.ok)).toEqual([true, true]);
    expect(r.standin.app.get('p001')?.name).toBe('{{id}}", "x": "');
    expect(r.standin.app.get('n1')?.name).toBe('{{fields}}');
  });

  it('PUT sends the whole record: the current one is read and the op’s fields merged over it', async () => {
    const r = await rig({ etags: true }, { contacts: { update: { method: 'PUT', path: '/contacts/{id}' } } });
    r.standin.app.insert([{ id: 'a1', name: 'Ann', email: 'ann@x', address: { city: 'Oslo' } }], T);
    const [res] = await r.connector.write('contacts', [{ op: 'update', id: 'a1', fields: { email: 'new@x' } }]);
    expect(res).toMatchObject({ ok: true });
    expect(r.standin.app.get('a1')).toMatchObject({ name: 'Ann', email: 'new@x', address: { city: 'Oslo' } });
  });

  it('stale ETag: If-Match answered 412 is reason "stale", and nothing is overwritten (PITFALLS 3)', async () => {
    const r = await rig({ etags: true });
    r.standin.app.insert(people(2), T);
    const [p1] = await r.connector.read('contacts', ['p001']);
    r.standin.app.update('p001', { name: 'Edited in the app' });
    const res = await r.connector.write('contacts', [
      { op: 'update', id: 'p001', fields: { name: 'Concord' }, ifVersion: p1?.version ?? '' },
      { op: 'delete', id: 'p001', ifVersion: p1?.version ?? '' },
    ]);
    expect(res).toMatchObject([{ ok: false, reason: 'stale', error: expect.stringMatching(/412/) }, { ok: false, reason: 'stale' }]);
    expect(r.standin.app.get('p001')?.name).toBe('Edited in the app');
  });

  it('version field: the expected version rides in the body; the app’s 409 is "stale"; a write returns the new version', async () => {
    const r = await rig({ versionField: true }, { contacts: { concurrency: { kind: 'version-field', field: 'version' } } });
    r.standin.app.insert(people(1), T);
    const [p1] = await r.connector.read('contacts', ['p001']);
    expect(p1?.version).toBe('1');
    expect(p1?.fields).not.toHaveProperty('version');
    const [ok] = await r.connector.write('contacts', [{ op: 'update', id: 'p001', fields: { name: 'One' }, ifVersion: '1' }]);
    expect(ok).toMatchObject({ ok: true, version: '2' });
    const [stale] = await r.connector.write('contacts', [{ op: 'update', id: 'p001', fields: { name: 'Two' }, ifVersion: '1' }]);
    expect(stale).toMatchObject({ ok: false, reason: 'stale', error: expect.stringMatching(/409.*Version conflict/) });
    expect(r.standin.app.get('p001')?.name).toBe('One');
  });

  it('an app without ETags or versions: a content-hash version, checked by a read just before the write', async () => {
    const r = await rig({}, { contacts: { concurrency: { kind: 'none' } } });
    r.standin.app.insert(people(1), T);
    const [p1] = await r.connector.read('contacts', ['p001']);
    r.standin.app.update('p001', { email: 'other@x' });
    const [stale] = await r.connector.write('contacts', [{ op: 'update', id: 'p001', fields: { name: 'X' }, ifVersion: p1?.version ?? '' }]);
    expect(stale).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('write answers without the record: read back by id, so the result has the version and time', async () => {
    const r = await rig({ etags: true, thinWriteAnswers: true }, { contacts: { quirks: { writeAnswerWithoutRecord: true } } });
    const before = r.standin.stats().byMethod.GET ?? 0;
    const [created] = await r.connector.write('contacts', [{ op: 'create', key: 'k', fields: { id: 'n1', name: 'New' } }]);
    expect(created).toMatchObject({ ok: true, id: 'n1', version: expect.stringMatching(/^"r1-/), updatedAt: expect.any(String) });
    expect((r.standin.stats().byMethod.GET ?? 0) - before).toBe(1);
  });

  it('the app’s 422 fails the op as "invalid" with the app’s own message; 404 is "not-found"; the rest of the batch goes on', async () => {
    const r = await rig({ etags: true });
    r.standin.app.insert(people(1), T);
    const res = await r.connector.write('contacts', [
      { op: 'update', id: 'p001', fields: { favourite_colour: 'blue' } },
      { op: 'delete', id: 'ghost' },
      { op: 'update', id: 'p001', fields: { name: 'Fine' } },
      { op: 'update', id: 'p001', fields: { address: 'x', 'address.city': 'y' } },
    ]);
    expect(res).toMatchObject([
      { ok: false, reason: 'invalid', error: expect.stringContaining('422: Unknown property "favourite_colour"') },
      { ok: false, reason: 'not-found' },
      { ok: true },
      { ok: false, reason: 'invalid', error: expect.stringContaining('cannot both be written') },
    ]);
  });

  it('a profile without write endpoints says so per op, and describe marks the collection read-only', async () => {
    const r = await rig({}, { contacts: { create: undefined, update: undefined, delete: undefined } });
    const [res] = await r.connector.write('contacts', [{ op: 'create', key: 'k', fields: { name: 'x' } }]);
    expect(res).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringContaining('no create endpoint') });
    expect((await r.connector.describe()).collections[0]?.writable).toEqual({ create: false, update: false, delete: false });
  });
});
