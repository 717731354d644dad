/**
 * The REST/JSON connector: a web app's collections as an app profile describes them.
 *
 * Change detection:
 * - hash: lists every record (complete on the last batch); deletes are found by absence, and a
 *   record flagged deleted counts as absent.
 * - cursor (when the list takes a modified-since parameter): lists what changed since the cursor's
 *   time, minus a look-back (the engine's, at least a second with whole-second timestamps, at
 *   least the list lag); the filter is inclusive, so records sharing the cursor's time are read
 *   again, which is harmless (PITFALLS 6). The cursor is the latest updated-at read, never later
 *   than the app's own clock (its Date header): a record stamped in the future is delivered and
 *   reported but does not move the cursor (PITFALLS 5). When pages do not come in updated-at
 *   order, the cursor moves only on the last batch. Deletes come from the deleted flag or the
 *   deleted-since endpoint when the profile has one.
 * Its change feed polls the modified-since list of cursor-mode collections (feed.ts).
 */
import type { CollectionInfo } from '../../api/model';
import { ConnectorError } from '../errors';
import type { AppRecord, ChangeBatch, ChangesOptions, Connector, Cursor, SecretHandle } from '../types';
import { throwIfAborted } from '../types';
import { endpointFor } from './endpoint';
import { appMessage, createHttp, type Http } from './http';
import { listPages, type ListSince } from './paging';
import { getPath } from './paths';
import type { CollectionProfile, Profile } from './profile';
import { unfilledMessage } from './placeholders';
import { createMapper, type Mapper } from './records';
import { recentWrites } from './recent-writes';
import { formatTime, resolutionMs } from './time-format';
import { writeOps } from './write';
import { ownRestWrites, pollRecords } from './feed';

export type RestConnectorOptions = {
  profile: Profile;
  secret: SecretHandle;
  /** Overrides the profile's base URL (a self-hosted app, a test server). */
  baseUrl?: string;
  maxWaitMs?: number;
  /** Test seam: called after each round of the change feed's polls. */
  polled?: () => void;
};

type Coll = { c: CollectionProfile; m: Mapper; scope: string; label: string };

/** The app's clock resolution is whole seconds (Date header): a time later than this is in the future. */
const FUTURE_SLACK_MS = 1000;


