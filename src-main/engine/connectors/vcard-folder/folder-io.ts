/**
 * The files of a vCard folder, laid out as vdirsyncer's `filesystem` storage lays them out: one
 * contact per `<name>.vcf` file directly in the folder, the record id being the name without
 * `.vcf`; files ending in `.tmp` are temp files (vdirsyncer's `fileignoreext`, and Concord's own).
 * Writes are atomic: a temp file in the same folder, fsynced, then renamed (or linked, for a create
 * that must not replace anything), then the folder fsynced (once per batch of creates).
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fsync, fsyncSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, rmSync, writeSync, type BigIntStats } from 'node:fs';
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
const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

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

/** How many temp files a create batch holds open at once (each is fsynced before its link is made). */
const CREATE_CHUNK = 64;
/** fsyncs in flight at once: on a journalling file system concurrent fsyncs share journal commits. */
const FSYNC_PARALLEL = 8;

const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));

/**
 * Creates the `<id>.vcf` files of `items` atomically, never replacing a file, with one folder fsync
 * for the whole batch rather than one per file. Per chunk of files: each one's bytes go to a temp
 * file beside it (vdirsyncer skips `.tmp`), the temp files are fsynced (concurrently), then each is
 * linked to its name (a link, unlike a rename, fails when the name exists) and removed; the folder
 * is fsynced once all links are made, and only then does this return.
 *
 * What a crash can leave: a contact file exists only as a link to a temp file that was fsynced
 * whole, so never half a contact. Links made since the last folder fsync may be lost with a power
 * cut, but this call had not answered, so the engine's journal still holds those creates as pending
 * and the next run repeats them under the same names (the name comes from the create's key), finding
 * the ones that survived. Temp files (`.<id>.concord-<random>.tmp`) may be left behind; neither
 * Concord nor vdirsyncer reads them.
 *
 * Answers per item: true (created), false (a file of that name exists already), or the error that
 * kept it from being written (the other items are not held up by it).
 */
export async function createContactFiles(folder: string, items: readonly { id: string; bytes: Buffer }[]): Promise<(boolean | Error)[]> {
  const results: (boolean | Error)[] = [];
  let linked = false;
  for (let start = 0; start < items.length; start += CREATE_CHUNK) {
    // Each temp file: open and written, or the error that stopped it.
    const temps = items.slice(start, start + CREATE_CHUNK).map(({ id, bytes }): { id: string; tmp: string; fd: number | null; error: Error | null } => {
      const tmp = join(folder, `.${id}.concord-${randomUUID().slice(0, 8)}.tmp`);
      let fd: number | null = null;
      try {
        fd = openSync(tmp, 'wx', 0o644);
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
        return { id, tmp, fd, error: null };
      } catch (error) {
        if (fd !== null) closeSync(fd);
        rmSync(tmp, { force: true });
        return { id, tmp, fd: null, error: asError(error) };
      }
    });
    let next = 0;
    const worker = async () => {
      for (let t = temps[next++]; t !== undefined; t = temps[next++]) {
        const { fd } = t;
        if (fd !== null) await fsyncFd(fd).catch((error: unknown) => (t.error = asError(error)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(FSYNC_PARALLEL, temps.length) }, worker));
    for (const t of temps) {
      if (t.fd === null) {
        results.push(t.error ?? new Error(`${t.tmp} could not be written.`));
        continue;
      }
      try {
        closeSync(t.fd);
        if (t.error) throw t.error;
        linkSync(t.tmp, fileOf(folder, t.id));
        linked = true;
        results.push(true);
      } catch (error) {
        results.push(code(error) === 'EEXIST' ? false : asError(error));
      } finally {
        rmSync(t.tmp, { force: true });
      }
    }
  }
  if (linked) fsyncFolder(folder);
  return results;
}

export function deleteContactFile(folder: string, id: string): void {
  rmSync(fileOf(folder, id), { force: true });
  fsyncFolder(folder);
}
