/**
 * Writes to one address book, one request per op, every one conditional:
 * - update: the card is read, the changed fields are written into its own text (every property
 *   and parameter Concord does not map is kept), and PUT with `If-Match` on the version the
 *   engine read (or, without one, on the ETag just read). A 412 is 'stale' — never an overwrite:
 *   the engine re-reads and compares against the base. Without an expected version, a card the
 *   app changed between our GET and PUT is read again and the write tried again (a few times).
 * - create: PUT with `If-None-Match: *` on a name and UID derived from the idempotency key (or
 *   the name given in `id`). A 412 means the card exists: Concord's own earlier create when its
 *   UID is the key's (the answer is that card), else another card of that name ('invalid').
 * - delete: DELETE with `If-Match` when the engine gives a version.
 * Radicale answers 201 to an update as well as to a create: any 2xx is success.
 */
import { ConnectorError, errorMessage } from '../errors';
import type { WriteOp, WriteResult } from '../types';
import { parseVcard, writeVcard, VcardError } from '../vcard/codec';
import type { BookClient } from './client';
import { RateLimitedError } from './http';
import { badName, createIdentity, ID_FIELD } from './records';

type Failure = Extract<WriteResult, { ok: false }>;
const fail = (reason: NonNullable<Failure['reason']>, error: string): Failure => ({ ok: false, reason, error });

/** Tries of an update without an expected version that keeps meeting a card changed under it. */
const UPDATE_TRIES = 3;

const withoutId = (fields: Record<string, unknown>): Record<string, unknown> => {
  const { [ID_FIELD]: _id, ...rest } = fields;
  return rest;
};

/** A failure the server gave a write, in words for the user. */
function refused(status: number, text: string, what: string): Failure {
  const detail = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  if (status === 409 && /uid-conflict/.test(text)) return fail('invalid', `${what}: another card in the address book has the same UID (HTTP 409 no-uid-conflict).`);
  if (status >= 500) return fail('unavailable', `${what}: the CardDAV server failed (HTTP ${status})${detail ? `: ${detail}` : ''}; Concord tries again later.`);
  if (status === 403) return fail('invalid', `${what}: the CardDAV server refused it (HTTP 403) — the user may not write this address book${detail ? `: ${detail}` : ''}.`);
  return fail('invalid', `${what}: the CardDAV server refused the card (HTTP ${status})${detail ? `: ${detail}` : ''}.`);
}

export function cardWriter(client: BookClient, book: string) {
  /** The ETag a 2xx PUT answered, or (for a server that sends none) the one the card has now. */
  const etagAfter = async (name: string, etag: string | null, signal: AbortSignal | undefined): Promise<string | undefined> => etag ?? (await client.get(name, signal))?.etag ?? undefined;

  async function create(op: Extract<WriteOp, { op: 'create' }>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const derived = createIdentity(op.key);
    const given = op.fields[ID_FIELD];
    const name = typeof given === 'string' && given !== '' ? given : derived.name;
    const bad = badName(name);
    if (bad) return fail('invalid', `Cannot create the card: ${bad}.`);
    let body: string;
    try {
      body = writeVcard(withoutId(op.fields), { uid: derived.uid, version: '3.0' });
    } catch (error) {
      if (error instanceof VcardError) return fail('invalid', `Cannot create the card “${name}”: ${error.message}`);
      throw error;
    }
    const put = await client.put(name, body, { ifNoneMatch: true }, signal);
    if (put.status >= 200 && put.status < 300) {
      const version = await etagAfter(name, put.etag, signal);
      return { ok: true, id: name, ...(version ? { version } : {}) };
    }
    if (put.status === 412) {
      // The name is taken: by this very create, repeated (a retry after a lost answer), or by another card.
      const existing = await client.get(name, signal);
      if (existing && uidOf(existing.body) === derived.uid) return { ok: true, id: name, version: existing.etag };
      return fail('invalid', `Cannot create the card “${name}”: address book ${book} already has another card of that name.`);
    }
    return refused(put.status, put.text, `Creating the card “${name}”`);
  }

  async function update(op: Extract<WriteOp, { op: 'update' }>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const given = op.fields[ID_FIELD];
    if (given !== undefined && given !== op.id) return fail('invalid', `A card’s name cannot change (“${op.id}” → “${String(given)}”): map another field, or leave the id to the app.`);
    for (let attempt = 1; ; attempt++) {
      const current = await client.get(op.id, signal);
      if (!current) return fail('not-found', `The card “${op.id}” no longer exists in address book ${book}.`);
      let body: string;
      try {
        const uid = uidOf(current.body) ?? createIdentity(op.id).uid;
        body = writeVcard(withoutId(op.fields), { uid, original: current.body });
      } catch (error) {
        if (error instanceof VcardError) return fail('invalid', `Cannot update the card “${op.id}”: ${error.message}`);
        throw error;
      }
      const put = await client.put(op.id, body, { ifMatch: op.ifVersion ?? current.etag }, signal);
      if (put.status >= 200 && put.status < 300) {
        const version = await etagAfter(op.id, put.etag, signal);
        return { ok: true, id: op.id, ...(version ? { version } : {}) };
      }
      if (put.status === 404) return fail('not-found', `The card “${op.id}” no longer exists in address book ${book}.`);
      if (put.status === 412) {
        if (op.ifVersion !== undefined || attempt >= UPDATE_TRIES) return fail('stale', `The card “${op.id}” changed in address book ${book} since Concord read it; it will be re-read and compared.`);
        continue;
      }
      return refused(put.status, put.text, `Updating the card “${op.id}”`);
    }
  }

  async function remove(op: Extract<WriteOp, { op: 'delete' }>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const res = await client.delete(op.id, op.ifVersion, signal);
    if (res.status >= 200 && res.status < 300) return { ok: true, id: op.id };
    if (res.status === 404 || res.status === 410) return fail('not-found', `The card “${op.id}” no longer exists in address book ${book}.`);
    if (res.status === 412) return fail('stale', `The card “${op.id}” changed in address book ${book} since Concord read it; it was not deleted.`);
    return refused(res.status, '', `Deleting the card “${op.id}”`);
  }

  /**
   * One result per op. A transport failure (network, 401, rate limit, abort) before anything was
   * sent throws; after, it is the result of the op it hit and of every op not tried yet — the
   * engine journals each op by its result, and the server is not asked again in this call.
   */
  return async function write(ops: WriteOp[], signal: AbortSignal | undefined): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const op of ops) {
      if (signal?.aborted) {
        if (results.length === 0) throw signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');
        results.push(fail('unavailable', 'Not written: the write was cancelled.'));
        continue;
      }
      try {
        results.push(op.op === 'create' ? await create(op, signal) : op.op === 'update' ? await update(op, signal) : await remove(op, signal));
      } catch (error) {
        if (results.length === 0) throw error;
        const why = transportFailure(error, signal);
        while (results.length < ops.length) results.push(why);
      }
    }
    return results;
  };
}

function transportFailure(error: unknown, signal: AbortSignal | undefined): Failure {
  if (error instanceof RateLimitedError) return { ok: false, reason: 'rate-limited', error: error.message, retryAfterMs: error.retryAfterMs };
  if (error instanceof ConnectorError && error.reason === 'auth') return fail('auth', error.message);
  if (signal?.aborted) return fail('unavailable', 'Not known to be written: the write was cancelled while the server was answering; the next run checks.');
  return fail('unavailable', error instanceof ConnectorError ? error.message : `The CardDAV server could not be reached: ${errorMessage(error)}`);
}

function uidOf(body: string): string | null {
  try {
    return parseVcard(body).uid;
  } catch {
    return null;
  }
}
