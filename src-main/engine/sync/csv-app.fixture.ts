/**
 * TEST FIXTURE (not shipped code): a CSV file as a user's "app", edited the way a user edits it
 * (read it, change a row, save the whole file again with a plain CSV writer, as a spreadsheet or
 * a script would), never through the connector. The file has the columns email, name, score, and
 * optionally an `id` column the user fills in; without it Concord adds and fills `concord_id` on
 * its first write, and the user's saves keep that column (a spreadsheet keeps every column).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ChangeDetection, PairConfig } from '../api/model';
import type { ConnectionStore } from '../connections/service';
import { basePairConfig, createApp, startEngine } from './test-kit.fixture';

/** A row as a user sees it in the file: every cell is text, an empty cell is ''. */
export type CsvRow = Record<string, string>;
export type CsvUserFields = { email?: string; name?: string | null; score?: number | null };

/** The id column a user keeps in an id-column file (configured as the connection's idColumn). */
export const USER_ID_COLUMN = 'id';

export function createCsvApp(path: string, withIdColumn: boolean): void {
  writeFileSync(path, `${withIdColumn ? `${USER_ID_COLUMN},` : ''}email,name,score\r\n`);
}

/** The file's header and rows, parsed strictly (a row with a missing or extra cell is an error). */
export function readCsvApp(path: string): { header: string[]; rows: CsvRow[] } {
  const records = parse(readFileSync(path), { bom: true }) as string[][];
  const [header = [], ...body] = records;
  return { header, rows: body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']))) };
}

export const csvAppRows = (path: string): CsvRow[] => readCsvApp(path).rows;

// RFC 4180 as spreadsheets write it: a cell is quoted only when it must be; CRLF between records.
const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const userText = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));

function saveCsvApp(path: string, header: string[], rows: CsvRow[]): void {
  const lines = [header, ...rows.map((r) => header.map((h) => r[h] ?? ''))].map((cells) => cells.map(cell).join(','));
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
}

/** A user adds a row at the end; in an id-column file they give it a unique id (a concord_id cell stays empty). */
export function csvAppInsert(path: string, row: { email: string; name: string | null; score: number | null }): void {
  const { header, rows } = readCsvApp(path);
  const added: CsvRow = { email: row.email, name: userText(row.name), score: userText(row.score) };
  if (header.includes(USER_ID_COLUMN)) added[USER_ID_COLUMN] = `u-${row.email}`;
  saveCsvApp(path, header, [...rows, added]);
}

/** A user edits the row with this email (emails are unique in these tests). */
export function csvAppUpdate(path: string, email: string, fields: CsvUserFields): void {
  const { header, rows } = readCsvApp(path);
  const row = rows.find((r) => r.email === email);
  if (!row) throw new Error(`no row with email ${email} in ${path}`);
  for (const [k, v] of Object.entries(fields)) row[k] = userText(v);
  saveCsvApp(path, header, rows);
}

export function csvAppDelete(path: string, email: string): void {
  const { header, rows } = readCsvApp(path);
  saveCsvApp(path, header, rows.filter((r) => r.email !== email));
}

/**
 * A SQLite app (left, in `leftMode`) paired with a CSV file (right, hash mode: the only mode a
 * CSV supports), in `dir`, with the same fields as `setupPair`'s pairs.
 */
export async function setupCsvPair(
  over: Partial<PairConfig>,
  opts: { dir: string; leftMode: ChangeDetection; withIdColumn: boolean; wrap?: (s: ConnectionStore) => ConnectionStore },
) {
  const left = join(opts.dir, 'left.sqlite');
  const right = join(opts.dir, 'contacts.csv');
  createApp(left);
  createCsvApp(right, opts.withIdColumn);
  const kit = startEngine(opts.dir, join(opts.dir, 'data'), opts.wrap);
  const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
  const r = await kit.call('connections/create', { name: 'Sheet', connector: 'csv-file', config: { path: right, ...(opts.withIdColumn ? { idColumn: USER_ID_COLUMN } : {}) } });
  const config = basePairConfig(l.id, r.id, { right: { connectionId: r.id, collection: basename(right), changeDetection: 'hash' }, ...over });
  config.left.changeDetection = opts.leftMode;
  const pair = await kit.call('pairs/create', { config });
  return { left, right, kit, pairId: pair.id };
}
