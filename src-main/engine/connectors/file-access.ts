/**
 * Whether Concord may write a file a connector syncs (a CSV file, a SQLite database), asked
 * before a connection test passes and before a run writes anything, so a read-only file is one
 * clear error instead of a half-applied sync with the same error on every row.
 *
 * "Writable" means both:
 * - the kernel lets this process write the file and create files in its folder (`access(W_OK)`:
 *   a user without write permission, a read-only mount, an immutable file — `chattr +i` stops root
 *   too). The folder matters because a CSV is saved by renaming a new file over it, and SQLite
 *   keeps its journal beside the database;
 * - the permission bits let someone write it. Root's DAC override ignores the bits, so as root
 *   `access` says yes to a chmod 0444 file; Concord treats a file (or folder) with no write bit at
 *   all as read-only anyway, the way the kernel lets root execute only a file with some execute
 *   bit: a user who made a file read-only meant it, whoever runs Concord.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConnectorError, errorMessage } from './errors';

export const READ_ONLY_MESSAGE = 'read-only: Concord can read but not write this file';

const noWriteBit = (mode: number) => (mode & 0o222) === 0;

function kernelRefuses(path: string): string | null {
  try {
    accessSync(path, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EROFS') return 'it is on a read-only file system';
    if (code === 'EPERM') return 'it is immutable (chattr +i) or otherwise locked';
    if (code === 'EACCES') return 'permission denied';
    return errorMessage(error);
  }
}

/** Why Concord cannot write `path` (and replace it inside its folder), or null when it can. A missing file is not this check's business. */
export function readOnlyReason(path: string): string | null {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return null;
  }
  if (noWriteBit(mode)) return `${path} has no write permission for anyone (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`;
  const file = kernelRefuses(path);
  if (file) return `${path}: ${file}`;
  const folder = dirname(path);
  let folderMode = 0o777;
  try {
    folderMode = statSync(folder).mode;
  } catch {
    // The folder vanished under us: the file's own read reports that.
  }
  const inFolder = noWriteBit(folderMode) ? 'it has no write permission for anyone' : kernelRefuses(folder);
  if (inFolder) return `its folder ${folder} cannot be written (${inFolder}), and Concord saves the file by writing beside it`;
  return null;
}

/** Throws ConnectorError 'read-only' naming the file and what to do when Concord cannot write it. */
export function assertWritable(path: string): void {
  const why = readOnlyReason(path);
  if (why === null) return;
  throw new ConnectorError('read-only', `${READ_ONLY_MESSAGE} (${why}) — give the user running Concord write access to it (for example chmod u+w), or choose a copy Concord may change.`);
}
