/**
 * Row ids of a CSV file, and records as the engine sees them.
 *
 * With a configured id column, a row's id is its value there. Without one, Concord keeps its own
 * `concord_id` column — but reading never writes the file (a preview, a test or a scan must leave
 * the user's file byte for byte as it was). So:
 * - a row whose `concord_id` cell is filled has that id;
 * - a row without one (every row, before Concord first writes the file; a row added by hand
 *   since) gets an id derived from its content: a hash of its column values, with `-2`, `-3`…
 *   for identical rows in file order. Every read of the same file gives the same ids, so the
 *   engine's links hold from one read to the next;
 * - the first write that changes the file stores every row's current id in `concord_id` (added
 *   as the last column if missing), in the same atomic rename as the write itself. A row keeps the
 *   id it was read with, so links and versions made before survive, and from then on the id no
 *   longer depends on the content: an edit is an edit, not a delete and a create. A crash can only
 *   leave the old file (same derived ids) or the new one (the same ids, stored), never a mix.
 * - a create gets an id derived from Concord's idempotency key, so a create repeated after a
 *   crash finds its row instead of adding it twice.
 * The limit: a row edited by hand before Concord first writes the file gets a new derived id (it
 * looks like a delete and a create). Choosing an id column avoids that; rows are never stored
 * under row numbers, which shift on every insert or delete.
 * The generated id is part of the record's fields (`concord_id`), stored or not, so storing it
 * does not change any record's version.
 */
import { createHash } from 'node:crypto';
import { ConnectorError } from '../errors';
import { recordHash } from '../record-hash';
import type { AppRecord } from '../types';
import { addColumn, type CsvDocument, type CsvRecord } from './csv-format';

export const GENERATED_ID_COLUMN = 'concord_id';

export type Entry = { id: string; rec: CsvRecord };

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** The id a row gets from its content while no id is stored for it. */
function contentId(header: readonly string[], values: readonly string[]): string {
  // Sorted by column name (code units, not the locale): the same row gives the same id everywhere.
  const pairs = header.flatMap((h, i): [string, string][] => (h === GENERATED_ID_COLUMN ? [] : [[h, values[i] ?? '']])).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `row-${digest(JSON.stringify(pairs)).slice(0, 20)}`;
}

/** The id of a row created with Concord's idempotency key `key`: the same on every retry. */
export function createdId(key: string): string {
  const h = digest(`concord-create:${key}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function identify(doc: CsvDocument, path: string, idColumn: string | undefined): Entry[] {
  const header = doc.header.values;
  const col = header.indexOf(idColumn ?? GENERATED_ID_COLUMN);
  const stored = doc.rows.map((r) => (col >= 0 ? (r.values[col] ?? '') : ''));
  const seen = new Map<string, number>();
  const repeats = new Set<number>();
  stored.forEach((id, i) => {
    if (id === '') {
      if (idColumn) throw new ConnectorError('invalid', `Row ${i + 2} of ${path} has no value in the id column "${idColumn}" — fill it in or remove the row.`);
      return;
    }
    const prev = seen.get(id);
    if (prev === undefined) {
      seen.set(id, i);
      return;
    }
    // The very same row twice (a program and Concord both put back a row written while the file
    // was replaced) is one record: the repeat is dropped, and the next write leaves it out. Two
    // different rows under one id cannot be told apart: the user decides.
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, j) => v === b[j]);
    if (same(doc.rows[prev]?.values ?? [], doc.rows[i]?.values ?? [])) repeats.add(i);
    else throw new ConnectorError('invalid', `${path} has the id "${id}" twice in column "${idColumn ?? GENERATED_ID_COLUMN}" (rows ${prev + 2} and ${i + 2}) — make the ids unique.`);
  });
  if (repeats.size > 0) {
    doc.rows = doc.rows.filter((_, i) => !repeats.has(i));
    return identify(doc, path, idColumn);
  }
  return doc.rows.map((rec, i) => {
    let id = stored[i] ?? '';
    if (id === '') {
      const base = contentId(header, rec.values);
      id = base;
      for (let n = 2; seen.has(id); n++) id = `${base}-${n}`;
      seen.set(id, i);
    }
    return { id, rec };
  });
}

export function toRecord(doc: CsvDocument, entry: Entry, idColumn: string | undefined): AppRecord {
  const fields: Record<string, unknown> = {};
  doc.header.values.forEach((h, i) => (fields[h] = entry.rec.values[i] ?? ''));
  if (!idColumn) fields[GENERATED_ID_COLUMN] = entry.id;
  return { id: entry.id, version: recordHash(fields), fields };
}

/** Writes every row's id into `concord_id` (adding the column if needed); see the file comment. */
export function storeIds(doc: CsvDocument, entries: Entry[]): void {
  let col = doc.header.values.indexOf(GENERATED_ID_COLUMN);
  const added = col < 0;
  if (added) col = addColumn(doc, GENERATED_ID_COLUMN);
  for (const { id, rec } of entries) {
    if (rec.values[col] === id) continue;
    const values = [...rec.values];
    // Cells beyond the old header (a row longer than the header) stay after the new column.
    if (added && values.length > col) values.splice(col, 0, id);
    else {
      while (values.length <= col) values.push('');
      values[col] = id;
    }
    rec.values = values;
  }
}
