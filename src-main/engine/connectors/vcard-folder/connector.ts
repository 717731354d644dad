/**
 * vCard folder connector: one contact per `.vcf` file in a folder (vdirsyncer's `filesystem`
 * layout, folder-io.ts). One collection (the folder); hash mode: every read lists the folder and
 * versions are content hashes, so deletes are found by scan. Fields are the vCard codec's
 * (../vcard/fields.ts) plus `id`, the file name without `.vcf`.
 *
 * A file that is not a readable vCard is never deleted or overwritten: a read that meets one fails
 * with its name and what is wrong (skipping it would make its contact look deleted and the delete
 * would reach the other app), and a write to it fails for that record.
 */
import { basename } from 'node:path';
import { FileChanged, identityOf, replaceFile } from '../csv-file/atomic-write';
import { ConnectorError, errorMessage } from '../errors';
import { assertWritable } from '../file-access';
import { throwIfAborted, type AppRecord, type CallOptions, type ChangeBatch, type ChangesOptions, type Connector, type Cursor, type WriteOp, type WriteResult } from '../types';
import { parseVcard, vcardFieldInfo, writeVcard, type VcardFields } from '../vcard/codec';
import { createContactFiles, deleteContactFile, fileOf, isSafeId, listIds, readContactFile, statContactFile, uidForKey, versionOf } from './folder-io';
import { openStatCache, stampOf, type StatCache } from './stat-cache';
import { ownWrites, watchFolder } from './watch';
import type { VcardVersion } from '../vcard/card';

export type VcardFolderConfig = { path: string; newCardVersion?: VcardVersion };

export const ID_FIELD = 'id';

type Loaded = { id: string; bytes: Buffer; text: string; record: AppRecord };

