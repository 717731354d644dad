/**
 * Property tests of the CSV file connector over random files, the way real exports write them:
 * any of , ; tab | as the delimiter (detected, or configured), LF or CRLF (sometimes mixed per
 * row), an optional UTF-8 BOM, UTF-8 or latin1, an optional final newline, 2–5 columns (an id
 * column, a concord_id column partly filled, or neither; names may need quoting), 0–20 rows of
 * awkward cells (empty, the delimiter, quotes, line breaks, edge spaces, 007, 1e3, é/ß, emoji),
 * each column quoted always or only when needed, the header quoted or not.
 * a. Reading gives exactly what csv-parse gives for the same text, and leaves the file unchanged.
 * b. After each of two random batches (updates, id changes, creates, deletes) a read gives the
 *    model's rows; untouched rows keep their ids, versions and (first batch) exact bytes; each
 *    result's version is the one the next read gives.
 * c. A second read gives the same ids and values.
 * d. A value a latin1 file cannot hold fails its own op only ('invalid').
 * Runs: env CONCORD_PROPERTY_RUNS (default 200, about 1 s).
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '../conformance';
import type { AppRecord, WriteOp } from '../types';
import { createCsvFileConnector, GENERATED_ID_COLUMN, type CsvFileConfig } from './connector';

const RUNS = Number(process.env.CONCORD_PROPERTY_RUNS ?? 200);
/** Replays one failure: CONCORD_PROPERTY_SEED and CONCORD_PROPERTY_PATH, as fast-check printed them. */
const replay = process.env.CONCORD_PROPERTY_SEED ? { seed: Number(process.env.CONCORD_PROPERTY_SEED), path: process.env.CONCORD_PROPERTY_PATH, endOnFailure: true } : {};

type Delimiter = ',' | ';' | '\t' | '|';
type Encoding = 'utf-8' | 'latin1';
/** A cell as fragments; 'DELIM' stands for the file's delimiter. */
type Cell = string[];
type Spec = {
  delimiter: Delimiter;
  eol: '\n' | '\r\n';
  mixedEol: boolean;
  bom: boolean;
  encoding: Encoding;
  finalNewline: boolean;
  columns: string[];
  idColumn: number | null;
  quoted: boolean[];
  rows: { cells: Cell[]; eol: '\n' | '\r\n' }[];
  ids: string[];
  passDelimiter: boolean;
  headerQuoted: boolean;
};

const COMMON = ['', 'Ann', 'Bob', 'x y', ' lead', 'trail ', '"', '""', '"q"', '\n', '\r\n', '\r', 'DELIM', ',', ';', '\t', '|', '007', '1e3', '-0', 'null'];
const fragment = (encoding: Encoding) => fc.constantFrom(...COMMON, ...(encoding === 'utf-8' ? ['é', 'ß', 'Zoë', '😀', '€', 'Ł'] : ['é', 'ß', 'Zoë', 'Ä°']));
const cellArb = (encoding: Encoding): fc.Arbitrary<Cell> => fc.oneof({ weight: 1, arbitrary: fc.constant<Cell>([]) }, { weight: 4, arbitrary: fc.array(fragment(encoding), { minLength: 1, maxLength: 4 }) });
const cellText = (cell: Cell, delimiter: string) => cell.map((f) => (f === 'DELIM' ? delimiter : f)).join('');

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    delimiter: fc.constantFrom<Delimiter>(',', ';', '\t', '|'),
    eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
    mixedEol: fc.boolean(),
    encoding: fc.constantFrom<Encoding>('utf-8', 'latin1'),
    bomIfUtf8: fc.boolean(),
    finalNewline: fc.boolean(),
    // concord_id: a file Concord wrote before, or its copy; a hand-added row has it empty.
    columns: fc.uniqueArray(fc.constantFrom('id', 'name', 'city', 'note', 'amount', 'Straße', 'e mail', 'Last, First', 'a;b|c', GENERATED_ID_COLUMN), { minLength: 2, maxLength: 5 }),
    withId: fc.boolean(),
    headerQuoted: fc.boolean(),
    passDelimiter: fc.boolean(),
  })
  .chain((s) =>
    fc.record({
      idColumn: s.withId && !s.columns.includes(GENERATED_ID_COLUMN) ? fc.nat(s.columns.length - 1) : fc.constant(null),
      quoted: fc.array(fc.boolean(), { minLength: s.columns.length, maxLength: s.columns.length }),
      rows: fc.array(fc.record({ cells: fc.array(cellArb(s.encoding), { minLength: s.columns.length, maxLength: s.columns.length }), otherEol: fc.boolean() }), { maxLength: 20 }),
      ids: fc.uniqueArray(fc.constantFrom(...Array.from({ length: 40 }, (_, i) => [`${i}`, `${i} x`, `${i}DELIM"q"`, `00${i}`, `${i}\r\n.`][i % 5] ?? '')), { minLength: 20, maxLength: 20 }),
    }).map(
      (r): Spec => ({
        delimiter: s.delimiter,
        eol: s.eol,
        mixedEol: s.mixedEol,
        bom: s.encoding === 'utf-8' && s.bomIfUtf8,
        encoding: s.encoding,
        finalNewline: s.finalNewline,
        // Detection reads the header: a name holding another delimiter is for a configured delimiter only.
        columns: s.passDelimiter ? s.columns : s.columns.map((c) => c.replace(/[,;|\t]/g, '_')),
        idColumn: r.idColumn,
        quoted: r.quoted,
        ids: r.ids,
        passDelimiter: s.passDelimiter,
        headerQuoted: s.headerQuoted,
        rows: r.rows.map((row) => ({ cells: row.cells, eol: s.mixedEol && row.otherEol ? (s.eol === '\n' ? '\r\n' : '\n') : s.eol })),
      }),
    ),
  );

