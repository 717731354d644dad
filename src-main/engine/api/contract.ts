/**
 * The one API contract of Concord: a request table and an event table. Type-only.
 *
 * Every transport serves exactly this table: Electron IPC (renderer → preload → main → engine
 * process) and HTTP/WebSocket (browser → headless server → engine). Each method's input is
 * validated against the schema of the same name in `schemas.ts` (the compiler checks the two
 * tables have the same keys and shapes).
 */
import type {
  AccessTokenInfo,
  ActionInfo,
  ActionInput,
  ActionNotification,
  ActionWithSecret,
  DeliveryInfo,
  DeliveryPage,
  DeliveryStatus,
  CapturePlan,
  ActivityEntry,
  AppInfo,
  BulkJob,
  CollectionInfo,
  ConflictDetail,
  ConflictFacets,
  ConflictPage,
  ConflictQuery,
  ConflictSort,
  ConnectionSample,
  ConnectionSummary,
  ConnectorInfo,
  FailedRecord,
  ForgetResult,
  LeftOutCollection,
  Side,
  OAuthFlow,
  OAuthSignInSettings,
  PairConfig,
  PairDetail,
  PairPreview,
  PairSummary,
  PrivacySettings,
  PruneResult,
  Resolution,
  ResolveOutcome,
  RunProgress,
  RunSummary,
  SessionInfo,
  EventState,
  SyncEvent,
  WebhookInfo,
} from './model';

type Method<A, R> = { args: A; result: R };
type Empty = Record<string, never>;