/** `dataDir`: the connector's own folder, for its stat cache (stat-cache.ts); without one every scan reads every file. */
export function createVcardFolderConnector(config: VcardFolderConfig, options: { dataDir?: string } = {}): Connector {
  const folder = config.path;
  const collection = basename(folder);
  const own = ownWrites(folder);
  const cache: StatCache | null = options.dataDir ? openStatCache(options.dataDir, folder) : null;

  const checkCollection = (name: string) => {
    if (name !== collection) throw new ConnectorError('not-found', `This connection has one collection, the folder "${collection}", not "${name}".`);
  };

  /** The fields of a file's text; throws ConnectorError 'invalid' naming the file when it is not a vCard. */
  const parse = (id: string, text: string): VcardFields => {
    try {
      return parseVcard(text).fields;
    } catch (error) {
      throw new ConnectorError('invalid', `${fileOf(folder, id)} is not a readable vCard (${errorMessage(error)}). Concord never deletes or overwrites it: fix the file or move it out of the folder, then sync again.`, { cause: error });
    }
  };

  /** A file's contact with its text (for a write), null when it is gone; the file is always read. */
  const load = (id: string): Loaded | null => {
    const bytes = readContactFile(folder, id);
    if (bytes === null) return null;
    const text = bytes.toString('utf8');
    return { id, bytes, text, record: { id, version: versionOf(bytes), fields: { [ID_FIELD]: id, ...parse(id, text) } } };
  };

  /**
   * A file's contact for a scan or a read by id, null when it is gone: from the stat cache when the
   * file's stat is the cached one (the file is not opened), else read, and parsed unless its hash is
   * the cached one.
   */
  const record = (id: string): AppRecord | null => {
    if (!cache) return load(id)?.record ?? null;
    // Taken before the stat: a write after it gets a later mtime, or one the racy rule distrusts.
    const readAtMs = Date.now();
    const st = statContactFile(folder, id);
    if (st === null) {
      cache.delete(id);
      return null;
    }
    const stamp = stampOf(st);
    const hit = cache.fresh(id, stamp);
    if (hit) return { id, version: hit.version, fields: { [ID_FIELD]: id, ...(JSON.parse(hit.fields) as VcardFields) } };
    // Replaced between the stat and this read: the entry holds the old stat, which the next scan will not match.
    const bytes = readContactFile(folder, id);
    if (bytes === null) {
      cache.delete(id);
      return null;
    }
    const version = versionOf(bytes);
    const known = cache.get(id);
    const fields = known && known.version === version ? known.fields : JSON.stringify(parse(id, bytes.toString('utf8')));
    cache.set(id, { ...stamp, readAtMs, version, fields });
    return { id, version, fields: { [ID_FIELD]: id, ...(JSON.parse(fields) as VcardFields) } };
  };

  async function* changes(name: string, _cursor: Cursor | null, options: ChangesOptions): AsyncGenerator<ChangeBatch> {
    checkCollection(name);
    if (options.mode !== 'hash') throw new ConnectorError('config', `A vCard folder supports hash change detection only, not ${options.mode}.`);
    const ids = listIds(folder);
    const size = Math.max(1, options.batchSize ?? 500);
    const total = ids.length;
    for (let i = 0; i === 0 || i < total; i += size) {
      throwIfAborted(options.signal);
      // A file deleted since the listing is left out: the scan sees the folder as it is now.
      const upserts = ids.slice(i, i + size).flatMap((id) => record(id) ?? []);
      const last = i + size >= total;
      if (last && cache) {
        // Saved before the last batch is handed over: the reader may stop once it has it.
        cache.retain(new Set(ids));
        cache.save();
      }
      yield { upserts, deletes: [], cursor: { mode: 'hash', value: null }, total, ...(last ? { complete: true } : {}) };
    }
  }

  const fail = (reason: 'invalid' | 'not-found' | 'stale' | 'unavailable', error: string): WriteResult => ({ ok: false, reason, error });

  /** The op's vCard fields, without the id field (the file name, never a vCard property). */
  const vcardFields = (fields: Record<string, unknown>): VcardFields => Object.fromEntries(Object.entries(fields).filter(([k]) => k !== ID_FIELD));

  type Prepared = { op: Extract<WriteOp, { op: 'create' }>; id: string; uid: string; bytes: Buffer };

  /** A create's file name and bytes, or its failure (a name that cannot be a file, fields that are not a vCard). */
  function prepareCreate(op: Extract<WriteOp, { op: 'create' }>): Prepared | WriteResult {
    const uid = uidForKey(op.key);
    const given = op.fields[ID_FIELD];
    const id = given === undefined || given === null || given === '' ? uid : String(given);
    if (!isSafeId(id)) return fail('invalid', `"${id}" cannot name a contact file: use letters, digits and _ . + - only (the names vdirsyncer uses).`);
    try {
      const text = writeVcard(vcardFields(op.fields), { uid, ...(config.newCardVersion ? { version: config.newCardVersion } : {}) });
      return { op, id, uid, bytes: Buffer.from(text, 'utf8') };
    } catch (error) {
      return fail('invalid', errorMessage(error));
    }
  }

  /** Writes prepared creates together (one folder fsync for all, folder-io.ts), a result for each. */
  async function createAll(prepared: Prepared[]): Promise<WriteResult[]> {
    for (const p of prepared) own.note(p.id, p.bytes);
    const created = await createContactFiles(folder, prepared);
    return prepared.map((p, i): WriteResult => {
      const done = created[i];
      if (done === true) return { ok: true, id: p.id, version: versionOf(p.bytes) };
      if (done instanceof Error || done === undefined) return fail('unavailable', errorMessage(done));
      // The name is taken. The same create again (its UID comes from the key) answers with that file.
      try {
        const existing = load(p.id);
        if (existing && parseVcard(existing.text).uid === p.uid) return { ok: true, id: p.id, version: existing.record.version ?? '' };
      } catch (error) {
        return fail(error instanceof ConnectorError && error.reason === 'invalid' ? 'invalid' : 'unavailable', errorMessage(error));
      }
      return fail('invalid', `${fileOf(folder, p.id)} already exists and holds another contact.`);
    });
  }

  function change(op: Extract<WriteOp, { op: 'update' | 'delete' }>): WriteResult {
    const found = load(op.id);
    if (!found) return fail('not-found', `${fileOf(folder, op.id)} does not exist any more.`);
    if (op.ifVersion !== undefined && found.record.version !== op.ifVersion) {
      return fail('stale', `${fileOf(folder, op.id)} changed since Concord read it; it will be re-read and compared.`);
    }
    if (op.op === 'delete') {
      own.note(op.id, null);
      deleteContactFile(folder, op.id);
      return { ok: true, id: op.id };
    }
    const newId = op.fields[ID_FIELD];
    if (newId !== undefined && newId !== null && String(newId) !== op.id) return fail('invalid', `Concord does not rename contact files (${op.id}${'.vcf'} → ${String(newId)}.vcf); map the id field one way only.`);
    let text: string;
    try {
      text = writeVcard(vcardFields(op.fields), { uid: op.id, original: found.text });
    } catch (error) {
      return fail('invalid', errorMessage(error));
    }
    if (text === found.text) return { ok: true, id: op.id, version: found.record.version ?? '' };
    const bytes = Buffer.from(text, 'utf8');
    own.note(op.id, bytes);
    try {
      replaceFile(fileOf(folder, op.id), bytes, identityOf(found.bytes));
    } catch (error) {
      if (error instanceof FileChanged) return fail('stale', `${fileOf(folder, op.id)} was saved by another program while Concord wrote it; it will be re-read and compared.`);
      throw error;
    }
    return { ok: true, id: op.id, version: versionOf(bytes) };
  }

  return {
    async describe(options?: CallOptions) {
      throwIfAborted(options?.signal);
      listIds(folder);
      return {
        collections: [
          {
            name: collection,
            fields: [{ name: ID_FIELD, type: 'string', nullable: false, key: true }, ...vcardFieldInfo],
            primaryKey: [ID_FIELD],
            changeDetection: ['hash'],
          },
        ],
      };
    },
    async test(options?: CallOptions) {
      throwIfAborted(options?.signal);
      listIds(folder);
      assertWritable(folder);
    },
    async checkWritable(name, options) {
      throwIfAborted(options?.signal);
      checkCollection(name);
      assertWritable(folder);
    },
    changes,
    async read(name, ids, options) {
      throwIfAborted(options?.signal);
      checkCollection(name);
      return ids.flatMap((id) => (isSafeId(id) ? (record(id) ?? []) : []));
    },
    async write(name, ops, options) {
      checkCollection(name);
      throwIfAborted(options?.signal);
      // A read-only folder is one error for the whole batch (and the run), never one per contact.
      assertWritable(folder);
      const results: WriteResult[] = [];
      // Creates are gathered and written together; they are written before any other op, in order.
      let creates: { at: number; prepared: Prepared }[] = [];
      const flush = async () => {
        const done = await createAll(creates.map((c) => c.prepared));
        creates.forEach((c, i) => (results[c.at] = done[i] ?? fail('unavailable', 'The create was not written.')));
        creates = [];
      };
      for (const op of ops) {
        // Each op is its own file: once aborted, the ops not yet written say so.
        if (options?.signal?.aborted) {
          results.push(fail('unavailable', 'The write was cancelled before this contact was written.'));
          continue;
        }
        if (op.op === 'create') {
          const prepared = prepareCreate(op);
          if ('bytes' in prepared) creates.push({ at: results.length, prepared });
          results.push('bytes' in prepared ? fail('unavailable', 'The create was not written.') : prepared);
          continue;
        }
        if (creates.length > 0) await flush();
        try {
          results.push(isSafeId(op.id) ? change(op) : fail('not-found', `No contact file is named "${op.id}".`));
        } catch (error) {
          const reason = error instanceof ConnectorError && error.reason === 'invalid' ? 'invalid' : 'unavailable';
          results.push(fail(reason, errorMessage(error)));
        }
      }
      if (creates.length > 0) await flush();
      return results;
    },
    listen: (onChange, signal, options) => watchFolder(folder, own, (seq) => onChange({ collection, seq }), signal, options),
    async close() {
      cache?.save();
    },
  };
}
