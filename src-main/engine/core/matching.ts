/**
 * Matching unlinked records on the pair's match keys (PITFALLS 1): values are normalized (case,
 * whitespace, phone formatting). Records match on the main keys first; a record left without a
 * match there tries the fallback keys. One match links; several, or one already linked, are a
 * duplicate conflict; none creates. Pure: no I/O.
 */
import type { CanonicalValue } from '../api/model';
import type { CanonicalRecord } from './canonical';

const PHONE = /^\+?[\d\s().\-/]{7,}$/;

export function normalizeKeyValue(v: CanonicalValue | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v.map((x) => x.replace(/[\u0001\u0002]/g, '').toLowerCase()).join('|');
  const s = String(v).normalize('NFC').replace(/[\u0001\u0002]/g, '').trim().replace(/\s+/g, ' ').toLowerCase();
  if (s === '') return null;
  if (PHONE.test(s) && (s.match(/\d/g)?.length ?? 0) >= 7) return s.replace(/[^\d+]/g, '');
  return s;
}

/** Separates a key's main part from its fallback part (control characters are removed from values). */
export const KEY_PART = '\u0002';
const PART = KEY_PART;

/**
 * The record's match key text: its main part (every match key has a value) and, when the pair has
 * fallback keys, its fallback part (every fallback key has a value), e.g. "email=ann@x.com" +
 * PART + "phone=5550100". Null when neither part exists. One string, so callers index and compare
 * records by it; `planMatches` reads the two parts (`keyParts`).
 */
export function matchKey(values: CanonicalRecord, keys: string[], fallback: string[] = []): string | null {
  const part = (list: string[]): string | null => {
    if (list.length === 0) return null;
    const parts = list.map((k) => normalizeKeyValue(values[k]));
    return parts.every((p): p is string => p !== null) ? `${list.join('+')}=${parts.join('\u0001')}` : null;
  };
  const main = part(keys);
  if (fallback.length === 0) return main;
  const fb = part(fallback);
  return main === null && fb === null ? null : `${main ?? ''}${PART}${fb ?? ''}`;
}

/** The main and fallback parts of a `matchKey` text. */
export function keyParts(key: string | null): { main: string | null; fallback: string | null } {
  if (key === null) return { main: null, fallback: null };
  const at = key.indexOf(PART);
  if (at < 0) return { main: key, fallback: null };
  return { main: key.slice(0, at) || null, fallback: key.slice(at + 1) || null };
}

/** A key as a user reads it (the preview's examples): "email=ann@x.com · phone=5550100". */
export function describeKey(key: string | null): string {
  const { main, fallback } = keyParts(key);
  return [main, fallback].filter((p) => p !== null).join(' · ').replace(/\u0001/g, ', ') || '(no key)';
}

export type Candidate = { id: string; key: string | null };

export type MatchPlan = {
  /** left id ↔ right id, one match each. */
  links: { leftId: string; rightId: string }[];
  createOnRight: string[];
  createOnLeft: string[];
  /**
   * A record whose key is not unique (several records on the other side, or one there that is
   * already linked): to the inbox, never silently doubled. `candidates` may include linked records.
   */
  duplicates: { side: 'left' | 'right'; id: string; candidates: string[] }[];
};

/** A linked pair's records with their current match keys (null: that side's record is gone). */
export type LinkedKeys = { left: Candidate | null; right: Candidate | null };

/**
 * The records already linked, as match candidates per side. Each record is registered under the
 * keys of both records of its link: after a run the two converge, so a key that one of them holds
 * now (an edit on its way to the other) is taken on both sides.
 */
export function linkedCandidates(links: Iterable<LinkedKeys>): { left: Candidate[]; right: Candidate[] } {
  const out: { left: Candidate[]; right: Candidate[] } = { left: [], right: [] };
  for (const l of links) {
    const keys = new Set([l.left?.key, l.right?.key].filter((k): k is string => typeof k === 'string'));
    for (const key of keys) {
      if (l.left) out.left.push({ id: l.left.id, key });
      if (l.right) out.right.push({ id: l.right.id, key });
    }
  }
  return out;
}

type Ids = { ls: string[]; rs: string[]; lls: string[]; rls: string[] };

/**
 * Appends one by one: `push(...items)` passes every item as an argument, and an engine's argument
 * limit (about 125,000 here) turned a first sync of that many new records into "Maximum call
 * stack size exceeded".
 */
