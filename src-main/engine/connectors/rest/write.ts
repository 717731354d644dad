/**
 * Creates, updates and deletes, one request per op and one result per op (PITFALLS 14).
 *
 * Stale writes (PITFALLS 3): with ETags the op carries If-Match; with a version field the body
 * carries the expected version; an app with neither gets a read-and-compare just before the
 * write (narrows the window; cannot close it). 412 or 409 → 'stale'. A PUT (or an update the profile
 * marks `wholeRecord`) sends the whole record: the current one is read and the op's fields merged over it.
 *
 * An op that meets an expired credential or a rate limit stops the batch: it and every op after it
 * fail with that reason (none of them sent), so the engine refreshes or pauses and retries exactly
 * those. An abort mid-batch does the same with 'unavailable'; a pre-aborted call writes nothing.
 */
import { ConnectorError, errorMessage } from '../errors';
import type { AppRecord, WriteOp, WriteResult } from '../types';
import { throwIfAborted } from '../types';
import { appMessage, RateLimitedError, type Http, type HttpAnswer } from './http';
import { endpointFor } from './endpoint';
import { getPath } from './paths';
import type { CollectionProfile } from './profile';
import type { Mapper } from './records';
import { noteWrite } from './recent-writes';

export type WriteDeps = { http: Http; c: CollectionProfile; m: Mapper; label: string; scope: string; getOne(id: string, signal?: AbortSignal): Promise<AppRecord | null> };

