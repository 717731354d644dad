/**
 * Capabilities declare limits and the engine honours them (issue 10): ids per read, page size,
 * write batch and the request budget — no longer a fixed 200 ids per read.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorCapabilities } from '../api/model';
import { requestBudget, type Clock } from '../connections/request-budget';
import type { ChangesOptions, Connector, WriteOp } from '../connectors/types';
import { unpooledLease } from './runner';
import { createSideIo, READ_CHUNK } from './side-io';

/** TEST FIXTURE: a connector that records the size of every call and answers with empty results. */
function recordingConnectorFixture() {
  const log = { reads: [] as number[], writes: [] as number[], pages: [] as (number | undefined)[] };
  const connector: Connector = {
    describe: async () => ({ collections: [] }),
    test: async () => undefined,
    async *changes(_c: string, _cursor, o: ChangesOptions) {
      log.pages.push(o.batchSize);
      yield { upserts: [], deletes: [], cursor: { mode: o.mode, value: null }, complete: true };
    },
    read: async (_c, ids) => {
      log.reads.push(ids.length);
      return [];
    },
    write: async (_c, ops) => {
      log.writes.push(ops.length);
      return ops.map((_o, i) => ({ ok: true as const, id: String(i) }));
    },
    close: async () => undefined,
  };
  return { connector, log };
}

const side = (capabilities: Partial<ConnectorCapabilities>, connector: Connector, clock?: Clock) => {
  const caps: ConnectorCapabilities = { changeDetection: ['hash'], deletes: 'by-scan', optimisticWrites: false, ...capabilities };
  return createSideIo({ side: 'left', label: 'CRM (contacts)', collection: 'contacts', mode: 'hash', capabilities: caps, acquire: () => unpooledLease(() => connector), ...(clock ? { budget: requestBudget(caps, clock) } : {}) });
};
const ids = (n: number) => Array.from({ length: n }, (_, i) => `id${i}`);
const creates = (n: number): WriteOp[] => Array.from({ length: n }, (_, i) => ({ op: 'create', key: `k${i}`, fields: {} }));

describe('capabilities declare limits; the engine honours them', () => {
  it('ids per read come from maxIdsPerRead, 200 when the connector declares none', async () => {
    const a = recordingConnectorFixture();
    await side({ maxIdsPerRead: 7 }, a.connector).readByIds(ids(20));
    expect(a.log.reads).toEqual([7, 7, 6]);
    const b = recordingConnectorFixture();
    await side({}, b.connector).readByIds(ids(450));
    expect(READ_CHUNK).toBe(200);
    expect(b.log.reads).toEqual([200, 200, 50]);
  });

  it('write batches come from writeBatch; the page size of changes from readBatch', async () => {
    const a = recordingConnectorFixture();
    const io = side({ writeBatch: 4, readBatch: 25 }, a.connector);
    await io.write(creates(10), () => undefined);
    expect(a.log.writes).toEqual([4, 4, 2]);
    await io.readChanges(null, true, undefined, () => undefined);
    expect(a.log.pages).toEqual([25]);
  });

  it('requestsPerSecond: the side spaces its calls to fit (token bucket on an injected clock)', async () => {
    const a = recordingConnectorFixture();
    const slept: number[] = [];
    const clock: Clock = { now: () => 0, sleep: async (ms) => void slept.push(ms) };
    const io = side({ requestsPerSecond: 5, maxIdsPerRead: 10 }, a.connector, clock);
    await io.readByIds(ids(30));
    expect(a.log.reads).toEqual([10, 10, 10]);
    expect(slept).toEqual([200, 400]);
  });
});
