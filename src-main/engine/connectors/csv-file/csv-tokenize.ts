/**
 * Splits decoded CSV text into records, keeping for each record where it starts and ends in the
 * text and each cell's exact source text. That is what lets a write re-emit a row Concord did not
 * change byte for byte, and keep the quoting of the cells it did not change in a row it did.
 *
 * RFC 4180 with a chosen delimiter: a field that starts with `"` is quoted (`""` inside is one
 * quote; it may hold delimiters and line breaks); records end at CRLF, LF or CR outside quotes,
 * each record keeping its own line ending. A `"` inside an unquoted field is taken literally, as
 * spreadsheets do.
 */
import { ConnectorError } from '../errors';

export type Token = {
  values: string[];
  /** Each cell's source text, quotes included. */
  cells: string[];
  /** The record's body in the text: [start, end), without its line ending. */
  start: number;
  end: number;
  /** The line ending that closed the record ('' for a last line without one). */
  eol: string;
};

const lineOf = (text: string, pos: number): number => (text.slice(0, pos).match(/\r\n|\r|\n/g)?.length ?? 0) + 1;

export function tokenize(text: string, delimiter: string, path: string): Token[] {
  const records: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    const values: string[] = [];
    const cells: string[] = [];
    for (;;) {
      const fieldStart = i;
      if (text[i] === '"') {
        let value = '';
        let k = i + 1;
        for (;;) {
          const q = text.indexOf('"', k);
          if (q < 0) throw new ConnectorError('invalid', `${path} is not a well-formed CSV file: the quote opened on line ${lineOf(text, fieldStart)} is never closed — add the closing quote.`);
          value += text.slice(k, q);
          if (text[q + 1] === '"') {
            value += '"';
            k = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const next = text[i];
        if (i < text.length && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new ConnectorError('invalid', `${path} is not a well-formed CSV file: text follows a closing quote on line ${lineOf(text, i)} — quote the whole field or double the quote ("").`);
        }
        values.push(value);
      } else {
        let j = i;
        while (j < text.length && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
        values.push(text.slice(i, j));
        i = j;
      }
      cells.push(text.slice(fieldStart, i));
      if (text[i] !== delimiter) break;
      i++;
    }
    const end = i;
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else if (text[i] === '\r' || text[i] === '\n') i += 1;
    records.push({ values, cells, start, end, eol: text.slice(end, i) });
  }
  return records;
}
