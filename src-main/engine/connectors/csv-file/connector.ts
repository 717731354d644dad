/**
 * CSV file connector. One collection (the file); change detection by hash only (a full read),
 * so deletes are found by scan. Reads never write the file. A write rewrites it atomically
 * (`replaceFile`), keeping its format and every row it did not change as it was (`csv-format`).
 * Ids: the configured id column, or Concord's own `concord_id` column (see `row-ids`).
 */
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename } from 'node:path';
import { throwIfAborted, type CallOptions, type ChangeBatch, type ChangesOptions, type Connector, type Cursor, type WriteOp, type WriteResult } from '../types';
import { watchFiles, type Verdict } from '../file-watch';
import { ConnectorError, errorMessage } from '../errors';
import { assertWritable } from '../file-access';
import { FileChanged, identityOf, replaceFile, type FileIdentity } from './atomic-write';
import { csvWatch, type SeenContent } from './watch';
import { parseCsv, serialize, unencodable, type CsvDocument, type CsvEncoding, type CsvRecord, type CsvFormat } from './csv-format';
import { neutralise, unneutralise } from './formulas';
import { createdId, GENERATED_ID_COLUMN, identify, storeIds, toRecord as rawRecord, type Entry } from './row-ids';

export { GENERATED_ID_COLUMN } from './row-ids';

export type CsvFileConfig = { path: string; idColumn?: string; delimiter?: CsvFormat['delimiter']; encoding?: CsvEncoding; neutraliseFormulas?: boolean };

type Loaded = { doc: CsvDocument; stamp: FileIdentity; entries: Entry[] };
/** A write batch's rows by id (updated as its ops apply) and the rows its deletes remove. */
type Batch = { byId: Map<string, Entry>; removed: Set<CsvRecord> };

const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A write that finds the file saved under it re-reads it and applies its ops again, this many
 * times, a short and growing pause apart (with jitter, so a writer saving on a rhythm is not met
 * in step): a busy writer delays Concord by milliseconds, not by a failed-record backoff.
 */
const WRITE_ATTEMPTS = 6;
const retryPauseMs = (attempt: number) => Math.round(10 * 2 ** attempt * (0.5 + Math.random()));

/** Test seam: the verdict on each burst of file events the feed judged. */
export type CsvFeedHooks = { judged?: (verdict: Verdict) => void };