export type Api = {
  /** The engine's version, data folder and where credentials are kept (the About panel). */
  'app/info': Method<Empty, AppInfo>;

  'connectors/list': Method<Empty, ConnectorInfo[]>;

  'connections/list': Method<Empty, ConnectionSummary[]>;
  /**
   * Creates a connection; `secret` goes to the credential store, never to the database.
   * `oauthFlowId`: the secret is the refresh token of that finished draft sign-in (`connections/oauth-start` without a connection).
   */
  'connections/create': Method<
    { name: string; connector: string; config: Record<string, string | number | boolean>; secret?: string; oauthFlowId?: string },
    ConnectionSummary
  >;
  'connections/update': Method<
    { connectionId: string; name?: string; config?: Record<string, string | number | boolean>; secret?: string | null },
    ConnectionSummary
  >;
  'connections/delete': Method<{ connectionId: string }, { deleted: true }>;
  /** Tests a saved connection, or a draft before it is saved. Throws an actionable error. */
  'connections/test': Method<
    | { connectionId: string }
    | { connector: string; config: Record<string, string | number | boolean>; secret?: string; oauthFlowId?: string },
    /** `names`: the collections found, so a draft can be checked for the one a pair syncs before it is saved. */
    { ok: true; collections: number; names?: string[]; leftOut?: LeftOutCollection[] }
  >;
  /**
   * Starts an OAuth 2 sign-in (authorization code, PKCE, a loopback redirect): the engine listens
   * once on 127.0.0.1 and answers the URL the UI opens in a browser (`window.open`: the system
   * browser on the desktop, a new tab headless). With `connectionId`, the refresh token replaces
   * that connection's secret; without, the engine keeps it for the draft (`oauthFlowId` in
   * `connections/test` and `connections/create`). No token is ever sent back.
   * `clientSecret`: a confidential client's (`auth.clientAuth` 'basic' or 'post'); it is stored with
   * the refresh token as the connection's one secret and never sent back. Signing a saved
   * connection in again may leave it out: the one the connection keeps is used.
   */
  'connections/oauth-start': Method<{ auth: OAuthSignInSettings; connectionId?: string; clientSecret?: string }, OAuthFlow>;
  /**
   * Waits up to `waitMs` (default 25 s) for the sign-in to finish: 'pending' means ask again.
   * A sign-in that failed, was denied, timed out or was cancelled answers a connector-error saying what to do.
   */
  'connections/oauth-wait': Method<{ flowId: string; waitMs?: number }, { status: 'pending' | 'signed-in' }>;
  /** Stops waiting for a sign-in and closes its listener (the wizard was closed). */
  'connections/oauth-cancel': Method<{ flowId: string }, { cancelled: boolean }>;
  'connections/describe': Method<{ connectionId: string }, CollectionInfo[]>;
  /**
   * "Try it": the first few records of a collection (the first one the app describes, unless
   * named) as the connector reads them, and the fields found — of a saved connection or of a
   * draft, so a user sees what the settings give before saving them. Reads only.
   */
  'connections/try': Method<
    ({ connectionId: string } | { connector: string; config: Record<string, string | number | boolean>; secret?: string; oauthFlowId?: string }) & { collection?: string; limit?: number },
    ConnectionSample
  >;
  /**
   * Capture mode (PostgreSQL): the exact SQL that would install and remove a collection's trigger
   * and change table, and whether it is installed. Per connection and collection, not per pair:
   * the objects live in the app's database, serve whichever pair reads the table, and outlive a pair.
   */
  'connections/capture-plan': Method<{ connectionId: string; collection: string }, CapturePlan>;
  /** Runs the install SQL the user confirmed: `installHash` is the plan's; if the SQL is no longer that, nothing runs. */
  'connections/capture-install': Method<{ connectionId: string; collection: string; installHash: string }, CapturePlan>;
  /** Drops exactly what the install added; `removeHash` is the plan's. */
  'connections/capture-remove': Method<{ connectionId: string; collection: string; removeHash: string }, CapturePlan>;

  'pairs/list': Method<Empty, PairSummary[]>;
  'pairs/get': Method<{ pairId: string }, PairDetail>;
  'pairs/create': Method<{ config: PairConfig }, PairDetail>;
  /** `needsFullResync` tells the UI a mapping or key change needs a full resync to apply to existing records. */
  'pairs/update': Method<{ pairId: string; config: PairConfig }, { pair: PairDetail; needsFullResync: boolean }>;
  'pairs/delete': Method<{ pairId: string }, { deleted: true }>;
  /**
   * Saves the connection of one side of a pair with new settings, once they reach the same app:
   * it connects, has every collection a pair reads through it, and holds most of the records
   * Concord linked there for this pair.
   * Any check failing puts the name, settings and secret back and says why. No run of a pair using
   * the connection reads it meanwhile. `secret` left out (or empty) keeps the stored one.
   */
  'pairs/edit-connection': Method<
    { pairId: string; side: Side; name: string; config: Record<string, string | number | boolean>; secret?: string },
    { connection: ConnectionSummary; collections: number; leftOut: LeftOutCollection[] }
  >;
  /** What a first sync would do, before it runs: for a saved pair or a draft config. */
  'pairs/preview': Method<{ pairId: string } | { config: PairConfig }, PairPreview>;
  /**
   * Starts an incremental run now; a trigger during a run joins it (same runId). `confirmDeletes`:
   * the user confirmed the deletes the mass-delete guard stopped (the `gone` count it showed);
   * this one run applies up to that many, and asks again if more are gone by then.
   */
  'pairs/sync-now': Method<{ pairId: string; confirmDeletes?: number }, { runId: string }>;
  /** Re-reads everything on both sides, compares with the base by hash and repairs drift. */
  'pairs/full-resync': Method<{ pairId: string }, { runId: string }>;
  'pairs/pause': Method<{ pairId: string }, PairSummary>;
  'pairs/resume': Method<{ pairId: string }, PairSummary>;

  'runs/list': Method<{ pairId: string; limit?: number }, RunSummary[]>;
  'runs/get': Method<{ runId: string }, RunSummary>;
  'runs/cancel': Method<{ runId: string }, { cancelled: boolean }>;

  /**
   * One page of the conflicts matching the query (default: open ones, newest first, 100 from the
   * start); `total` counts every match. Filtered, searched, sorted and paged by the engine, so
   * the inbox asks only for the rows it shows.
   */
  'conflicts/list': Method<ConflictQuery & { offset?: number; limit?: number; sort?: ConflictSort }, ConflictPage>;
  /** The pairs and fields the filter menus offer. */
  'conflicts/facets': Method<{ status?: 'open' | 'resolved' }, ConflictFacets>;
  'conflicts/count': Method<Empty, { open: number; byPair: Record<string, number> }>;
  'conflicts/get': Method<{ conflictId: string }, ConflictDetail>;
  'conflicts/resolve': Method<{ conflictId: string; resolution: Resolution }, ResolveOutcome>;
  /**
   * Bulk: take the master's or the slave's value for every conflicting field of the chosen
   * conflicts, or of every open conflict matching `filter` (no cap on count). Starts a job and
   * answers at once; the job reports through `conflicts/bulk-progress` and can be cancelled.
   */
  'conflicts/resolve-bulk': Method<{ take: 'master' | 'slave'; conflictIds: string[] } | { take: 'master' | 'slave'; filter: ConflictQuery }, BulkJob>;
  'conflicts/bulk-get': Method<{ jobId: string }, BulkJob>;
  /** Stops a bulk job after the batch it is writing (what was written stays resolved). */
  'conflicts/bulk-cancel': Method<{ jobId: string }, BulkJob>;

  'failed/list': Method<{ pairId: string }, FailedRecord[]>;
  'failed/retry': Method<{ failedId: string }, { status: 'done' | 'failed'; error: string | null }>;
  /** Retries every failed record of the pair in one run, whatever their backoff; answers when it has ended. */
  'failed/retry-all': Method<{ pairId: string }, { runId: string; retried: number; failed: number }>;

  'activity/list': Method<{ pairId: string; record?: string; limit?: number }, ActivityEntry[]>;
  /** Writes an overwritten value back (and keeps the value it replaces, so a restore is reversible too). */
  'activity/restore': Method<{ activityId: string }, { restored: true }>;
  /** A pair's real-time events, newest first (paged by `beforeSeq`); `search` finds a correlation id or a record id. */
  'events/list': Method<{ pairId: string; state?: EventState; search?: string; limit?: number; beforeSeq?: number }, (SyncEvent & { seq: number })[]>;
  'events/get': Method<{ correlationId: string }, SyncEvent>;
  /** Where the pair's webhooks are received, and whether it has a secret. */
  'webhooks/info': Method<{ pairId: string }, WebhookInfo>;
  /** Sets the pair's webhook secret (the app's, pasted), or makes a strong one; answered this once, then kept in the keychain only. */
  'webhooks/set-secret': Method<{ pairId: string; secret?: string }, { secret: string }>;
  /** The pair's whole activity log as CSV text (formula-like cells neutralised), for the user to save. */
  'activity/export': Method<{ pairId: string }, { fileName: string; csv: string; rows: number }>;

  /** Privacy settings: how many days activity, finished runs, resolved conflicts and journal rows are kept; the last prune. */
  'privacy/settings': Method<Empty, PrivacySettings>;
  'privacy/set-retention': Method<{ days: number }, PrivacySettings>;
  /** Prunes what is past the retention period now (the background does it hourly), then vacuums. */
  'privacy/prune': Method<Empty, PruneResult>;
  /**
   * Removes every value equal to `key` (an email; trimmed, any case) from Concord's state: link
   * bases, journal, activity, conflicts, failed records, run errors. Each pair that held one gets
   * an activity entry saying a record was forgotten, without what it held. Refused while a pair
   * holding it is running.
   */
  'privacy/forget': Method<{ key: string }, ForgetResult>;

  /** Creates the demo workspace: two local sample apps (SQLite and CSV) with planted conflicts. */
  'demo/create': Method<Empty, { pairId: string }>;

  /** Access to the headless server; admin tokens only (the desktop app and the CLI are the owner). */
  'access/tokens/list': Method<Empty, AccessTokenInfo[]>;
  /** Makes a named token; `token` is shown this once and never stored. */
  'access/tokens/create': Method<{ name: string; admin?: boolean }, { token: string; info: AccessTokenInfo }>;
  /** Revokes a token (by id or name) and ends its sessions. */
  'access/tokens/revoke': Method<{ token: string }, AccessTokenInfo>;
  'access/sessions/list': Method<Empty, SessionInfo[]>;
  /** Ends a session; any caller may end its own. */
  'access/sessions/revoke': Method<{ sessionId: string }, { revoked: true }>;

  /** Workflow actions of a pair (issue 12 §4): call the user's URL, signed, or notify, when something happens. */
  'actions/list': Method<{ pairId: string }, ActionInfo[]>;
  /** A `url` action answers its signing secret this once (kept in the credential store, never in SQLite); `notify`: secret null. */
  'actions/create': Method<{ pairId: string; action: ActionInput }, { action: ActionInfo; secret: string | null }>;
  /** Changes the URL, events or enabled flag (the kind stays; the secret stays: rotate it apart). */
  'actions/update': Method<{ actionId: string; url?: string; events?: ActionInput['events']; enabled?: boolean }, ActionInfo>;
  'actions/delete': Method<{ actionId: string }, { deleted: true }>;
  /** A new signing secret for a `url` action, shown this once; the old one stops signing at once. */
  'actions/rotate-secret': Method<{ actionId: string }, ActionWithSecret>;
  /** The pair's deliveries, newest first, with every attempt. */
  'actions/deliveries': Method<{ pairId: string; actionId?: string; offset?: number; limit?: number }, DeliveryPage>;
  /** One attempt now, with the same delivery id (the receiver's idempotency key); answers after it. */
  'actions/redeliver': Method<{ deliveryId: string }, DeliveryInfo>;
  /** Sends a `test` event through the action now (one attempt, no retries); answers after it. */
  'actions/test': Method<{ actionId: string }, DeliveryInfo>;
};

