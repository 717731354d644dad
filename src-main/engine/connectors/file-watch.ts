/**
 * A change feed for apps that are files (a CSV file, a SQLite database): fs.watch on the file's
 * folder — never on the file itself, whose inode a spreadsheet's save-by-rename replaces — with
 * the events filtered to the file's names, gathered while they keep coming (a save is several
 * events: a temp file written, renamed over the original; or a truncate and several writes), then
 * judged once by the connector: only a real change by another program signals. The judge tells
 * Concord's own writes apart (it compares with what the connector last wrote or committed), so a
 * run's writes do not start another run.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { ListenOptions } from './types';
import { pause } from '../connections/calls';

/** A burst is judged once no event came for this long (a save is several events). */
export const FILE_WATCH_QUIET_MS = 100;
/** ...or this long after its first event, however long it goes on (an app writing without pause). */
export const FILE_WATCH_MAX_WAIT_MS = 1_000;
const DEFAULT_RETRY_MS = 2_000;
/** A judge that answered 'again' (the file half-saved, locked) is asked again this many times, then left to the next event. */
const MAX_AGAIN = 20;

/**
 * What a burst amounted to: 'changed' (another program's change: signal), 'same' (nothing new, or
 * Concord's own write), or 'again' (cannot tell now — the file is missing mid-save, or locked —
 * judge again after another quiet period).
 */
export type Verdict = 'changed' | 'same' | 'again';

export type FileWatch = {
  folder: string;
  /** The names in `folder` whose events count (the file; a database's -wal and -journal). */
  names: readonly string[];
  /** Called each time watching starts (and after every restart): takes what the file holds now as seen. */
  start(): void;
  judge(): Verdict;
  /** What the feed says while it cannot watch (the folder is gone). */
  what: string;
  quietMs?: number;
  maxWaitMs?: number;
  /** Test seam: each burst's final verdict, after it is acted on (tests wait for it instead of sleeping). */
  judged?: (verdict: Verdict) => void;
};

/**
 * Watches until `signal` aborts, calling `onChange(seq)` after each burst its judge finds changed
 * (`seq` counts the signals). A watch that fails (the folder removed or replaced) reports
 * 'reconnecting' and starts again after `retryMs`; each start reports 'listening' (the caller
 * reads once then: what changed while nobody watched was never signalled).
 */
export async function watchFiles(w: FileWatch, onChange: (seq: string) => void, signal: AbortSignal, options: ListenOptions = {}): Promise<void> {
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const quietMs = w.quietMs ?? FILE_WATCH_QUIET_MS;
  const maxWaitMs = w.maxWaitMs ?? FILE_WATCH_MAX_WAIT_MS;
  const names = new Set(w.names);
  let seq = 0;
  while (!signal.aborted) {
    const failed = await new Promise<string | null>((resolve) => {
      let watcher: FSWatcher | undefined;
      let timer: NodeJS.Timeout | null = null;
      /** When the burst being gathered began (null: none). */
      let first: number | null = null;
      let again = 0;
      const schedule = (ms: number) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(flush, ms);
      };
      const flush = () => {
        timer = null;
        first = null;
        if (signal.aborted) return;
        let verdict: Verdict;
        try {
          verdict = w.judge();
        } catch {
          verdict = 'again';
        }
        if (verdict === 'again' && again < MAX_AGAIN) {
          again++;
          schedule(quietMs);
          return;
        }
        again = 0;
        if (verdict === 'changed') onChange(String(++seq));
        w.judged?.(verdict);
      };
      const stop = (error: string | null) => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        watcher?.close();
        resolve(error);
      };
      const onAbort = () => stop(null);
      try {
        watcher = watch(w.folder, { persistent: false }, (_event, name) => {
          // No name (some platforms): something in the folder changed; the judge tells what.
          if (name !== null && !names.has(name)) return;
          const now = Date.now();
          first ??= now;
          // Quiet for quietMs ends the burst, but it is judged by maxWaitMs after it began at the latest.
          schedule(Math.max(0, Math.min(quietMs, first + maxWaitMs - now)));
        });
      } catch (error) {
        resolve(error instanceof Error ? error.message : String(error));
        return;
      }
      watcher.on('error', (error) => stop(error.message));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        w.start();
      } catch {
        // Unreadable now (mid-save, locked): the first burst's judge finds out, and the 'listening' read catches up anyway.
      }
      options.onState?.('listening');
    });
    if (failed === null || signal.aborted) return;
    options.onState?.('reconnecting', `${w.what} cannot be watched (${failed}).`);
    await pause(retryMs, signal);
  }
}