type Fail = Extract<WriteResult, { ok: false }>;
const fail = (reason: Fail['reason'], error: string, retryAfterMs?: number): Fail => ({ ok: false, reason, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

function failed(d: WriteDeps, a: HttpAnswer, what: string, id?: string): Fail {
  const msg = `${d.label}: ${what}${id ? ` ${id}` : ''} failed (${appMessage(a)}).`;
  if (a.status === 412 || (a.status === 409 && what !== 'create')) return fail('stale', `${msg} It changed in the app since Concord read it.`);
  if (a.status === 404 || a.status === 410) return fail('not-found', msg);
  if (a.status >= 500) return fail('unavailable', msg);
  return fail('invalid', msg);
}

const ok = (rec: AppRecord): WriteResult => ({ ok: true, id: rec.id, ...(rec.version !== undefined ? { version: rec.version } : {}), ...(rec.updatedAt !== undefined ? { updatedAt: rec.updatedAt } : {}) });

async function writeOne(d: WriteDeps, op: WriteOp, signal: AbortSignal | undefined): Promise<WriteResult> {
  const { http, c, m } = d;
  const path = endpointFor;
  /** The record a write answered with, or read back when the answer lacks it. */
  const result = async (a: HttpAnswer, id: string | null): Promise<WriteResult> => {
    const raw = getPath(a.body, op.op === 'create' ? (c.create?.record ?? '$') : (c.update?.record ?? '$'));
    let rec = c.quirks.writeAnswerWithoutRecord ? null : m.toRecord(raw, a.headers.get('etag'));
    // A version the answer lacks (an etag only a GET gives) is read too: the engine keeps it for the next stale check.
    const needsRead = !rec || (c.concurrency.kind !== 'none' && rec.version === undefined) || (c.updatedAt !== undefined && m.stampOf(raw) === null && !c.quirks.updatedAtNullOnCreate);
    const readId = rec?.id ?? m.idOf(raw) ?? id ?? idFromLocation(a.headers.get('location'));
    if (needsRead && readId) rec = (await d.getOne(readId, signal)) ?? rec;
    if (!rec) return fail('invalid', `${d.label}: the app answered ${a.status} but Concord could not find the written record's id in the answer (check ${op.op}.record in the profile).`);
    noteWrite(d.scope, rec.id, c.quirks.listLagSeconds);
    return ok(rec);
  };

  if (op.op === 'create') {
    if (!c.create) return fail('invalid', `${d.label}: the profile has no create endpoint, so Concord cannot add records here.`);
    const fields = m.writable(op.fields, 'create');
    const a = await http.request(c.create.method, c.create.path, { body: m.body(c.create.body, fields, {}), signal });
    if (a.status >= 200 && a.status < 300) return result(a, null);
    return failed(d, a, 'create');
  }

  if (op.op === 'update') {
    if (!c.update) return fail('invalid', `${d.label}: the profile has no update endpoint, so Concord cannot change records here.`);
    const fields = m.writable(op.fields, 'update');
    let base: Record<string, unknown> | undefined;
    const whole = c.update.method === 'PUT' || c.update.wholeRecord;
    if (whole || (op.ifVersion !== undefined && c.concurrency.kind === 'none')) {
      const current = await d.getOne(op.id, signal);
      if (!current) return fail('not-found', `${d.label}: record ${op.id} no longer exists.`);
      if (op.ifVersion !== undefined && c.concurrency.kind === 'none' && current.version !== op.ifVersion) return fail('stale', `${d.label}: record ${op.id} changed in the app since Concord read it.`);
      if (whole) base = current.fields;
    }
    const headers: Record<string, string> = c.concurrency.kind === 'etag' && op.ifVersion !== undefined ? { 'if-match': op.ifVersion } : {};
    const body = m.body(c.update.body, fields, { id: op.id, ...(op.ifVersion !== undefined ? { version: op.ifVersion } : {}), ...(base ? { base } : {}) });
    const a = await http.request(c.update.method, path(c.update.path, op.id), { body, headers, signal });
    if (a.status >= 200 && a.status < 300) return result(a, op.id);
    return failed(d, a, 'update', op.id);
  }

  if (!c.delete) return fail('invalid', `${d.label}: the profile has no delete endpoint, so Concord cannot delete records here.`);
  if (op.ifVersion !== undefined && c.concurrency.kind !== 'etag') {
    // A version field cannot ride on a DELETE: compare just before instead.
    const current = await d.getOne(op.id, signal);
    if (!current) return fail('not-found', `${d.label}: record ${op.id} no longer exists.`);
    if (current.version !== op.ifVersion) return fail('stale', `${d.label}: record ${op.id} changed in the app since Concord read it.`);
  }
  const headers: Record<string, string> = c.concurrency.kind === 'etag' && op.ifVersion !== undefined ? { 'if-match': op.ifVersion } : {};
  const a = await http.request(c.delete.method, path(c.delete.path, op.id), { headers, signal });
  if (a.status >= 200 && a.status < 300) {
    noteWrite(d.scope, op.id, c.quirks.listLagSeconds);
    return { ok: true, id: op.id };
  }
  return failed(d, a, 'delete', op.id);
}

function idFromLocation(location: string | null): string | null {
  if (!location) return null;
  const last = location.split('?')[0]?.split('/').filter(Boolean).at(-1);
  return last ? decodeURIComponent(last) : null;
}

export async function writeOps(d: WriteDeps, ops: WriteOp[], signal: AbortSignal | undefined): Promise<WriteResult[]> {
  throwIfAborted(signal);
  const results: WriteResult[] = [];
  let stop: Fail | null = null;
  for (const op of ops) {
    if (!stop && signal?.aborted) stop = fail('unavailable', `${d.label}: the write was cancelled before this record was sent.`);
    if (stop) {
      results.push(stop);
      continue;
    }
    try {
      results.push(await writeOne(d, op, signal));
    } catch (e) {
      let r: Fail;
      if (e instanceof RateLimitedError) r = fail('rate-limited', e.message, e.retryAfterMs);
      else if (e instanceof ConnectorError && e.reason === 'auth') r = fail('auth', e.message);
      else if (e instanceof Error && e.message.includes('cannot both be written')) {
        results.push(fail('invalid', `${d.label}: ${e.message}`));
        continue;
      } else if (e instanceof ConnectorError && e.reason !== 'unavailable') {
        results.push(fail(e.reason === 'not-found' ? 'not-found' : 'invalid', e.message));
        continue;
      } else r = fail('unavailable', signal?.aborted ? `${d.label}: the write was cancelled; this record may or may not have been written.` : `${d.label}: ${errorMessage(e)}`);
      // The op that met it and every op after it: not sent (the engine retries them as a group).
      results.push(r);
      stop = r;
    }
  }
  return results;
}
