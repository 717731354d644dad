/**
 * Main's side of the engine process: starts `out/main/engine.js` in a utilityProcess, relays
 * `invoke` calls with a request id and a timeout, hands engine events on, and stops it on quit.
 *
 * Invariants:
 * - Every `invoke` settles exactly once with an ApiResponse — a result, a timeout, or "the engine
 *   stopped" — never a rejection, so the renderer always gets an envelope.
 * - A crashed engine is started again by the next `invoke` (its store is crash-safe: SQLite plus
 *   the journal); calls in flight when it died get `unavailable`.
 * - `shutdown` asks politely (`shutdown` → `closed`) and kills only after the timeout, so the
 *   engine can commit its last transaction.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { ApiMethod, ApiResponse } from '../engine/api/contract';
import type { EngineEvent, EngineToMain, MainToEngine } from '../engine/process-protocol';

export type EngineProcessOptions = {
  modulePath: string;
  dataDir: string;
  /** better-sqlite3 built for Electron (scripts/build-electron-native.sh), handed to the engine; absent in a packaged app rebuilt in place. */
  sqliteBinding?: string;
  /** How long one call may take before the renderer gets a timeout error. */
  invokeTimeoutMs?: number;
  /** How long the engine may take to open its store and say `ready`. */
  startTimeoutMs?: number;
  /** How long `shutdown` waits for `closed` before it kills the process. */
  shutdownTimeoutMs?: number;
  log?: (message: string, error?: unknown) => void;
};

type Pending = { resolve: (response: ApiResponse<ApiMethod>) => void; timer: NodeJS.Timeout };
type Running = { child: UtilityProcess; ready: Promise<boolean>; closed: Promise<void> };

const unavailable = (message: string): ApiResponse<ApiMethod> => ({ ok: false, error: { code: 'unavailable', message } });

export function createEngineProcess(options: EngineProcessOptions) {
  const invokeTimeoutMs = options.invokeTimeoutMs ?? 120_000;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[main] ${message}`, error ?? ''));
  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: EngineEvent) => void>();
  let nextId = 1;
  let running: Running | null = null;
  let stopping = false;
  /** Why the last engine could not start, in its own words: shown instead of a bare timeout. */
  let startFailure: string | null = null;

  const settle = (id: number, response: ApiResponse<ApiMethod>): void => {
    const call = pending.get(id);
    if (!call) return; // already timed out: a late answer is dropped
    pending.delete(id);
    clearTimeout(call.timer);
    call.resolve(response);
  };

  const start = (): Running => {
    if (running) return running;
    const child = utilityProcess.fork(options.modulePath, ['--data-dir', options.dataDir], {
      serviceName: 'Concord engine',
      ...(options.sqliteBinding ? { env: { ...process.env, CONCORD_SQLITE_BINDING: options.sqliteBinding } } : {}),
    });
    let onReady: (ok: boolean) => void = () => undefined;
    let onClosed: () => void = () => undefined;
    const ready = new Promise<boolean>((resolve) => (onReady = resolve));
    const closed = new Promise<void>((resolve) => (onClosed = resolve));
    const startTimer = setTimeout(() => onReady(false), startTimeoutMs);
    child.on('message', (message: unknown) => {
      if (!isEngineToMain(message)) {
        log('ignored a malformed message from the engine', message);
        return;
      }
      switch (message.type) {
        case 'ready':
          clearTimeout(startTimer);
          startFailure = null;
          onReady(true);
          return;
        case 'failed':
          clearTimeout(startTimer);
          startFailure = message.message;
          log(message.message);
          onReady(false);
          return;
        case 'result':
          settle(message.id, message.response);
          return;
        case 'event': {
          const { type: _type, ...event } = message;
          for (const listener of listeners) listener(event);
          return;
        }
        case 'closed':
          onClosed();
          return;
      }
    });
    child.on('exit', (code: number) => {
      clearTimeout(startTimer);
      onReady(false);
      onClosed();
      if (running?.child === child) running = null;
      if (!stopping) log(`the engine process exited unexpectedly (code ${code}); the next request starts it again`);
      for (const id of [...pending.keys()]) {
        settle(id, unavailable(`The Concord engine stopped (exit code ${code}) before it answered. Try again; if it keeps happening, see the log.`));
      }
    });
    running = { child, ready, closed };
    return running;
  };

  return {
    start(): void {
      if (!stopping) start();
    },

    async invoke(method: string, args: unknown): Promise<ApiResponse<ApiMethod>> {
      if (stopping) return unavailable('Concord is shutting down; the request was not run.');
      const engine = start();
      if (!(await engine.ready)) {
        return unavailable(startFailure ?? `The Concord engine did not start within ${startTimeoutMs / 1000} s. Restart Concord; if it keeps happening, see the log.`);
      }
      const id = nextId++;
      return new Promise<ApiResponse<ApiMethod>>((resolve) => {
        const timer = setTimeout(
          () => settle(id, unavailable(`The Concord engine did not answer ${method} within ${invokeTimeoutMs / 1000} s. It may still be working; check again shortly.`)),
          invokeTimeoutMs,
        );
        pending.set(id, { resolve, timer });
        const message: MainToEngine = { type: 'invoke', id, method, args };
        engine.child.postMessage(message);
      });
    },

    /** Every engine event, in order; returns the unsubscribe function. */
    onEvent(listener: (event: EngineEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Resolves `clean: true` when the engine confirmed `closed`, `false` when it had to be killed. */
    async shutdown(): Promise<{ clean: boolean }> {
      stopping = true;
      const engine = running;
      if (!engine) return { clean: true };
      const message: MainToEngine = { type: 'shutdown' };
      engine.child.postMessage(message);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs)));
      const outcome = await Promise.race([engine.closed.then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        log(`the engine did not close within ${shutdownTimeoutMs / 1000} s; killing it`);
        engine.child.kill();
      }
      return { clean: outcome === 'closed' };
    },
  };
}

export type EngineProcess = ReturnType<typeof createEngineProcess>;

/** Narrows an untrusted message from the engine process: main must not crash on garbage. */
export function isEngineToMain(message: unknown): message is EngineToMain {
  if (typeof message !== 'object' || message === null) return false;
  const m: { type?: unknown; id?: unknown; event?: unknown; response?: unknown } = message;
  switch (m.type) {
    case 'ready':
    case 'closed':
      return true;
    case 'failed':
      return typeof (message as { message?: unknown }).message === 'string';
    case 'result':
      return typeof m.id === 'number' && typeof m.response === 'object' && m.response !== null;
    case 'event':
      return typeof m.event === 'string';
    default:
      return false;
  }
}
