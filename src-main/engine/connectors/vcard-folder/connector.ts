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
import { ConnectorError, errorMessage } from '../errors';
import { assertWritable } from '../file-access';
import { throwIfAborted, type AppRecord, type CallOptions, type ChangeBatch, type ChangesOptions, type Connector, type Cursor } from '../types';
import { parseVcard, vcardFieldInfo, type VcardFields } from '../vcard/codec';
import { ID_FIELD, lazyRecord, type Loaded } from './contact';
import { fileOf, isSafeId, listIds, readContactFile, statContactFile, versionOf } from './folder-io';
import { openStatCache, racyMarginMs, type StatCache } from './stat-cache';
import { ownWrites, watchFolder } from './watch';
import { writeContacts } from './writes';
import type { VcardVersion } from '../vcard/card';

export type VcardFolderConfig = { path: string; newCardVersion?: VcardVersion };

export { ID_FIELD } from './contact';

/** Changed cache entries that make a scan save the cache at once rather than when the connector closes. */
const SAVE_AFTER_SCAN = 1_000;

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
    const hit = cache.fresh(id, st);
    if (hit) return lazyRecord(id, hit.version, () => fieldsNow(id, hit.version));
    // Replaced between the stat and this read: the entry holds the old stat, which the next scan will not match.
    const bytes = readContactFile(folder, id);
    if (bytes === null) {
      cache.delete(id);
      return null;
    }
    const version = versionOf(bytes);
    // A file that is not a vCard fails the scan now, as before the cache (never taken for a delete).
    if (cache.get(id)?.version !== version) parse(id, bytes.toString('utf8'));
    cache.set(id, st, readAtMs, version, '');
    return lazyRecord(id, version, () => parse(id, bytes.toString('utf8')));
  };

  /**
   * The fields of a file the cache vouched for, read when the engine first asks: still at the
   * cached version, or the read fails (a record's fields never come from other content than its
   * version says; the next scan sees the new stat and reads it afresh).
   */
  const fieldsNow = (id: string, version: string): VcardFields => {
    const bytes = readContactFile(folder, id);
    if (bytes === null || versionOf(bytes) !== version) {
      cache?.delete(id);
      throw new ConnectorError('unavailable', `${fileOf(folder, id)} changed while Concord was reading the folder: sync again.`);
    }
    return parse(id, bytes.toString('utf8'));
  };

  /**
   * A file Concord wrote goes in the cache with the fields of what it wrote, read time `startedAtMs`
   * (before the write began): racy, so a save by another program right after it cannot hide behind
   * its stat; `confirmRacy` clears it once the margin has passed. A file not a vCard is left out.
   */
  const written = (id: string, bytes: Buffer | null, startedAtMs: number) => {
    if (!cache) return;
    if (bytes === null) return void cache.delete(id);
    try {
      const st = statContactFile(folder, id);
      if (st) cache.set(id, st, startedAtMs, versionOf(bytes), '');
      else cache.delete(id);
    } catch {
      cache.delete(id);
    }
  };

  /**
   * Reads back each racy entry whose file is older than the racy margin now: one that still holds
   * the cached content is trusted from then on (its read time moves to now); any other is dropped.
   * The files Concord just wrote are confirmed this way, so the next run does not read them again.
   */
  const confirmRacy = () => {
    if (!cache) return;
    for (const id of cache.racy()) {
      const e = cache.get(id);
      if (!e) continue;
      try {
        const readAtMs = Date.now();
        const st = statContactFile(folder, id);
        // Still within the margin: left racy (the next scan reads it).
        if (st && readAtMs - Number(st.mtimeNs / 1_000_000n) <= racyMarginMs(String(st.mtimeNs))) continue;
        const bytes = st ? readContactFile(folder, id) : null;
        if (st && bytes && versionOf(bytes) === e.version) cache.set(id, st, readAtMs, e.version, e.fields);
        else cache.delete(id);
      } catch {
        cache.delete(id);
      }
    }
  };

  const save = () => {
    confirmRacy();
    cache?.save();
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
        cache.retain(new Set(ids));
        // A scan that read many files saves them before the last batch is handed over (the reader
        // may stop once it has it); otherwise the cache is saved once, when the connector closes.
        if (cache.changed() >= SAVE_AFTER_SCAN) save();
      }
      yield { upserts, deletes: [], cursor: { mode: 'hash', value: null }, total, ...(last ? { complete: true } : {}) };
    }
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
      return writeContacts({ folder, own, load, written, ...(config.newCardVersion ? { newCardVersion: config.newCardVersion } : {}) }, ops, options?.signal);
    },
    listen: (onChange, signal, options) => watchFolder(folder, own, (seq) => onChange({ collection, seq }), signal, options),
    async close() {
      save();
    },
  };
}
