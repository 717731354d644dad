/**
 * Concord's own recent writes per collection, for apps whose list results lag writes
 * (`quirks.listLagSeconds`). While a write may not show in lists yet, a scan would miss a record
 * Concord just created (and the engine would take it for deleted) or list the old content of one it
 * just updated (and the engine would take that for an edit back). So reads leave such records out
 * of the list and read each of them by id, which the app answers from its own store.
 *
 * Kept per process and per base URL + collection, not per connector: the engine reopens
 * connectors (after a network error, a 401), and the memory must outlive that.
 */
const writes = new Map<string, Map<string, number>>();

export function noteWrite(scope: string, id: string, lagSeconds: number): void {
  if (lagSeconds <= 0) return;
  let m = writes.get(scope);
  if (!m) writes.set(scope, (m = new Map()));
  m.set(id, Date.now() + lagSeconds * 1000);
}

/** Ids written within the lag window (older ones are forgotten). */
export function recentWrites(scope: string): Set<string> {
  const m = writes.get(scope);
  if (!m) return new Set();
  const now = Date.now();
  for (const [id, until] of m) if (until < now) m.delete(id);
  return new Set(m.keys());
}
