import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../core/canonical';
import { APP_USER, ownedByApp, usePg } from './postgres.fixture';
import { timestamptzToIso } from './values';

const { available, pg } = usePg();

const TYPES = `
  CREATE TABLE public.t (
    id bigint PRIMARY KEY,
    amount numeric(30,10), big bigint, small int, ratio double precision,
    at timestamptz, local timestamp, day date, yes boolean,
    doc jsonb, raw json, tags text[], nums bigint[], uid uuid, note text, bin bytea
  );
  ${ownedByApp(['public.t'])}
  SET TIME ZONE 'America/New_York';`;

describe('postgres values', () => {
  it('timestamptz text in any session zone becomes ISO UTC with its microseconds', () => {
    expect(timestamptzToIso('2024-05-01 12:00:00.123456+02')).toBe('2024-05-01T10:00:00.123456Z');
    expect(timestamptzToIso('2024-05-01 05:30:00-04:30')).toBe('2024-05-01T10:00:00Z');
    expect(timestamptzToIso('infinity')).toBe('infinity');
  });
});

describe.runIf(available)('postgres connector: types round-trip exactly', () => {
  it('numeric, bigint beyond 2^53, timestamptz, date, boolean, json/jsonb, arrays, uuid, Unicode text and bytea: written, read back equal, and unchanged by a second write', async () => {
    const db = await pg.database(TYPES);
    // The role's sessions run in a zone west of Greenwich: dates and times must not shift.
    await pg.server().sql(`ALTER ROLE ${APP_USER} IN DATABASE ${db} SET TimeZone = 'America/Los_Angeles'`);
    const c = pg.connector(db);
    const fields = {
      id: '9007199254740993', // 2^53 + 1: a JS number would round it to ...992
      amount: '12345678901234567890.0123456789',
      big: '-9223372036854775808',
      small: 42,
      ratio: 0.1,
      at: '2024-05-01T10:00:00.123456Z',
      local: '2024-05-01T10:00:00',
      day: '2024-02-29',
      yes: true,
      doc: { b: [1, 2, { c: 'ü' }], a: null },
      raw: [1, 'two'],
      tags: ['a', 'b,c', 'd"e', 'Zoë 😀'],
      nums: ['9007199254740993', 1],
      uid: '0b8d5c2e-4d3f-4a1b-9c6e-2f7a8b9c0d1e',
      note: 'Ünïcödé — 日本語 — 𝔘𝔫𝔦 — 👩‍👩‍👧‍👦 — 🎉',
      bin: Buffer.from([0, 1, 2, 255]).toString('base64'),
    };
    const [created] = await c.write('public.t', [{ op: 'create', key: 'k1', fields }]);
    expect(created).toMatchObject({ ok: true, id: '9007199254740993' });
    const [rec] = await c.read('public.t', ['9007199254740993']);
    expect(rec?.fields).toEqual({ ...fields, nums: ['9007199254740993', 1] });
    // What the app sees is the same value, not a shifted or rounded one.
    const [row] = await pg.server().sql<Record<string, string>>(`SELECT id::text, amount::text, big::text, day::text, at AT TIME ZONE 'UTC' AS at_utc, note FROM public.t`, [], db);
    expect(row).toMatchObject({ id: '9007199254740993', amount: '12345678901234567890.0123456789', big: '-9223372036854775808', day: '2024-02-29', note: fields.note });
    // Written back as read: nothing changes (no drift from formatting), and the canonical forms agree.
    const [again] = await c.write('public.t', [{ op: 'update', id: rec?.id ?? '', fields: rec?.fields ?? {}, ...(rec?.version ? { ifVersion: rec.version } : {}) }]);
    expect(again?.ok).toBe(true);
    const [after] = await c.read('public.t', [rec?.id ?? '']);
    expect(after?.fields).toEqual(rec?.fields);
    expect(canonicalize(after?.fields.at, 'datetime')).toEqual(canonicalize(fields.at, 'datetime'));
    expect(canonicalize(after?.fields.amount, 'number')).toEqual(canonicalize(fields.amount, 'number'));
  });

  it('values as another app gives them: JSON text into jsonb, a JSON array text into an array column, 1/0 into boolean, epoch seconds into timestamptz, nulls', async () => {
    const db = await pg.database(TYPES);
    const c = pg.connector(db);
    const res = await c.write('public.t', [
      { op: 'create', key: 'a', fields: { id: 1, doc: '{"x": 1}', tags: '["p", "q"]', yes: 1, at: 1714557600, note: null, amount: 1.5 } },
      { op: 'create', key: 'b', fields: { id: 2, doc: 'plain text', yes: 0, tags: null } },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, true]);
    const [one, two] = await c.read('public.t', ['1', '2']);
    expect(one?.fields).toMatchObject({ doc: { x: 1 }, tags: ['p', 'q'], yes: true, at: '2024-05-01T10:00:00Z', note: null, amount: '1.5000000000' });
    expect(two?.fields).toMatchObject({ doc: 'plain text', yes: false, tags: null });
  });

  it('compound and big-integer keys make stable ids that read and write back', async () => {
    const db = await pg.database(`CREATE TABLE public.k (org text, n bigint, v text, PRIMARY KEY (org, n)); ${ownedByApp(['public.k'])}
      INSERT INTO public.k VALUES ('acme', 9007199254740995, 'x'), ('acme', 1, 'y');`);
    const c = pg.connector(db);
    const all = [];
    for await (const b of c.changes('public.k', null, { mode: 'hash', signal: new AbortController().signal, batchSize: 1 })) all.push(...b.upserts);
    expect(all.map((r) => r.id)).toEqual(['["acme",1]', '["acme","9007199254740995"]']);
    const res = await c.write('public.k', [{ op: 'update', id: '["acme","9007199254740995"]', fields: { v: 'z' } }]);
    expect(res[0]).toMatchObject({ ok: true, id: '["acme","9007199254740995"]' });
    expect((await c.read('public.k', ['["acme","9007199254740995"]', 'not json', '["acme","x"]']))[0]?.fields.v).toBe('z');
  });
});
