/**
 * Replaces a file atomically: a temp file in the same folder, fsynced, then renamed over the
 * original, then the folder fsynced, so a reader (or a crash) sees the old file or the new one,
 * never half a file, and the rename itself survives a power cut.
 *
 * The new file takes the old one's permission bits (a 0600 file stays private) and, where the
 * OS lets us, its owner and group: as a normal user that works for a group the user belongs to,
 * and otherwise the file ends up owned by the user running Concord, as any editor's save would.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function replaceFile(path: string, bytes: Buffer): void {
  const st = statSync(path);
  const tmp = join(dirname(path), `.${basename(path)}.concord-${randomUUID().slice(0, 8)}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      if (st.uid !== process.getuid?.() || st.gid !== process.getgid?.()) {
        try {
          fchownSync(fd, st.uid, st.gid);
        } catch {
          // Not permitted (EPERM): keep our own ownership; the mode below still applies.
        }
      }
      // After chown, which clears set-id bits; the umask does not apply to fchmod.
      fchmodSync(fd, st.mode & 0o7777);
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  fsyncFolder(dirname(path));
}

function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open or fsync a folder; there the rename is as durable as the OS makes it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
