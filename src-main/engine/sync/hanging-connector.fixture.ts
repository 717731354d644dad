/**
 * TEST FIXTURE (not shipped code): a connector stuck on a network. It wraps the real SQLite
 * connector of a connection; once `armed`, the calls named in `hang` never answer until their
 * signal aborts (a connector that honours the signal, as a fetch does) — or, with
 * `ignoreSignal`, never at all (a driver that cannot cancel a request).
 */
import type { ConnectionStore } from '../connections/service';
import type { CallOptions, Connector } from '../connectors/types';

export type HangingCall = 'describe' | 'changes' | 'read' | 'write';

export type HangingPlan = {
  hang: Set<HangingCall>;
  armed: boolean;
  ignoreSignal?: boolean;
  /** Calls that started hanging, and the reasons the ones that were aborted were aborted with. */
  started: HangingCall[];
  aborted: unknown[];
  /** Resolves when the first call starts hanging. */
  hanging: Promise<void>;
};

export function hangingPlan(hang: HangingCall[], over: Partial<Pick<HangingPlan, 'ignoreSignal' | 'armed'>> = {}): HangingPlan & { wrap: (svc: ConnectionStore) => ConnectionStore } {
  let resolveHanging = () => {};
  const plan: HangingPlan = { hang: new Set(hang), armed: false, started: [], aborted: [], hanging: new Promise<void>((r) => (resolveHanging = r)), ...over };
  /** Never answers; rejects when `signal` aborts, unless the plan ignores signals. */
  const stuck = (call: HangingCall, signal: AbortSignal | undefined): Promise<never> =>
    new Promise<never>((_resolve, reject) => {
      plan.started.push(call);
      resolveHanging();
      if (plan.ignoreSignal || !signal) return;
      const onAbort = () => {
        plan.aborted.push(signal.reason);
        reject(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  const hangs = (call: HangingCall) => plan.armed && plan.hang.has(call);
  const wrapConnector = (real: Connector): Connector => ({
    ...real,
    describe: (o?: CallOptions) => (hangs('describe') ? stuck('describe', o?.signal) : real.describe(o)),
    read: (c, ids, o) => (hangs('read') ? stuck('read', o?.signal) : real.read(c, ids, o)),
    write: (c, ops, o) => (hangs('write') ? stuck('write', o?.signal) : real.write(c, ops, o)),
    changes: (c, cursor, o) => {
      if (!hangs('changes')) return real.changes(c, cursor, o);
      return (async function* () {
        yield await stuck('changes', o.signal);
      })();
    },
  });
  return Object.assign(plan, { wrap: (svc: ConnectionStore): ConnectionStore => ({ ...svc, open: (id: string) => wrapConnector(svc.open(id)) }) });
}
