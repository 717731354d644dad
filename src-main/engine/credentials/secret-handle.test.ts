/**
 * Secrets behind a handle (issue 10): a connector reads its secret, writes one back, and refreshes
 * it single-flight per credential. Concurrency is driven by deferred promises, never by timers.
 */
import { describe, expect, it } from 'vitest';
import { InMemoryCredentialStoreForTests } from '../connections/in-memory-credential-store-for-tests';
import { createSecretHandles, memorySecretHandle } from './secret-handle';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('secret handles', () => {
  it('get, set (written back to the credential store) and the handle called as a reader', async () => {
    const store = new InMemoryCredentialStoreForTests();
    await store.set('connection:a', 'old password');
    const h = createSecretHandles(store).handle('connection:a');
    expect(await h.get()).toBe('old password');
    expect(await h()).toBe('old password');
    await h.set('rotated password');
    expect(store.secrets.get('connection:a')).toBe('rotated password');
    expect(await h.get()).toBe('rotated password');
  });

  it('refresh is single-flight per credential: concurrent callers (of any handle on it) wait for the one refresh and all get its result', async () => {
    const store = new InMemoryCredentialStoreForTests();
    await store.set('connection:a', 'refresh-1');
    await store.set('connection:b', 'other');
    const handles = createSecretHandles(store);
    const run = handles.handle('connection:a');
    const resolution = handles.handle('connection:a');
    const gate = deferred<string>();
    const seen: (string | null)[] = [];
    const fn = async (current: string | null) => {
      seen.push(current);
      return gate.promise;
    };
    const first = run.refresh(fn);
    const second = resolution.refresh(fn);
    const third = run.refresh(fn);
    // Another credential refreshes on its own.
    const other = handles.handle('connection:b').refresh(async () => 'other-2');
    await expect(other).resolves.toBe('other-2');
    expect(handles.refreshing()).toEqual(['connection:a']);
    gate.resolve('refresh-2');
    expect(await Promise.all([first, second, third])).toEqual(['refresh-2', 'refresh-2', 'refresh-2']);
    expect(seen).toEqual(['refresh-1']); // the refresh ran once
    expect(store.secrets.get('connection:a')).toBe('refresh-2');
    expect(handles.refreshing()).toEqual([]);
  });

  it('a failed refresh rejects every waiter once and stores nothing; the next call tries again', async () => {
    const store = new InMemoryCredentialStoreForTests();
    await store.set('connection:a', 'refresh-1');
    const handles = createSecretHandles(store);
    const h = handles.handle('connection:a');
    const gate = deferred<string>();
    let calls = 0;
    const failing = async () => {
      calls++;
      return gate.promise;
    };
    const waiters = [h.refresh(failing), h.refresh(failing), handles.handle('connection:a').refresh(failing)];
    gate.reject(new Error('invalid_grant: the refresh token was revoked'));
    const outcomes = await Promise.allSettled(waiters);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(store.secrets.get('connection:a')).toBe('refresh-1');
    // A waiter that retries at once starts a new refresh (the failed one is gone).
    await expect(h.refresh(async (current) => `${current}+retry`)).resolves.toBe('refresh-1+retry');
    expect(store.secrets.get('connection:a')).toBe('refresh-1+retry');
  });

  it('a draft (the wizard, not saved) holds its secret in memory', async () => {
    const h = memorySecretHandle('typed');
    expect(await h()).toBe('typed');
    await h.refresh(async () => 'refreshed');
    expect(await h.get()).toBe('refreshed');
  });
});
