/**
 * The SQLite table's change feed (`listen`, realtime 'notify'): a commit by another program to the
 * database file. The file's folder is watched for the database file and its `-wal` and `-journal`
 * files (connectors/file-watch.ts: a commit writes one of them, and a restored backup is renamed
 * over the database); a burst then asks SQLite on the connector's own connection whether anything
 * was committed: `PRAGMA data_version` changes when another connection commits, and never for
 * the connection's own commits. So Concord's writes (and cleared flags), made on that same
 * connection, signal nothing, and neither do reads or a checkpoint.
 * A connection opened anew (the file was replaced, or the connector reopened it) counts as a change.
 */
import type Database from 'better-sqlite3';
import { basename, dirname } from 'node:path';
import type { FileWatch, Verdict } from '../file-watch';

export function sqliteWatch(path: string, open: () => Database.Database, judged?: (verdict: Verdict) => void): FileWatch {
  let seen: { handle: Database.Database; version: string } | null = null;
  const look = (): { handle: Database.Database; version: string } => {
    const handle = open();
    return { handle, version: String(handle.pragma('data_version', { simple: true })) };
  };
  const name = basename(path);
  return {
    ...(judged ? { judged } : {}),
    folder: dirname(path),
    names: [name, `${name}-wal`, `${name}-journal`],
    what: `The folder of ${path}`,
    start() {
      seen = null;
      seen = look();
    },
    judge(): Verdict {
      let now;
      try {
        now = look();
      } catch {
        return 'again'; // missing mid-replace, or locked: look again shortly
      }
      const changed = !seen || seen.handle !== now.handle || seen.version !== now.version;
      seen = now;
      return changed ? 'changed' : 'same';
    },
  };
}
