/**
 * Concord's own writes in cursor mode (`ChangesOptions.ownWrites`, `WriteResult.stamp`) for the
 * SQL-table base. A write returns the row's stamp — its updated-at as stored, in the exact text the
 * cursor read reports (`tsText`) — and the next cursor read leaves out every row still at exactly
 * its own write's stamp, while its position moves over those rows as over any other. A first sync's
 * writes are then not read back in full on the next run.
 *
 * Only where the column's stamps are fine enough that an edit by the app cannot keep the stamp
 * Concord's write left: a row the app edits gets a new stamp and is read (PITFALLS 6). Decided per
 * column (`ownStampsFine`):
 * - PostgreSQL `timestamptz` / `timestamp`: microseconds (now() is per transaction, so two
 *   transactions never share one in practice) — yes. `timestamp(0..2)` and `date` — no.
 * - MySQL / MariaDB `DATETIME(3..6)` / `TIMESTAMP(3..6)` — yes; whole seconds (the common
 *   `TIMESTAMP … ON UPDATE CURRENT_TIMESTAMP`) or tenths / hundredths — no: an app could edit
 *   within the step Concord wrote in and keep the stamp.
 * The threshold is a millisecond, as for the SQLite connector. A column Concord does not stamp
 * itself (`stampSql` null) gives no stamp either: the row would keep the app's.
 *
 * The read compares a page at a time (`ownRowsOf`): the page's rows by stamp, and the own list
 * streamed in (stamp, id) order over the page's stamps only, `OWN_PAGE` at a time — memory stays a
 * page plus one slice of the list, however many own writes there are.
 */
import { throwIfAborted, type OwnWrite, type OwnWrites } from '../types';
import type { SqlDialect, SqlRow, SqlTable } from './dialect';

/** Own writes asked for per call while a page is compared. */
export const OWN_PAGE = 2000;

/** Whether `t`'s cursor stamps are fine enough to recognise Concord's own writes by them (see above). */
export function ownStampsFine(d: SqlDialect, t: SqlTable): boolean {
  const column = t.updatedAt ? t.columns.find((c) => c.name === t.updatedAt) : undefined;
  if (!column || d.stampSql(column) === null) return false;
  return (t.tsResolutionMs ?? 0) <= 1;
}

/**
 * The rows of `page` (in the read's (stamp, key) order) that still sit at exactly the stamp of
 * Concord's own write of them. `stampOf` and `idOf` give a row's stamp and id as the write returned them.
 */
export async function ownRowsOf(page: SqlRow[], stampOf: (r: SqlRow) => string, idOf: (r: SqlRow) => string, own: OwnWrites, signal?: AbortSignal): Promise<Set<SqlRow>> {
  const out = new Set<SqlRow>();
  const head = page[0];
  const tail = page.at(-1);
  if (!head || !tail) return out;
  const first = stampOf(head);
  const last = stampOf(tail);
  const byStamp = new Map<string, Map<string, SqlRow>>();
  for (const r of page) {
    const s = stampOf(r);
    let ids = byStamp.get(s);
    if (!ids) byStamp.set(s, (ids = new Map()));
    ids.set(idOf(r), r);
  }
  for (let after: OwnWrite | null = null; ; ) {
    const slice = own(first, after, OWN_PAGE);
    for (const w of slice) {
      // The list is in stamp order: past the page's last stamp nothing more can match.
      if (w.stamp > last) return out;
      const r = byStamp.get(w.stamp)?.get(w.id);
      if (r) out.add(r);
    }
    if (slice.length < OWN_PAGE) return out;
    after = slice.at(-1) ?? null;
    // One turn of the event loop between slices: a long run of own writes at one stamp never blocks it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(signal);
  }
}