export type ApiMethod = keyof Api;
export type ApiArgs<M extends ApiMethod> = Api[M]['args'];
export type ApiResult<M extends ApiMethod> = Api[M]['result'];

/** Push events from the engine, one table; every transport relays them unchanged. */
export type Events = {
  'run/progress': RunProgress;
  'run/finished': RunSummary;
  /** A pair's summary changed (health, counts, config); the renderer replaces its copy. */
  'pairs/changed': PairSummary;
  'pairs/removed': { pairId: string };
  'conflicts/changed': { open: number; byPair: Record<string, number> };
  /** A bulk resolution's state, after each batch and when it ends. */
  'conflicts/bulk-progress': BulkJob;
  /** A `notify` action fired: shown as a desktop notification by the shell and the browser UI. */
  'actions/notify': ActionNotification;
  /** A delivery was written or attempted: the Actions tab refetches its list. */
  'actions/delivery': { pairId: string; deliveryId: string; status: DeliveryStatus };
};
export type EventName = keyof Events;
/** One event as it travels: a discriminated union, so `switch (m.event)` narrows the payload. */
export type EventMessage = { [E in EventName]: { event: E; payload: Events[E] } }[EventName];

export type ApiErrorCode =
  | 'invalid-input' // the arguments failed the schema; `issues` says where
  | 'unknown-method'
  | 'not-found'
  | 'conflict' // e.g. the state changed since the caller looked (a conflict already resolved)
  | 'unauthorized'
  | 'unavailable' // a service the call needs is missing (keychain, a connector's app)
  | 'connector-error' // the app answered with an error; `message` carries its words
  | 'internal';

export type ApiErrorBody = {
  code: ApiErrorCode;
  message: string;
  /** For invalid input: which argument, and what is wrong with it. */
  issues?: { path: string; message: string }[];
};

/** The envelope every transport carries: a result or a typed error, never a thrown exception. */
export type ApiResponse<M extends ApiMethod> = { ok: true; value: ApiResult<M> } | { ok: false; error: ApiErrorBody };

/** What the preload exposes as `window.concord`, and what the browser transport implements too. */
export type ConcordBridge = {
  invoke<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResponse<M>>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};
