/**
 * The stat cache of a vCard folder, in the connector's data folder: per file name, the file's size,
 * mtime and ctime (ns) and inode when Concord last read it, with its content hash (the record's
 * version) and its parsed fields. A hash scan then opens only the files whose stat changed; the
 * rest cost one lstat. This is how vdirsyncer keeps a scan cheap (mtime and inode), made safe:
 *
 * - A file written again within the same timestamp tick as Concord's read, with the same size,
 *   keeps its stat. The "racy git" rule covers it: an entry is trusted only when the file's mtime
 *   is older than the time Concord started reading it, less a margin (RACY_MARGIN_MS) for file
 *   systems whose clock is coarse (FAT: 2 s) or lags the system clock (the kernel's coarse tick).
 *   A racy entry is read again; when its hash has not changed, its cached fields are kept (no parse)
 *   and its read time moves on, so the next run trusts it.
 * - The cache names the folder (path, device and inode) and the format and app version that wrote
 *   it: one that is missing, unreadable, corrupt, from another folder (the connection was pointed
 *   elsewhere, or the folder was replaced) or from another version is ignored and rebuilt, never
 *   trusted. An entry whose file changed in any way the stat shows is simply read again.
 * - It is written atomically (a temp file renamed over it), without fsync: a cache lost or torn by a
 *   crash is corrupt or stale, and is rebuilt; it never decides anything the files do not confirm.
 *
 * Contact data: the cached fields are what the folder itself holds, kept in Concord's private data
 * folder beside the pair's base values; an entry goes when its file leaves the folder.
 */
import { randomUUID } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, type BigIntStats } from 'node:fs';
import { join, resolve } from 'node:path';
import { VERSION } from '../../version';

export const STAT_CACHE_FILE = 'vcard-stat-cache.json';
/** Bump when the entries' meaning changes (or the codec's fields do: the app version covers releases). */
const FORMAT = 1;
/**
 * How much older than its read a file's mtime must be to be trusted: covers file systems that stamp
 * coarsely (FAT 2 s, HFS+ 1 s) and the kernel's coarse clock, which lags the system clock by a tick.
 */
export const RACY_MARGIN_MS = 2_000;

/** What the stat of a file says of it: any change to it means the file is read again. */
export type FileStamp = { size: number; mtimeNs: bigint; ctimeNs: bigint; ino: bigint };

export const stampOf = (st: BigIntStats): FileStamp => ({ size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino });

/** An entry: the file's stamp when read, when the read started (ms, system clock), its version and its fields as JSON. */
export type CacheEntry = FileStamp & { readAtMs: number; version: string; fields: string };

export type StatCache = {
  /** The entry for `name` when the file's stamp is the cached one and the entry is not racy; else null (read the file). */
  fresh(name: string, stamp: FileStamp): CacheEntry | null;
  /** The entry for `name` whatever its stamp: after reading the file, a matching hash spares the parse. */
  get(name: string): CacheEntry | undefined;
  set(name: string, entry: CacheEntry): void;
  delete(name: string): void;
  /** After a complete scan: drops the entries of files no longer in the folder. */
  retain(names: ReadonlySet<string>): void;
  /** Writes the cache if it changed since it was loaded or last saved. Never throws (a cache that cannot be written is rebuilt next time). */
  save(): void;
};

const sameStamp = (a: FileStamp, b: FileStamp) => a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;

/** Racy: the file may have been written again in the same tick as the read started, unseen by its stat. */
export const isRacy = (e: CacheEntry) => e.mtimeNs >= BigInt(Math.floor(e.readAtMs - RACY_MARGIN_MS)) * 1_000_000n;

type Header = { format: number; app: string; folder: string; dev: string; ino: string };
/** One entry on disk: [name, size, mtimeNs, ctimeNs, ino, readAtMs, version, fieldsJson]. */
type Row = [string, number, string, string, string, number, string, string];

const isRow = (r: unknown): r is Row =>
  Array.isArray(r) &&
  r.length === 8 &&
  typeof r[0] === 'string' &&
  Number.isSafeInteger(r[1]) &&
  /^\d+$/.test(String(r[2])) &&
  /^\d+$/.test(String(r[3])) &&
  /^\d+$/.test(String(r[4])) &&
  typeof r[2] === 'string' &&
  typeof r[3] === 'string' &&
  typeof r[4] === 'string' &&
  Number.isFinite(r[5]) &&
  typeof r[6] === 'string' &&
  typeof r[7] === 'string';

/** The folder's identity: a cache made for another folder, or for one since replaced, does not match it. */
function headerFor(folder: string): Header | null {
  try {
    const st = lstatSync(folder, { bigint: true });
    return { format: FORMAT, app: VERSION, folder: resolve(folder), dev: String(st.dev), ino: String(st.ino) };
  } catch {
    return null; // no folder: nothing to cache (the scan fails with its own message)
  }
}

function load(path: string, header: Header): Map<string, CacheEntry> {
  const entries = new Map<string, CacheEntry>();
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return entries; // missing or corrupt: rebuilt
  }
  const d = data as { header?: Partial<Header>; rows?: unknown };
  const h = d?.header;
  if (!h || h.format !== header.format || h.app !== header.app || h.folder !== header.folder || h.dev !== header.dev || h.ino !== header.ino || !Array.isArray(d.rows)) return entries;
  for (const r of d.rows as unknown[]) {
    // One bad row means the file is not what this code wrote: none of it is trusted.
    if (!isRow(r)) return new Map();
    entries.set(r[0], { size: r[1], mtimeNs: BigInt(r[2]), ctimeNs: BigInt(r[3]), ino: BigInt(r[4]), readAtMs: r[5], version: r[6], fields: r[7] });
  }
  return entries;
}

/** The stat cache of `folder`, kept in `dataDir` (loaded on first use). */
export function openStatCache(dataDir: string, folder: string): StatCache {
  const path = join(dataDir, STAT_CACHE_FILE);
  let entries: Map<string, CacheEntry> | null = null;
  let header: Header | null = null;
  let dirty = false;
  const map = (): Map<string, CacheEntry> => {
    if (entries) return entries;
    header = headerFor(folder);
    entries = header ? load(path, header) : new Map();
    return entries;
  };
  return {
    fresh(name, stamp) {
      const e = map().get(name);
      return e && sameStamp(e, stamp) && !isRacy(e) ? e : null;
    },
    get: (name) => map().get(name),
    set(name, entry) {
      map().set(name, entry);
      dirty = true;
    },
    delete(name) {
      if (map().delete(name)) dirty = true;
    },
    retain(names) {
      for (const name of map().keys()) {
        if (!names.has(name)) {
          map().delete(name);
          dirty = true;
        }
      }
    },
    save() {
      if (!dirty || !entries || !header) return;
      const rows: Row[] = [];
      for (const [name, e] of entries) rows.push([name, e.size, String(e.mtimeNs), String(e.ctimeNs), String(e.ino), e.readAtMs, e.version, e.fields]);
      const tmp = `${path}.${randomUUID().slice(0, 8)}.tmp`;
      try {
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        writeFileSync(tmp, JSON.stringify({ header, rows }), { mode: 0o600 });
        renameSync(tmp, path);
        dirty = false;
      } catch {
        rmSync(tmp, { force: true });
      }
    },
  };
}