/** A stored concord_id: filled for even rows (others were added by hand). */
const storedId = (i: number) => (i % 2 === 0 ? `c${i}` : '');
/** The row's values, with the id column's cell replaced by the row's unique id. */
const rowValues = (spec: Spec, i: number): string[] =>
  (spec.rows[i]?.cells ?? []).map((c, col) => (col === spec.idColumn ? (spec.ids[i] ?? '').replace('DELIM', spec.delimiter) : spec.columns[col] === GENERATED_ID_COLUMN ? storedId(i) : cellText(c, spec.delimiter)));

function quote(value: string, always: boolean, delimiter: string): string {
  const needs = always || value.includes('"') || value.includes(delimiter) || /[\r\n]/.test(value);
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The file's text, and each data row's exact text (without its line ending). */
function render(spec: Spec): { text: string; rowTexts: string[] } {
  const line = (values: string[]) => values.map((v, col) => quote(v, spec.quoted[col] ?? false, spec.delimiter)).join(spec.delimiter);
  const rowTexts = spec.rows.map((_, i) => line(rowValues(spec, i)));
  const records = [{ text: spec.columns.map((c) => quote(c, spec.headerQuoted, spec.delimiter)).join(spec.delimiter), eol: spec.eol as string }, ...rowTexts.map((text, i) => ({ text, eol: spec.rows[i]?.eol ?? spec.eol }))];
  const text = records.map((r, i) => r.text + (i < records.length - 1 || spec.finalNewline ? r.eol : '')).join('');
  return { text, rowTexts };
}

const encode = (spec: Spec, text: string) => Buffer.concat([spec.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, spec.encoding === 'utf-8' ? 'utf8' : 'latin1')]);
const decodeFile = (spec: Spec, bytes: Buffer) => (spec.encoding === 'utf-8' ? bytes.subarray(spec.bom ? 3 : 0).toString('utf8') : bytes.toString('latin1'));
const standardRows = (spec: Spec, text: string): string[][] => parse(text, { delimiter: spec.delimiter, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true });

const dir = mkdtempSync(join(tmpdir(), 'concord-csv-prop-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.info('csv-file property runs:', stats);
});
let fileNo = 0;

function setup(spec: Spec) {
  const path = join(dir, `f${fileNo++}.csv`);
  const { text, rowTexts } = render(spec);
  const bytes = encode(spec, text);
  stats.files++;
  stats.rows += spec.rows.length;
  if (spec.delimiter === '|') stats.pipe++;
  if (spec.encoding === 'latin1') stats.latin1++;
  if (spec.bom) stats.bom++;
  if (spec.mixedEol) stats.mixedEol++;
  writeFileSync(path, bytes);
  const idColumn = spec.idColumn === null ? undefined : spec.columns[spec.idColumn];
  const config: CsvFileConfig = {
    path,
    ...(idColumn ? { idColumn } : {}),
    ...(spec.encoding === 'latin1' ? { encoding: 'latin1' as const } : {}),
    ...(spec.passDelimiter ? { delimiter: spec.delimiter } : {}),
  };
  const collection = `f${fileNo - 1}.csv`;
  return { path, bytes, text, rowTexts, idColumn, connector: createCsvFileConnector(config), collection };
}

