import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { postgresDefinition } from './index';
import { ownedByApp, usePg } from './postgres.fixture';

const { available, pg } = usePg();

/** Collects the process's MaxListenersExceededWarnings (Node emits them on the next tick). */
function maxListenerWarnings(): { seen: string[]; stop(): void } {
  const seen: string[] = [];
  const on = (w: Error) => {
    if (w.name === 'MaxListenersExceededWarning') seen.push(w.message);
  };
  process.on('warning', on);
  return { seen, stop: () => process.off('warning', on) };
}
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe.runIf(available)('postgres connector: abort listeners on a shared signal', () => {
  let stop = () => {};
  afterEach(() => stop());

  it('a batch of 500 pipelined writes on one signal adds one abort listener, not one per statement (no MaxListenersExceededWarning in PostgreSQL runs)', async () => {
    const db = await pg.database(`CREATE TABLE public.c (id int PRIMARY KEY, v text); ${ownedByApp(['public.c'])}`);
    const c = pg.connector(db);
    const w = maxListenerWarnings();
    stop = w.stop;
    const signal = new AbortController().signal;
    const res = await c.write('public.c', Array.from({ length: 500 }, (_, i) => ({ op: 'create' as const, key: String(i), fields: { id: i, v: `v${i}` } })), { signal });
    expect(res.every((r) => r.ok)).toBe(true);
    await nextTurn();
    expect(w.seen).toEqual([]);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('postgres LISTEN feed: a long outage', () => {
  it('retrying every few milliseconds against a closed port leaves no abort listener behind per attempt', async () => {
    // A port that refuses: bound, then closed.
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const c = postgresDefinition.create({ config: { host: '127.0.0.1', port, database: 'x', user: 'x' }, secret: memorySecretHandle('pw'), dataDir: '/tmp' });
    const ac = new AbortController();
    let attempts = 0;
    let reached: () => void = () => {};
    const twenty = new Promise<void>((r) => (reached = r));
    const feed = c.listen?.(() => {}, ac.signal, {
      retryMs: 1,
      onState: (s) => {
        if (s === 'reconnecting' && ++attempts === 20) reached();
      },
    });
    await twenty;
    expect(getEventListeners(ac.signal, 'abort').length).toBeLessThanOrEqual(1);
    ac.abort();
    await feed;
    await c.close();
  });
});
