/**
 * JSON templates of an app profile: request bodies in which a whole string "{{name}}" stands for a
 * value Concord fills in — a record's fields, its id and version (write bodies), the paging values
 * and the modified-since time (a POST list's body). Whole strings only, never concatenation, so no
 * value can change the shape of a request.
 */
import { z } from 'zod';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export const json: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));

const countPlaceholder = (v: Json, name: string): number => (typeof v === 'string' ? (v === `{{${name}}}` ? 1 : 0) : Array.isArray(v) ? v.reduce<number>((n, x) => n + countPlaceholder(x, name), 0) : v && typeof v === 'object' ? Object.values(v).reduce<number>((n, x) => n + countPlaceholder(x, name), 0) : 0);
export const bodyTemplate = json.superRefine((t, ctx) => {
  if (countPlaceholder(t, 'fields') !== 1) ctx.addIssue({ code: 'custom', message: 'must hold "{{fields}}" exactly once, as a whole string value (e.g. {"properties": "{{fields}}"})' });
});

/** Every "{{name}}" whole-string value in a template. */
export const placeholdersIn = (v: Json | undefined, out: string[] = []): string[] => {
  if (typeof v === 'string') {
    const m = /^\{\{(\w+)\}\}$/.exec(v);
    if (m) out.push(m[1]!);
  } else if (Array.isArray(v)) for (const x of v) placeholdersIn(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) placeholdersIn(x, out);
  return out;
};

/** A JSON object template that may hold only the `allowed` placeholders, each at most once (`required`: exactly once). */
export const objectTemplate = (allowed: readonly string[], required?: string) =>
  z.record(z.string(), json).superRefine((t, ctx) => {
    const found = placeholdersIn(t);
    for (const name of new Set(found)) {
      if (!allowed.includes(name)) ctx.addIssue({ code: 'custom', message: `holds "{{${name}}}", which this template does not fill: it knows ${allowed.map((a) => `"{{${a}}}"`).join(', ')}` });
      else if (found.filter((f) => f === name).length > 1) ctx.addIssue({ code: 'custom', message: `holds "{{${name}}}" more than once` });
    }
    if (required && !found.includes(required)) ctx.addIssue({ code: 'custom', message: `must hold "{{${required}}}" as a whole string value, where the value goes` });
  });

/** What a POST list's body may hold: the paging values, filled in per page. */
export const LIST_BODY_PLACEHOLDERS = ['cursor', 'pageSize', 'page', 'offset'] as const;

/**
 * A body template with its "{{name}}" whole-string values filled in from `values`; a placeholder
 * whose value is undefined takes its property (or array element) out with it.
 */
export function fillTemplate(t: Json, values: Readonly<Record<string, Json | undefined>>): Json | undefined {
  if (typeof t === 'string') {
    const m = /^\{\{(\w+)\}\}$/.exec(t);
    return m ? values[m[1]!] : t;
  }
  if (Array.isArray(t)) return t.map((x) => fillTemplate(x, values)).filter((x): x is Json => x !== undefined);
  if (t && typeof t === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(t)) {
      const filled = fillTemplate(v, values);
      if (filled !== undefined) out[k] = filled;
    }
    return out;
  }
  return t;
}