/** Rows as [id, ...values of the file's own columns], in file order. */
const view = (spec: Spec, recs: AppRecord[]) => recs.map((r) => [r.id, ...spec.columns.map((c) => r.fields[c])]);

/**
 * A batch: per row (by position; rows past the list are left alone) nothing / an update of some
 * cells / a delete; then a few creates. An update sometimes changes a configured id column; latin1
 * files get some values they cannot hold.
 */
const opsArb = (encoding: Encoding, width: number) =>
  fc.record({
    perRow: fc.array(fc.record({ kind: fc.constantFrom('none', 'none', 'update', 'delete'), cells: fc.array(fc.option(cellArb(encoding), { nil: undefined }), { minLength: width, maxLength: width }), newId: fc.nat(3), bad: fc.nat(5) }), { maxLength: 22 }),
    creates: fc.array(fc.record({ cells: fc.array(cellArb(encoding), { minLength: width, maxLength: width }), bad: fc.nat(5) }), { maxLength: 3 }),
  });
/** What the runs exercised, so a generator that silently tests nothing shows up in the log. */
const stats = { files: 0, rows: 0, pipe: 0, latin1: 0, bom: 0, mixedEol: 0, updates: 0, deletes: 0, creates: 0, refused: 0, idChanges: 0, keptRows: 0 };

const UNENCODABLE = ['€ 5', 'Łukasz', 'hi 😀'];

