/**
 * The messages between Electron main and the engine process. Type-only; both ends import it.
 *
 * Main starts `out/main/engine.js` with
 * `utilityProcess.fork(path, ['--data-dir', app.getPath('userData')], { serviceName: 'Concord engine' })`
 * (the same entry runs under plain Node with `process.send`). Every message is structured-cloneable
 * plain data: no functions, no class instances.
 *
 * Lifecycle: the engine sends `ready` once its store is open; main sends `invoke` only after it;
 * on quit main sends `shutdown` and the engine answers `closed` after its last write is committed
 * and the database is closed. Main kills the process only if `closed` does not come in time.
 */
import type { ApiMethod, ApiResponse, EventName, Events } from './api/contract';

/** Run one API method. `id` is unique per main process lifetime; the answer carries it back. */
export type InvokeMessage = {
  type: 'invoke';
  id: number;
  /** Untrusted until the engine's dispatcher has checked it against the schema table. */
  method: string;
  args: unknown;
};

/** Finish the current work, close the store, answer `closed`, exit. */
export type ShutdownMessage = { type: 'shutdown' };

export type MainToEngine = InvokeMessage | ShutdownMessage;

/** The engine is ready to serve `invoke`. Sent once. */
export type ReadyMessage = { type: 'ready' };

/** The engine could not start (its store, a native module, the data-folder lock); it exits next. */
export type FailedMessage = { type: 'failed'; message: string };

/** The answer to the `invoke` with the same `id`: always an envelope, never a thrown error. */
export type ResultMessage = { type: 'result'; id: number; response: ApiResponse<ApiMethod> };

/** One push event of the contract's event table, as a union discriminated by `event`. */
export type EngineEvent = { [E in EventName]: { event: E; payload: Events[E] } }[EventName];

/** A push event from the engine's event table, relayed unchanged to the window. */
export type EventMessage = { type: 'event' } & EngineEvent;

/** The engine has closed its store after `shutdown`; it is safe to exit. */
export type ClosedMessage = { type: 'closed' };

export type EngineToMain = ReadyMessage | FailedMessage | ResultMessage | EventMessage | ClosedMessage;
