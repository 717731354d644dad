/**
 * A CSV file as records that can be written back as the app wrote them. Each record keeps its
 * source: its exact bytes, its line ending, the values read and each cell's text. On write, a
 * record whose values did not change is re-emitted byte for byte (even bytes the encoding has no
 * character for); a changed record keeps the source text of its unchanged cells, and only the
 * changed cells are quoted anew, in the column's own style. The format (encoding, BOM, delimiter,
 * line ending, trailing newline, per-column quoting) is detected once and used for new text.
 */
import iconv from 'iconv-lite';
import { ConnectorError } from '../errors';
import { tokenize } from './csv-tokenize';

export type CsvEncoding = 'utf-8' | 'latin1' | 'windows-1252';

/** How a column quotes its cells: kept when all of the file's cells of that kind agree. */
export type ColumnQuoting = { values: boolean; empty: boolean };

export type CsvFormat = {
  encoding: CsvEncoding;
  bom: boolean;
  delimiter: ',' | ';' | '\t' | '|';
  eol: '\r\n' | '\n' | '\r';
  finalNewline: boolean;
  /** Every header cell was quoted: a column Concord adds gets a quoted name too. */
  headerQuoted: boolean;
  columns: ColumnQuoting[];
};

export type CsvSource = { bytes: Buffer; eol: string; values: readonly string[]; cells: readonly string[] };
/** `after`: the blank lines that followed the record in the file, kept as they were. */
export type CsvRecord = { values: string[]; source: CsvSource | null; after: Buffer };
export type CsvDocument = { format: CsvFormat; lead: Buffer; header: CsvRecord; rows: CsvRecord[] };

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NONE = Buffer.alloc(0);

export function decode(bytes: Buffer, configured?: CsvEncoding): { text: string; encoding: CsvEncoding; bom: boolean } {
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) return { text: bytes.subarray(3).toString('utf8'), encoding: 'utf-8', bom: true };
  if (configured && configured !== 'utf-8') return { text: iconv.decode(bytes, configured), encoding: configured, bom: false };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8', bom: false };
  } catch {
    // Not valid UTF-8: spreadsheet exports on Windows are windows-1252 (a superset of latin1's printables).
    if (configured === 'utf-8') throw new ConnectorError('config', 'The file is not valid UTF-8 — set the encoding to windows-1252 or latin1 in the connection settings.');
    return { text: iconv.decode(bytes, 'windows-1252'), encoding: 'windows-1252', bom: false };
  }
}

function encodeText(text: string, encoding: CsvEncoding): Buffer {
  return encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, encoding);
}

/**
 * The first character of `value` the encoding cannot store, or null. iconv writes `?` for such a
 * character without a word, so a write must check first: the `?` would be read back as the
 * value and synced to the other app.
 */
export function unencodable(value: string, encoding: CsvEncoding): string | null {
  if (encoding === 'utf-8') return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(value)?.[0] ?? null;
  const fits = (s: string) => iconv.decode(iconv.encode(s, encoding), encoding) === s;
  if (fits(value)) return null;
  for (const ch of value) if (!fits(ch)) return ch;
  return null;
}

/** The first line outside quotes (a header may hold quoted line breaks). */
function firstLine(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return text.slice(0, i);
  }
  return text;
}

function detectDelimiter(line: string): CsvFormat['delimiter'] {
  // Ties go to the earlier one: a header with as many commas as pipes is a comma file.
  const counts = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t' || ch === '|')) counts[ch]++;
  }
  const best = (Object.entries(counts) as [CsvFormat['delimiter'], number][]).sort((a, b) => b[1] - a[1])[0];
  return best && best[1] > 0 ? best[0] : ',';
}

const asEol = (eol: string | undefined): CsvFormat['eol'] => (eol === '\r\n' || eol === '\r' ? eol : '\n');
const isQuoted = (cell: string) => cell.startsWith('"');

/** A column keeps a quoting style only where the file is consistent; otherwise quotes only when needed. */
function columnQuoting(header: CsvRecord, rows: CsvRecord[]): ColumnQuoting[] {
  return header.values.map((_, i) => {
    const n = { quoted: 0, bare: 0, quotedEmpty: 0, bareEmpty: 0 };
    for (const row of rows) {
      const cell = row.source?.cells[i];
      if (cell === undefined) continue;
      const empty = row.values[i] === '';
      if (isQuoted(cell)) n[empty ? 'quotedEmpty' : 'quoted']++;
      else n[empty ? 'bareEmpty' : 'bare']++;
    }
    if (n.quoted + n.bare + n.quotedEmpty + n.bareEmpty === 0) {
      const quoted = isQuoted(header.source?.cells[i] ?? '');
      return { values: quoted, empty: quoted };
    }
    const values = n.quoted + n.bare > 0 ? n.bare === 0 : n.bareEmpty === 0;
    const empty = n.quotedEmpty + n.bareEmpty > 0 ? n.bareEmpty === 0 : values;
    return { values, empty };
  });
}