export function createRestConnector(opts: RestConnectorOptions): Connector {
  const { profile } = opts;
  const baseUrl = opts.baseUrl ?? profile.baseUrl;
  const http: Http = createHttp({ profile, baseUrl, secret: opts.secret, ...(opts.maxWaitMs !== undefined ? { maxWaitMs: opts.maxWaitMs } : {}) });
  const colls = new Map<string, Coll>(profile.collections.map((c) => [c.name, { c, m: createMapper(profile, c), scope: `${http.base} ${c.name}`, label: `${profile.name} (${c.label ?? c.name})` }]));

  /** Concord's own writes, which the change feed tells apart from the app's (feed.ts). */
  const own = ownRestWrites();

  // A shipped profile's `{databaseId}` left unfilled: no request goes out (placeholders.ts).
  const unfilled = unfilledMessage(profile, opts.baseUrl);
  const ready = (): void => {
    if (unfilled) throw new ConnectorError('config', unfilled);
  };

  const coll = (name: string): Coll => {
    ready();
    const found = colls.get(name);
    if (!found) throw new ConnectorError('not-found', `${profile.name} has no collection "${name}" in its profile: choose one of ${[...colls.keys()].join(', ')}.`);
    return found;
  };

  async function getOne(k: Coll, id: string, signal?: AbortSignal): Promise<AppRecord | null> {
    const a = await http.request('GET', endpointFor(k.c.get.path, id), { signal });
    if (a.status === 404 || a.status === 410) return null;
    if (a.status < 200 || a.status > 299) throw new ConnectorError(a.status >= 500 ? 'unavailable' : 'invalid', `${k.label}: reading record ${id} failed (${appMessage(a)}).`);
    const raw = getPath(a.body, k.c.get.record);
    if (k.m.isDeleted(raw)) return null;
    return k.m.toRecord(raw, a.headers.get('etag'));
  }

  function modes(c: CollectionProfile): CollectionInfo['changeDetection'] {
    return c.list.modifiedSince ? ['cursor', 'hash'] : ['hash'];
  }

  async function* changes(name: string, cursor: Cursor | null, options: ChangesOptions): AsyncIterable<ChangeBatch> {
    const k = coll(name);
    const { c, m } = k;
    const signal = options.signal;
    const pageSize = Math.max(1, Math.min(options.batchSize ?? c.list.pageSize, c.list.pageSize));
    const mode = options.mode === 'cursor' && c.list.modifiedSince ? 'cursor' : 'hash';
    if (options.mode !== mode) throw new ConnectorError('config', `${k.label} supports ${modes(c).join(' and ')} change detection, not ${options.mode}.`);
    const fromTs = mode === 'cursor' && cursor && typeof (cursor.value as { ts?: unknown } | null)?.ts === 'string' ? Date.parse((cursor.value as { ts: string }).ts) : null;
    const extra: Record<string, string> = {};
    let since: number | null = null;
    let listSince: ListSince = null;
    if (mode === 'cursor' && fromTs !== null && c.list.modifiedSince) {
      const format = c.list.modifiedSince.format ?? profile.timeFormat;
      const lookBackMs = Math.max((options.lookBackSeconds ?? 0) * 1000, c.quirks.secondTimestamps ? 1000 : 0, c.quirks.listLagSeconds * 1000, resolutionMs(format) > 1 ? resolutionMs(format) : 0);
      since = fromTs - lookBackMs;
      const value = formatTime(since, format);
      if (c.list.modifiedSince.param !== undefined) extra[c.list.modifiedSince.param] = value;
      // In a JSON body an epoch time is a number, as the app writes its own.
      else listSince = { body: format === 'epoch-seconds' || format === 'epoch-ms' ? Number(value) : value };
    }
    // Concord's own writes the list may not show yet: left out of pages, read by id at the end.
    const own = c.quirks.listLagSeconds > 0 ? recentWrites(k.scope) : new Set<string>();
    const startCursor: Cursor = { mode, value: fromTs === null ? null : { ts: new Date(fromTs).toISOString() } };
    let maxTs = fromTs;
    let serverNow: number | null = null;
    let total = 0;
    let pending: ChangeBatch | null = null;
    const cursorNow = (): Cursor => {
      if (mode === 'hash') return { mode, value: null };
      const capped = maxTs !== null && serverNow !== null ? Math.min(maxTs, serverNow) : maxTs;
      return capped === null ? startCursor : { mode, value: { ts: new Date(capped).toISOString() } };
    };

    for await (const page of listPages(http, c, extra, pageSize, signal, k.label, listSince)) {
      if (page.serverNow !== null) serverNow = Math.max(serverNow ?? 0, page.serverNow);
      for (let i = 0; i < page.records.length || (i === 0 && page.records.length === 0); i += pageSize) {
        const upserts: AppRecord[] = [];
        const deletes: string[] = [];
        const future: string[] = [];
        for (const raw of page.records.slice(i, i + pageSize)) {
          const id = m.idOf(raw);
          if (id === null) throw new ConnectorError('config', `${k.label}: a listed record has no id at "${c.id}". Check the profile's id path.`);
          if (own.has(id)) continue;
          const ts = m.stampOf(raw);
          const inFuture = ts !== null && serverNow !== null && ts > serverNow + FUTURE_SLACK_MS;
          if (ts !== null && !inFuture && (maxTs === null || ts > maxTs)) maxTs = ts;
          if (m.isDeleted(raw)) {
            if (mode === 'cursor') deletes.push(id);
            continue;
          }
          const rec = m.toRecord(raw);
          if (!rec) continue;
          upserts.push(rec);
          if (inFuture) future.push(id);
        }
        total += upserts.length;
        if (pending) yield pending;
        throwIfAborted(signal);
        // Pages in updated-at order let the cursor move page by page; otherwise only at the end.
        const cur = mode === 'cursor' && c.list.order !== 'updated-asc' ? startCursor : cursorNow();
        pending = { upserts, deletes, cursor: cur, ...(future.length ? { futureStamped: future } : {}) };
        if (page.records.length === 0) break;
      }
    }
    const last: ChangeBatch = pending ?? { upserts: [], deletes: [], cursor: startCursor };
    for (const id of own) {
      const rec = await getOne(k, id, signal);
      if (rec) {
        last.upserts.push(rec);
        total++;
      }
    }
    if (mode === 'cursor' && since !== null && c.deletes.kind === 'endpoint') last.deletes.push(...(await deletedSince(k, since, signal)));
    last.cursor = cursorNow();
    if (mode === 'hash') {
      last.complete = true;
      last.total = total;
    }
    yield last;
  }

  async function deletedSince(k: Coll, since: number, signal: AbortSignal): Promise<string[]> {
    const d = k.c.deletes;
    if (d.kind !== 'endpoint') return [];
    const a = await http.request('GET', d.path, { query: { [d.sinceParam]: formatTime(since, d.format ?? profile.timeFormat) }, signal });
    if (a.status < 200 || a.status > 299) throw new ConnectorError(a.status >= 500 ? 'unavailable' : 'config', `${k.label}: the deleted-since endpoint failed (${appMessage(a)}). Check deletes.path in the profile.`);
    const list = getPath(a.body, d.records);
    if (!Array.isArray(list)) throw new ConnectorError('config', `${k.label}: the deleted-since answer has no array at deletes.records ("${d.records}").`);
    return list.map((x) => getPath(x, d.id)).filter((x): x is string | number => typeof x === 'string' || typeof x === 'number').map(String);
  }

  /** The first page of a collection (the profile's "try it", and fields found for describe). */
  async function sample(k: Coll, signal?: AbortSignal): Promise<AppRecord[]> {
    for await (const page of listPages(http, k.c, {}, Math.min(k.c.list.pageSize, 20), signal, k.label)) {
      return page.records.filter((r) => !k.m.isDeleted(r)).map((r) => k.m.toRecord(r)).filter((r): r is AppRecord => r !== null);
    }
    return [];
  }

  return {
    async describe(options) {
      ready();
      const collections: CollectionInfo[] = [];
      for (const k of colls.values()) {
        const samples = k.c.fields.length > 0 ? [] : await sample(k, options?.signal);
        collections.push({
          name: k.c.name,
          fields: k.m.describeFields(samples),
          primaryKey: [k.m.idName],
          changeDetection: modes(k.c),
          ...(k.c.create && k.c.update && k.c.delete ? {} : { writable: { create: !!k.c.create, update: !!k.c.update, delete: !!k.c.delete } }),
        });
      }
      return { collections };
    },
    async test(options) {
      ready();
      for (const k of colls.values()) await sample(k, options?.signal);
    },
    changes,
    async read(name, ids, options) {
      const k = coll(name);
      const out: AppRecord[] = [];
      for (const id of ids) {
        throwIfAborted(options?.signal);
        const rec = await getOne(k, id, options?.signal);
        if (rec) out.push(rec);
      }
      return out;
    },
    async write(name, ops, options) {
      const k = coll(name);
      own.begin(name);
      try {
        const results = await writeOps({ http, c: k.c, m: k.m, label: k.label, scope: k.scope, getOne: (id, signal) => getOne(k, id, signal) }, ops, options?.signal);
        results.forEach((r, i) => {
          if (r.ok) own.note(name, r.id, ops[i]?.op === 'delete' ? null : r.updatedAt !== undefined ? Date.parse(r.updatedAt) : undefined);
        });
        return results;
      } finally {
        own.end(name);
      }
    },
    listen(onChange, signal, options) {
      return pollRecords({ http, profile, collections: [...colls.values()], own, ready, ...(opts.polled ? { polled: opts.polled } : {}) }, onChange, signal, options);
    },
    async close() {},
  };
}

export { createMapper };
