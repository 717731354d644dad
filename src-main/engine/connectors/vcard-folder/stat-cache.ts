/**
 * The stat cache of a vCard folder, in the connector's data folder: per file name, the file's size,
 * mtime and ctime (ns) and inode when Concord last read it, with its content hash (the record's
 * version). A hash scan then opens only the files whose stat changed; the
 * rest cost one lstat. This is how vdirsyncer keeps a scan cheap (mtime and inode), made safe:
 *
 * - A file written again within the same timestamp tick as Concord's read, with the same size,
 *   keeps its stat. The "racy git" rule covers it: an entry is trusted only when the file's mtime
 *   is older than the time Concord started reading it, less a margin (racyMarginMs) for file
 *   systems whose clock is coarse (FAT: 2 s) or lags the system clock (the kernel's coarse tick).
 *   A racy entry is read again; when its hash has not changed, its read time moves on, so the next
 *   run trusts it. Files Concord writes itself are entered with the time before the write as their
 *   read time (racy, then), and confirmed by reading them back when the cache is saved, once the
 *   margin has passed.
 * - The cache names the folder (path, device and inode) and the format and app version that wrote
 *   it: one that is missing, unreadable, corrupt, from another folder (the connection was pointed
 *   elsewhere, or the folder was replaced) or from another version is ignored and rebuilt, never
 *   trusted. An entry whose file changed in any way the stat shows is simply read again.
 * - It is written atomically (a temp file renamed over it), without fsync: a cache lost or torn by a
 *   crash is corrupt or stale, and is rebuilt; it never decides anything the files do not confirm.
 *
 * Contact data: none. The cache keeps stats and content hashes only (its `fields` column stays
 * empty since format 3): a record's fields are parsed from its file when the engine asks for them,
 * so forgetting a person (privacy/forget) leaves no copy of their values here.
 */
import { randomUUID } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VERSION } from '../../version';

export const STAT_CACHE_FILE = 'vcard-stat-cache.tsv';
/** Bump when the entries' meaning changes (or the codec's fields do: the app version covers releases). */
const FORMAT = 3;
/**
 * How much older than its read a file's mtime must be to be trusted. A file system that stamps
 * whole seconds (FAT keeps 2 s, HFS+ 1 s; an mtime with no fraction of a second) gets 2 s; one with
 * fine stamps gets 100 ms, ten times the kernel's coarse clock tick (at most 10 ms), by which the
 * stamps it gives lag the system clock Concord reads.
 */
export const RACY_MARGIN_MS = 2_000;
export const FINE_RACY_MARGIN_MS = 100;
export const racyMarginMs = (mtimeNs: string): number => (mtimeNs.endsWith('000000000') ? RACY_MARGIN_MS : FINE_RACY_MARGIN_MS);

/** What the stat of a file says of it (a BigIntStats is one): any change to it means the file is read again. */
export type FileStamp = { size: bigint | number; mtimeNs: bigint; ctimeNs: bigint; ino: bigint };

