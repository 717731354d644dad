import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../core/canonical';
import { useMy } from './mysql.fixture';

const { available, my } = useMy();

const TYPES = `CREATE TABLE t (id BIGINT PRIMARY KEY, amount DECIMAL(30,10), big BIGINT, ubig BIGINT UNSIGNED, day DATE, at DATETIME(6), stamp TIMESTAMP(3) NULL,
  yes BOOLEAN, doc JSON, note TEXT, small TINYINT, ratio DOUBLE, bin VARBINARY(16), mood ENUM('happy', 'sad'))`;

describe.runIf(available)('mysql connector: types round-trip', () => {
  it('DECIMAL, BIGINT beyond 2^53 (signed and UNSIGNED), DATE, DATETIME(6), TIMESTAMP(3), BOOLEAN, JSON, utf8mb4 text with emoji: exact both ways, no drift on write-back', async () => {
    const db = await my.database([TYPES]);
    const c = my.connector(db);
    const fields = {
      id: '9007199254740993',
      amount: '12345678901234567890.0123456789',
      big: '-9223372036854775808',
      ubig: '18446744073709551615',
      day: '2024-02-29',
      at: '2024-05-01T10:00:00.123456',
      stamp: '2024-05-01T10:00:00.123Z',
      yes: true,
      doc: { a: [1, 2, { b: 'ü' }], n: null },
      note: 'Zoë 😀 — 日本語 \\ \'quoted\' "double"',
      small: -128,
      ratio: 0.1,
      bin: Buffer.from([0, 1, 2, 255]).toString('base64'),
      mood: 'sad',
    };
    const [made] = await c.write('t', [{ op: 'create', key: 'k', fields }]);
    expect(made).toMatchObject({ ok: true, id: '9007199254740993' });
    const [rec] = await c.read('t', ['9007199254740993']);
    expect(rec?.fields).toEqual({ ...fields, id: '9007199254740993' });
    // What the app sees is the same value, not a shifted or rounded one.
    const [row] = await my.sql<Record<string, string>>(db, 'SELECT CAST(id AS CHAR) AS id, CAST(amount AS CHAR) AS amount, CAST(ubig AS CHAR) AS ubig, CAST(day AS CHAR) AS day, CAST(at AS CHAR) AS at, note, HEX(bin) AS bin FROM t');
    expect(row).toMatchObject({ id: '9007199254740993', amount: '12345678901234567890.0123456789', ubig: '18446744073709551615', day: '2024-02-29', at: '2024-05-01 10:00:00.123456', note: fields.note, bin: '000102FF' });
    // Written back as read: nothing changes, and the canonical forms agree.
    const [again] = await c.write('t', [{ op: 'update', id: rec?.id ?? '', fields: rec?.fields ?? {}, ...(rec?.version ? { ifVersion: rec.version } : {}) }]);
    expect(again?.ok).toBe(true);
    const [after] = await c.read('t', [rec?.id ?? '']);
    expect(after?.fields).toEqual(rec?.fields);
    expect(after?.version).toBe(rec?.version);
    expect(canonicalize(after?.fields.amount, 'number')).toEqual(canonicalize(fields.amount, 'number'));
    // A neighbouring big id is not the same row (ids are compared as integers, not as doubles).
    expect(await c.read('t', ['9007199254740992', '9007199254740994'])).toEqual([]);
  });

  it('values as another app gives them: JSON text, 1/0 and "true" into BOOLEAN, epoch seconds and ISO with a zone into DATETIME and TIMESTAMP, nulls', async () => {
    const db = await my.database([TYPES]);
    const c = my.connector(db);
    const res = await c.write('t', [
      { op: 'create', key: 'a', fields: { id: 1, doc: '{"x": 1}', yes: 1, at: 1714557600, stamp: '2024-05-01T12:00:00.5+02:00', note: null, amount: 1.5 } },
      { op: 'create', key: 'b', fields: { id: 2, doc: 'plain text', yes: 'false', at: '2024-05-01T10:00:00Z', day: '2024-05-01T23:30:00Z' } },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, true]);
    const [one, two] = await c.read('t', ['1', '2']);
    expect(one?.fields).toMatchObject({ doc: { x: 1 }, yes: true, at: '2024-05-01T10:00:00.000000', stamp: '2024-05-01T10:00:00.500Z', note: null, amount: '1.5000000000' });
    expect(two?.fields).toMatchObject({ doc: 'plain text', yes: false, at: '2024-05-01T10:00:00.000000', day: '2024-05-01' });
  });

  it('zero dates (0000-00-00, a zero month) an old app stored outside strict mode read as null, never a crash; the rest of the row reads and writes', async () => {
    const db = await my.database(['CREATE TABLE z (id INT PRIMARY KEY, d DATE NOT NULL, dt DATETIME, v TEXT)', "SET STATEMENT sql_mode = '' FOR INSERT INTO z VALUES (1, '0000-00-00', '0000-00-00 00:00:00', 'a'), (2, '2024-00-10', '2024-05-00 10:00:00', 'b')"]);
    const c = my.connector(db);
    const rows = [];
    for await (const b of c.changes('z', null, { mode: 'hash', signal: new AbortController().signal })) rows.push(...b.upserts);
    expect(rows.map((r) => r.fields)).toEqual([
      { id: 1, d: null, dt: null, v: 'a' },
      { id: 2, d: null, dt: null, v: 'b' },
    ]);
    const [w] = await c.write('z', [{ op: 'update', id: '1', fields: { v: 'changed' }, ifVersion: rows[0]?.version ?? '' }]);
    expect(w?.ok).toBe(true);
    expect(await my.sql(db, 'SELECT CAST(d AS CHAR) AS d, v FROM z WHERE id = 1')).toEqual([{ d: '0000-00-00', v: 'changed' }]);
  });

  it('a 3-byte utf8 column that cannot hold an emoji fails only that record, with a message saying to convert it to utf8mb4', async () => {
    const db = await my.database(['CREATE TABLE u (id INT PRIMARY KEY, name VARCHAR(50) CHARACTER SET utf8mb3)']);
    const c = my.connector(db);
    const res = await c.write('u', [
      { op: 'create', key: 'a', fields: { id: 1, name: 'Zoë — 日本語' } },
      { op: 'create', key: 'b', fields: { id: 2, name: 'Party 🎉' } },
      { op: 'create', key: 'c', fields: { id: 3, name: 'plain' } },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, false, true]);
    expect(res[1]).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringMatching(/column "name".*utf8mb4/) });
    expect(await my.sql(db, 'SELECT id, name FROM u ORDER BY id')).toEqual([
      { id: 1, name: 'Zoë — 日本語' },
      { id: 3, name: 'plain' },
    ]);
  });

  it('TINYINT(1) holding another number than 0 or 1 stays that number', async () => {
    const db = await my.database(['CREATE TABLE b (id INT PRIMARY KEY, flag TINYINT(1))', 'INSERT INTO b VALUES (1, 0), (2, 1), (3, 7)']);
    const recs = await my.connector(db).read('b', ['1', '2', '3']);
    expect(recs.map((r) => r.fields.flag)).toEqual([false, true, 7]);
  });
});
