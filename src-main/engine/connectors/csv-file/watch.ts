/**
 * The CSV file's change feed (`listen`, realtime 'notify'): the file's folder is watched for saves
 * by other programs (connectors/file-watch.ts: a spreadsheet's save by rename, or a truncate and
 * write), and a burst signals only when the file's content (size and SHA-256) differs from what
 * was last seen — by the feed, or written by Concord itself. So Concord's own saves are echoes and
 * start no run, while a save by someone else always signals, even when a write of Concord's read it
 * and kept it before the feed looked (the connector's `save` only takes its write for seen when the
 * file held what was seen when the write read it).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FileWatch, Verdict } from '../file-watch';
import { identityOf, type FileIdentity } from './atomic-write';

/** Shared by the connector's writes and its feed: the content last seen (null: not yet known). */
export type SeenContent = { identity: FileIdentity | null };

/** What the file holds now, or null while it is missing or unreadable (a save in progress, a lock). */
function current(path: string): FileIdentity | null {
  try {
    return identityOf(readFileSync(path));
  } catch {
    return null;
  }
}

export function csvWatch(path: string, seen: SeenContent, judged?: (verdict: Verdict) => void): FileWatch {
  return {
    ...(judged ? { judged } : {}),
    folder: dirname(path),
    names: [basename(path)],
    what: `The folder of ${path}`,
    start() {
      seen.identity = current(path);
    },
    judge(): Verdict {
      const now = current(path);
      // Gone or unreadable mid-save (deleted and written again, or locked): look again shortly.
      if (now === null) return 'again';
      if (seen.identity && seen.identity.size === now.size && seen.identity.sha256 === now.sha256) return 'same';
      seen.identity = now;
      return 'changed';
    },
  };
}
