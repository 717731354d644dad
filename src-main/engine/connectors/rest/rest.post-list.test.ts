// A list endpoint called with POST and a JSON body (Notion's database query, search endpoints):
// the paging values and the modified-since filter go into the body as JSON templates fill them,
// never into the query string, and never by string concatenation.
import { describe, expect, it } from 'vitest';
import { standinProfile } from '../../testing/saas-standin/profile-fixture';
import { fillTemplate } from './templates';
import { checkProfile, type ProfileInput } from './profile';
import { people, rig } from './rest.fixture';

const T = '2024-05-01T10:00:00.000Z';
const later = (s: number) => new Date(Date.parse(T) + s * 1000).toISOString();
type ListInput = ProfileInput['collections'][number]['list'];
const QUERY: ListInput = {
  method: 'POST',
  path: '/contacts/query',
  records: '$.data',
  body: { page_size: '{{pageSize}}', start_cursor: '{{cursor}}', sort: 'updated_at' },
  paging: { style: 'cursor', next: '$.next_cursor' },
  pageSize: 4,
  modifiedSince: { body: { filter: { updated_since: '{{since}}' } } },
  order: 'updated-asc',
};
const bodiesOf = (all: string[]) => all.map((b) => JSON.parse(b) as Record<string, unknown>);

describe('REST connector: a list called with POST and a JSON body', () => {
  it('pages through the body: page size and cursor in it, the first page without a cursor, nothing in the query string', async () => {
    const r = await rig({ postQuery: true }, { contacts: { list: QUERY } });
    r.standin.app.insert(people(11), T);
    const scan = await r.scan('hash');
    expect([...scan.ids].sort()).toEqual(people(11).map((p) => p.id));
    expect(scan.batches.at(-1)?.complete).toBe(true);
    const bodies = bodiesOf(r.standin.stats().bodies);
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toEqual({ page_size: 4, sort: 'updated_at' });
    expect(bodies[1]).toEqual({ page_size: 4, sort: 'updated_at', start_cursor: expect.any(String) });
    expect(r.standin.stats().queries.every((q) => q === '')).toBe(true);
  });

  it('modified-since goes into the body as the filter fragment with "{{since}}"; without a cursor there is no filter', async () => {
    const r = await rig({ postQuery: true }, { contacts: { list: QUERY } });
    r.standin.app.insert(people(3), T);
    const first = await r.scan('cursor');
    expect(first.ids).toHaveLength(3);
    expect(bodiesOf(r.standin.stats().bodies)[0]).not.toHaveProperty('filter');
    expect(first.cursor).toEqual({ mode: 'cursor', value: { ts: T } });
    r.standin.app.update('p002', { name: 'Changed' }, later(60));
    r.standin.app.insert([{ id: 'n001', name: 'New', email: 'n@x' }], later(120));
    const next = await r.scan('cursor', first.cursor);
    expect([...next.ids].sort()).toEqual(['n001', 'p001', 'p002', 'p003']);
    expect(bodiesOf(r.standin.stats().bodies).at(-1)).toEqual({ page_size: 4, sort: 'updated_at', filter: { updated_since: T } });
    expect((await r.scan('cursor', next.cursor)).ids).toEqual(['n001']);
  });

  it('epoch times go into the body as numbers; a paging value the body lacks goes to its query parameter', () => {
    expect(fillTemplate({ filter: { after: '{{since}}' }, n: ['{{pageSize}}', '{{cursor}}'] }, { since: 1714557600, pageSize: 4, cursor: undefined })).toEqual({ filter: { after: 1714557600 }, n: [4] });
  });

  it('the stand-in refuses what a body-only endpoint refuses, so the test above proves the placement', async () => {
    const r = await rig({ postQuery: true }, { contacts: { list: { ...QUERY, body: { page_size: '{{pageSize}}' }, paging: { style: 'cursor', next: '$.next_cursor', sizeParam: 'limit' } } } });
    r.standin.app.insert(people(6), T);
    // The cursor is not in the body, so it goes to the query string (cursorParam), which this endpoint refuses.
    await expect(r.scan('hash')).rejects.toMatchObject({ message: expect.stringContaining('not the query string') });
  });
});

describe('app profile: POST list settings', () => {
  const withList = (list: Record<string, unknown>) => {
    const p = standinProfile('http://127.0.0.1:9/api', { contacts: { list: list as ListInput } });
    const c = checkProfile(p);
    return c.ok ? [] : c.issues.map((i) => i.message);
  };
  it('accepts the Notion-style query', () => {
    expect(withList(QUERY as Record<string, unknown>)).toEqual([]);
  });
  it('names each mistake with its path', () => {
    expect(withList({ ...QUERY, method: 'GET' })).toEqual(
      expect.arrayContaining([expect.stringContaining('collections[0].list.body is sent only with list.method "POST"'), expect.stringContaining('collections[0].list.modifiedSince.body is sent only with list.method "POST"')]),
    );
    expect(withList({ ...QUERY, body: { start_cursor: '{{since}}', a: '{{cursor}}', b: '{{cursor}}' } })).toEqual([
      expect.stringContaining('collections[0].list.body holds "{{since}}", which this template does not fill'),
      expect.stringContaining('holds "{{cursor}}" more than once'),
    ]);
    expect(withList({ ...QUERY, modifiedSince: { body: { filter: { after: 'since' } } } })).toEqual([expect.stringContaining('collections[0].list.modifiedSince.body must hold "{{since}}"')]);
    expect(withList({ ...QUERY, modifiedSince: { param: 'since', body: { f: '{{since}}' } } })).toEqual([expect.stringContaining('needs either param')]);
  });
});
