/**
 * The folder's change feed (`listen`, realtime 'notify'): fs.watch on the folder, debounced, calling
 * back once per burst of changes that another program made. Concord's own writes are recognised by
 * content: a file that holds exactly what Concord last wrote to it (or is gone after Concord deleted
 * it) is an echo and signals nothing. A signal is only a hint: the run's hash scan decides what
 * changed, so a lost or extra signal costs latency, never records.
 */
import { watch, type FSWatcher } from 'node:fs';
import { pause } from '../../connections/calls';
import { ownWriteNotes } from '../feed-kit';
import type { ListenOptions } from '../types';
import { EXT, readContactFile, versionOf } from './folder-io';

/** How long a burst of file events is gathered before it is judged (a save is several events). */
export const WATCH_DEBOUNCE_MS = 100;
const DEFAULT_RETRY_MS = 2_000;
/** How long a note of Concord's own write is kept: its events arrive within moments of the write. */
const OWN_WRITE_TTL_MS = 60_000;

export type OwnWrites = {
  /** Concord is about to write `bytes` to the contact `id` (null: delete it). */
  note(id: string, bytes: Buffer | null): void;
  /** Whether the contact `id` now holds what Concord last wrote (or is gone after Concord's delete). */
  isEcho(id: string): boolean;
};

export function ownWrites(folder: string): OwnWrites {
  // One scope: the folder. Its notes prune as they go (a batch of 10,000 creates stays linear).
  const notes = ownWriteNotes<string | null>(OWN_WRITE_TTL_MS);
  return {
    note: (id, bytes) => notes.note('', id, bytes === null ? null : versionOf(bytes)),
    isEcho(id) {
      const n = notes.get('', id);
      if (!n) return false;
      try {
        const bytes = readContactFile(folder, id);
        return (bytes === null ? null : versionOf(bytes)) === n.value;
      } catch {
        return false; // unreadable now: whatever it is, it is not what Concord wrote
      }
    },
  };
}

/** The contact id a folder event is about, or null for temp files and other names. */
const idOfName = (name: string | null): string | null => (name && name.endsWith(EXT) && !name.startsWith('.') ? name.slice(0, -EXT.length) : null);

/**
 * Watches `folder` until `signal` aborts. `onChange(seq)` is called after each burst that holds a
 * change Concord did not make (`seq` counts the signals). A watcher that fails (the folder was
 * removed or replaced) reports 'reconnecting' and is started again after `retryMs`.
 */
export async function watchFolder(folder: string, own: OwnWrites, onChange: (seq: string) => void, signal: AbortSignal, options: ListenOptions = {}): Promise<void> {
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  let seq = 0;
  while (!signal.aborted) {
    const failed = await new Promise<string | null>((resolve) => {
      let watcher: FSWatcher;
      const pending = new Set<string>();
      let unknown = false;
      let timer: NodeJS.Timeout | null = null;
      const flush = () => {
        timer = null;
        const ids = [...pending];
        pending.clear();
        const others = unknown || ids.some((id) => !own.isEcho(id));
        unknown = false;
        if (others && !signal.aborted) onChange(String(++seq));
      };
      const stop = (error: string | null) => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        watcher?.close();
        resolve(error);
      };
      const onAbort = () => stop(null);
      try {
        watcher = watch(folder, { persistent: false }, (_event, name) => {
          const file: string | null = name;
          const id = idOfName(file);
          if (id !== null) pending.add(id);
          // No name (some platforms): something changed, and Concord cannot tell what.
          else if (file === null) unknown = true;
          else return;
          timer ??= setTimeout(flush, WATCH_DEBOUNCE_MS);
        });
      } catch (error) {
        resolve(error instanceof Error ? error.message : String(error));
        return;
      }
      watcher.on('error', (error) => stop(error.message));
      signal.addEventListener('abort', onAbort, { once: true });
      options.onState?.('listening');
    });
    if (failed === null || signal.aborted) return;
    options.onState?.('reconnecting', `The folder ${folder} cannot be watched (${failed}).`);
    await pause(retryMs, signal);
  }
}
