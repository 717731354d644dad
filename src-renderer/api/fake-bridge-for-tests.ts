import type { ApiArgs, ApiMethod, ApiResponse, ApiResult, ConcordBridge, EventName, Events } from '../../src-main/engine/api/contract';
import { ApiCallError } from './call';

/** A handler may return a value, or throw an ApiCallError to answer with an error envelope. */
export type FakeHandlers = { [M in ApiMethod]?: (args: ApiArgs<M>) => ApiResult<M> | Promise<ApiResult<M>> };

export type FakeBridge = ConcordBridge & {
  /** Every call made, in order. */
  calls: { method: ApiMethod; args: unknown }[];
  /** Pushes an engine event to the subscribers, as the real transports do. */
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  handlers: FakeHandlers;
  listenerCount(): number;
};

/**
 * A stand-in for the engine, for store and component tests only: the engine cannot run inside a
 * DOM test. A method the test gave no handler answers `unavailable` (the real engine serves every
 * method; a test that forgot one sees the error in the UI). The real transports are tested
 * against the real engine: src-main/engine/server/browser-transport.test.ts and the e2e suite.
 */
export function fakeBridgeForTests(handlers: FakeHandlers = {}): FakeBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: { method: ApiMethod; args: unknown }[] = [];
  return {
    calls,
    handlers,
    async invoke<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResponse<M>> {
      calls.push({ method, args });
      const handler: ((a: ApiArgs<M>) => ApiResult<M> | Promise<ApiResult<M>>) | undefined = handlers[method];
      if (!handler) return { ok: false, error: { code: 'unavailable', message: `${method} is not available yet.` } };
      try {
        return { ok: true, value: await handler(args) };
      } catch (error) {
        if (error instanceof ApiCallError) return { ok: false, error: { code: error.code, message: error.message, issues: error.issues } };
        return { ok: false, error: { code: 'internal', message: String(error) } };
      }
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      const wrapped = (payload: unknown): void => listener(payload as Events[E]);
      const set = listeners.get(event) ?? new Set();
      set.add(wrapped);
      listeners.set(event, set);
      return () => set.delete(wrapped);
    },
    emit<E extends EventName>(event: E, payload: Events[E]): void {
      listeners.get(event)?.forEach((l) => l(payload));
    },
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}
