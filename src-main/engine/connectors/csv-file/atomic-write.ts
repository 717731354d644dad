/**
 * Replaces a file atomically: a temp file in the same folder, fsynced, then renamed over the
 * original, then the folder fsynced, so a reader (or a crash) sees the old file or the new one,
 * never half a file, and the rename itself survives a power cut.
 *
 * Guarded (`expected`): the file must still hold what the caller read. The check runs right
 * before the rename — after serializing, writing and fsyncing, which take long enough for a user's
 * save to land — and compares the file's size and content hash (not its mtime: the kernel stamps
 * it coarsely, so a same-size save within a few ms keeps it). Lines appended meanwhile are
 * appended to the new file too (so a busy appender cannot starve the write); any other change
 * throws `FileChanged` and nothing is replaced. POSIX has no compare-and-rename, so an instant
 * remains between the check and the rename: the original stays open across the rename, and an
 * edit written into it in that instant is found afterwards and carried over (`carryOver`).
 * What no rename-based save (Concord's or any editor's) can keep is a write made after all that
 * through a descriptor opened before the rename: it lands in a file no path names any more.
 *
 * The new file takes the old one's permission bits (a 0600 file stays private) and, where the
 * OS lets us, its owner and group: as a normal user that works for a group the user belongs to,
 * and otherwise the file ends up owned by the user running Concord, as any editor's save would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, fstatSync, fsync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What a file held when it was read: enough to tell whether anyone saved it since. */
export type FileIdentity = { size: number; sha256: string };

