import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ConcordState, ConcordStore } from './store';

export const StoreContext = createContext<ConcordStore | null>(null);

export function useConcordStore(): ConcordStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useConcord needs <StoreContext.Provider> (see main.tsx)');
  return store;
}

/** Reads one slice of the store; re-renders only when what the selector returns changes. */
export function useConcord<T>(selector: (state: ConcordState) => T): T {
  return useStore(useConcordStore(), selector);
}