function append<T>(to: T[], items: readonly T[]): void {
  for (const x of items) to.push(x);
}

/**
 * One key's records (unlinked `ls`/`rs`, linked `lls`/`rls`):
 * - no record with the key on the other side (linked or not): create;
 * - exactly one unlinked record on each side and no linked one: link them;
 * - anything else is ambiguous and goes to the inbox: one duplicate conflict per unlinked record of
 *   one side, naming every record of the other side with the key (linked ones too) as candidates.
 *   That side is the one with fewer unlinked records (the other side's unlinked records are then
 *   all held as candidates), or the only side with unlinked records. So a record created after
 *   the first sync with the key of a record that is already linked is never created twice (PITFALLS 1).
 */
function decideKey({ ls, rs, lls, rls }: Ids, plan: MatchPlan, creates: { left: string[]; right: string[] }): void {
  if (rs.length === 0 && rls.length === 0) append(creates.left, ls);
  else if (ls.length === 0 && lls.length === 0) append(creates.right, rs);
  else if (ls.length === 1 && rs.length === 1 && lls.length === 0 && rls.length === 0) plan.links.push({ leftId: ls[0] ?? '', rightId: rs[0] ?? '' });
  else if (ls.length > 0 && (rs.length === 0 || ls.length <= rs.length)) for (const id of ls) plan.duplicates.push({ side: 'left', id, candidates: [...rs, ...rls] });
  else for (const id of rs) plan.duplicates.push({ side: 'right', id, candidates: [...ls, ...lls] });
}

type Entry = { id: string; main: string | null; fallback: string | null };
/** A linked record under every key of its link (`linkedCandidates`): all its main and fallback parts. */
type LinkedEntry = { id: string; mains: Set<string>; fallbacks: Set<string> };

function group<T>(items: T[], keysOf: (x: T) => Iterable<string>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of items) {
    for (const k of keysOf(x)) {
      const list = out.get(k);
      if (list) list.push(x);
      else out.set(k, [x]);
    }
  }
  return out;
}

function linkedEntries(list: Candidate[]): LinkedEntry[] {
  const byId = new Map<string, LinkedEntry>();
  for (const c of list) {
    const e = byId.get(c.id) ?? { id: c.id, mains: new Set<string>(), fallbacks: new Set<string>() };
    byId.set(c.id, e);
    const { main, fallback } = keyParts(c.key);
    if (main !== null) e.mains.add(main);
    if (fallback !== null) e.fallbacks.add(fallback);
  }
  return [...byId.values()];
}

/**
 * The records of one fallback key that may be linked to each other: the fallback never links two
 * records that both have a main key (their main keys differ, or the main pass had matched them):
 * two customers with different emails who share a phone are different customers. So a record
 * without a main key connects to every record of the other side, one with a main key only to
 * those without. Returns the connected groups (linked records only as candidates).
 */
function fallbackGroups(ls: Entry[], rs: Entry[], lls: LinkedEntry[], rls: LinkedEntry[]): Ids[] {
  const openL = ls.some((e) => e.main === null) || lls.some((e) => e.mains.size === 0);
  const openR = rs.some((e) => e.main === null) || rls.some((e) => e.mains.size === 0);
  const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
  if (openL && openR) return [{ ls: ids(ls), rs: ids(rs), lls: ids(lls), rls: ids(rls) }];
  const singles = (xs: Entry[], side: 'left' | 'right'): Ids[] => xs.map((e) => (side === 'left' ? { ls: [e.id], rs: [], lls: [], rls: [] } : { ls: [], rs: [e.id], lls: [], rls: [] }));
  if (openL) {
    // The left records without a main key with every right record; each left one with a main key alone.
    const open = { ls: ids(ls.filter((e) => e.main === null)), rs: ids(rs), lls: ids(lls.filter((e) => e.mains.size === 0)), rls: ids(rls) };
    return [open, ...singles(ls.filter((e) => e.main !== null), 'left')];
  }
  if (openR) {
    const open = { ls: ids(ls), rs: ids(rs.filter((e) => e.main === null)), lls: ids(lls), rls: ids(rls.filter((e) => e.mains.size === 0)) };
    return [open, ...singles(rs.filter((e) => e.main !== null), 'right')];
  }
  return [...singles(ls, 'left'), ...singles(rs, 'right')];
}

