/**
 * The stand-in web app's data: contacts in memory, with the bookkeeping its quirks need — a
 * revision per record (ETag, version field), created/updated times on the app's own clock, a
 * log of deletes, and a "listed" copy of each record that lags API writes when the lag quirk is on.
 *
 * Two ways in, like a real app: the HTTP API (server.ts), whose writes may lag in lists, and the
 * app's own users (`app` in the handle), whose edits show at once.
 */

export type Address = { street?: string; city?: string; postcode?: string };
export type Contact = {
  id: string;
  /** Creation order: the list's default sort and its keyset. */
  seq: number;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  address?: Address;
  tags?: string[];
  createdAt: number;
  /** The app's last-modified time (ms); equals createdAt until the first edit. */
  updatedAt: number;
  /** Edited since it was created (the "updated-at null on create" quirk shows null until then). */
  edited: boolean;
  /** Bumped on every change: the ETag and the version field. */
  rev: number;
  archived: boolean;
};

export const PROPERTIES = ['name', 'email', 'phone', 'company', 'address', 'tags'] as const;
const ADDRESS_KEYS = ['street', 'city', 'postcode'] as const;

export class Invalid extends Error {}

/** Checks a write's properties as the app would (422 on anything it does not know). */
export function checkProperties(props: Record<string, unknown>, allowed: readonly string[]): void {
  for (const [k, v] of Object.entries(props)) {
    if (!allowed.includes(k)) throw new Invalid(`Unknown property "${k}". Contacts have: ${PROPERTIES.join(', ')}.`);
    if (k === 'address') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v)) throw new Invalid('Property "address" must be an object.');
      for (const [ak, av] of Object.entries(v)) {
        if (!(ADDRESS_KEYS as readonly string[]).includes(ak)) throw new Invalid(`Unknown property "address.${ak}". Addresses have: ${ADDRESS_KEYS.join(', ')}.`);
        if (av !== null && typeof av !== 'string') throw new Invalid(`Property "address.${ak}" must be text.`);
      }
    } else if (k === 'tags') {
      if (v !== null && !(Array.isArray(v) && v.every((t) => typeof t === 'string'))) throw new Invalid('Property "tags" must be a list of text.');
    } else if (k !== 'version' && k !== 'id' && v !== null && typeof v !== 'string') throw new Invalid(`Property "${k}" must be text.`);
  }
}

type Pending = { id: string; listed: Contact | null; visibleAt: number };

export type StoreOptions = { secondTimestamps: boolean; listLagCalls: number; deletedFlag: boolean };

export function createStore(opts: StoreOptions) {
  const current = new Map<string, Contact>();
  /** What lists show: equal to `current` except while an API write is lagging. */
  const listed = new Map<string, Contact>();
  const deletes: { id: string; at: number }[] = [];
  let pending: Pending[] = [];
  let seq = 0;
  let listCalls = 0;
  const stamp = (at?: string | number): number => {
    const ms = at === undefined ? Date.now() : typeof at === 'number' ? at : Date.parse(at);
    return opts.secondTimestamps ? Math.floor(ms / 1000) * 1000 : ms;
  };
  const copy = (c: Contact): Contact => ({ ...c, ...(c.address ? { address: { ...c.address } } : {}), ...(c.tags ? { tags: [...c.tags] } : {}) });

  /** `viaApi`: the write lags in lists when the quirk is on; an edit by the app's own users never does. */
  function publish(id: string, viaApi: boolean): void {
    const now = current.get(id);
    if (viaApi && opts.listLagCalls > 0) {
      pending.push({ id, listed: now ? copy(now) : null, visibleAt: listCalls + opts.listLagCalls + 1 });
      return;
    }
    pending = pending.filter((p) => p.id !== id);
    if (now) listed.set(id, copy(now));
    else listed.delete(id);
  }

  function apply(c: Contact, props: Record<string, unknown>, replace: boolean): void {
    if (replace) for (const k of PROPERTIES) delete c[k];
    for (const k of PROPERTIES) {
      if (!(k in props)) continue;
      const v = props[k];
      if (k === 'address') c.address = v === null ? {} : { ...(replace ? {} : c.address), ...(v as Address) };
      else if (k === 'tags') c.tags = v === null ? [] : [...(v as string[])];
      else c[k] = v as string | null;
    }
  }

  return {
    get: (id: string): Contact | undefined => current.get(id),
    ids: (): string[] => [...current.keys()],
    /** For a list request: counts the call and lets lagging writes through that have waited long enough. */
    listView(): Contact[] {
      listCalls++;
      const ready = pending.filter((p) => p.visibleAt <= listCalls);
      pending = pending.filter((p) => p.visibleAt > listCalls);
      for (const p of ready) {
        if (p.listed) listed.set(p.id, p.listed);
        else listed.delete(p.id);
      }
      return [...listed.values()].sort((a, b) => a.seq - b.seq);
    },
    deletedSince: (since: number) => deletes.filter((d) => d.at >= since),
    create(id: string, props: Record<string, unknown>, viaApi: boolean, at?: string): Contact {
      const t = stamp(at);
      const c: Contact = { id, seq: ++seq, createdAt: t, updatedAt: t, edited: false, rev: 1, archived: false };
      apply(c, props, false);
      current.set(id, c);
      publish(id, viaApi);
      return c;
    },
    update(id: string, props: Record<string, unknown>, viaApi: boolean, replace = false, at?: string): Contact {
      const c = current.get(id);
      if (!c) throw new Error(`no contact ${id}`);
      apply(c, props, replace);
      c.updatedAt = stamp(at);
      c.edited = true;
      c.rev++;
      publish(id, viaApi);
      return c;
    },
    remove(id: string, viaApi: boolean): void {
      const c = current.get(id);
      if (!c) return;
      const at = stamp();
      if (opts.deletedFlag) {
        c.archived = true;
        c.updatedAt = at;
        c.edited = true;
        c.rev++;
      } else current.delete(id);
      deletes.push({ id, at });
      publish(id, viaApi);
    },
    stats: () => ({ listCalls, lagging: pending.length }),
  };
}

export type Store = ReturnType<typeof createStore>;
