/**
 * Who is calling the API, for the length of one call: the name of the token (or the session made
 * from it) a headless request came with, and whether that token may manage access. The dispatcher
 * runs each handler inside the caller's context, so any code below it (the activity log, when it
 * records who resolved) reads `currentCaller()` without an argument threaded through every layer.
 * A call without a caller (the desktop app's IPC, the command line) is the machine's owner.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type Caller = {
  /** The token's name, as the activity log should show who acted. */
  name: string;
  /** May create and revoke tokens and sessions. */
  admin: boolean;
  tokenId: string;
  /** Set when the call came through a browser session. */
  sessionId?: string;
};

const storage = new AsyncLocalStorage<Caller>();

export const runAsCaller = <T>(caller: Caller | undefined, fn: () => T): T => (caller ? storage.run(caller, fn) : fn());

/** The caller of the API call in progress; undefined for the machine's owner (desktop, CLI). */
export const currentCaller = (): Caller | undefined => storage.getStore();
