/**
 * Matching unlinked records on the pair's match keys (PITFALLS 1): values are normalized (case,
 * whitespace, phone formatting); a record with no value for every match key uses the fallback
 * keys. One match links; several are a duplicate conflict; none creates. Pure: no I/O.
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
  /** A record whose key matches several on the other side: to the inbox, never silently doubled. */
  duplicates: { side: 'left' | 'right'; id: string; candidates: string[] }[];
};

/**
 * Plans matching of the unlinked records of both sides. Records whose key group is ambiguous
 * (several records on one side and at least one on the other) are held in duplicate conflicts:
 * one conflict per record of the smaller side, naming the larger side's records as candidates.
 */
export function planMatches(left: Candidate[], right: Candidate[]): MatchPlan {
  const plan: MatchPlan = { links: [], createOnRight: [], createOnLeft: [], duplicates: [] };
  const group = (list: Candidate[]) => {
    const byKey = new Map<string, string[]>();
    for (const c of list) if (c.key !== null) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c.id]);
    return byKey;
  };
  const lk = group(left);
  const rk = group(right);
  for (const c of left) if (c.key === null) plan.createOnRight.push(c.id);
  for (const c of right) if (c.key === null) plan.createOnLeft.push(c.id);
  const keys = new Set([...lk.keys(), ...rk.keys()]);
  for (const key of keys) {
    const ls = lk.get(key) ?? [];
    const rs = rk.get(key) ?? [];
    if (rs.length === 0) plan.createOnRight.push(...ls);
    else if (ls.length === 0) plan.createOnLeft.push(...rs);
    else if (ls.length === 1 && rs.length === 1) plan.links.push({ leftId: ls[0] ?? '', rightId: rs[0] ?? '' });
    else if (ls.length <= rs.length) for (const id of ls) plan.duplicates.push({ side: 'left', id, candidates: rs });
    else for (const id of rs) plan.duplicates.push({ side: 'right', id, candidates: ls });
  }
  return plan;
}
