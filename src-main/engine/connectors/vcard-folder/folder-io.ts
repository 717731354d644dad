/**
 * The files of a vCard folder, laid out as vdirsyncer's `filesystem` storage lays them out: one
 * contact per `<name>.vcf` file directly in the folder, the record id being the name without
 * `.vcf`; files ending in `.tmp` are temp files (vdirsyncer's `fileignoreext`, and Concord's own).
 * Writes are atomic: a temp file in the same folder, fsynced, then renamed (or linked, for a create
 * that must not replace anything), then the folder fsynced.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, rmSync, writeSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { ConnectorError, errorMessage } from '../errors';

export const EXT = '.vcf';

/** The content hash of a file's bytes: its version (hash mode; a rewrite that changes nothing keeps it). */
export const versionOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('base64url').slice(0, 22);

/** Characters vdirsyncer accepts in a file name made from a UID (its SAFE_UID_CHARS). */
const SAFE_NAME = /^[A-Za-z0-9_.+-]+$/;

/** Whether `id` can name a file of the folder: safe characters only, no dot file, not too long. */
export const isSafeId = (id: string): boolean => SAFE_NAME.test(id) && !id.startsWith('.') && id.length <= 200;

/**
 * The UID and file name of a contact Concord creates, from its idempotency key: the same create
 * repeated (a retry after a lost answer, a rerun after a crash) names the same file, and finds it.
 * Formatted as a UUID (version 8, from SHA-256) so apps that expect UUID UIDs accept it.
 */
export function uidForKey(key: string): string {
  const h = createHash('sha256').update(`concord-vcard-create\u0000${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const code = (error: unknown): unknown => (error as { code?: unknown }).code;

/** The ids of the folder's contact files, sorted (the order pages are read in). */
export function listIds(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if (code(error) === 'ENOENT') throw new ConnectorError('config', `The folder ${folder} does not exist — check the path (Concord does not create it, so a typo cannot start an empty address book).`, { cause: error });
    if (code(error) === 'ENOTDIR') throw new ConnectorError('config', `${folder} is a file, not a folder — choose the folder that holds the .vcf files.`, { cause: error });
    if (code(error) === 'EACCES' || code(error) === 'EPERM') throw new ConnectorError('config', `The folder ${folder} cannot be read (permission denied) — give your user read and write access to it.`, { cause: error });
    throw new ConnectorError('unavailable', `The folder ${folder} could not be read (${errorMessage(error)}).`, { cause: error });
  }
  return names
    .filter((n) => n.endsWith(EXT) && n.length > EXT.length)
    .map((n) => n.slice(0, -EXT.length))
    .sort();
}

export const fileOf = (folder: string, id: string): string => join(folder, id + EXT);

const symlinkError = (path: string) => new ConnectorError('invalid', `${path} is a symbolic link; Concord reads and writes only regular files in the folder — replace the link with the file itself.`);

/**
 * A contact file's stat (ns times, bigint), or null when it is gone or not a regular file; a
 * symbolic link is refused, as readContactFile refuses it.
 */
export function statContactFile(folder: string, id: string): BigIntStats | null {
  const path = fileOf(folder, id);
  let st: BigIntStats;
  try {
    st = lstatSync(path, { bigint: true });
  } catch (error) {
    if (code(error) === 'ENOENT') return null;
    throw new ConnectorError('unavailable', `${path} could not be read (${errorMessage(error)}).`, { cause: error });
  }
  if (st.isSymbolicLink()) throw symlinkError(path);
  return st.isFile() ? st : null;
}

/**
 * A contact file's bytes, or null when it is gone. A symbolic link or anything but a regular file
 * is refused: Concord reads and replaces only files that are in the folder itself.
 */
export function readContactFile(folder: string, id: string): Buffer | null {
  const path = fileOf(folder, id);
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) throw symlinkError(path);
    if (!st.isFile()) return null;
    return readFileSync(path);
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    if (code(error) === 'ENOENT') return null;
    throw new ConnectorError('unavailable', `${path} could not be read (${errorMessage(error)}).`, { cause: error });
  }
}

function fsyncFolder(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, 'r');
  } catch {
    return; // Windows cannot open a folder; there the rename is as durable as the OS makes it.
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder (EINVAL); the data itself was fsynced.
  } finally {
    closeSync(fd);
  }
}

/** A temp file beside the contact with `bytes`, fsynced; vdirsyncer skips it (`.tmp`). */
function writeTemp(folder: string, id: string, bytes: Buffer): string {
  const tmp = join(folder, `.${id}.concord-${randomUUID().slice(0, 8)}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Creates `<id>.vcf` with `bytes` atomically, never replacing a file: linking the fsynced temp file
 * to the name fails when the name exists (a rename would silently replace it). Returns false when
 * a file of that name exists already.
 */
export function createContactFile(folder: string, id: string, bytes: Buffer): boolean {
  const tmp = writeTemp(folder, id, bytes);
  try {
    linkSync(tmp, fileOf(folder, id));
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncFolder(folder);
  return true;
}

export function deleteContactFile(folder: string, id: string): void {
  rmSync(fileOf(folder, id), { force: true });
  fsyncFolder(folder);
}
