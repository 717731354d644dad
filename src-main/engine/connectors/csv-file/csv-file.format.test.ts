import iconv from 'iconv-lite';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import type { WriteOp } from '../types';
import { createCsvFileConnector, type CsvFileConfig } from './connector';
import { csvFileDefinition } from './index';
import { checkConfig } from '../config-check';

describe('csv-file connector: a write keeps the file as its app wrote it', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-csv-fmt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = async (bytes: Buffer, ops: WriteOp[], config: Omit<CsvFileConfig, 'path'> = { idColumn: 'id' }) => {
    const path = join(dir, 'data.csv');
    writeFileSync(path, bytes);
    const c = createCsvFileConnector({ path, ...config });
    const results = await c.write('data.csv', ops);
    expect(results.map((r) => (r.ok ? 'ok' : r.error))).toEqual(ops.map(() => 'ok'));
    const { upserts } = await collect(c, 'data.csv', null, 'hash');
    return { out: readFileSync(path), rows: upserts };
  };

  it('keeps each column quoted the way it was: an always-quoted column stays quoted, the others are quoted only when needed', async () => {
    const original = 'id;name;note\r\n1;"Ann";plain\r\n2;"Bob";"semi; colon"\r\n3;"Cy";x\r\n';
    const { out } = await write(Buffer.from(original), [
      { op: 'update', id: '1', fields: { name: 'Anna', note: 'still plain' } },
      { op: 'create', key: 'k', fields: { id: '4', name: 'Dee', note: 'a;b' } },
    ]);
    expect(out.toString()).toBe('id;name;note\r\n1;"Anna";still plain\r\n2;"Bob";"semi; colon"\r\n3;"Cy";x\r\n4;"Dee";"a;b"\r\n');
  });

  it('a rewritten row keeps the original text of the cells that did not change', async () => {
    const original = 'id,name,city\n1,"Ann","Lund"\n2,Bob,"Oslo"\n';
    const { out } = await write(Buffer.from(original), [{ op: 'update', id: '2', fields: { name: 'Rob' } }]);
    expect(out.toString()).toBe('id,name,city\n1,"Ann","Lund"\n2,Rob,"Oslo"\n');
  });

  it('round-trips a BOM, semicolons, CRLF and quoted fields holding the delimiter, quotes and line breaks', async () => {
    const tricky = 'a; "q" \r\nline 2\nline 3';
    const original = '\uFEFFid;name;memo\r\n1;Ann;"x; ""y""\r\nz"\r\n2;Bob;\r\n';
    const { out, rows } = await write(Buffer.from(original, 'utf8'), [
      { op: 'update', id: '2', fields: { memo: tricky } },
      { op: 'create', key: 'k', fields: { id: '3', name: 'Cy;D', memo: '"quoted"' } },
    ]);
    expect(out.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(out.toString('utf8')).toBe(`\uFEFFid;name;memo\r\n1;Ann;"x; ""y""\r\nz"\r\n2;Bob;"a; ""q"" \r\nline 2\nline 3"\r\n3;"Cy;D";"""quoted"""\r\n`);
    expect(rows.map((r) => r.fields.memo)).toEqual(['x; "y"\r\nz', tricky, '"quoted"']);
  });

  it('a latin1 file stays latin1, untouched rows stay byte for byte, and no final newline stays absent', async () => {
    const original = iconv.encode('id,name,city\n1,"Müller, J",Köln\n2,Bob,"Ærø\nby"', 'latin1');
    const { out, rows } = await write(original, [{ op: 'create', key: 'k', fields: { id: '3', name: 'Åsa', city: 'Malmö' } }], { idColumn: 'id', encoding: 'latin1' });
    expect(out.subarray(0, original.length)).toEqual(original);
    expect(iconv.decode(out, 'latin1')).toBe('id,name,city\n1,"Müller, J",Köln\n2,Bob,"Ærø\nby"\n3,Åsa,Malmö');
    expect(rows.map((r) => r.fields.city)).toEqual(['Köln', 'Ærø\nby', 'Malmö']);
  });

  it('an untouched row keeps bytes the encoding has no character for, and blank lines stay where they were', async () => {
    const original = Buffer.concat([Buffer.from('id,name\n1,Ann'), Buffer.from([0x81, 0xe9]), Buffer.from('\n\n2,Bob\n')]);
    const { out } = await write(original, [{ op: 'update', id: '2', fields: { name: 'Rob' } }], { idColumn: 'id', encoding: 'windows-1252' });
    expect(out).toEqual(Buffer.concat([Buffer.from('id,name\n1,Ann'), Buffer.from([0x81, 0xe9]), Buffer.from('\n\n2,Rob\n')]));
  });

  it('a header-only file with quoted names gets quoted rows', async () => {
    const { out } = await write(Buffer.from('"id","name"\r\n'), [{ op: 'create', key: 'k', fields: { id: '1', name: 'Ann' } }]);
    expect(out.toString()).toBe('"id","name"\r\n"1","Ann"\r\n');
  });

  it('a pipe-separated file reads as its columns and a write keeps the pipes (found by the property test: "id|e mail" read as one column)', async () => {
    const { out, rows } = await write(Buffer.from('id|e mail\n1|a@x\n'), [{ op: 'create', key: 'k', fields: { id: '2', 'e mail': 'b|c' } }]);
    expect(out.toString()).toBe('id|e mail\n1|a@x\n2|"b|c"\n');
    expect(rows.map((r) => r.fields['e mail'])).toEqual(['a@x', 'b|c']);
    expect(checkConfig(csvFileDefinition.configSchema, { path: '/x.csv', delimiter: 'pipe' })).toMatchObject({ ok: true, parsed: { delimiter: 'pipe' } });
  });

  it('a quote that is never closed is an error naming the line, and nothing is written', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'id,name\n1,Ann\n2,"Bob\n3,Cy\n');
    const c = createCsvFileConnector({ path, idColumn: 'id' });
    await expect(c.test()).rejects.toThrow('the quote opened on line 3 is never closed — add the closing quote');
    await expect(c.write('bad.csv', [{ op: 'delete', id: '1' }])).rejects.toThrow('is not a well-formed CSV file');
    expect(readFileSync(path, 'utf8')).toBe('id,name\n1,Ann\n2,"Bob\n3,Cy\n');
  });
});
