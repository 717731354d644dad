import type {
  CollectionInfo,
  ConflictPolicy,
  ConnectionSample,
  ConnectionSummary,
  ConnectorInfo,
  DeletePolicy,
  FieldMapping,
  LeftOutCollection,
  PairConfig,
  OAuthSignInSettings,
  PairPreview,
  Side,
} from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import { oauthSignIn, type SignInOutcome } from './oauth-sign-in';
import type { SliceCreator } from './store';

export const WIZARD_STEPS = ['App A', 'App B', 'Collections', 'Field mapping', 'Matching', 'Master & policies', 'Schedule', 'Review'] as const;

export type SideDraft = {
  connector: string;
  name: string;
  config: Record<string, string | number | boolean>;
  /** The saved connection (created once the step is passed); secrets never enter the store. */
  connection: ConnectionSummary | null;
  collections: CollectionInfo[] | null;
  /** What the connection's test said it cannot sync, with why (a table without a primary key): shown where the collection is picked. */
  leftOut: LeftOutCollection[];
  collection: string;
  /**
   * An OAuth sign-in of the draft (an app profile's authorization code): the engine keeps its
   * refresh token under `flowId` until the connection is saved; the UI never holds a token.
   */
  signIn: { flowId: string; state: 'waiting' | 'signed-in' } | null;
};

export type WizardDraft = {
  step: number;
  name: string;
  left: SideDraft;
  right: SideDraft;
  fields: FieldMapping[];
  matchKeys: string[];
  masterSide: Side;
  conflictPolicy: ConflictPolicy;
  initialMatchPolicy: ConflictPolicy;
  /** Records with no value for the match keys: held in the inbox (the default) or created. */
  emptyKeys: 'hold' | 'create';
  deletes: DeletePolicy;
  intervalSeconds: number | null;
};

const emptySide = (): SideDraft => ({ connector: '', name: '', config: {}, connection: null, collections: null, leftOut: [], collection: '', signIn: null });

/** What proves who the draft is: the secret typed, else its finished sign-in, else nothing. */
const draftCredential = (d: SideDraft, secret: string | undefined): { secret: string } | { oauthFlowId: string } | Record<string, never> =>
  secret ? { secret } : d.signIn?.state === 'signed-in' ? { oauthFlowId: d.signIn.flowId } : {};

export const emptyDraft = (): WizardDraft => ({
  step: 0,
  name: '',
  left: emptySide(),
  right: emptySide(),
  fields: [],
  matchKeys: [],
  masterSide: 'left',
  conflictPolicy: 'manual',
  initialMatchPolicy: 'master',
  emptyKeys: 'hold',
  deletes: { propagate: true, massDeleteThreshold: 0.2 },
  intervalSeconds: 300,
});

export type WizardSlice = {
  connectors: ConnectorInfo[] | null;
  connectorsError: ApiCallError | null;
  draft: WizardDraft;
  preview: PairPreview | null;
  wizardError: ApiCallError | null;
  /** The pair created by the last step; its first sync's progress shows on the review step. */
  createdPairId: string | null;
  loadConnectors(): Promise<void>;
  patchDraft(patch: Partial<WizardDraft>): void;
  patchSide(side: Side, patch: Partial<SideDraft>): void;
  resetWizard(): void;
  /** Tests a draft connection; the secret passes through, never stored. */
  testConnection(side: Side, secret: string | undefined): Promise<{ collections: number; leftOut: LeftOutCollection[] } | null>;
  /**
   * Signs the draft in with OAuth 2 (authorization code, PKCE, the loopback redirect): the engine
   * listens, `open` shows its authorization URL in a browser, and the draft waits for the user to
   * answer there. A refusal or a time-out is the step's error.
   */
  signIn(side: Side, settings: OAuthSignInSettings, open: (url: string) => void, clientSecret?: string): Promise<boolean>;
  /** Signs a saved connection in again (a sign-in the app revoked): its refresh token is replaced when the user allows. */
  signInConnection(connectionId: string, settings: OAuthSignInSettings, open: (url: string) => void, clientSecret?: string): Promise<SignInOutcome>;
  /** "Try it": the first records of a collection as the side's settings read them (nothing is saved). */
  tryConnection(side: Side, secret: string | undefined, collection?: string): Promise<ConnectionSample | null>;
  /**
   * Saves the side's connection (sending the secret once) and describes its collections. A new
   * connection is tested first and saved only when the test passes; one that cannot be described
   * right after it was saved is deleted again, so a failed step never leaves a connection behind.
   */
  saveConnection(side: Side, secret: string | undefined): Promise<boolean>;
  loadPreview(): Promise<void>;
  createPair(): Promise<string | null>;
  setWizardError(error: ApiCallError | null): void;
};

