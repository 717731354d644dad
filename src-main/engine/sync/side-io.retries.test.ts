/**
 * Issue 12 §3, "network errors and timeouts are retried": a call that fails 'unavailable' (the
 * network, a 5xx) is tried again on a new connector, with backoff, a bounded number of times,
 * before the record or the run fails. A create is never sent twice (its outcome is unknown: the
 * journal finds it, PITFALLS 15); an app's refusal is never retried.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorCapabilities } from '../api/model';
import { ConnectorError } from '../connectors/errors';
import type { AppRecord, ChangeBatch, Connector, WriteOp, WriteResult } from '../connectors/types';
import { unpooledLease } from './runner';
import { createSideIo, type StreamEnd } from './side-io';
import { transientBackoffMs } from './transient-retries';

const down = () => new ConnectorError('unavailable', 'Could not reach the app (ECONNRESET).');
const rec = (id: string): AppRecord => ({ id, fields: { name: id } });

/** TEST FIXTURE: a connector whose calls fail 'unavailable' as `failures` says, counting connectors opened and calls made. */
function flakyConnectorFixture(failures: { read?: number; pagesAfterFirst?: number; write?: (op: WriteOp, attempt: number) => WriteResult | null }) {
  const log = { opened: 0, reads: 0, streams: 0, writes: [] as string[][] };
  const attempts = new Map<string, number>();
  const make = (): Connector => {
    log.opened++;
    return {
      describe: async () => ({ collections: [] }),
      test: async () => undefined,
      async *changes(_c, cursor): AsyncGenerator<ChangeBatch> {
        const pass = log.streams++;
        yield { upserts: [rec('a'), rec('b')], deletes: [], cursor: { mode: 'cursor', value: `${String(cursor?.value ?? '')}1` } };
        if (pass < (failures.pagesAfterFirst ?? 0)) throw down();
        yield { upserts: [rec('c')], deletes: [], cursor: { mode: 'cursor', value: 'end' }, complete: true };
      },
      read: async (_c, ids) => {
        if (log.reads++ < (failures.read ?? 0)) throw down();
        return ids.map(rec);
      },
      write: async (_c, ops) => {
        log.writes.push(ops.map((o) => (o.op === 'create' ? `create ${o.key}` : `${o.op} ${o.id}`)));
        return ops.map((op) => {
          const key = op.op === 'create' ? op.key : op.id;
          const n = attempts.get(key) ?? 0;
          attempts.set(key, n + 1);
          return failures.write?.(op, n) ?? { ok: true, id: op.op === 'create' ? `new-${op.key}` : op.id };
        });
      },
      close: async () => undefined,
    };
  };
  return { make, log };
}

const caps: ConnectorCapabilities = { changeDetection: ['cursor'], deletes: 'by-scan', optimisticWrites: false };
const side = (make: () => Connector, signal?: AbortSignal) =>
  createSideIo({ side: 'right', label: 'Web app (contacts)', collection: 'contacts', mode: 'cursor', capabilities: caps, acquire: () => unpooledLease(make), retries: { retries: 3, baseMs: 1 }, ...(signal ? { signal } : {}) });

describe('network errors and timeouts are retried (issue 12 §3)', () => {
  it('a read that fails "unavailable" twice succeeds on its third attempt, each on a new connector', async () => {
    const f = flakyConnectorFixture({ read: 2 });
    const got = await side(f.make).readByIds(['x', 'y']);
    expect([...got.keys()]).toEqual(['x', 'y']);
    expect(f.log.reads).toBe(3);
    expect(f.log.opened).toBe(3);
  });

  it('a read that keeps failing fails after a bounded number of attempts (1 + 3), with the error it met', async () => {
    const f = flakyConnectorFixture({ read: 100 });
    await expect(side(f.make).readByIds(['x'])).rejects.toThrow(/ECONNRESET/);
    expect(f.log.reads).toBe(4);
  });

  it('a refusal of the app (invalid) is not retried', async () => {
    let reads = 0;
    const make = (): Connector => ({ ...flakyConnectorFixture({}).make(), read: async () => {
      reads++;
      throw new ConnectorError('invalid', 'The app refused the filter (400).');
    } });
    await expect(side(make).readByIds(['x'])).rejects.toThrow(/400/);
    expect(reads).toBe(1);
  });

  it('a stream that breaks mid-read starts again from the same cursor; records are not counted twice', async () => {
    const f = flakyConnectorFixture({ pagesAfterFirst: 2 });
    const end: StreamEnd = { cursor: null, complete: false, total: null };
    const ids: string[] = [];
    let counted = 0;
    for await (const b of side(f.make).stream({ mode: 'cursor', value: 'c0' }, false, new AbortController().signal, end)) {
      ids.push(...b.upserts.map((r) => r.id));
      counted += b.counted;
    }
    expect(f.log.streams).toBe(3);
    expect(ids).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'c']);
    expect(counted).toBe(3);
    expect(end.cursor).toEqual({ mode: 'cursor', value: 'end' });
  });

  it('a write: an update and a delete lost to the network are sent again (a delete that had landed is done); a create is not sent twice', async () => {
    const f = flakyConnectorFixture({
      write: (op, attempt) => {
        if (op.op === 'create') return { ok: false, reason: 'unavailable', error: 'reset after the app took it' };
        if (attempt === 0) return { ok: false, reason: 'unavailable', error: 'socket hang up' };
        if (op.op === 'delete') return { ok: false, reason: 'not-found', error: 'gone' };
        return null;
      },
    });
    const results: WriteResult[] = [];
    await side(f.make).write(
      [
        { op: 'create', key: 'k1', fields: {} },
        { op: 'update', id: 'u1', fields: {} },
        { op: 'delete', id: 'd1' },
      ],
      (_from, r) => results.push(...r),
    );
    expect(results).toEqual([
      { ok: false, reason: 'unavailable', error: 'reset after the app took it' },
      { ok: true, id: 'u1' },
      { ok: true, id: 'd1' },
    ]);
    expect(f.log.writes).toEqual([['create k1', 'update u1', 'delete d1'], ['update u1', 'delete d1']]);
  });

  it('backoff grows exponentially with ±50 % jitter', () => {
    expect(transientBackoffMs(0, 200, () => 0.5)).toBe(200);
    expect(transientBackoffMs(2, 200, () => 0.5)).toBe(800);
    expect(transientBackoffMs(2, 200, () => 0)).toBe(400);
    expect(transientBackoffMs(2, 200, () => 0.999)).toBeLessThan(1200);
  });
});
