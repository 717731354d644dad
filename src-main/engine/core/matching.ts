/**
 * Matching unlinked records on the pair's match keys (PITFALLS 1): values are normalized (case,
 * whitespace, phone formatting); a record with no value for every match key uses the fallback
 * keys. One match links; several, or one already linked, are a duplicate conflict; none creates.
 * Pure: no I/O.
 */
import type { CanonicalValue } from '../api/model';
import type { CanonicalRecord } from './canonical';

const PHONE = /^\+?[\d\s().\-/]{7,}$/;

export function normalizeKeyValue(v: CanonicalValue | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v.map((x) => x.toLowerCase()).join('|');
  const s = String(v).normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
  if (s === '') return null;
  if (PHONE.test(s) && (s.match(/\d/g)?.length ?? 0) >= 7) return s.replace(/[^\d+]/g, '');
  return s;
}

/** The record's match key: all match keys present, else all fallback keys present, else null. */
export function matchKey(values: CanonicalRecord, keys: string[], fallback: string[] = []): string | null {
  for (const list of [keys, fallback]) {
    if (list.length === 0) continue;
    const parts = list.map((k) => normalizeKeyValue(values[k]));
    if (parts.every((p): p is string => p !== null)) return `${list.join('+')}=${parts.join('\u0001')}`;
  }
  return null;
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

/**
 * Plans matching of the unlinked records of both sides, against each other and against the
 * records already linked (`linked`: from `linkedCandidates`). Per key:
 * - no record with the key on the other side (linked or not): create;
 * - exactly one unlinked record on each side and no linked one: link them;
 * - anything else is ambiguous and goes to the inbox: one duplicate conflict per unlinked record of
 *   one side, naming every record of the other side with the key (linked ones too) as candidates.
 *   That side is the one with fewer unlinked records (the other side's unlinked records are then
 *   all held as candidates), or the only side with unlinked records. So a record created after
 *   the first sync with the key of a record that is already linked is never created twice (PITFALLS 1).
 */
export function planMatches(left: Candidate[], right: Candidate[], linked: { left: Candidate[]; right: Candidate[] } = { left: [], right: [] }): MatchPlan {
  const plan: MatchPlan = { links: [], createOnRight: [], createOnLeft: [], duplicates: [] };
  const group = (list: Candidate[]) => {
    const byKey = new Map<string, string[]>();
    for (const c of list) {
      if (c.key === null) continue;
      // Ids are unique within a list (a linked record is listed once per distinct key of its link).
      const ids = byKey.get(c.key);
      if (ids) ids.push(c.id);
      else byKey.set(c.key, [c.id]);
    }
    return byKey;
  };
  const lk = group(left);
  const rk = group(right);
  const lt = group(linked.left);
  const rt = group(linked.right);
  for (const c of left) if (c.key === null) plan.createOnRight.push(c.id);
  for (const c of right) if (c.key === null) plan.createOnLeft.push(c.id);
  const keys = new Set([...lk.keys(), ...rk.keys()]);
  for (const key of keys) {
    const ls = lk.get(key) ?? [];
    const rs = rk.get(key) ?? [];
    const lls = lt.get(key) ?? [];
    const rls = rt.get(key) ?? [];
    if (rs.length === 0 && rls.length === 0) plan.createOnRight.push(...ls);
    else if (ls.length === 0 && lls.length === 0) plan.createOnLeft.push(...rs);
    else if (ls.length === 1 && rs.length === 1 && lls.length === 0 && rls.length === 0) plan.links.push({ leftId: ls[0] ?? '', rightId: rs[0] ?? '' });
    else if (ls.length > 0 && (rs.length === 0 || ls.length <= rs.length)) for (const id of ls) plan.duplicates.push({ side: 'left', id, candidates: [...rs, ...rls] });
    else for (const id of rs) plan.duplicates.push({ side: 'right', id, candidates: [...ls, ...lls] });
  }
  return plan;
}