export function draftToConfig(draft: WizardDraft): PairConfig {
  return {
    name: draft.name.trim() || `${draft.left.collection} ↔ ${draft.right.collection}`,
    left: { connectionId: draft.left.connection?.id ?? '', collection: draft.left.collection },
    right: { connectionId: draft.right.connection?.id ?? '', collection: draft.right.collection },
    fields: draft.fields,
    matchKeys: draft.matchKeys,
    masterSide: draft.masterSide,
    conflictPolicy: draft.conflictPolicy,
    initialMatchPolicy: draft.initialMatchPolicy,
    emptyKeys: draft.emptyKeys,
    deletes: draft.deletes,
    schedule: { intervalSeconds: draft.intervalSeconds },
  };
}

/**
 * The match keys after a mapping edit: a renamed field keeps its place among the keys under its
 * new name (a rename edits one row in place), and a removed field leaves them.
 */
/** Rows a match key was carried onto while their name equalled another row's (see followFieldEdits). */
const keyRows = new WeakSet<FieldMapping>();

export function followFieldEdits(before: FieldMapping[], after: FieldMapping[], keys: string[]): string[] {
  let next = keys;
  if (before.length === after.length) {
    next = keys.map((k) => {
      // The row that holds the key: its only row of that name, or, while a rename passes through
      // another row's name ("emai" → "email" → "email_alt"), the row the key was carried onto.
      const holders = before.flatMap((f, i) => (f.name === k ? [i] : []));
      const i = holders.length === 1 ? holders[0] : holders.find((j) => keyRows.has(before[j] as FieldMapping));
      const row = i === undefined ? undefined : after[i];
      if (!row || row.name === k) return k;
      if (after.filter((f) => f.name === row.name).length > 1) keyRows.add(row);
      return row.name;
    });
  }
  const names = new Set(after.map((f) => f.name));
  const kept = next.filter((k) => names.has(k));
  return kept.length === keys.length && kept.every((k, i) => k === keys[i]) ? keys : kept;
}

