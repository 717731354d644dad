/**
 * One app record (JSON as the app sends it) ↔ Concord's AppRecord, as the profile describes it:
 * the id, the last-modified time (its created-at standing in while the app leaves it null), the
 * version (ETag, version field or content hash), and the fields — nested objects flattened to
 * `address.city` — and back into a write body.
 */
import type { CollectionField } from '../../api/model';
import { recordHash } from '../record-hash';
import type { AppRecord } from '../types';
import { deepMerge, flatten, getPath, isObject, parsePath, setPath, unflatten } from './paths';
import type { CollectionProfile, Profile } from './profile';
import { parseTime, type TimeFormat } from './time-format';

/** The field name of the id: its path inside the fields when it is there (`id`), else `id`. */
export function idFieldName(c: CollectionProfile): string {
  const id = parsePath(c.id);
  const root = parsePath(c.fieldsAt);
  const inside = id.length > root.length && root.every((s, i) => s === id[i]) && id.slice(root.length).every((s) => typeof s === 'string');
  return inside ? id.slice(root.length).join('.') : 'id';
}

/** A path inside the fields object as a flattened field name, or null when it lies outside the fields. */
function fieldNameOf(c: CollectionProfile, path: string | undefined): string | null {
  if (!path) return null;
  const p = parsePath(path);
  const root = parsePath(c.fieldsAt);
  if (p.length <= root.length || !root.every((s, i) => s === p[i])) return null;
  return p.slice(root.length).map(String).join('.');
}

export type Mapper = ReturnType<typeof createMapper>;

export function createMapper(profile: Profile, c: CollectionProfile) {
  const format: TimeFormat = profile.timeFormat;
  const idName = idFieldName(c);
  const updatedName = fieldNameOf(c, c.updatedAt);
  /** Never sent in a write: the app keeps them. */
  const readOnly = new Set([updatedName, fieldNameOf(c, c.createdAt), ...c.readOnlyFields].filter((x): x is string => x !== null));
  const versionName = c.concurrency.kind === 'version-field' ? fieldNameOf(c, c.concurrency.field) : c.concurrency.kind === 'etag' ? fieldNameOf(c, c.concurrency.field) : null;
  /** Kept by the connector, never written back: the version and the deleted flag. */
  const internal = new Set([versionName, c.deletes.kind === 'flag' ? fieldNameOf(c, c.deletes.field) : null].filter((x): x is string => x !== null));

  const time = (raw: unknown): number | null => {
    const t = parseTime(raw, format);
    return t === undefined ? null : t;
  };

  return {
    idName,
    /** ms, or null: the updated-at, or (when the app leaves it null on create) the created-at. */
    stampOf(raw: unknown): number | null {
      const u = c.updatedAt ? time(getPath(raw, c.updatedAt)) : null;
      if (u !== null) return u;
      return c.createdAt ? time(getPath(raw, c.createdAt)) : null;
    },
    idOf(raw: unknown): string | null {
      const v = getPath(raw, c.id);
      return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
    },
    isDeleted(raw: unknown): boolean {
      return c.deletes.kind === 'flag' && JSON.stringify(getPath(raw, c.deletes.field)) === JSON.stringify(c.deletes.value);
    },
    /** `etag`: the ETag header of the answer the record came in, when it came alone. */
    toRecord(raw: unknown, etag?: string | null): AppRecord | null {
      const id = this.idOf(raw);
      if (id === null) return null;
      const root = getPath(raw, c.fieldsAt);
      const fields = flatten(isObject(root) ? root : {});
      for (const k of Object.keys(fields)) if (internal.has(k) || [...internal].some((i) => k.startsWith(i + '.'))) delete fields[k];
      fields[idName] = id;
      let version: string | undefined;
      if (c.concurrency.kind === 'version-field') {
        const v = getPath(raw, c.concurrency.field);
        version = v === null || v === undefined ? undefined : String(v);
      } else if (c.concurrency.kind === 'etag') {
        const v = c.concurrency.field ? getPath(raw, c.concurrency.field) : undefined;
        version = typeof v === 'string' ? v : (etag ?? undefined);
      } else version = recordHash(fields);
      const stamp = this.stampOf(raw);
      return { id, ...(version !== undefined ? { version } : {}), ...(stamp !== null ? { updatedAt: new Date(stamp).toISOString() } : {}), fields };
    },
    /** The fields a write sends: the id, the managed times and the connector's own fields left out. */
    writable(fields: Record<string, unknown>, op: 'create' | 'update'): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(fields)) {
        if (internal.has(k) || readOnly.has(k)) continue;
        // The id goes into a create only when the app keeps it among the fields (an app that takes the client's id).
        if (k === idName && (op === 'update' || fieldNameOf(c, c.id) === null)) continue;
        out[k] = v;
      }
      return out;
    },
    /** The request body from the template, with the fields nested back; `base`: a PUT's current fields. */
    body(template: unknown, fields: Record<string, unknown>, extra: { id?: string; version?: string; base?: Record<string, unknown> }): unknown {
      let nested = unflatten(fields);
      if (extra.base) nested = deepMerge(unflatten(this.writable(extra.base, 'update')), nested);
      if (c.concurrency.kind === 'version-field' && extra.version !== undefined) {
        const rel = fieldNameOf(c, c.concurrency.field);
        const v = /^\d+$/.test(extra.version) ? Number(extra.version) : extra.version;
        if (rel) setPath(nested, rel, v);
      }
      const fill = (t: unknown): unknown => {
        if (t === '{{fields}}') return nested;
        if (t === '{{id}}') return extra.id ?? null;
        if (t === '{{version}}') return extra.version ?? null;
        if (Array.isArray(t)) return t.map(fill);
        if (isObject(t)) return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, fill(v)]));
        return t;
      };
      return fill(template);
    },
    /** The collection's fields: the profile's, then any found in sample records. */
    describeFields(samples: AppRecord[]): CollectionField[] {
      const out = new Map<string, CollectionField>();
      out.set(idName, { name: idName, type: 'string', nullable: false, key: true });
      for (const f of c.fields) if (!out.has(f.name)) out.set(f.name, { name: f.name, type: f.type, nullable: true });
      for (const r of samples) {
        for (const [k, v] of Object.entries(r.fields)) {
          if (out.has(k)) continue;
          out.set(k, { name: k, type: typeOf(v), nullable: true });
        }
      }
      if (updatedName && out.has(updatedName)) out.set(updatedName, { ...out.get(updatedName)!, managed: 'updated-at' });
      else if (updatedName) out.set(updatedName, { name: updatedName, type: 'datetime', nullable: true, managed: 'updated-at' });
      return [...out.values()];
    },
  };
}

function typeOf(v: unknown): CollectionField['type'] {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object' || x === null) ? 'set' : 'json';
  if (isObject(v)) return 'json';
  return 'string';
}
