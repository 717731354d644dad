/**
 * The writes of a vCard folder: a batch of ops, one result per op. Creates and updates are gathered
 * and written together, each file still atomically (a temp file fsynced, then linked or renamed),
 * but with the temp files fsynced concurrently and the folder once per batch (folder-io.ts
 * createContactFiles, ../csv-file/atomic-write.ts replaceFiles); a delete writes what was gathered
 * first. A file that is not a readable vCard is never overwritten or deleted: its op fails.
 */
import { FileChanged, identityOf, replaceFiles } from '../csv-file/atomic-write';
import { ConnectorError, errorMessage } from '../errors';
import type { WriteOp, WriteResult } from '../types';
import { parseVcard, writeVcard } from '../vcard/codec';
import type { VcardVersion } from '../vcard/card';
import { ID_FIELD, vcardFields, type Loaded } from './contact';
import { createContactFiles, deleteContactFile, fileOf, isSafeId, uidForKey, versionOf } from './folder-io';
import type { OwnWrites } from './watch';

export type WriteDeps = {
  folder: string;
  newCardVersion?: VcardVersion;
  own: OwnWrites;
  /** A file's contact with its text, read now; null when it is gone; throws ConnectorError 'invalid' for a file that is not a vCard. */
  load: (id: string) => Loaded | null;
  /** Told of each file written (`startedAtMs`: before its write began) and each deleted (bytes null). */
  written?: (id: string, bytes: Buffer | null, startedAtMs: number) => void;
};

type Reason = 'invalid' | 'not-found' | 'stale' | 'unavailable';
const fail = (reason: Reason, error: string): WriteResult => ({ ok: false, reason, error });
const failure = (error: unknown): WriteResult => fail(error instanceof ConnectorError && error.reason === 'invalid' ? 'invalid' : 'unavailable', errorMessage(error));

type Create = { kind: 'create'; id: string; uid: string; bytes: Buffer };
type Update = { kind: 'update'; id: string; bytes: Buffer; read: Buffer };
type Pending = Create | Update;