export const createWizardSlice: SliceCreator<WizardSlice> = (set, get, { call, guard }) => ({
  connectors: null,
  connectorsError: null,
  draft: emptyDraft(),
  preview: null,
  wizardError: null,
  createdPairId: null,

  async loadConnectors() {
    const result = await guard('connectors/list', () => call('connectors/list', {}));
    if (result.ok) set({ connectors: result.value, connectorsError: null });
    else set({ connectorsError: result.error });
  },
  patchDraft(patch) {
    const before = get().draft;
    const draft = { ...before, ...patch };
    if (patch.fields && !patch.matchKeys) draft.matchKeys = followFieldEdits(before.fields, patch.fields, before.matchKeys);
    // The preview answered for the old fields and keys: showing it after they changed would mislead.
    const stale = draft.fields !== before.fields || draft.matchKeys !== before.matchKeys || draft.emptyKeys !== before.emptyKeys;
    set(stale ? { draft, preview: null } : { draft });
  },
  patchSide(side, patch) {
    const draft = get().draft;
    set({ draft: { ...draft, [side]: { ...draft[side], ...patch } } });
  },
  resetWizard() {
    set({ draft: emptyDraft(), preview: null, wizardError: null, createdPairId: null });
  },
  async testConnection(side, secret) {
    const d = get().draft[side];
    set({ wizardError: null });
    const args = { connector: d.connector, config: d.config, ...draftCredential(d, secret) };
    const result = await guard('connections/test', () => call('connections/test', args));
    if (result.ok) return { collections: result.value.collections, leftOut: result.value.leftOut ?? [] };
    set({ wizardError: result.error });
    return null;
  },
  async signIn(side, settings, open, clientSecret) {
    set({ wizardError: null });
    const signedIn = await oauthSignIn({ call, guard }, { auth: settings, ...(clientSecret ? { clientSecret } : {}) }, open, {
      started: (flowId) => get().patchSide(side, { signIn: { flowId, state: 'waiting' } }),
      // Another sign-in (or a reset) took over the draft meanwhile: this one no longer speaks for it.
      current: (flowId) => get().draft[side].signIn?.flowId === flowId,
    });
    if (signedIn.ok) get().patchSide(side, { signIn: { flowId: signedIn.flowId, state: 'signed-in' } });
    else if (signedIn.error) {
      set({ wizardError: signedIn.error });
      get().patchSide(side, { signIn: null });
    }
    return signedIn.ok;
  },
  async signInConnection(connectionId, settings, open, clientSecret) {
    return oauthSignIn({ call, guard }, { auth: settings, connectionId, ...(clientSecret ? { clientSecret } : {}) }, open, { started: () => {}, current: () => true });
  },
  async tryConnection(side, secret, collection) {
    const d = get().draft[side];
    set({ wizardError: null });
    const base = d.connection ? { connectionId: d.connection.id } : { connector: d.connector, config: d.config, ...draftCredential(d, secret) };
    const result = await guard('connections/try', () => call('connections/try', { ...base, ...(collection ? { collection } : {}) }));
    if (result.ok) return result.value;
    set({ wizardError: result.error });
    return null;
  },
  async saveConnection(side, secret) {
    const d = get().draft[side];
    set({ wizardError: null });
    let connection = d.connection;
    let createdNow = false;
    if (!connection) {
      const tested = await get().testConnection(side, secret);
      if (!tested) return false;
      get().patchSide(side, { leftOut: tested.leftOut });
      const name = d.name.trim() || d.connector;
      const args = { name, connector: d.connector, config: d.config, ...draftCredential(d, secret) };
      const created = await guard('connections/create', () => call('connections/create', args));
      if (!created.ok) {
        set({ wizardError: created.error });
        return false;
      }
      connection = created.value;
      createdNow = true;
      get().patchSide(side, { connection });
    }
    const connectionId = connection.id;
    const described = await guard('connections/describe', () => call('connections/describe', { connectionId }));
    if (!described.ok) {
      set({ wizardError: described.error });
      if (createdNow) {
        // Best effort: if the delete fails too, the connection stays listed in the engine, unused.
        await guard('connections/delete', () => call('connections/delete', { connectionId }));
        get().patchSide(side, { connection: null });
      }
      return false;
    }
    const collections = described.value;
    get().patchSide(side, { collections, collection: get().draft[side].collection || (collections[0]?.name ?? '') });
    return true;
  },
  async loadPreview() {
    set({ preview: null, wizardError: null });
    const config = draftToConfig(get().draft);
    const result = await guard('pairs/preview', () => call('pairs/preview', { config }));
    if (result.ok) set({ preview: result.value });
    else set({ wizardError: result.error });
  },
  async createPair() {
    set({ wizardError: null });
    const config = draftToConfig(get().draft);
    const created = await guard('pairs/create', () => call('pairs/create', { config }));
    if (!created.ok) {
      set({ wizardError: created.error });
      return null;
    }
    const pairId = created.value.id;
    get().applyPairChanged(created.value);
    set({ createdPairId: pairId });
    await get().syncNow(pairId);
    return pairId;
  },
  setWizardError: (wizardError) => set({ wizardError }),
});
