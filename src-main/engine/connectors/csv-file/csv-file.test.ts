import Database from 'better-sqlite3';
import iconv from 'iconv-lite';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import { createCsvFileConnector, GENERATED_ID_COLUMN } from './connector';

describe('csv-file connector', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-csv-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const roundTrip = async (bytes: Buffer, options: { encoding?: 'windows-1252' } = {}) => {
    const path = join(dir, 'data.csv');
    writeFileSync(path, bytes);
    const c = createCsvFileConnector({ path, idColumn: 'id', ...options });
    const results = await c.write('data.csv', [
      { op: 'update', id: '2', fields: { name: 'Zoë; "Z"' } },
      { op: 'create', key: 'k', fields: { id: '9', name: 'Åsa', city: 'Malmö' } },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    return { path, out: readFileSync(path), connector: c };
  };

  it('keeps semicolons, quote-all, CRLF, a BOM and column order; unchanged rows stay byte for byte', async () => {
    const original = '\uFEFF"city";"id";"name"\r\n"Lund";"1";"Ann"\r\n"Oslo";"2";"Bob"\r\n"Rome";"3";"Cy"\r\n';
    const { out } = await roundTrip(Buffer.from(original, 'utf8'));
    expect(out.toString('utf8')).toBe('\uFEFF"city";"id";"name"\r\n"Lund";"1";"Ann"\r\n"Oslo";"2";"Zoë; ""Z"""\r\n"Rome";"3";"Cy"\r\n"Malmö";"9";"Åsa"\r\n');
  });

  it('keeps tabs, quote-when-needed, LF, no final newline and windows-1252', async () => {
    const original = iconv.encode('id\tname\tcity\n1\tAnn\t"Köln, DE"\n2\tBob\tParis', 'windows-1252');
    const { out, connector } = await roundTrip(original);
    expect(iconv.decode(out, 'windows-1252')).toBe('id\tname\tcity\n1\tAnn\t"Köln, DE"\n2\t"Zoë; ""Z"""\tParis\n9\tÅsa\tMalmö');
    expect(out.includes(Buffer.from('Ö', 'utf8'))).toBe(false);
    const [rec] = await connector.read('data.csv', ['1']);
    expect(rec?.fields.city).toBe('Köln, DE');
  });

  it('comma files quote only where needed', async () => {
    const { out } = await roundTrip(Buffer.from('id,name,city\n1,Ann,Lund\n2,Bob,Oslo\n'));
    expect(out.toString()).toBe('id,name,city\n1,Ann,Lund\n2,"Zoë; ""Z""",Oslo\n9,Åsa,Malmö\n');
  });

  it('writes atomically: no temp file is left and an unchanged batch does not touch the file', async () => {
    const path = join(dir, 'data.csv');
    writeFileSync(path, 'id,name\n1,Ann\n');
    const c = createCsvFileConnector({ path, idColumn: 'id' });
    await c.write('data.csv', [{ op: 'create', key: 'k', fields: { id: '2', name: 'Bob' } }]);
    expect(readdirSync(dir)).toEqual(['data.csv']);
    const failed = await c.write('data.csv', [{ op: 'delete', id: 'nope' }]);
    expect(failed[0]).toMatchObject({ ok: false, reason: 'not-found' });
    expect(readdirSync(dir)).toEqual(['data.csv']);
  });

  it('without an id column, reading leaves the file alone; the first write adds concord_id as the last column and ids stay stable across edits', async () => {
    const path = join(dir, 'people.csv');
    writeFileSync(path, 'name,email\nAnn,a@x\nBob,b@x\n');
    const c = createCsvFileConnector({ path });
    const first = await collect(c, 'people.csv', null, 'hash');
    expect(readFileSync(path, 'utf8')).toBe('name,email\nAnn,a@x\nBob,b@x\n');
    const ann = first.upserts.find((r) => r.fields.name === 'Ann');
    await c.write('people.csv', [{ op: 'update', id: first.upserts.find((r) => r.fields.name === 'Bob')?.id ?? '', fields: { email: 'bob@x' } }]);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(`name,email,${GENERATED_ID_COLUMN}`);
    writeFileSync(path, readFileSync(path, 'utf8').replace('Ann,a@x', 'Ann,ann@new') + 'Cy,c@x\n');
    const second = await collect(c, 'people.csv', null, 'hash');
    expect(second.upserts.find((r) => r.id === ann?.id)?.fields.email).toBe('ann@new');
    // A row added by hand has an id derived from its content until Concord next writes the file.
    expect(second.upserts.find((r) => r.fields.name === 'Cy')?.id).toMatch(/^row-[0-9a-f]{20}$/);
  });

  it('the very same row twice (put back by two writers) is one record, and the next write leaves the repeat out', async () => {
    const path = join(dir, 'twice.csv');
    writeFileSync(path, 'id,name\n1,Ann\n2,Bob\n1,Ann\n');
    const c = createCsvFileConnector({ path, idColumn: 'id' });
    const read = await collect(c, 'twice.csv', null, 'hash');
    expect(read.upserts.map((r) => [r.id, r.fields.name])).toEqual([['1', 'Ann'], ['2', 'Bob']]);
    const [bob] = await c.read('twice.csv', ['2']);
    expect(await c.write('twice.csv', [{ op: 'update', id: '2', fields: { name: 'Robert' }, ...(bob?.version ? { ifVersion: bob.version } : {}) }])).toMatchObject([{ ok: true }]);
    expect(readFileSync(path, 'utf8')).toBe('id,name\n1,Ann\n2,Robert\n');
  });

  it('a duplicate id, a missing file and a missing id column are actionable errors', async () => {
    const path = join(dir, 'dup.csv');
    writeFileSync(path, 'id,name\n1,Ann\n1,Bob\n');
    await expect(collect(createCsvFileConnector({ path, idColumn: 'id' }), 'dup.csv', null, 'hash')).rejects.toThrow('has the id "1" twice in column "id" (rows 2 and 3) — make the ids unique');
    await expect(createCsvFileConnector({ path: join(dir, 'no.csv') }).test()).rejects.toThrow(`The file ${join(dir, 'no.csv')} does not exist — check the path.`);
    await expect(createCsvFileConnector({ path, idColumn: 'key' }).test()).rejects.toThrow('has no column "key"');
  });

  it('a file that is not text (a SQLite database, a workbook, any binary) is refused, naming what it looks like', async () => {
    const db = join(dir, 'shop.sqlite');
    const sqlite = new Database(db);
    sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
    sqlite.close();
    await expect(createCsvFileConnector({ path: db }).test()).rejects.toThrow(`${db} is not a CSV file: it holds a SQLite database — choose the "SQLite table" connector for it.`);
    const xlsx = join(dir, 'people.xlsx');
    writeFileSync(xlsx, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), Buffer.alloc(64)]));
    await expect(createCsvFileConnector({ path: xlsx }).describe()).rejects.toThrow('a zip archive, as an Excel or LibreOffice workbook is — save the sheet as CSV');
    const png = join(dir, 'logo.csv');
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    await expect(createCsvFileConnector({ path: png }).test()).rejects.toThrow('holds binary data, not text');
    // The file is left as it was.
    expect(readFileSync(png)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
  });
});
