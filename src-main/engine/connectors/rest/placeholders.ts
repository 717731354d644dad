/**
 * Values a shipped profile leaves for the user to fill in — `{databaseId}`, `{baseId}`,
 * `{clientId}` — written in single braces where the value goes: the base URL, an endpoint path, a
 * body template, the OAuth client id. The profile schema accepts them (a shipped profile is valid
 * as shipped, and the wizard edits it); the connector sends no request while one is left, and names
 * each and where it is, where the app would only answer a puzzling 404.
 *
 * `{id}` and `{idPath}` are Concord's own (endpoint paths); "{{…}}" are templates Concord fills.
 * `name`, `label` and `notes` are prose and are not searched.
 */
import type { Profile } from './profile';

export type Unfilled = { name: string; where: string };

const PLACEHOLDER = /(?<!\{)\{([A-Za-z][A-Za-z0-9_]*)\}(?!\})/g;
const OWN = new Set(['id', 'idPath']);
const PROSE = new Set(['name', 'label', 'notes']);

/** Every placeholder left in the profile; `baseUrl`: the connection's override, which stands for the profile's. */
export function unfilledPlaceholders(profile: Profile, baseUrl?: string): Unfilled[] {
  const out: Unfilled[] = [];
  const walk = (v: unknown, where: string): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) if (!OWN.has(m[1]!)) out.push({ name: m[1]!, where });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (PROSE.has(k) && typeof x === 'string') continue;
        walk(x, where === '' ? k : `${where}.${k}`);
      }
    }
  };
  walk({ ...profile, baseUrl: baseUrl ?? profile.baseUrl }, '');
  return out;
}

/** The message for a profile with placeholders left, or null when there is none. */
export function unfilledMessage(profile: Profile, baseUrl?: string): string | null {
  const left = unfilledPlaceholders(profile, baseUrl);
  if (left.length === 0) return null;
  const names = [...new Set(left.map((u) => u.name))];
  const list = names.map((n) => `{${n}} (in ${left.filter((u) => u.name === n).map((u) => u.where).join(', ')})`).join('; ');
  const viaBase = left.some((u) => u.where === 'baseUrl') ? ' A value in the base URL can also be filled by setting the connection\'s Base URL.' : '';
  return `The ${profile.name} profile still has values for you to fill in: ${list}. Replace each with your own — the profile's notes say what goes there.${viaBase}`;
}