export function createCsvFileConnector(config: CsvFileConfig, hooks: CsvFeedHooks = {}): Connector {
  const path = config.path;
  const collection = basename(path);
  const idColumn = config.idColumn;
  const keyColumn = idColumn ?? GENERATED_ID_COLUMN;
  const formulas = config.neutraliseFormulas === true;
  /**
   * A row as the engine sees it. With formulas neutralised, cells read without the apostrophe
   * Concord wrote (formulas.ts); the version stays the hash of the cells as the file holds them.
   */
  const toRecord = (doc: CsvDocument, e: Entry, id: string | undefined) => {
    const rec = rawRecord(doc, e, id);
    if (!formulas) return rec;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec.fields)) fields[k] = k === keyColumn || typeof v !== 'string' ? v : unneutralise(v);
    return { ...rec, fields };
  };
  /** A mapped value as its cell holds it (the id column is never altered). */
  const cell = (column: string, v: unknown): string => (formulas && column !== keyColumn ? neutralise(text(v)) : text(v));

  const checkCollection = (name: string) => {
    if (name !== collection) throw new ConnectorError('not-found', `This connection has one collection, "${collection}", not "${name}".`);
  };

  const load = (): { doc: CsvDocument; stamp: FileIdentity } => {
    let bytes: Buffer;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new ConnectorError('config', `${path} is a folder, not a CSV file — choose the file itself.`);
      bytes = readFileSync(path);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT') throw new ConnectorError('config', `The file ${path} does not exist — check the path.`, { cause: error });
      if (code === 'EACCES' || code === 'EPERM') throw new ConnectorError('config', `The file ${path} cannot be read (permission denied) — give your user read and write access to it.`, { cause: error });
      throw new ConnectorError('unavailable', `The file ${path} could not be read (${errorMessage(error)}).`, { cause: error });
    }
    const doc = parseCsv(bytes, { path, ...(config.encoding ? { encoding: config.encoding } : {}), ...(config.delimiter ? { delimiter: config.delimiter } : {}) });
    const header = doc.header.values;
    if (header.length === 0) throw new ConnectorError('invalid', `${path} is empty — a CSV file needs a header row with the column names.`);
    if (idColumn && !header.includes(idColumn)) throw new ConnectorError('config', `${path} has no column "${idColumn}" — choose the id column among: ${header.join(', ')}.`);
    return { doc, stamp: identityOf(bytes) };
  };

  const loadRows = (): Loaded => {
    const { doc, stamp } = load();
    return { doc, stamp, entries: identify(doc, path, idColumn) };
  };

  /** What the change feed last saw the file hold (or Concord wrote into it): tells Concord's own saves from others'. */
  const seen: SeenContent = { identity: null };

  /** Throws FileChanged when someone saved the file since `stamp` was read: writing would drop their change. */
  const save = (doc: CsvDocument, stamp: FileIdentity): void => {
    try {
      const bytes = serialize(doc);
      replaceFile(path, bytes, stamp);
      // Our save is an echo for the feed only if the file held what the feed had seen when we read
      // it: a save by someone else that our write read and kept was never signalled, and still must be.
      if (seen.identity && seen.identity.size === stamp.size && seen.identity.sha256 === stamp.sha256) seen.identity = identityOf(bytes);
    } catch (error) {
      if (error instanceof FileChanged) throw error;
      throw new ConnectorError('unavailable', `Concord could not write ${path} (${errorMessage(error)}) — check that the folder is writable and the file is not open in a program that locks it.`, { cause: error });
    }
  };

  async function* changes(name: string, _cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch> {
    checkCollection(name);
    if (options.mode !== 'hash') throw new ConnectorError('config', `A CSV file supports hash change detection only, not ${options.mode}.`);
    const { doc, entries } = loadRows();
    const size = Math.max(1, options.batchSize ?? 500);
    const total = entries.length;
    for (let i = 0; i === 0 || i < total; i += size) {
      throwIfAborted(options.signal);
      const upserts = entries.slice(i, i + size).map((e) => toRecord(doc, e, idColumn));
      yield { upserts, deletes: [], cursor: { mode: 'hash', value: null }, total, ...(i + size >= total ? { complete: true } : {}) };
    }
  }

  return {
    async describe(options?: CallOptions) {
      throwIfAborted(options?.signal);
      const header = load().doc.header.values;
      const names = idColumn || header.includes(GENERATED_ID_COLUMN) ? header : [...header, GENERATED_ID_COLUMN];
      return {
        collections: [{ name: collection, fields: names.map((h) => ({ name: h, type: 'string' as const, nullable: h !== keyColumn, ...(h === keyColumn ? { key: true } : {}), ...(h === GENERATED_ID_COLUMN && !idColumn ? { managed: 'concord-id' as const, ...(header.includes(h) ? {} : { addedOnFirstWrite: true as const }) } : {}) })), primaryKey: [keyColumn], changeDetection: ['hash'], ...(idColumn ? {} : { stableIds: true }) }],
      };
    },
    async test(options?: CallOptions) {
      throwIfAborted(options?.signal);
      loadRows();
      assertWritable(path);
    },
    async checkWritable(name, options) {
      throwIfAborted(options?.signal);
      checkCollection(name);
      assertWritable(path);
    },
    changes,
    async read(name, ids, options) {
      throwIfAborted(options?.signal);
      checkCollection(name);
      const { doc, entries } = loadRows();
      const byId = new Map(entries.map((e) => [e.id, e]));
      return ids.flatMap((id) => {
        const e = byId.get(id);
        return e ? [toRecord(doc, e, idColumn)] : [];
      });
    },
    async write(name, ops, options) {
      checkCollection(name);
      for (let attempt = 1; ; attempt++) {
        // Before each attempt, never between the ops of one: the file is replaced whole or not at all.
        throwIfAborted(options?.signal);
        // Each attempt starts from the file as it is now: an op whose row changed meanwhile comes
        // back 'stale' (its ifVersion no longer holds), the others apply to the new content.
        const { doc, stamp, entries } = loadRows();
        // A read-only file is one error for the whole batch (and the run), never one per row.
        assertWritable(path);
        const batch: Batch = { byId: new Map(entries.map((e) => [e.id, e])), removed: new Set() };
        let changed = false;
        const results = ops.map((op) => {
          const r = applyOp(doc, batch, op);
          changed ||= r.changed;
          return r.result;
        });
        if (!changed) return results;
        doc.rows = doc.rows.filter((r) => !batch.removed.has(r));
        // The first write that changes the file also stores the ids rows were read with.
        if (!idColumn) storeIds(doc, [...batch.byId.values()]);
        try {
          save(doc, stamp);
          return results;
        } catch (error) {
          if (!(error instanceof FileChanged)) {
            const message = errorMessage(error);
            return ops.map(() => ({ ok: false, reason: 'unavailable', error: message }) satisfies WriteResult);
          }
          if (attempt >= WRITE_ATTEMPTS) {
            // Nothing was written. 'stale': the engine re-reads these records and tries again at once, not after a backoff.
            const error = `${path} kept changing while Concord was writing it (${WRITE_ATTEMPTS} tries); its rows will be re-read and written again.`;
            return ops.map(() => ({ ok: false, reason: 'stale', error }) satisfies WriteResult);
          }
          await sleep(retryPauseMs(attempt), undefined, options?.signal ? { signal: options.signal } : {}).catch(() => throwIfAborted(options?.signal));
        }
      }
    },
    listen: (onChange, signal, options) => watchFiles(csvWatch(path, seen, hooks.judged), (seq) => onChange({ collection, seq }), signal, options),
    async close() {},
  };

  /** Why `op` cannot be written (an unknown column, a character the file's encoding lacks), or null. */
  function refusal(doc: CsvDocument, op: WriteOp): string | null {
    if (op.op === 'delete') return null;
    const header = doc.header.values;
    const unknown = Object.keys(op.fields).filter((k) => !header.includes(k) && !(k === GENERATED_ID_COLUMN && !idColumn));
    if (unknown.length) return `${path} has no column ${unknown.map((u) => `"${u}"`).join(', ')} — add it to the header row or re-map the field.`;
    const { encoding } = doc.format;
    for (const [field, value] of Object.entries(op.fields)) {
      const ch = unencodable(text(value), encoding);
      if (ch === null) continue;
      const which = op.op === 'create' ? 'A new row' : `Row "${op.id}"`;
      const setting = config.encoding ? ` and set the connection's encoding to utf-8` : '';
      return `${which} cannot be written to ${path}: field "${field}" holds the character "${ch}" (${codePoint(ch)}), which the file's encoding (${encoding}) cannot store. Convert the file to UTF-8 (e.g. Save As "CSV UTF-8" in your spreadsheet)${setting}, then retry; Concord will not write "?" in its place.`;
    }
    return null;
  }

  function applyOp(doc: CsvDocument, { byId, removed }: Batch, op: WriteOp): { result: WriteResult; changed: boolean } {
    const fail = (reason: 'invalid' | 'not-found' | 'stale', error: string) => ({ result: { ok: false, reason, error } satisfies WriteResult, changed: false });
    const ok = (e: Entry, changed: boolean) => ({ result: { ok: true, id: e.id, version: toRecord(doc, e, idColumn).version ?? '' } satisfies WriteResult, changed });
    const refused = refusal(doc, op);
    if (refused) return fail('invalid', refused);
    const header = doc.header.values;
    const col = header.indexOf(keyColumn);

    if (op.op === 'create') {
      const values = header.map((h) => cell(h, op.fields[h]));
      const id = (idColumn ? values[col] : text(op.fields[GENERATED_ID_COLUMN])) || createdId(op.key);
      if (col >= 0) values[col] = id;
      const entry: Entry = { id, rec: { values, source: null, after: Buffer.alloc(0) } };
      const existing = byId.get(id);
      if (existing) {
        // The same create again (a retry after a crash, or a lost answer): its row is already here.
        if (toRecord(doc, existing, idColumn).version === toRecord(doc, entry, idColumn).version) return ok(existing, false);
        return fail('invalid', `${path} already has a row with id "${id}".`);
      }
      doc.rows.push(entry.rec);
      byId.set(id, entry);
      return ok(entry, true);
    }

    const entry = byId.get(op.id);
    if (!entry) return fail('not-found', `${path} has no row with id "${op.id}" any more.`);
    if (op.ifVersion !== undefined && toRecord(doc, entry, idColumn).version !== op.ifVersion) {
      return fail('stale', `Row "${op.id}" of ${path} changed since Concord read it; it will be re-read and compared.`);
    }
    if (op.op === 'delete') {
      removed.add(entry.rec);
      byId.delete(op.id);
      return { result: { ok: true, id: op.id }, changed: true };
    }
    const old = entry.rec.values;
    // Concord's own concord_id is never rewritten by a mapped field; a configured id column may be.
    const values = [...header.map((h, i) => (h in op.fields && h !== GENERATED_ID_COLUMN ? cell(h, op.fields[h]) : (old[i] ?? ''))), ...old.slice(header.length)];
    const id = idColumn ? (values[col] ?? '') : entry.id;
    if (id === '') return fail('invalid', `Row "${op.id}" of ${path} would have an empty id column "${keyColumn}" — give it a value.`);
    if (id !== entry.id && byId.has(id)) return fail('invalid', `${path} already has a row with id "${id}".`);
    // A short row padded with empty cells is not a change.
    const same = values.every((v, i) => v === (old[i] ?? ''));
    if (same) return ok(entry, false);
    entry.rec.values = values;
    byId.delete(entry.id);
    entry.id = id;
    byId.set(id, entry);
    return ok(entry, true);
  }
}
