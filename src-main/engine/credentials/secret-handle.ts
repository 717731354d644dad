/**
 * A connector's way to its connection's secret (issue 10, the connector kit): read it, write back
 * a new one (a rotated password, an OAuth refresh token), and refresh it single-flight.
 *
 * Single-flight, per credential account, across every connector of the engine: a pooled
 * connector serves a run and a resolution at once, and both may see their token expire together;
 * an OAuth server that rotates refresh tokens invalidates the old one on first use, so a second
 * concurrent refresh would fail (or log the user out). So: while a refresh runs, every other
 * caller waits for it and gets its result; a refresh that fails rejects each waiter once, and the
 * next call starts a new one.
 */
import type { SecretHandle } from '../connectors/types';
import type { CredentialStore } from './types';

type Storage = Pick<CredentialStore, 'get' | 'set'>;

/** Makes handles over one store; handles of the same account share their refresh in flight. */
export function createSecretHandles(store: Storage) {
  const inFlight = new Map<string, Promise<string>>();
  return {
    handle(account: string): SecretHandle {
      return makeHandle(account, store, inFlight);
    },
    /** Accounts whose refresh is running (for tests). */
    refreshing: (): string[] => [...inFlight.keys()],
  };
}

/** A handle over a value held in memory (a draft connection in the wizard, not saved yet). */
export function memorySecretHandle(initial: string | null): SecretHandle {
  let value = initial;
  const store: Storage = {
    get: async () => value,
    set: async (_account, secret) => {
      value = secret;
    },
  };
  return makeHandle('draft', store, new Map());
}

function makeHandle(account: string, store: Storage, inFlight: Map<string, Promise<string>>): SecretHandle {
  const get = () => store.get(account);
  const handle = Object.assign(() => get(), {
    get,
    set: (value: string) => store.set(account, value),
    refresh(fn: (current: string | null) => Promise<string>): Promise<string> {
      const running = inFlight.get(account);
      if (running) return running;
      const attempt = (async () => {
        const next = await fn(await get());
        await store.set(account, next);
        return next;
      })();
      // Removed before any waiter resumes: a waiter that retries after a failure starts a new refresh.
      const shared = attempt.finally(() => {
        if (inFlight.get(account) === shared) inFlight.delete(account);
      });
      inFlight.set(account, shared);
      return shared;
    },
  });
  return handle;
}
