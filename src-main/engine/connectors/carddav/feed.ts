/**
 * The CardDAV change feed (`listen`, realtime 'poll'): every `pollMs` each address book is asked
 * for its sync token and CTag (one PROPFIND of depth 0 per book, `BookClient.tag`), and a book
 * whose token or CTag moved since the last poll is signalled. A hint, never the data: the run's
 * read (token or hash mode) decides what changed.
 *
 * Concord's own writes move the tag too. A book Concord wrote to since the last poll is asked what
 * changed (a sync-collection report from the last token): when every change is a card Concord
 * wrote, with the ETag its write got back, or deleted, it is an echo and signals nothing. A book
 * without a sync token (a CTag only) cannot be asked cheaply: it signals, and the run that follows
 * finds nothing to write (one extra run, never a loop). While a write to a book is in flight the
 * book is judged at the next poll, once the write has said what it wrote.
 *
 * The books polled: those the server lists when the feed starts listening (and again after each
 * outage), plus any this connector has read or written since. A failed poll reports
 * 'reconnecting' with the error and retries every `retryMs`; the first poll that works again
 * reports 'listening' (the caller reads once: changes meanwhile were never signalled) and takes
 * the tags as they are then.
 */
import type { ChangeEvent, ListenOptions } from '../types';
import { ConnectorError } from '../errors';
import { ownWriteNotes, pollFeed } from '../feed-kit';
import type { BookClient, BookTag, CardRef } from './client';

export const DEFAULT_CARDDAV_POLL_MS = 2_000;
const DEFAULT_RETRY_MS = 2_000;
/** How long a note of Concord's own write is kept: a poll judges it within a few seconds. */
const OWN_WRITE_TTL_MS = 10 * 60_000;

/** Concord's own writes per book: the ETag each card got (null: Concord deleted it; undefined: the server did not say, so a change of it cannot be told apart), and the writes in flight. */
export function ownCardWrites() {
  const notes = ownWriteNotes<string | null | undefined>(OWN_WRITE_TTL_MS);
  return {
    ...notes,
    /** Whether these changes of the book are all Concord's own writes, as they left them. */
    isEcho(book: string, changed: CardRef[], deleted: string[]): boolean {
      return changed.every((c) => {
        const etag = notes.get(book, c.name)?.value;
        return typeof etag === 'string' && etag === c.etag;
      }) && deleted.every((name) => notes.get(book, name)?.value === null);
    },
  };
}
export type OwnCardWrites = ReturnType<typeof ownCardWrites>;

export type CardDavFeedDeps = {
  /** The books the server lists now (the connector's discovery). */
  discover(signal: AbortSignal): Promise<string[]>;
  /** The books this connector has used since it was opened. */
  used(): string[];
  client(book: string): BookClient;
  own: OwnCardWrites;
  /** Test seam: after each round of polls that worked. */
  polled?: () => void;
};

const sameTag = (a: BookTag, b: BookTag) => a.token === b.token && a.ctag === b.ctag;

export async function pollBooks(d: CardDavFeedDeps, onChange: (event: ChangeEvent) => void, signal: AbortSignal, options: ListenOptions = {}): Promise<void> {
  let listed: string[] = [];
  let seen = new Map<string, BookTag>();
  let seq = 0;

  /** Whether the move from `before` to `now` is Concord's own writes only. */
  async function echo(book: string, before: BookTag): Promise<boolean> {
    if (!d.own.wrote(book) || before.token === null) return false;
    try {
      const r = await d.client(book).sync(before.token, signal);
      return !r.truncated && d.own.isEcho(book, r.changed, r.deleted);
    } catch {
      return false; // the token is gone, or the report failed: signal, the run finds out
    }
  }

  await pollFeed(
    async (fresh) => {
      if (fresh) listed = await d.discover(signal);
      const books = [...new Set([...listed, ...d.used()])];
      const next = new Map<string, BookTag>();
      for (const book of books) {
        const before = seen.get(book);
        // A write in flight: judged at the next poll, once it has noted what it wrote.
        if (before && !fresh && d.own.busy(book)) {
          next.set(book, before);
          continue;
        }
        let now: BookTag;
        try {
          now = await d.client(book).tag(signal);
        } catch (error) {
          // A book deleted on the server (or never there) is not an outage: the others are still polled, and its pairs' runs say what is wrong.
          if (error instanceof ConnectorError && error.reason === 'not-found') continue;
          throw error;
        }
        next.set(book, now);
        // A book first seen, or seen again after an outage (the 'listening' read catches up): taken as it is.
        if (!before || fresh || sameTag(before, now)) continue;
        if (await echo(book, before)) continue;
        if (!signal.aborted) onChange({ collection: book, seq: String(++seq) });
      }
      seen = next;
    },
    signal,
    options,
    { pollMs: DEFAULT_CARDDAV_POLL_MS, retryMs: DEFAULT_RETRY_MS },
    d.polled,
  );
}