describe('csv-file connector: properties over random files', () => {
  it('reads exactly what a standard CSV parser reads and leaves the file unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const { path, bytes, text, idColumn, connector, collection } = setup(spec);
        const described = await connector.describe();
        const { upserts } = await collect(connector, collection, null, 'hash');
        await connector.read(collection, upserts.map((r) => r.id));
        const [header = [], ...rows] = standardRows(spec, text);
        expect(described.collections[0]?.fields.map((f) => f.name)).toEqual(idColumn || header.includes(GENERATED_ID_COLUMN) ? header : [...header, GENERATED_ID_COLUMN]);
        // A row without a stored concord_id reads with the id derived from its content.
        const idCol = idColumn ? -1 : header.indexOf(GENERATED_ID_COLUMN);
        expect(upserts.map((r) => header.map((h) => r.fields[h]))).toEqual(rows.map((row, i) => row.map((v, col) => (col === idCol && v === '' ? upserts[i]?.id : v))));
        expect(readFileSync(path).equals(bytes)).toBe(true);
      }),
      { numRuns: RUNS, ...replay },
    );
  });

  it('after random batches of writes, a read gives the model; untouched rows keep their ids and bytes; a second read agrees', async () => {
    await fc.assert(
      fc.asyncProperty(
        specArb.chain((spec) => fc.tuple(fc.constant(spec), opsArb(spec.encoding, spec.columns.length), opsArb(spec.encoding, spec.columns.length))),
        async ([spec, ...batches]) => {
          const { path, rowTexts, idColumn, connector, collection } = setup(spec);
          for (const [round, ops] of batches.entries()) {
            const before = (await collect(connector, collection, null, 'hash')).upserts;
            // The model: rows in file order as [id, ...values of the file's own columns].
            let model = before.map((r) => ({ id: r.id, values: spec.columns.map((c) => String(r.fields[c])) }));
            const writeOps: WriteOp[] = [];
            const expectInvalid: boolean[] = [];
            const untouched: number[] = [];
            const badCol = spec.columns.findIndex((c, col) => col !== spec.idColumn && c !== GENERATED_ID_COLUMN);
            before.forEach((rec, i) => {
              const p = ops.perRow[i];
              if (!p || p.kind === 'none') return untouched.push(i);
              if (p.kind === 'delete') {
                writeOps.push({ op: 'delete', id: rec.id });
                expectInvalid.push(false);
                model = model.filter((m) => m.id !== rec.id);
                return;
              }
              const fields: Record<string, string> = {};
              p.cells.forEach((c, col) => {
                const name = spec.columns[col];
                if (c !== undefined && name && col !== spec.idColumn && name !== GENERATED_ID_COLUMN) fields[name] = cellText(c, spec.delimiter);
              });
              const idName = idColumn && p.newId === 0 ? idColumn : undefined;
              if (idName) fields[idName] = `r${round}-${i}`;
              if (idName) stats.idChanges++;
              const bad = spec.encoding === 'latin1' && p.bad === 0 && badCol >= 0;
              if (bad) fields[spec.columns[badCol] ?? ''] = UNENCODABLE[i % UNENCODABLE.length] ?? '€';
              writeOps.push({ op: 'update', id: rec.id, fields });
              expectInvalid.push(bad);
              if (bad) return;
              model = model.map((m) => (m.id === rec.id ? { id: idName ? (fields[idName] ?? '') : m.id, values: spec.columns.map((c, col) => fields[c] ?? m.values[col] ?? '') } : m));
            });
            const created: { index: number; values: string[] }[] = [];
            ops.creates.forEach((cr, k) => {
              const fields: Record<string, string> = {};
              spec.columns.forEach((c, col) => {
                if (c !== GENERATED_ID_COLUMN) fields[c] = col === spec.idColumn ? `new${round}-${k}` : cellText(cr.cells[col] ?? [], spec.delimiter);
              });
              const bad = spec.encoding === 'latin1' && cr.bad === 0 && badCol >= 0;
              if (bad) fields[spec.columns[badCol] ?? ''] = 'Zürich €';
              created.push({ index: writeOps.length, values: spec.columns.map((c) => fields[c] ?? '') });
              writeOps.push({ op: 'create', key: `key-${round}-${k}`, fields });
              expectInvalid.push(bad);
            });

            const results = await connector.write(collection, writeOps);
            for (const [i, o] of writeOps.entries()) stats[expectInvalid[i] ? 'refused' : o.op === 'update' ? 'updates' : o.op === 'delete' ? 'deletes' : 'creates']++;
            results.forEach((r, i) => {
              if (expectInvalid[i]) expect(r, JSON.stringify(writeOps[i])).toMatchObject({ ok: false, reason: 'invalid' });
              else expect(r, JSON.stringify(writeOps[i])).toMatchObject({ ok: true });
            });
            const expected = model.map((m) => [m.id, ...m.values]);
            for (const c of created) {
              const r = results[c.index];
              if (r?.ok) expected.push([r.id, ...c.values.map((v, col) => (spec.columns[col] === GENERATED_ID_COLUMN ? r.id : v))]);
            }

            const after = (await collect(connector, collection, null, 'hash')).upserts;
            expect(view(spec, after)).toEqual(expected);
            const again = (await collect(connector, collection, null, 'hash')).upserts;
            // The version a write returns is the one the next read gives (the engine compares them);
            // a row the batch did not touch keeps its version, even when its concord_id gets stored.
            const versions = new Map(after.map((r) => [r.id, r.version]));
            for (const r of results) if (r.ok && r.version !== undefined) expect(r.version).toBe(versions.get(r.id));
            for (const i of untouched) expect(versions.get(before[i]?.id ?? '')).toBe(before[i]?.version);
            expect(view(spec, again)).toEqual(view(spec, after));
            if (!idColumn) for (const r of after) expect(r.fields[GENERATED_ID_COLUMN]).toBe(r.id);

            if (round > 0) continue;
            const newText = decodeFile(spec, readFileSync(path));
            const added = !spec.columns.includes(GENERATED_ID_COLUMN) && (standardRows(spec, newText)[0] ?? []).includes(GENERATED_ID_COLUMN);
            const idCol = spec.columns.indexOf(GENERATED_ID_COLUMN);
            for (const i of untouched) {
              // A row without a stored concord_id gets one on the first write.
              if (idCol >= 0 && rowValues(spec, i)[idCol] === '') continue;
              const original = rowTexts[i] ?? '';
              // Without an id column the first write appends each row's concord_id after its cells.
              const kept = added ? original + spec.delimiter : original;
              stats.keptRows++;
              expect(newText.includes(kept), `row ${i} (${JSON.stringify(original)}) kept as it was in ${JSON.stringify(newText)}`).toBe(true);
            }
          }
        },
      ),
      { numRuns: RUNS, ...replay },
    );
  });
});
