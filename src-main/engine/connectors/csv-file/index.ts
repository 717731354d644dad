import { z } from 'zod';
import { defineConnector } from '../config-check';
import { field, path, text } from '../config-schema';
import { createCsvFileConnector } from './connector';
import type { CsvFormat } from './csv-format';

const DELIMITERS = { comma: ',', semicolon: ';', tab: '\t', pipe: '|' } as const satisfies Record<string, CsvFormat['delimiter']>;

/** The settings of a CSV file connection; the form, its check and its messages come from this. */
export const csvFileConfig = z.object({
  path: path({ label: 'CSV file' }),
  idColumn: text({
    label: 'Id column',
    help: 'A column with a unique id per row. Empty: Concord keeps its own concord_id column, added as the last column the first time it writes the file (reading never changes the file).',
  }).optional(),
  delimiter: field(z.enum(['comma', 'semicolon', 'tab', 'pipe']), { label: 'Delimiter', placeholder: 'Detect from the header', help: 'Detected from the header when empty.' }).optional(),
  encoding: field(z.enum(['utf-8', 'latin1', 'windows-1252']), { label: 'Encoding', placeholder: 'Detect', help: 'Detected when empty (UTF-8, else windows-1252).' }).optional(),
  // Off by default: it changes what the file holds (the synced value itself is read back unchanged).
  neutraliseFormulas: field(z.boolean(), {
    label: 'Neutralise formulas',
    help: 'Values that a spreadsheet would run as a formula (starting with =, +, -, @) are written with a leading apostrophe, so they show as text. Concord reads them back without it. Turned off later, the apostrophes already written read as part of the values.',
  }).optional(),
});

export const csvFileDefinition = defineConnector({
  kind: 'csv-file',
  label: 'CSV file',
  description: 'A CSV file; its format (delimiter, quoting, encoding, line endings) is kept when Concord writes it.',
  configSchema: csvFileConfig,
  // Every write call reads, rewrites and fsyncs the whole file: 100 rows a call made 60,000 updates
  // take 95 s (600 rewrites of a 3 MB file); 10,000 a call takes them in a few seconds.
  capabilities: { changeDetection: ['hash'], realtime: 'notify', realtimeModes: ['hash'], deletes: 'by-scan', optimisticWrites: true, writeBatch: 10_000, idempotentCreates: true, formulaSetting: 'neutraliseFormulas' },
  create: ({ config: { delimiter, ...rest } }) => createCsvFileConnector({ ...rest, ...(delimiter ? { delimiter: DELIMITERS[delimiter] } : {}) }),
});
