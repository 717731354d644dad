import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { createCsvFileConnector, GENERATED_ID_COLUMN } from './connector';

describe('csv-file connector: a file without an id column', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-csv-ids-'));
    path = join(dir, 'people.csv');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ORIGINAL = 'name;email\r\n"Ann";a@x\r\nBob;b@x\r\nBob;b@x\r\n';

  it('describe, test, changes and read leave the file byte for byte unchanged', async () => {
    writeFileSync(path, ORIGINAL);
    const c = createCsvFileConnector({ path });
    const described = await c.describe();
    expect(described.collections[0]?.fields.map((f) => f.name)).toEqual(['name', 'email', GENERATED_ID_COLUMN]);
    await c.test();
    const scan = await collect(c, 'people.csv', null, 'hash');
    expect(scan.upserts).toHaveLength(3);
    expect(new Set(scan.ids).size).toBe(3);
    const read = await c.read('people.csv', scan.ids);
    expect(read.map((r) => r.id)).toEqual(scan.ids);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });

  it('ids are the same on every read, and the first write keeps them (adding concord_id) so versions do not change', async () => {
    writeFileSync(path, ORIGINAL);
    const first = await collect(createCsvFileConnector({ path }), 'people.csv', null, 'hash');
    const again = await collect(createCsvFileConnector({ path }), 'people.csv', null, 'hash');
    expect(again.upserts).toEqual(first.upserts);

    const c = createCsvFileConnector({ path });
    const ann = first.upserts.find((r) => r.fields.name === 'Ann');
    const [created] = await c.write('people.csv', [{ op: 'create', key: 'run1:0', fields: { name: 'Cy', email: 'c@x' } }]);
    expect(created?.ok).toBe(true);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(`name;email;${GENERATED_ID_COLUMN}`);
    // Untouched rows keep their text; only their id cell is appended.
    expect(lines[1]).toBe(`"Ann";a@x;${ann?.id ?? ''}`);
    expect(lines).toHaveLength(6);

    const after = await collect(createCsvFileConnector({ path }), 'people.csv', null, 'hash');
    for (const r of first.upserts) expect(after.upserts.find((u) => u.id === r.id)).toEqual(r);
    expect(after.upserts.find((u) => u.fields.name === 'Cy')?.id).toBe(created?.ok ? created.id : 'no');

    // Once stored, an id survives an edit by hand.
    writeFileSync(path, text.replace('a@x', 'ann@new'));
    const edited = await collect(createCsvFileConnector({ path }), 'people.csv', null, 'hash');
    expect(edited.upserts.find((u) => u.id === ann?.id)?.fields.email).toBe('ann@new');
  });

  it('updates a row by the id a read gave it, before any id is stored in the file', async () => {
    writeFileSync(path, ORIGINAL);
    const c = createCsvFileConnector({ path });
    const { upserts } = await collect(c, 'people.csv', null, 'hash');
    const bobs = upserts.filter((r) => r.fields.name === 'Bob');
    const [r] = await c.write('people.csv', [{ op: 'update', id: bobs[1]?.id ?? '', fields: { name: 'Robert' }, ifVersion: bobs[1]?.version ?? '' }]);
    expect(r).toMatchObject({ ok: true, id: bobs[1]?.id });
    const after = await collect(c, 'people.csv', null, 'hash');
    expect(after.upserts.find((u) => u.id === bobs[0]?.id)?.fields.name).toBe('Bob');
    expect(after.upserts.find((u) => u.id === bobs[1]?.id)?.fields.name).toBe('Robert');
  });

  it('repeating a create with the same idempotency key does not add the row twice', async () => {
    writeFileSync(path, ORIGINAL);
    const op = { op: 'create', key: 'run7:3', fields: { name: 'Dee', email: 'd@x' } } as const;
    const [one] = await createCsvFileConnector({ path }).write('people.csv', [op]);
    const [two] = await createCsvFileConnector({ path }).write('people.csv', [op]);
    expect(one?.ok && two?.ok).toBe(true);
    expect(two).toEqual(one);
    const { upserts } = await collect(createCsvFileConnector({ path }), 'people.csv', null, 'hash');
    expect(upserts.filter((u) => u.fields.name === 'Dee')).toHaveLength(1);
  });
});
