/**
 * A CSV file as text that can be written back unchanged: each row keeps its raw text, so a row
 * Concord did not touch is re-emitted byte for byte. The format (encoding, BOM, delimiter,
 * quoting style, line ending, trailing newline) is detected once and reused for rows Concord writes.
 */
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { ConnectorError, errorMessage } from '../errors';

export type CsvEncoding = 'utf-8' | 'latin1' | 'windows-1252';

export type CsvFormat = {
  encoding: CsvEncoding;
  bom: boolean;
  delimiter: ',' | ';' | '\t';
  quoteAll: boolean;
  eol: '\r\n' | '\n' | '\r';
  finalNewline: boolean;
};

export type CsvRow = { values: string[]; raw: string | null };
export type CsvDocument = { format: CsvFormat; header: string[]; headerRaw: string | null; rows: CsvRow[] };

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

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

export function encode(text: string, format: CsvFormat): Buffer {
  const body = format.encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, format.encoding);
  return format.bom ? Buffer.concat([UTF8_BOM, body]) : body;
}

/** The first line outside quotes (a header may hold quoted line breaks). */
function firstLine(text: string): { line: string; eol: CsvFormat['eol'] | null } {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      const eol = ch === '\r' ? (text[i + 1] === '\n' ? '\r\n' : '\r') : '\n';
      return { line: text.slice(0, i), eol };
    }
  }
  return { line: text, eol: null };
}

function detectDelimiter(line: string): CsvFormat['delimiter'] {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  const best = (Object.entries(counts) as [CsvFormat['delimiter'], number][]).sort((a, b) => b[1] - a[1])[0];
  return best && best[1] > 0 ? best[0] : ',';
}

function allQuoted(raw: string, delimiter: string, fields: number): boolean {
  const body = raw.replace(/[\r\n]+$/, '');
  return body.startsWith('"') && body.endsWith('"') && body.split(`"${delimiter}"`).length >= fields;
}

export function parseCsv(bytes: Buffer, options: { path: string; encoding?: CsvEncoding; delimiter?: CsvFormat['delimiter'] }): CsvDocument {
  const { text, encoding, bom } = decode(bytes, options.encoding);
  const head = firstLine(text);
  const delimiter = options.delimiter ?? detectDelimiter(head.line);
  const eol = head.eol ?? '\n';
  const utf8 = Buffer.from(text, 'utf8');
  let parsed: { record: string[]; info: { bytes: number } }[];
  try {
    parsed = parse(utf8, { delimiter, record_delimiter: eol, info: true, relax_column_count: true, skip_empty_lines: false }) as unknown as typeof parsed; // csv-parse types `info: true` loosely
  } catch (error) {
    throw new ConnectorError('invalid', `${options.path} is not a well-formed CSV file (${errorMessage(error)}) — fix the line it names, e.g. an unclosed quote.`, { cause: error });
  }
  // Raw text per record from the parser's byte offsets: exact, including quotes and the line ending.
  let offset = 0;
  const records = parsed.map((p) => {
    const raw = utf8.subarray(offset, p.info.bytes).toString('utf8');
    offset = p.info.bytes;
    return { values: p.record, raw };
  });
  const first = records[0];
  const header = first?.values ?? [];
  const rows = records.slice(1).filter((r) => !(r.values.length === 1 && r.values[0] === ''));
  const quoteAll = first !== undefined && allQuoted(first.raw, delimiter, header.length) && (rows[0] === undefined || allQuoted(rows[0].raw, delimiter, header.length));
  const format: CsvFormat = { encoding, bom, delimiter, quoteAll, eol, finalNewline: text === '' || /[\r\n]$/.test(text) };
  return { format, header, headerRaw: first?.raw ?? null, rows };
}

function quote(value: string, format: CsvFormat): string {
  const needs = format.quoteAll || value.includes('"') || value.includes(format.delimiter) || /[\r\n]/.test(value) || /^\s|\s$/.test(value);
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

export function formatRow(values: string[], format: CsvFormat): string {
  return values.map((v) => quote(v, format)).join(format.delimiter) + format.eol;
}

/** Raw rows are re-emitted as read; only rows with `raw: null` are formatted anew. */
export function serialize(doc: CsvDocument): Buffer {
  const parts: string[] = [];
  const push = (raw: string) => {
    const prev = parts.at(-1);
    // A last row that had no line ending gets one before anything follows it.
    if (prev !== undefined && !/[\r\n]$/.test(prev)) parts[parts.length - 1] = prev + doc.format.eol;
    parts.push(raw);
  };
  push(doc.headerRaw ?? formatRow(doc.header, doc.format));
  for (const row of doc.rows) push(row.raw ?? formatRow(row.values, doc.format));
  let text = parts.join('');
  if (!doc.format.finalNewline && text.endsWith(doc.format.eol)) text = text.slice(0, -doc.format.eol.length);
  return encode(text, doc.format);
}
