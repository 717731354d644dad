import { useCallback, useState } from 'react';

/**
 * A flag that is true while one async action runs, for disabling its button and relabelling it
 * ("Saving…"). The store's actions report failures as values, not throws; `finally` still clears
 * the flag should one throw, so a button can never stay disabled.
 */
export function useBusy(): [busy: boolean, run: <T>(work: () => Promise<T>) => Promise<T>] {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T,>(work: () => Promise<T>): Promise<T> => {
    setBusy(true);
    try {
      return await work();
    } finally {
      setBusy(false);
    }
  }, []);
  return [busy, run];
}