export async function writeContacts(deps: WriteDeps, ops: readonly WriteOp[], signal?: AbortSignal): Promise<WriteResult[]> {
  const { folder, own } = deps;
  const results: WriteResult[] = [];
  let pending: { at: number; p: Pending }[] = [];
  const pendingIds = new Set<string>();

  /** A create's file name and bytes, or its failure (a name that cannot be a file, fields that are not a vCard). */
  const prepareCreate = (op: Extract<WriteOp, { op: 'create' }>): Create | WriteResult => {
    const uid = uidForKey(op.key);
    const given = op.fields[ID_FIELD];
    const id = given === undefined || given === null || given === '' ? uid : String(given);
    if (!isSafeId(id)) return fail('invalid', `"${id}" cannot name a contact file: use letters, digits and _ . + - only (the names vdirsyncer uses).`);
    try {
      const text = writeVcard(vcardFields(op.fields), { uid, ...(deps.newCardVersion ? { version: deps.newCardVersion } : {}) });
      return { kind: 'create', id, uid, bytes: Buffer.from(text, 'utf8') };
    } catch (error) {
      return fail('invalid', errorMessage(error));
    }
  };

  /** An update's new bytes (checked against the version the engine read), a delete done now, or the op's result. */
  const prepareChange = (op: Extract<WriteOp, { op: 'update' | 'delete' }>): Update | WriteResult => {
    const found = deps.load(op.id);
    if (!found) return fail('not-found', `${fileOf(folder, op.id)} does not exist any more.`);
    if (op.ifVersion !== undefined && found.record.version !== op.ifVersion) {
      return fail('stale', `${fileOf(folder, op.id)} changed since Concord read it; it will be re-read and compared.`);
    }
    if (op.op === 'delete') {
      own.note(op.id, null);
      deleteContactFile(folder, op.id);
      deps.written?.(op.id, null, Date.now());
      return { ok: true, id: op.id };
    }
    const newId = op.fields[ID_FIELD];
    if (newId !== undefined && newId !== null && String(newId) !== op.id) return fail('invalid', `Concord does not rename contact files (${op.id}.vcf → ${String(newId)}.vcf); map the id field one way only.`);
    let text: string;
    try {
      text = writeVcard(vcardFields(op.fields), { uid: op.id, original: found.text });
    } catch (error) {
      return fail('invalid', errorMessage(error));
    }
    if (text === found.text) return { ok: true, id: op.id, version: found.record.version ?? '' };
    return { kind: 'update', id: op.id, bytes: Buffer.from(text, 'utf8'), read: found.bytes };
  };

  /** The answer to a create whose name is taken: the same create again (its UID comes from the key) finds its file. */
  const taken = (c: Create): WriteResult => {
    try {
      const existing = deps.load(c.id);
      if (existing && parseVcard(existing.text).uid === c.uid) return { ok: true, id: c.id, version: existing.record.version ?? '' };
    } catch (error) {
      return failure(error);
    }
    return fail('invalid', `${fileOf(folder, c.id)} already exists and holds another contact.`);
  };

  /** Writes what was gathered, creates and updates each as one batch, and puts their results in place. */
  const flush = async () => {
    const batch = pending;
    pending = [];
    pendingIds.clear();
    for (const { p } of batch) own.note(p.id, p.bytes);
    const startedAtMs = Date.now();
    const creates = batch.filter((x): x is { at: number; p: Create } => x.p.kind === 'create');
    const updates = batch.filter((x): x is { at: number; p: Update } => x.p.kind === 'update');
    const all = async <T>(write: () => Promise<T[]>, n: number): Promise<(T | Error)[]> => {
      try {
        return n > 0 ? await write() : [];
      } catch (error) {
        return new Array<Error>(n).fill(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const created = await all(() => createContactFiles(folder, creates.map((x) => x.p)), creates.length);
    creates.forEach(({ at, p }, i) => {
      const done = created[i];
      results[at] = done === true ? { ok: true, id: p.id, version: versionOf(p.bytes) } : done === false ? taken(p) : failure(done ?? new Error('The create was not written.'));
      if (done === true) deps.written?.(p.id, p.bytes, startedAtMs);
    });
    const replaced = await all(() => replaceFiles(updates.map(({ p }) => ({ path: fileOf(folder, p.id), bytes: p.bytes, expected: identityOf(p.read) }))), updates.length);
    updates.forEach(({ at, p }, i) => {
      const error = replaced[i];
      if (error === null) deps.written?.(p.id, p.bytes, startedAtMs);
      results[at] =
        error === null
          ? { ok: true, id: p.id, version: versionOf(p.bytes) }
          : error instanceof FileChanged
            ? fail('stale', `${fileOf(folder, p.id)} was saved by another program while Concord wrote it; it will be re-read and compared.`)
            : failure(error ?? new Error('The update was not written.'));
    });
  };

  for (const op of ops) {
    // Once aborted, the ops not yet gathered say so (those gathered are written).
    if (signal?.aborted) {
      results.push(fail('unavailable', 'The write was cancelled before this contact was written.'));
      continue;
    }
    try {
      const id = op.op === 'create' ? null : op.id;
      if (id !== null && !isSafeId(id)) {
        results.push(fail('not-found', `No contact file is named "${id}".`));
        continue;
      }
      // Ops on one file keep their order: what was gathered is written before the file is read again.
      if (op.op === 'delete' || (id !== null && pendingIds.has(id))) await flush();
      const prepared = op.op === 'create' ? prepareCreate(op) : prepareChange(op);
      if ('kind' in prepared) {
        if (pendingIds.has(prepared.id)) await flush();
        pending.push({ at: results.length, p: prepared });
        pendingIds.add(prepared.id);
        results.push(fail('unavailable', 'The contact was not written.'));
      } else results.push(prepared);
    } catch (error) {
      results.push(failure(error));
    }
  }
  if (pending.length > 0) await flush();
  return results;
}
