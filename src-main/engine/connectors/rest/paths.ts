/**
 * The small JSON path language of an app profile, and the flattening of nested objects into
 * fields. A path is `$` (the value itself), `$.results`, `paging.next.after`, `items[0].id` or
 * `$['odd key']`: names, array indices and quoted names, nothing more — no filters, no wildcards,
 * no script, so a profile imported from a file can only point into the answer, never run code.
 */

export type Segment = string | number;

/** Parses a path; throws an Error saying where it went wrong (the profile check shows it). */
export function parsePath(path: string): Segment[] {
  const src = path.trim();
  const out: Segment[] = [];
  let i = 0;
  if (src.startsWith('$')) i = 1;
  else if (src.length === 0) throw new Error('is empty: write $ for the whole value, or a name such as results');
  const name = /^[A-Za-z_$@][\w$@-]*/;
  let first = i === 0;
  while (i < src.length) {
    const rest = src.slice(i);
    if (first) {
      const m = name.exec(rest);
      if (!m) throw new Error(`cannot start with "${rest.slice(0, 10)}": begin with $ or a name`);
      out.push(m[0]);
      i += m[0].length;
      first = false;
      continue;
    }
    if (rest.startsWith('.')) {
      const m = name.exec(rest.slice(1));
      if (!m) throw new Error(`needs a name after the dot at position ${i + 1}`);
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (rest.startsWith('[')) {
      const m = /^\[(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
      if (!m) throw new Error(`has a bracket at position ${i + 1} that is neither [number] nor ['name']`);
      out.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else {
      throw new Error(`has "${rest.slice(0, 10)}" at position ${i + 1}: use .name, [number] or ['name']`);
    }
  }
  return out;
}

/** Whether `path` parses; for the profile schema. */
export function pathProblem(path: string): string | null {
  try {
    parsePath(path);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const cache = new Map<string, Segment[]>();
function segments(path: string): Segment[] {
  let s = cache.get(path);
  if (!s) {
    s = parsePath(path);
    cache.set(path, s);
  }
  return s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at `path` in `root`, or undefined when any step is missing. */
export function getPath(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const seg of segments(path)) {
    if (typeof seg === 'number') v = Array.isArray(v) ? v[seg] : undefined;
    else v = isObject(v) ? v[seg] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/** Sets `path` in `root` (objects made on the way); `$` itself cannot be set. */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const segs = segments(path);
  if (segs.length === 0) throw new Error('cannot set $ itself');
  let v: Record<string, unknown> | unknown[] = root;
  for (let k = 0; k < segs.length - 1; k++) {
    const seg = segs[k]!;
    const next: unknown = (v as Record<string | number, unknown>)[seg];
    if (typeof next === 'object' && next !== null) v = next as Record<string, unknown>;
    else {
      const made: Record<string, unknown> | unknown[] = typeof segs[k + 1] === 'number' ? [] : {};
      (v as Record<string | number, unknown>)[seg] = made;
      v = made;
    }
  }
  (v as Record<string | number, unknown>)[segs.at(-1)!] = value;
}

/** Removes `path` from `root` when it is there (for fields the connector keeps apart: the version). */
export function deletePath(root: Record<string, unknown>, path: string): void {
  const segs = segments(path);
  if (segs.length === 0) return;
  let parent: unknown = root;
  for (const seg of segs.slice(0, -1)) parent = typeof seg === 'number' ? (Array.isArray(parent) ? parent[seg] : undefined) : isObject(parent) ? parent[seg] : undefined;
  const last = segs.at(-1)!;
  if (isObject(parent) && typeof last === 'string') delete parent[last];
}

/**
 * Nested objects become dotted field names (`address.city`); arrays and scalars are values as
 * they are (an array of emails is one set field). An empty nested object is an empty field set.
 */
export function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (isObject(v) && Object.keys(v).length > 0) flatten(v, key + '.', out);
    else out[key] = v;
  }
  return out;
}

/**
 * Dotted field names back into nested objects, for the app's write body. Throws when one field
 * is a prefix of another (`address` and `address.city`): the body could hold only one of them.
 */
export function unflatten(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields).sort()) {
    const parts = key.split('.');
    let v = out;
    for (let k = 0; k < parts.length - 1; k++) {
      const p = parts[k]!;
      const next = v[p];
      if (next === undefined) v = v[p] = {};
      else if (isObject(next)) v = next;
      else throw new Error(`Fields "${parts.slice(0, k + 1).join('.')}" and "${key}" cannot both be written: one is inside the other.`);
    }
    const last = parts.at(-1)!;
    if (isObject(v[last])) throw new Error(`Fields "${key}" and "${key}.…" cannot both be written: one is inside the other.`);
    v[last] = fields[key];
  }
  return out;
}

/** `b` deep-merged over `a` (objects merged key by key, anything else replaced): a PUT's full body. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

export { isObject };
