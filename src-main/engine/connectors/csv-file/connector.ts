/**
 * CSV file connector. One collection (the file); change detection by hash only (a full read),
 * so deletes are found by scan. Writes rewrite the file atomically: a temp file in the same
 * folder, then rename, so a reader (or a crash) never sees half a file.
 *
 * Ids: the configured id column; without one, Concord keeps its own `concord_id` column,
 * appended as the last column and filled with random ids. Row numbers would shift on every
 * insert or delete and content hashes change on every edit (an edit would look like delete +
 * create and lose its link), so a stored id is the only stable choice. Rows added by hand get
 * an id on the next read.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AppRecord, ChangeBatch, ChangesOptions, Connector, Cursor, WriteOp, WriteResult } from '../types';
import { ConnectorError, errorMessage } from '../errors';
import { recordHash } from '../record-hash';
import { parseCsv, serialize, type CsvDocument, type CsvEncoding, type CsvFormat } from './csv-format';

export const GENERATED_ID_COLUMN = 'concord_id';

export type CsvFileConfig = { path: string; idColumn?: string; delimiter?: CsvFormat['delimiter']; encoding?: CsvEncoding };

export function createCsvFileConnector(config: CsvFileConfig): Connector {
  const path = config.path;
  const collection = basename(path);
  const idColumn = config.idColumn ?? GENERATED_ID_COLUMN;

  const checkCollection = (name: string) => {
    if (name !== collection) throw new ConnectorError('not-found', `This connection has one collection, "${collection}", not "${name}".`);
  };

  const load = (): { doc: CsvDocument; stamp: string } => {
    let bytes: Buffer;
    let stamp: string;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new ConnectorError('config', `${path} is a folder, not a CSV file — choose the file itself.`);
      stamp = `${st.size}:${st.mtimeMs}`;
      bytes = readFileSync(path);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT') throw new ConnectorError('config', `The file ${path} does not exist — check the path.`, { cause: error });
      if (code === 'EACCES' || code === 'EPERM') throw new ConnectorError('config', `The file ${path} cannot be read (permission denied) — give your user read and write access to it.`, { cause: error });
      throw new ConnectorError('unavailable', `The file ${path} could not be read (${errorMessage(error)}).`, { cause: error });
    }
    const doc = parseCsv(bytes, { path, ...(config.encoding ? { encoding: config.encoding } : {}), ...(config.delimiter ? { delimiter: config.delimiter } : {}) });
    if (doc.header.length === 0) throw new ConnectorError('invalid', `${path} is empty — a CSV file needs a header row with the column names.`);
    if (config.idColumn && !doc.header.includes(config.idColumn)) {
      throw new ConnectorError('config', `${path} has no column "${config.idColumn}" — choose the id column among: ${doc.header.join(', ')}.`);
    }
    return { doc, stamp };
  };

  const save = (doc: CsvDocument, stamp: string): void => {
    // Someone saved the file since we read it: writing now would drop their change.
    if (fileStamp() !== stamp) throw new ConnectorError('unavailable', `${path} changed while Concord was writing it — the write will be retried.`);
    const tmp = join(dirname(path), `.${basename(path)}.concord-${randomUUID().slice(0, 8)}.tmp`);
    try {
      const fd = openSync(tmp, 'wx');
      try {
        writeSync(fd, serialize(doc));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw new ConnectorError('unavailable', `Concord could not write ${path} (${errorMessage(error)}) — check that the folder is writable and the file is not open in a program that locks it.`, { cause: error });
    }
  };

  const fileStamp = (): string => {
    try {
      const st = statSync(path);
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };

  /** Loads the file, gives rows without a generated id one (saving the file), checks ids are unique. */
  const loadWithIds = (): { doc: CsvDocument; stamp: string; col: number } => {
    const loaded = load();
    const doc = loaded.doc;
    let stamp = loaded.stamp;
    if (!config.idColumn) {
      let col = doc.header.indexOf(GENERATED_ID_COLUMN);
      let changed = false;
      if (col < 0) {
        doc.header.push(GENERATED_ID_COLUMN);
        doc.headerRaw = null;
        col = doc.header.length - 1;
        changed = true;
      }
      for (const row of doc.rows) {
        while (row.values.length < doc.header.length) {
          row.values.push('');
          row.raw = null;
        }
        if (!row.values[col]) {
          row.values[col] = randomUUID();
          row.raw = null;
          changed = true;
        }
      }
      if (changed) {
        save(doc, stamp);
        stamp = fileStamp();
      }
    }
    const col = doc.header.indexOf(idColumn);
    const seen = new Map<string, number>();
    doc.rows.forEach((row, i) => {
      const id = row.values[col] ?? '';
      if (id === '') throw new ConnectorError('invalid', `Row ${i + 2} of ${path} has no value in the id column "${idColumn}" — fill it in or remove the row.`);
      const prev = seen.get(id);
      if (prev !== undefined) throw new ConnectorError('invalid', `${path} has the id "${id}" twice in column "${idColumn}" (rows ${prev + 2} and ${i + 2}) — make the ids unique.`);
      seen.set(id, i);
    });
    return { doc, stamp, col };
  };

  const toRecord = (doc: CsvDocument, values: string[], col: number): AppRecord => {
    const fields: Record<string, unknown> = {};
    doc.header.forEach((h, i) => (fields[h] = values[i] ?? ''));
    return { id: values[col] ?? '', version: recordHash(fields), fields };
  };

  async function* changes(name: string, _cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch> {
    checkCollection(name);
    if (options.mode !== 'hash') throw new ConnectorError('config', `A CSV file supports hash change detection only, not ${options.mode}.`);
    const { doc, col } = loadWithIds();
    const size = Math.max(1, options.batchSize ?? 500);
    const total = doc.rows.length;
    for (let i = 0; i === 0 || i < total; i += size) {
      if (options.signal.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('The read was cancelled.');
      const upserts = doc.rows.slice(i, i + size).map((r) => toRecord(doc, r.values, col));
      yield { upserts, deletes: [], cursor: { mode: 'hash', value: null }, total, ...(i + size >= total ? { complete: true } : {}) };
    }
  }

  return {
    async describe() {
      const { doc } = load();
      const header = config.idColumn || doc.header.includes(GENERATED_ID_COLUMN) ? doc.header : [...doc.header, GENERATED_ID_COLUMN];
      return {
        collections: [{ name: collection, fields: header.map((h) => ({ name: h, type: 'string' as const, nullable: h !== idColumn, ...(h === idColumn ? { key: true } : {}) })), primaryKey: [idColumn], changeDetection: ['hash'] }],
      };
    },
    async test() {
      load();
    },
    changes,
    async read(name, ids) {
      checkCollection(name);
      const { doc, col } = loadWithIds();
      const byId = new Map(doc.rows.map((r) => [r.values[col] ?? '', r]));
      return ids.flatMap((id) => {
        const row = byId.get(id);
        return row ? [toRecord(doc, row.values, col)] : [];
      });
    },
    async write(name, ops) {
      checkCollection(name);
      const { doc, stamp, col } = loadWithIds();
      const results = ops.map((op) => applyOp(doc, col, op));
      if (results.some((r) => r.ok)) {
        try {
          save(doc, stamp);
        } catch (error) {
          const message = errorMessage(error);
          return ops.map(() => ({ ok: false, reason: 'unavailable', error: message }) satisfies WriteResult);
        }
      }
      return results;
    },
    async close() {},
  };

  function applyOp(doc: CsvDocument, col: number, op: WriteOp): WriteResult {
    const unknown = Object.keys(op.op === 'delete' ? {} : op.fields).filter((k) => !doc.header.includes(k));
    if (unknown.length) return { ok: false, reason: 'invalid', error: `${path} has no column ${unknown.map((u) => `"${u}"`).join(', ')} — add it to the header row or re-map the field.` };
    const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
    if (op.op === 'create') {
      const values = doc.header.map((h) => text(op.fields[h]));
      if (!values[col]) values[col] = randomUUID();
      if (doc.rows.some((r) => r.values[col] === values[col])) return { ok: false, reason: 'invalid', error: `${path} already has a row with id "${values[col]}".` };
      doc.rows.push({ values, raw: null });
      return { ok: true, id: values[col] ?? '', version: toRecord(doc, values, col).version ?? '' };
    }
    const index = doc.rows.findIndex((r) => r.values[col] === op.id);
    const row = doc.rows[index];
    if (!row) return { ok: false, reason: 'not-found', error: `${path} has no row with id "${op.id}" any more.` };
    if (op.ifVersion !== undefined && toRecord(doc, row.values, col).version !== op.ifVersion) {
      return { ok: false, reason: 'stale', error: `Row "${op.id}" of ${path} changed since Concord read it; it will be re-read and compared.` };
    }
    if (op.op === 'delete') {
      doc.rows.splice(index, 1);
      return { ok: true, id: op.id };
    }
    const values = doc.header.map((h, i) => (h in op.fields ? text(op.fields[h]) : (row.values[i] ?? '')));
    if (values[col] !== op.id && doc.rows.some((r) => r.values[col] === values[col])) return { ok: false, reason: 'invalid', error: `${path} already has a row with id "${values[col]}".` };
    const same = values.length === row.values.length && values.every((v, i) => v === row.values[i]);
    if (!same) {
      row.values = values;
      row.raw = null;
    }
    return { ok: true, id: values[col] ?? op.id, version: toRecord(doc, values, col).version ?? '' };
  }
}