/**
 * A CSV file is text: a NUL byte means something else (a database, a workbook, an image), which
 * decoded as windows-1252 would read as a one-column "CSV" of garbage. Says what it looks like.
 */
function refuseBinary(bytes: Buffer, path: string): void {
  const head = bytes.subarray(0, 64 * 1024);
  if (!head.includes(0)) return;
  const what = head.subarray(0, 16).toString('latin1').startsWith('SQLite format 3')
    ? 'a SQLite database — choose the "SQLite table" connector for it'
    : head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))
      ? 'a zip archive, as an Excel or LibreOffice workbook is — save the sheet as CSV and choose that file'
      : 'binary data, not text — export the data as CSV and choose that file';
  throw new ConnectorError('invalid', `${path} is not a CSV file: it holds ${what}.`);
}

export function parseCsv(bytes: Buffer, options: { path: string; encoding?: CsvEncoding; delimiter?: CsvFormat['delimiter'] }): CsvDocument {
  refuseBinary(bytes, options.path);
  const { text, encoding, bom } = decode(bytes, options.encoding);
  const delimiter = options.delimiter ?? detectDelimiter(firstLine(text));
  // Single-byte encodings decode one character per byte, so text offsets are byte offsets; valid
  // UTF-8 re-encodes to the very bytes it was decoded from.
  const body = bom ? bytes.subarray(3) : bytes;
  const original = (start: number, end: number): Buffer => (encoding === 'utf-8' ? Buffer.from(text.slice(start, end), 'utf8') : body.subarray(start, end));

  const records: CsvRecord[] = [];
  let lead: Buffer = NONE;
  let headerEol: string | undefined;
  for (const t of tokenize(text, delimiter, options.path)) {
    const blank = t.cells.length === 1 && t.cells[0] === '';
    const prev = records.at(-1);
    if (blank) {
      const raw = original(t.start, t.end + t.eol.length);
      if (prev) prev.after = Buffer.concat([prev.after, raw]);
      else lead = Buffer.concat([lead, raw]);
      continue;
    }
    headerEol ??= t.eol;
    records.push({ values: [...t.values], source: { bytes: original(t.start, t.end), eol: t.eol, values: t.values, cells: t.cells }, after: NONE });
  }
  const header = records[0] ?? { values: [], source: null, after: NONE };
  const rows = records.slice(1);
  const headerCells = header.source?.cells ?? [];
  const format: CsvFormat = {
    encoding,
    bom,
    delimiter,
    eol: asEol(headerEol || rows.find((r) => r.source?.eol)?.source?.eol),
    finalNewline: text === '' || /[\r\n]$/.test(text),
    headerQuoted: headerCells.length > 0 && headerCells.every(isQuoted),
    columns: columnQuoting(header, rows),
  };
  return { format, lead, header, rows };
}

/** Adds a column at the end of the header; its cells are quoted only if every other column's are. */
export function addColumn(doc: CsvDocument, name: string): number {
  doc.header.values = [...doc.header.values, name];
  const quoted = doc.format.columns.length > 0 && doc.format.columns.every((c) => c.values);
  doc.format.columns.push({ values: quoted, empty: quoted });
  return doc.header.values.length - 1;
}

function quoteCell(value: string, quoted: boolean, delimiter: string): string {
  const needs = quoted || value.includes('"') || value.includes(delimiter) || /[\r\n]/.test(value) || /^\s|\s$/.test(value);
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

const sameValues = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function recordBytes(rec: CsvRecord, format: CsvFormat, quoted: (i: number, value: string) => boolean): Buffer {
  const src = rec.source;
  if (src && sameValues(rec.values, src.values)) return src.bytes;
  const cells = rec.values.map((v, i) => (src && src.values[i] === v && src.cells[i] !== undefined ? src.cells[i] : quoteCell(v, quoted(i, v), format.delimiter)));
  return encodeText(cells.join(format.delimiter), format.encoding);
}

export function serialize(doc: CsvDocument): Buffer {
  const { format } = doc;
  const parts: Buffer[] = format.bom ? [UTF8_BOM, doc.lead] : [doc.lead];
  const records = [doc.header, ...doc.rows];
  records.forEach((rec, i) => {
    const inHeader = i === 0;
    parts.push(recordBytes(rec, format, (col, v) => (inHeader ? format.headerQuoted : v === '' ? (format.columns[col]?.empty ?? false) : (format.columns[col]?.values ?? false))));
    const last = i === records.length - 1;
    // A record keeps its own line ending; the file's last line keeps having one, or not.
    const eol = last && !format.finalNewline && rec.after.length === 0 ? '' : rec.source?.eol || format.eol;
    parts.push(encodeText(eol, format.encoding), rec.after);
  });
  return Buffer.concat(parts);
}
