import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiMethod, ConcordBridge } from '../../src-main/engine/api/contract';
import { createCall, toCallError, type ApiCallError, type Call } from '../api/call';
import { createActionsSlice, type ActionsSlice } from './actions-slice';
import { createAppSlice, type AppSlice } from './app-slice';
import { createConflictsSlice, type ConflictsSlice } from './conflicts-slice';
import { createPairsSlice, type PairsSlice } from './pairs-slice';
import { createPrivacySlice, type PrivacySlice } from './privacy-slice';
import { createRealtimeSlice, type RealtimeSlice } from './realtime-slice';
import { createWizardSlice, type WizardSlice } from './wizard-slice';

export type ConcordState = AppSlice & PairsSlice & ConflictsSlice & WizardSlice & PrivacySlice & ActionsSlice & RealtimeSlice;
export type ConcordStore = StoreApi<ConcordState>;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ApiCallError };

export type SliceTools = {
  call: Call;
  /** Runs one API call and hands back its value or its typed error (an unauthorized error also flips the app's 401 screen). */
  guard<T>(method: ApiMethod, run: () => Promise<T>): Promise<Outcome<T>>;
};

type SetState = StoreApi<ConcordState>['setState'];
type GetState = StoreApi<ConcordState>['getState'];
export type SliceCreator<S> = (set: SetState, get: GetState, tools: SliceTools) => S;

/** One store made of slices; the engine is the source of truth, the store caches what screens show. */
export function createConcordStore(bridge: ConcordBridge): ConcordStore {
  const call = createCall(bridge);
  return createStore<ConcordState>()((set, get) => {
    const tools: SliceTools = {
      call,
      async guard<T>(method: ApiMethod, run: () => Promise<T>): Promise<Outcome<T>> {
        try {
          return { ok: true, value: await run() };
        } catch (thrown) {
          const error = toCallError(thrown, method);
          if (error.code === 'unauthorized') set({ unauthorized: true });
          return { ok: false, error };
        }
      },
    };
    return {
      ...createAppSlice(set, get, tools),
      ...createPairsSlice(set, get, tools),
      ...createConflictsSlice(set, get, tools),
      ...createWizardSlice(set, get, tools),
      ...createPrivacySlice(set, get, tools),
      ...createActionsSlice(set, get, tools),
      ...createRealtimeSlice(set, get, tools),
    };
  });
}
