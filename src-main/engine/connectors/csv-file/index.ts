import type { ConnectorDefinition } from '../types';
import { createCsvFileConnector } from './connector';
import type { CsvEncoding, CsvFormat } from './csv-format';

const DELIMITERS: Record<string, CsvFormat['delimiter']> = { ',': ',', ';': ';', '\t': '\t', '|': '|', tab: '\t', comma: ',', semicolon: ';', pipe: '|' };
const ENCODINGS: CsvEncoding[] = ['utf-8', 'latin1', 'windows-1252'];
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export const csvFileDefinition: ConnectorDefinition = {
  kind: 'csv-file',
  label: 'CSV file',
  description: 'A CSV file; its format (delimiter, quoting, encoding, line endings) is kept when Concord writes it.',
  configFields: [
    { key: 'path', label: 'CSV file', type: 'path', required: true },
    { key: 'idColumn', label: 'Id column', type: 'text', required: false, help: 'A column with a unique id per row. Empty: Concord keeps its own concord_id column, added as the last column the first time it writes the file (reading never changes the file).' },
    { key: 'delimiter', label: 'Delimiter', type: 'select', required: false, options: ['comma', 'semicolon', 'tab', 'pipe'], help: 'Detected from the header when empty.' },
    { key: 'encoding', label: 'Encoding', type: 'select', required: false, options: ENCODINGS, help: 'Detected when empty (UTF-8, else windows-1252).' },
  ],
  // Every write call reads, rewrites and fsyncs the whole file: 100 rows a call made 60,000 updates
  // take 95 s (600 rewrites of a 3 MB file); 10,000 a call takes them in a few seconds.
  capabilities: { changeDetection: ['hash'], deletes: 'by-scan', optimisticWrites: true, writeBatch: 10_000, idempotentCreates: true },
  validateConfig(config) {
    const problems: string[] = [];
    if (!str(config.path)) problems.push('Choose the CSV file (path).');
    const d = str(config.delimiter);
    if (d && !DELIMITERS[d]) problems.push('The delimiter must be comma, semicolon, tab or pipe.');
    const e = str(config.encoding);
    if (e && !ENCODINGS.includes(e as CsvEncoding)) problems.push(`The encoding must be one of ${ENCODINGS.join(', ')}.`);
    return problems;
  },
  create(ctx) {
    const c = ctx.config;
    const idColumn = str(c.idColumn);
    const delimiter = DELIMITERS[str(c.delimiter) ?? ''];
    const encoding = ENCODINGS.find((e) => e === c.encoding);
    return createCsvFileConnector({ path: String(c.path), ...(idColumn ? { idColumn } : {}), ...(delimiter ? { delimiter } : {}), ...(encoding ? { encoding } : {}) });
  },
};