/**
 * Plans matching of the unlinked records of both sides, against each other and against the
 * records already linked (`linked`: from `linkedCandidates`). First on the main keys (`decideKey`
 * per key); the records that found no record there try their fallback key against the other
 * side's records that found none either (and the linked ones), under the rule of `fallbackGroups`.
 * A record with a main-key duplicate conflict stays in the inbox: the fallback does not overrule it.
 */
export function planMatches(left: Candidate[], right: Candidate[], linked: { left: Candidate[]; right: Candidate[] } = { left: [], right: [] }): MatchPlan {
  const plan: MatchPlan = { links: [], createOnRight: [], createOnLeft: [], duplicates: [] };
  const entries = (list: Candidate[]): Entry[] => list.map((c) => ({ id: c.id, ...keyParts(c.key) }));
  const L = entries(left);
  const R = entries(right);
  const LL = linkedEntries(linked.left);
  const RL = linkedEntries(linked.right);
  const ids = (xs: { id: string }[] | undefined) => (xs ?? []).map((x) => x.id);

  // Main keys. `unmatched` collects the records no main key matched (in their lists' order).
  const unmatched = { left: L.filter((e) => e.main === null).map((e) => e.id), right: R.filter((e) => e.main === null).map((e) => e.id) };
  const lk = group(L, (e) => (e.main === null ? [] : [e.main]));
  const rk = group(R, (e) => (e.main === null ? [] : [e.main]));
  const lt = group(LL, (e) => e.mains);
  const rt = group(RL, (e) => e.mains);
  for (const key of new Set([...lk.keys(), ...rk.keys()])) decideKey({ ls: ids(lk.get(key)), rs: ids(rk.get(key)), lls: ids(lt.get(key)), rls: ids(rt.get(key)) }, plan, unmatched);

  // Fallback keys, for the records the main keys left unmatched.
  const pending = { left: new Set(unmatched.left), right: new Set(unmatched.right) };
  const creates = { left: [] as string[], right: [] as string[] };
  const fl = group(L.filter((e) => pending.left.has(e.id)), (e) => (e.fallback === null ? [] : [e.fallback]));
  const fr = group(R.filter((e) => pending.right.has(e.id)), (e) => (e.fallback === null ? [] : [e.fallback]));
  const flt = group(LL, (e) => e.fallbacks);
  const frt = group(RL, (e) => e.fallbacks);
  for (const e of L) if (pending.left.has(e.id) && e.fallback === null) creates.left.push(e.id);
  for (const e of R) if (pending.right.has(e.id) && e.fallback === null) creates.right.push(e.id);
  for (const key of new Set([...fl.keys(), ...fr.keys()])) {
    for (const g of fallbackGroups(fl.get(key) ?? [], fr.get(key) ?? [], flt.get(key) ?? [], frt.get(key) ?? [])) {
      if (g.ls.length + g.rs.length > 0) decideKey(g, plan, creates);
    }
  }
  append(plan.createOnRight, creates.left);
  append(plan.createOnLeft, creates.right);
  return plan;
}

/**
 * Whether a record read under a linked id is another record the app gave that id (a reused row id
 * after a delete, a table rebuilt with new ids) rather than an edit of the linked one: its identity
 * (main key, else fallback key) differs from the base's, and most of its other fields that had a
 * value differ too. Taken for an edit, it would overwrite one person with another in the other app.
 */
export function isOtherRecord(current: CanonicalRecord, base: CanonicalRecord, fields: string[], keys: string[], fallback: string[] = []): boolean {
  const identity = (c: CanonicalRecord): string | null => {
    const { main, fallback: fb } = keyParts(matchKey(c, keys, fallback));
    return main ?? (fb !== null ? `${PART}${fb}` : null);
  };
  const now = identity(current);
  const then = identity(base);
  if (now === null || then === null || now === then) return false;
  const keyFields = new Set([...keys, ...fallback]);
  const others = fields.filter((f) => !keyFields.has(f) && base[f] !== null && base[f] !== undefined);
  const same = others.filter((f) => JSON.stringify(current[f] ?? null) === JSON.stringify(base[f] ?? null)).length;
  return same * 2 < others.length || others.length === 0;
}