/** The stamp as one text: the four values, compared as a whole. */
const stampText = (st: FileStamp) => `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;

/**
 * An entry: the file's stamp when read, its mtime (ns, decimal), when the read started (ms, system
 * clock), its version and its fields as JSON; `line` is its line in the file as loaded (written
 * back as it was).
 */
export type CacheEntry = { stamp: string; mtimeNs: string; readAtMs: number; version: string; fields: string; line?: string };

export type StatCache = {
  /** The entry for `name` when the file's stamp is the cached one and the entry is not racy; else null (read the file). */
  fresh(name: string, stamp: FileStamp): CacheEntry | null;
  /** The entry for `name` whatever its stamp: after reading the file, a matching hash spares the parse. */
  get(name: string): CacheEntry | undefined;
  /** Records what the file `name` with `stamp` held when its read started at `readAtMs`. */
  set(name: string, stamp: FileStamp, readAtMs: number, version: string, fields: string): void;
  delete(name: string): void;
  /** The names of the entries the racy rule distrusts now. */
  racy(): string[];
  /** After a complete scan: drops the entries of files no longer in the folder. */
  retain(names: ReadonlySet<string>): void;
  /** How many entries changed since the cache was loaded or last saved. */
  changed(): number;
  /** Writes the cache if it changed since it was loaded or last saved. Never throws (a cache that cannot be written is rebuilt next time). */
  save(): void;
};

/** Racy: the file may have been written again in the same tick as the read started, unseen by its stat. */
export function isRacy(e: Pick<CacheEntry, 'mtimeNs' | 'readAtMs'>): boolean {
  try {
    return BigInt(e.mtimeNs) >= BigInt(Math.floor(e.readAtMs - racyMarginMs(e.mtimeNs))) * 1_000_000n;
  } catch {
    return true; // not a number: never trusted
  }
}

type Header = { format: number; app: string; folder: string; dev: string; ino: string };

/** The folder's identity: a cache made for another folder, or for one since replaced, does not match it. */
function headerFor(folder: string): string | null {
  try {
    const st = lstatSync(folder, { bigint: true });
    return JSON.stringify({ format: FORMAT, app: VERSION, folder: resolve(folder), dev: String(st.dev), ino: String(st.ino) } satisfies Header);
  } catch {
    return null; // no folder: nothing to cache (the scan fails with its own message)
  }
}

/**
 * The file: the header (JSON) on the first line, then one line per entry, tab-separated:
 * name, size, mtimeNs, ctimeNs, ino, readAtMs, version, fields (JSON, whose text has no tab or line
 * break). Lines are kept as slices of the text read, so loading and saving copy little.
 */
function load(path: string, header: string): Map<string, CacheEntry> {
  const entries = new Map<string, CacheEntry>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return entries; // missing: rebuilt
  }
  const lines = text.split('\n');
  // Written whole, ending in a line break: anything else is torn or not ours.
  if (lines[0] !== header || lines.pop() !== '') return entries;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const f = line.split('\t');
    const readAtMs = Number(f[5]);
    // One bad line means the file is not what this code wrote: none of it is trusted.
    // (The last column, once the fields, is empty since format 3.)
    if (f.length !== 8 || !Number.isFinite(readAtMs) || f.slice(0, 7).some((x) => x === '')) return new Map();
    const [name = '', size, mtimeNs = '', ctimeNs, ino, , version = '', fields = ''] = f;
    entries.set(name, { stamp: `${size}:${mtimeNs}:${ctimeNs}:${ino}`, mtimeNs, readAtMs, version, fields, line });
  }
  return entries;
}

/** The stat cache of `folder`, kept in `dataDir` (loaded on first use). */
export function openStatCache(dataDir: string, folder: string): StatCache {
  const path = join(dataDir, STAT_CACHE_FILE);
  let entries: Map<string, CacheEntry> | null = null;
  let header: string | null = null;
  let dirty = 0;
  const map = (): Map<string, CacheEntry> => {
    if (entries) return entries;
    header = headerFor(folder);
    entries = header ? load(path, header) : new Map();
    return entries;
  };
  return {
    fresh(name, stamp) {
      const e = map().get(name);
      return e && e.stamp === stampText(stamp) && !isRacy(e) ? e : null;
    },
    get: (name) => map().get(name),
    racy: () => [...map()].filter(([, e]) => isRacy(e)).map(([name]) => name),
    set(name, stamp, readAtMs, version, fields) {
      // A name with a tab or line break (a file Concord does not create) is not cached: it would break its line.
      if (/[\t\n\r]/.test(name)) return;
      map().set(name, { stamp: stampText(stamp), mtimeNs: String(stamp.mtimeNs), readAtMs, version, fields });
      dirty++;
    },
    delete(name) {
      if (map().delete(name)) dirty++;
    },
    retain(names) {
      for (const name of map().keys()) {
        if (!names.has(name)) {
          map().delete(name);
          dirty++;
        }
      }
    },
    changed: () => dirty,
    save() {
      if (dirty === 0 || !entries || !header) return;
      const lines = [header];
      for (const [name, e] of entries) lines.push(e.line ?? [name, ...e.stamp.split(':'), e.readAtMs, e.version, e.fields].join('\t'));
      const tmp = `${path}.${randomUUID().slice(0, 8)}.tmp`;
      try {
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o600 });
        renameSync(tmp, path);
        dirty = 0;
      } catch {
        rmSync(tmp, { force: true });
      }
    },
  };
}
