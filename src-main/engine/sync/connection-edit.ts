/**
 * `pairs/edit-connection`: a pair's connection saved with new settings only once they reach the
 * same app — what the pair's settings tab does with "Test and save".
 *
 * The checks, in order; the first that fails puts everything back as it was and says why:
 * 1. the draft connects, and its app has every collection a pair reads through this connection —
 *    this pair's, and any other pair's (before anything is saved, when the draft can be tested on
 *    its own: it carries its secret, or needs none);
 * 2. saved, it connects again and its app still names those collections;
 * 3. the records Concord linked through it in this pair are mostly still there (a preview): a file
 *    of the right name with another app's data would otherwise read as every linked record deleted.
 *
 * No run of any pair that uses the connection starts, or is under way, from the save until the
 * checks end (each pair is held as a steward's write-back holds it, run-manager.ts `exclusive`):
 * no run ever reads the app through settings that are put back. Putting back restores the old
 * name, settings and secret (the one in the credential store before the save, or none).
 */
import type { Handler } from '../api/dispatch';
import { ApiError } from '../api/errors';
import type { ConnectionSummary, LeftOutCollection, PairPreview, Side } from '../api/model';
import type { ConnectionStore } from '../connections/service';
import { takesSecret } from '../connectors/registry';
import type { PairRow } from './pair-store';
import { SIDES } from './run/context';

export type ConnectionEdit = { pairId: string; side: Side; name: string; config: Record<string, string | number | boolean>; secret?: string };
export type ConnectionEditResult = { connection: ConnectionSummary; collections: number; leftOut: LeftOutCollection[] };

export type ConnectionEditDeps = {
  store: Pick<ConnectionStore, 'get' | 'definition' | 'update' | 'secretHandle'>;
  pairs: { get(pairId: string): PairRow | null; list(): PairRow[] };
  /** Holds a pair as a steward's write-back does: waits for its run, and no run starts until `fn` ends. */
  exclusive<T>(pairId: string, fn: () => Promise<T>, busy: string): Promise<T>;
  /** connections/test, of a draft or of the saved connection. */
  test(args: { connectionId: string } | { connector: string; config: Record<string, string | number | boolean>; secret?: string }): Promise<{ collections: number; names?: string[]; leftOut?: LeftOutCollection[] }>;
  preview(pairId: string): Promise<PairPreview>;
  /** Once the pairs are let go: each sends its summary (its connection's name; its queued events, held meanwhile, go on). */
  announce(pairId: string): void;
};

/** Fewer than this share of the linked records found in the app: another app's data. */
const FOUND_AT_LEAST = 0.5;

export async function editPairConnection(deps: ConnectionEditDeps, edit: ConnectionEdit): Promise<ConnectionEditResult> {
  const pair = deps.pairs.get(edit.pairId);
  if (!pair) throw new ApiError('not-found', `Pair "${edit.pairId}" does not exist (it may have been deleted). Reload the list and try again.`);
  const { connectionId } = pair.config[edit.side];
  const old = deps.store.get(connectionId);
  const users = deps.pairs.list().filter((p) => p.config.left.connectionId === connectionId || p.config.right.connectionId === connectionId);
  // Every collection read through this connection, by any pair: the new settings must serve them all.
  const needs: Need[] = users
    .flatMap((p) => SIDES.filter((s) => p.config[s].connectionId === connectionId).map((s) => ({ pairId: p.id, pairName: p.name, side: s, collection: p.config[s].collection })))
    .sort((a, b) => Number(b.pairId === edit.pairId) - Number(a.pairId === edit.pairId));
  const busy = `A sync that uses “${old.name}” is running, so its settings were left as they were. Save them again when it has finished (the pair card shows its progress).`;
  const holdAll = (i: number): Promise<ConnectionEditResult> => {
    const p = users[i];
    return p ? deps.exclusive(p.id, () => holdAll(i + 1), busy) : checkAndSave(deps, edit, old, needs);
  };
  try {
    return await holdAll(0);
  } finally {
    for (const p of users) deps.announce(p.id);
  }
}

type Need = { pairId: string; pairName: string; side: Side; collection: string };

async function checkAndSave(deps: ConnectionEditDeps, edit: ConnectionEdit, old: ConnectionSummary, needs: Need[]): Promise<ConnectionEditResult> {
  /** The first collection a pair reads through this connection that `names` lacks, said as the refusal; null when none. */
  const missing = (names: string[]): ApiError | null => {
    const gone = needs.find((n) => !names.includes(n.collection));
    if (!gone) return null;
    const whose = gone.pairId === edit.pairId ? 'this pair syncs' : `the pair “${gone.pairName}” syncs through the same connection`;
    return new ApiError('invalid-input', `The app there has no “${gone.collection}”, which ${whose} (it has: ${names.join(', ') || 'none'}). The connection was left as it was.`);
  };
  const secret = edit.secret === undefined || edit.secret === '' ? {} : { secret: edit.secret };
  // A draft that needs the stored secret is tested once saved (step 2).
  if (!takesSecret(deps.store.definition(old.id)) || 'secret' in secret) {
    const tested = await deps.test({ connector: old.connector, config: edit.config, ...secret });
    const refused = tested.names ? missing(tested.names) : null;
    if (refused) throw refused;
  }
  const before = 'secret' in secret ? await deps.store.secretHandle(old.id).get() : undefined;
  const saved = await deps.store.update({ connectionId: old.id, name: edit.name, config: edit.config, ...secret });
  const putBack = async (why: unknown): Promise<never> => {
    const back = { connectionId: old.id, name: old.name, config: old.config };
    // The secret stored before (none: removed again, unless its connector requires one, as it then did not hold).
    await deps.store.update({ ...back, ...(before !== undefined ? { secret: before } : {}) }).catch(() => deps.store.update(back));
    throw why;
  };
  // connections/test describes the app too: the collections it names are the saved settings'.
  const tested = await deps.test({ connectionId: old.id }).catch(putBack);
  const absent = missing(tested.names ?? []);
  if (absent) await putBack(absent);
  // The right collections, but is it the same app's data? This pair's sides on the connection are
  // previewed (other pairs' are not: a preview reads both apps whole). A preview the apps cannot
  // serve leaves this check out.
  const preview = await deps.preview(edit.pairId).catch(() => null);
  for (const n of needs.filter((x) => x.pairId === edit.pairId)) {
    const seen = preview?.linkedFound?.[n.side];
    if (!seen || seen.linked === 0 || seen.found >= seen.linked * FOUND_AT_LEAST) continue;
    await putBack(
      new ApiError(
        'invalid-input',
        `Only ${seen.found.toLocaleString('en')} of the ${seen.linked.toLocaleString('en')} records Concord linked in “${old.name}” are there: it looks like another app's data, and the next sync would read the rest as deleted. The connection was left as it was.`,
      ),
    );
  }
  return { connection: saved, collections: tested.collections, leftOut: tested.leftOut ?? [] };
}

/** The API of it: connections/* for the checks, the sync domain for the pairs, their runs and the preview. */
export function createConnectionEditDomain(deps: ConnectionEditDeps): { handlers: { 'pairs/edit-connection': Handler<'pairs/edit-connection'> } } {
  return { handlers: { 'pairs/edit-connection': (edit) => editPairConnection(deps, edit) } };
}
