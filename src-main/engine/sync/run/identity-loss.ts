/**
 * Identity loss (issue 13 §1): a linked record gone from its app while a new record with the same
 * match key — or, for a record without a key, any new record without one — turned up on the same
 * side in the same run. That is what an export saved again without Concord's id column looks
 * like (every row gets a new id), and an app that re-creates records on import. `relinkReplaced`
 * (gone.ts) has already made the unambiguous ones edits: one gone link and one new record per key.
 * What is left cannot be told apart — two rows share the key, or there is no key — so the run
 * stops and asks, naming the records, instead of deleting them in the other app and creating them
 * again as new records (which breaks whatever pointed at the old ones there).
 */
import type { Side } from '../../api/model';
import { KEY_PART, keyParts } from '../../core/matching';
import type { CanonicalRecord } from '../../core/canonical';
import type { KeyRange } from './working-state';
import { BATCH, type RunContext } from './context';

/** Records named in the message; the count says how many more there are. */
const NAMED = 8;

/**
 * The keys that name the same record as `key`: a record is known by its main key; by its fallback
 * key only when it has no main key — as matching does (two records with different main keys are
 * never the same record, whatever their fallback fields say).
 */
export function identityRange(run: RunContext, key: string): KeyRange | null {
  // The least text after `k` itself: keys are compared as text, and no key holds a NUL.
  const exactly = (k: string): KeyRange => ({ from: k, below: `${k}\u0000` });
  if ((run.config.fallbackKeys ?? []).length === 0) return exactly(key);
  const { main, fallback } = keyParts(key);
  // Every key whose main part is `main`: they all start with main + the part separator.
  if (main !== null) return { from: `${main}${KEY_PART}`, below: `${main}${String.fromCharCode(KEY_PART.charCodeAt(0) + 1)}` };
  return fallback !== null ? exactly(`${KEY_PART}${fallback}`) : null;
}

/** What a steward recognises a record by: its key values, else its first values, else its id. */
function describe(run: RunContext, base: CanonicalRecord, id: string): string {
  const keys = [...run.config.matchKeys, ...(run.config.fallbackKeys ?? [])].map((k) => base[k]).filter((v) => v !== null && v !== undefined && v !== '');
  const values = keys.length > 0 ? keys : run.config.fields.map((f) => base[f.name]).filter((v) => v !== null && v !== undefined && v !== '').slice(0, 2);
  const text = values.map((v) => (Array.isArray(v) ? v.join(', ') : String(v))).join(' / ');
  return keys.length > 0 ? text : text ? `"${text}" (no ${run.config.matchKeys.join(', ')})` : `record ${id}`;
}

/** The gone records of `side` that a new record of the same side may have replaced, described (at most NAMED) and counted. */
function lostOn(run: RunContext, side: Side): { count: number; named: string[] } {
  const { state } = run.deps;
  const keylessNew = run.work.stagedKeylessCount(side) > 0;
  const out = { count: 0, named: [] as string[] };
  for (let after = 0; ; ) {
    const page = run.work.gonePage(after, BATCH);
    if (page.length === 0) return out;
    after = page[page.length - 1]?.linkId ?? after;
    for (const { linkId, sides } of page) {
      // Gone from both apps: a delete on both sides, not a record that changed its id.
      if (sides.length !== 1 || sides[0] !== side) continue;
      const link = state.link(linkId);
      const id = link ? (side === 'left' ? link.leftId : link.rightId) : null;
      if (!link || id === null || link.deletedSide !== null) continue;
      const key = side === 'left' ? link.leftKey : link.rightKey;
      const range = key == null ? null : identityRange(run, key);
      const replaced = range ? run.work.stagedInRange(side, range).length > 0 : keylessNew;
      if (!replaced) continue;
      out.count++;
      if (out.named.length < NAMED) out.named.push(describe(run, link.base, id));
    }
  }
}

/**
 * The halt message when records of one app lost their identity and the steward has not answered
 * for at least `gone[side]` records with "Apply these deletes"; null otherwise. `prefix` starts the
 * message (the mass-delete guard's, so the same answer and the same clearing apply).
 */
export function identityLossHalt(run: RunContext, gone: Record<Side, number>, prefix: string): { message: string; side: Side } | null {
  for (const side of ['left', 'right'] as const) {
    if (gone[side] === 0 || (run.req.confirmDeletes !== undefined && gone[side] <= run.req.confirmDeletes)) continue;
    const lost = lostOn(run, side);
    if (lost.count === 0) continue;
    const label = run.io[side].label;
    const otherLabel = run.io[side === 'left' ? 'right' : 'left'].label;
    const more = lost.count > lost.named.length ? ` and ${lost.count - lost.named.length} more` : '';
    const message =
      `${prefix}: ${lost.count} record${lost.count === 1 ? '' : 's'} lost their ids in ${label} — ${lost.named.join('; ')}${more}. ` +
      `Each is gone under its old id while a record with the same ${lost.named.some((n) => n.includes('(no ')) ? 'key (or no key)' : 'key'} appeared, and Concord cannot tell which is which ` +
      `(was the file exported again without its concord_id column?). Put the ids back — restore the column from a copy saved before — and sync again. ` +
      `If they really were deleted and added, choose "Apply these deletes" (command line: \`concord sync <pair> --confirm-deletes ${gone[side]}\`): ` +
      `they are deleted in ${otherLabel} and the new ones synced as new records. Nothing was deleted or created for them.`;
    return { message, side };
  }
  return null;
}