/** The file is no longer what the caller read: someone saved it meanwhile. */
export class FileChanged extends Error {
  override name = 'FileChanged';
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Whether the open file still holds exactly what `id` describes. */
const holds = (fd: number, id: FileIdentity) => fstatSync(fd).size === id.size && sha256(readAllFd(fd)) === id.sha256;

/** Reads an open file whole from its start (its size may change while we read). */
export function readAllFd(fd: number): Buffer {
  const chunks: Buffer[] = [];
  let pos = 0;
  // The first chunk fits the file as it is now (a vCard is a few hundred bytes: a batch of them
  // must not hold a MiB each); one more byte tells that the end was reached.
  let size = Math.min(Math.max(fstatSync(fd).size + 1, 4096), 1 << 20);
  for (;;) {
    const chunk = Buffer.allocUnsafe(size);
    size = 1 << 20;
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    pos += n;
  }
  return Buffer.concat(chunks);
}

export const identityOf = (bytes: Buffer): FileIdentity => ({ size: bytes.length, sha256: sha256(bytes) });

/** Test seam: runs between the last check and the rename (a test stands a user's save in the gap). */
export type ReplaceHooks = { beforeRename?: () => void };

export function replaceFile(path: string, bytes: Buffer, expected?: FileIdentity, hooks: ReplaceHooks = {}): void {
  const tmp = writeTemp(path, bytes);
  try {
    fsyncSync(tmp.fd);
  } catch (error) {
    rmSync(tmp.path, { force: true });
    throw error;
  } finally {
    closeSync(tmp.fd);
  }
  const renamed = renameChecked(path, tmp.path, bytes, expected, hooks);
  fsyncFolder(dirname(path));
  settle(path, renamed);
}

/**
 * replaceFile for many files at once, with the same guarantees for each: the temp files are written,
 * then fsynced together (a journalling file system shares its commits between concurrent fsyncs),
 * then each is checked and renamed over its file, then each folder is fsynced once. Answers per
 * item: null (replaced) or the error (FileChanged when the file was saved meanwhile); one item's
 * failure leaves the others alone.
 */
export async function replaceFiles(items: readonly { path: string; bytes: Buffer; expected?: FileIdentity }[]): Promise<(Error | null)[]> {
  const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
  const out: (Error | null)[] = [];
  for (let start = 0; start < items.length; start += TEMP_CHUNK) {
    const staged = items.slice(start, start + TEMP_CHUNK).map((item) => {
      try {
        return { item, tmp: writeTemp(item.path, item.bytes), error: null as Error | null };
      } catch (error) {
        return { item, tmp: null, error: asError(error) };
      }
    });
    let next = 0;
    const worker = async () => {
      for (let s = staged[next++]; s !== undefined; s = staged[next++]) {
        const fd = s.tmp?.fd;
        if (fd !== undefined) await new Promise<void>((resolve) => fsync(fd, (error) => resolve(void (error && (s.error = error)))));
      }
    };
    await Promise.all(Array.from({ length: Math.min(FSYNC_PARALLEL, staged.length) }, worker));
    const renamed: { at: number; path: string; r: Renamed }[] = [];
    for (const s of staged) {
      const at = out.length;
      out.push(s.error);
      if (!s.tmp) continue;
      closeSync(s.tmp.fd);
      if (s.error) {
        rmSync(s.tmp.path, { force: true });
        continue;
      }
      try {
        renamed.push({ at, path: s.item.path, r: renameChecked(s.item.path, s.tmp.path, s.item.bytes, s.item.expected, {}) });
      } catch (error) {
        out[at] = asError(error);
      }
    }
    for (const dir of new Set(renamed.map((x) => dirname(x.path)))) fsyncFolder(dir);
    for (const x of renamed) {
      try {
        settle(x.path, x.r);
      } catch (error) {
        out[x.at] = asError(error);
      }
    }
  }
  return out;
}

/** How many temp files replaceFiles holds open at once, and how many fsyncs it keeps in flight. */
const TEMP_CHUNK = 64;
const FSYNC_PARALLEL = 8;

/** The temp file beside `path` with `bytes`, taking the file's owner and mode, open and not yet fsynced. */
function writeTemp(path: string, bytes: Buffer): { path: string; fd: number } {
  const st = statSync(path);
  const tmp = join(dirname(path), `.${basename(path)}.concord-${randomUUID().slice(0, 8)}.tmp`);
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
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  return { path: tmp, fd };
}

type Renamed = { original: number | null; read: FileIdentity | undefined; ours: Buffer };

/** The last check (when guarded) and the rename of the fsynced temp file over `path`; the temp file is removed on failure. */
function renameChecked(path: string, tmp: string, bytes: Buffer, expected: FileIdentity | undefined, hooks: ReplaceHooks): Renamed {
  let original: number | null = null;
  let read = expected;
  let ours = bytes;
  try {
    if (expected) {
      // Held open across the rename: the file our check saw, whatever the path names afterwards.
      const checked = lastCheck(path, tmp, expected, bytes);
      original = checked.fd;
      read = checked.want;
      ours = checked.ours;
    }
    hooks.beforeRename?.();
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    if (original !== null) closeSync(original);
    throw error;
  }
  return { original, read, ours };
}

/** After the folder's fsync: an edit written into the original between the check and the rename is carried over. */
function settle(path: string, { original, read, ours }: Renamed): void {
  try {
    if (original !== null && read && !holds(original, read) && !carryOver(path, read, readAllFd(original), ours)) {
      throw new FileChanged(`${path} was saved while Concord replaced it; the save was put back and Concord's write was not kept.`);
    }
  } finally {
    if (original !== null) closeSync(original);
  }
}

/** Lines the file gained at its end since `read`, or null if it changed in any other way. */
function appendedSince(now: Buffer, read: FileIdentity): Buffer | null {
  // Whole lines after a file that ended with a line break: anything else would change its last row.
  if (now.length <= read.size || read.size === 0 || now[read.size - 1] !== 0x0a || now[now.length - 1] !== 0x0a) return null;
  return sha256(now.subarray(0, read.size)) === read.sha256 ? now.subarray(read.size) : null;
}

/**
 * The check right before the rename: the path must still hold what was read. Lines appended to
 * it meanwhile (an app adding rows as fast as it likes) are appended to our new file too and the
 * check runs again, so a busy appender cannot starve the write; any other change throws
 * FileChanged. Returns the original, open, what it holds now, and our file's final bytes.
 */
function lastCheck(path: string, tmp: string, expected: FileIdentity, bytes: Buffer): { fd: number; want: FileIdentity; ours: Buffer } {
  let want = expected;
  let ours = bytes;
  let fd = openSync(path, 'r');
  try {
    for (let round = 0; ; round++) {
      // A save by rename since we opened it: check the file the path names now.
      if (fstatSync(fd).ino !== statSync(path).ino) {
        closeSync(fd);
        fd = openSync(path, 'r');
      }
      const now = readAllFd(fd);
      if (now.length === want.size && sha256(now) === want.sha256) return { fd, want, ours };
      const tail = appendedSince(now, want);
      const endsLine = ours.length === 0 || ours[ours.length - 1] === 0x0a;
      if (!tail || !endsLine || round >= 50) throw new FileChanged(`${path} changed since it was read.`);
      const out = openSync(tmp, 'r+');
      try {
        for (let done = 0; done < tail.length; ) done += writeSync(out, tail, done, tail.length - done, ours.length + done);
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      ours = Buffer.concat([ours, tail]);
      want = identityOf(now);
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The lines of `tail` that `already` does not hold (a careful app may have written them again itself). */
function newLines(tail: Buffer, already: Buffer): Buffer {
  const have = new Set(already.toString('latin1').split('\n'));
  const lines = tail.toString('latin1').split('\n').slice(0, -1);
  return Buffer.from(lines.filter((l) => !have.has(l)).map((l) => `${l}\n`).join(''), 'latin1');
}

/**
 * Someone wrote into the original between our check and our rename, so their edit sits in a file
 * the path no longer names. Lines they appended (an app adding rows) go after the file's current
 * content, and our write stands (true). Any other edit puts their file back, followed by whatever
 * was appended to ours since, and our write is undone (false: the caller re-reads and writes
 * again). Lines already there (written again by the app itself) are not doubled. Each step is a
 * guarded replace, tried a few times. Left uncovered: an edit other than appended lines, made in
 * that instant, when our file was also edited other than at its end before we could put it back.
 */
function carryOver(path: string, read: FileIdentity, theirs: Buffer, ours: Buffer): boolean {
  const theirTail = theirs.length > read.size && theirs[read.size - 1] === 0x0a && theirs[theirs.length - 1] === 0x0a ? theirs.subarray(read.size) : null;
  const onlyAppended = theirTail !== null && sha256(theirs.subarray(0, read.size)) === read.sha256;
  const endsLine = (b: Buffer) => b.length === 0 || b[b.length - 1] === 0x0a;
  for (let i = 0; i < 5; i++) {
    const fd = openSync(path, 'r');
    let now: Buffer;
    try {
      now = readAllFd(fd);
    } finally {
      closeSync(fd);
    }
    const oursStill = now.subarray(0, ours.length).equals(ours);
    const since = oursStill ? now.subarray(ours.length) : null;
    // Their appended lines go after whatever the file holds now (lines at the end disturb nothing).
    const keepOurs = (onlyAppended && endsLine(now)) || since === null;
    let next: Buffer;
    if (keepOurs) {
      if (!theirTail || !endsLine(now)) return true; // their edit, inside a file edited since: left as it is
      next = Buffer.concat([now, newLines(theirTail, now)]);
    } else if (theirTail) next = Buffer.concat([theirs.subarray(0, read.size), newLines(theirTail, since), since]);
    else if (since.length === 0 || endsLine(theirs)) next = Buffer.concat([theirs, since]);
    else return true;
    try {
        if (!next.equals(now)) replaceFile(path, next, identityOf(now));
      return keepOurs;
    } catch (error) {
      if (!(error instanceof FileChanged)) throw error;
    }
  }
  return true;
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
