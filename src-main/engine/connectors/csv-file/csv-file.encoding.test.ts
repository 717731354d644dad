import iconv from 'iconv-lite';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCsvFileConnector } from './connector';

describe('csv-file connector: values the file encoding cannot hold (PITFALLS 14)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-csv-enc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a latin1 file refuses "Łukasz €" for that record only, naming the field, the character and the encoding; the rest of the batch is written', async () => {
    const path = join(dir, 'people.csv');
    writeFileSync(path, iconv.encode('id,name,city\n1,Ann,Köln\n2,Bob,Lund\n', 'latin1'));
    const c = createCsvFileConnector({ path, idColumn: 'id', encoding: 'latin1' });
    const results = await c.write('people.csv', [
      { op: 'update', id: '1', fields: { name: 'Łukasz €' } },
      { op: 'update', id: '2', fields: { city: 'Malmö' } },
      { op: 'create', key: 'k1', fields: { id: '3', name: 'Zoë', city: 'Zürich €' } },
      { op: 'create', key: 'k2', fields: { id: '4', name: 'Åsa', city: 'Århus' } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([false, true, false, true]);
    expect(results[0]).toMatchObject({ ok: false, reason: 'invalid' });
    const message = results[0]?.ok === false ? results[0].error : '';
    expect(message).toContain('"name"');
    expect(message).toContain('"Ł"');
    expect(message).toContain('latin1');
    expect(message).toContain('UTF-8');
    const other = results[2]?.ok === false ? results[2].error : '';
    expect(other).toContain('"city"');
    expect(other).toContain('"€"');

    const text = iconv.decode(readFileSync(path), 'latin1');
    expect(text).toBe('id,name,city\n1,Ann,Köln\n2,Bob,Malmö\n4,Åsa,Århus\n');
    expect(text).not.toContain('?');
    const [ann] = await c.read('people.csv', ['1']);
    expect(ann?.fields.name).toBe('Ann');
  });

  it('a windows-1252 file takes "€" but refuses "Ł"; a UTF-8 file takes both', async () => {
    const path = join(dir, 'cp.csv');
    writeFileSync(path, iconv.encode('id,name\n1,José\n2,Bob\n', 'windows-1252'));
    const c = createCsvFileConnector({ path, idColumn: 'id' });
    const results = await c.write('cp.csv', [
      { op: 'update', id: '1', fields: { name: 'José 5 €' } },
      { op: 'update', id: '2', fields: { name: 'Łukasz' } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(results[1]?.ok === false ? results[1].error : '').toContain('windows-1252');
    expect(iconv.decode(readFileSync(path), 'windows-1252')).toBe('id,name\n1,José 5 €\n2,Bob\n');

    const utf8 = join(dir, 'u.csv');
    writeFileSync(utf8, 'id,name\n1,Ann\n');
    const u = createCsvFileConnector({ path: utf8, idColumn: 'id' });
    const ok = await u.write('u.csv', [{ op: 'update', id: '1', fields: { name: 'Łukasz €' } }]);
    expect(ok[0]?.ok).toBe(true);
    expect(readFileSync(utf8, 'utf8')).toBe('id,name\n1,Łukasz €\n');
  });
});
