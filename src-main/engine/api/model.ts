/**
 * Domain types shared by the engine, the Electron shell and the renderer.
 * Type-only: nothing in this file exists at run time, so the renderer may import it (as a type).
 *
 * Naming: the engine speaks of the two sides of a pair as `left` and `right`; a pair names one
 * of them its master (`masterSide`), and the UI shows "master" / "slave" from that.
 */

export type Side = 'left' | 'right';

/** A value in canonical form: the one form used for hashing and comparing everywhere. */
export type CanonicalValue = string | number | boolean | null | string[];

/** The value types a canonical field can have; each has exactly one canonical form. */
export type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'set' | 'json';

/** Which way a mapped field flows. */
export type Direction = 'both' | 'left-to-right' | 'right-to-left';

/** How a conflict on a field (changed on both sides to different values) is decided. */
export type ConflictPolicy =
  | 'master' // the master side's value wins
  | 'newest' // the side whose app timestamp is newer wins (falls back to master when untrustworthy)
  | 'merge-numeric' // base + both deltas
  | 'merge-set' // union of both sets
  | 'manual'; // to the inbox; nothing is written until a steward decides

/** A transform applied when a side's raw value is read into canonical form (and inverted on write). */
export type Transform =
  | { kind: 'trim' }
  | { kind: 'case'; to: 'lower' | 'upper' | 'title' }
  /** side value → canonical value, e.g. { prod: 'production' }; inverted on write. */
  | { kind: 'value-map'; values: Record<string, string> }
  /**
   * Reads the side's value as `to`. `format` is the app's text form when it follows a convention:
   * dates "DD/MM/YYYY" or "MM/DD/YYYY" (never guessed), numbers "1.234,5", booleans "yes/no".
   * Values are written back in that form.
   */
  | { kind: 'coerce'; to: ValueType; format?: string };

/** Where a canonical field lives on one side: one app field, or several joined (split on write). */
export type SideField = {
  /** One field (a rename when it differs from the canonical name), or several to join/split. */
  fields: string[];
  /** Separator used to join several fields into one value, and to split it back. Default ' '. */
  separator?: string;
  transforms?: Transform[];
};

export type FieldMapping = {
  /** Canonical field name, unique within the pair. */
  name: string;
  type: ValueType;
  left: SideField;
  right: SideField;
  direction: Direction;
  /** Overrides the pair's conflict policy for this field. */
  policy?: ConflictPolicy;
};

/**
 * How a side finds what changed. `capture` (PostgreSQL, MySQL / MariaDB): triggers Concord installs
 * with the user's consent record every insert, update and delete in a change table; reads report deletes. Code
 * that switches on the mode must treat a mode it does not know like a cursor read (changed records
 * only, nothing inferred from absence), never like a full scan.
 */
export type ChangeDetection = 'cursor' | 'flag' | 'hash' | 'token' | 'capture';

export type PairSide = {
  connectionId: string;
  collection: string;
  /** Which of the connector's change-detection modes this pair uses; default: the connector's first. */
  changeDetection?: ChangeDetection;
};

export type DeletePolicy = {
  /** Propagate deletes to the other side (when it did not change the record since the base). */
  propagate: boolean;
  /**
   * Only deletes made in this app propagate (e.g. the CRM's deletes clear the sheet's rows, but a
   * row deleted from the sheet keeps the CRM's record). Deletes in the other app leave a tombstone:
   * the record stays where it is and is not synced back. Absent: deletes in either app propagate.
   */
  from?: Side;
  /** A run that would delete more than this share (0..1) of the pair's linked records stops and asks. */
  massDeleteThreshold: number;
};

export type Schedule = {
  /** Seconds between scheduled runs; null = manual only. */
  intervalSeconds: number | null;
};

export * from './model-realtime';
import type { QueueStatus, WebhookSettings } from './model-realtime';

export type PairConfig = {
  name: string;
  left: PairSide;
  right: PairSide;
  fields: FieldMapping[];
  /** Canonical field names used to match unlinked records (normalized: case, whitespace, phone). */
  matchKeys: string[];
  /** Used when a record has no value for every match key. */
  fallbackKeys?: string[];
  masterSide: Side;
  conflictPolicy: ConflictPolicy;
  /** Decides differing fields when a first sync links two existing records. Default: `master`. */
  initialMatchPolicy?: ConflictPolicy;
  deletes: DeletePolicy;
  schedule: Schedule;
  /**
   * Unlinked records with no value for any match key: nothing can tell whether the other app
   * already holds them. `hold` (the default) puts each in the inbox, where a steward creates,
   * links or deletes it (a key given in its app releases it); `create` creates each in the other app.
   */
  emptyKeys?: 'hold' | 'create';
  /** Webhooks into this pair (issue 12): per side, how the app signs them; sync or async answers. */
  webhooks?: WebhookSettings;
};

export type PairHealth = 'never-run' | 'in-sync' | 'syncing' | 'failing' | 'paused' | 'needs-attention';

/** `feed`: an app's change feed signalled a commit (capture mode's LISTEN, sync/feeds.ts). */
export type RunTrigger = 'manual' | 'schedule' | 'full-resync' | 'first-sync' | 'cli' | 'webhook' | 'retry' | 'feed';
/** `webhook` and `feed` runs apply the pair's queued events (sync/events/worker.ts). */
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'halted';

export type RunCounts = {
  read: number;
  created: number;
  updated: number;
  deleted: number;
  conflicts: number;
  failed: number;
  skipped: number;
};

export type RunSummary = {
  id: string;
  pairId: string;
  trigger: RunTrigger;
  mode: 'incremental' | 'full';
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  counts: RunCounts;
  /** Why the run failed or halted (e.g. the mass-delete guard, a missing field), in words a user can act on. */
  error: string | null;
};

export type SideSummary = { connectionId: string; connectionName: string; connector: string; collection: string };

export type PairSummary = {
  id: string;
  name: string;
  left: SideSummary;
  right: SideSummary;
  masterSide: Side;
  health: PairHealth;
  paused: boolean;
  /** Why the pair is paused or failing, when it is. */
  healthReason: string | null;
  /** The last run stopped at the mass-delete guard with `gone` records gone: `pairs/sync-now` with `confirmDeletes: gone` applies them. */
  awaitingDeleteConfirmation: { gone: number } | null;
  /**
   * An app asked Concord to slow down (a 429, or a 503 with Retry-After): the pair waits until
   * `until` (ISO 8601) and resumes on its own; `side` is the app that asked (null when the engine
   * restarted since: it keeps only the time). Absent or null when the pair is not waiting.
   */
  rateLimit?: { until: string; side: Side | null } | null;
  lastRun: RunSummary | null;
  running: RunSummary | null;
  openConflicts: number;
  queued: number;
  failed: number;
  linked: number;
  intervalSeconds: number | null;
  nextRunAt: string | null;
  /** The pair's change feed (a capture side whose app signals commits), or absent/null when it has none. */
  feed?: FeedStatus | null;
  /** The pair's real-time event queue (webhooks and change feeds): depth and oldest event. */
  queue?: QueueStatus;
  /** The sides whose apps send webhooks (turned on in the pair's settings); absent or empty: none. */
  webhooks?: Side[];
  /**
   * When the engine built this summary, as a number that only grows (across restarts too): an
   * answer computed before an event the UI already applied (a pairs/update answer overtaken by
   * the feed's pairs/changed) is older, and must not put the older state back on screen.
   */
  revision?: number;
};

/**
 * A change feed: 'starting' until it first listens; 'listening' (a commit starts a run within
 * moments); 'reconnecting' after it lost its connection (`error` says why; runs still come on the schedule).
 */
export type FeedStatus = { state: 'starting' | 'listening' | 'reconnecting'; error: string | null };

export type PairDetail = PairSummary & { config: PairConfig; createdAt: string; updatedAt: string };

export type PreviewExample = {
  left?: Record<string, CanonicalValue>;
  right?: Record<string, CanonicalValue>;
  key: string;
  /** Ambiguous keys: the records on the other side that share the key (the example's own record is on its side). */
  candidates?: Record<string, CanonicalValue>[];
};

export type PairPreview = {
  leftTotal: number;
  rightTotal: number;
  matched: number;
  createOnLeft: number;
  createOnRight: number;
  /** Matched records whose fields differ (decided by the initial-match policy, or the inbox when manual). */
  conflicts: number;
  /** Match-key values shared by several records on one side: these go to the inbox, never silently doubled. */
  ambiguous: number;
  examples: { matched: PreviewExample[]; createOnLeft: PreviewExample[]; createOnRight: PreviewExample[]; conflicts: PreviewExample[]; ambiguous: PreviewExample[] };
  /**
   * Match keys that several new records of one app share (with no record in the other app): each
   * is created in the other app, as the app holds them. Worth a look when the key should be unique.
   */
  sharedKeys?: { side: Side; key: string; count: number }[];
  /**
   * A pair that has run: of the records Concord linked on each side, how many the app still holds.
   * Few means the connection points at another app's data (the links would read as deletes).
   */
  linkedFound?: Record<Side, { found: number; linked: number }>;
  /** Apps that would receive formula-like values while their "neutralise formulas" setting is off (privacy/formula-risk.ts). */
  formulas?: FormulaWarning[];
  /** What the sync will do to each app beyond creating records, for the review step to state. */
  consequences?: PreviewConsequences;
};

export type PreviewConsequences = {
  /** Values the initial-match policy overwrites in each app (matched records that differ), and in how many records. */
  overwritten: Record<Side, { values: number; records: number }>;
  /** Columns Concord adds to an app on its first write (a CSV file's concord_id). */
  addedColumns: Record<Side, string[]>;
  /** Unlinked records of each app with no value for any match key: nothing can match them. */
  emptyKeys: Record<Side, number>;
  /** Records the run would delete in each app (linked records gone from the other app, where deletes propagate). */
  deletes: Record<Side, number>;
};

/**
 * `side`'s app (a file a spreadsheet opens) would receive `count` values that a spreadsheet runs
 * as formulas; its connection's `setting` (a boolean config key, shown as `settingLabel`) writes them as text.
 */
export type FormulaWarning = { side: Side; connectionId: string; setting: string; settingLabel: string; count: number; examples: { key: string; field: string; value: string }[] };

export type ConflictKind = 'field' | 'update-delete' | 'duplicate';
export type ConflictStatus = 'open' | 'resolved';

export type ConflictSummary = {
  id: string;
  pairId: string;
  pairName: string;
  kind: ConflictKind;
  /** A human label for the record (its match key values or ids). */
  record: string;
  fields: string[];
  status: ConflictStatus;
  detectedAt: string;
};

/** What the inbox filters on; the server applies it in SQL (search matches values, never the stored JSON's keys). */
export type ConflictQuery = {
  pairId?: string;
  kind?: ConflictKind;
  field?: string;
  /** Any case; matches the record's label, its pair's name, its field names and the values in conflict. */
  search?: string;
  status?: ConflictStatus;
};

export type ConflictSortKey = 'detectedAt' | 'record' | 'pairName' | 'fields' | 'kind';
export type ConflictSort = { by: ConflictSortKey; desc: boolean };

/** One page of the inbox: `total` is how many match the query, `offset` where `items` start. */
export type ConflictPage = { items: ConflictSummary[]; total: number; offset: number };

/** The filter menus' choices: each pair and field that has a conflict with the status asked for, and how many there are in all. */
export type ConflictFacets = { total: number; pairs: { id: string; name: string }[]; fields: string[] };

/**
 * A bulk resolution running in the engine: "take master/slave" over chosen conflicts or every
 * one matching a filter. `failures` keeps the first few refusals with their reasons (the count
 * is in `failed`); the job reports itself on each batch through `conflicts/bulk-progress`.
 */
export type BulkJob = {
  id: string;
  take: 'master' | 'slave';
  status: 'running' | 'done' | 'cancelled' | 'failed';
  total: number;
  done: number;
  resolved: number;
  failed: number;
  /** Duplicates left open: which record is the same customer is the steward's choice, not master or slave. */
  skipped: number;
  failures: { conflictId: string; record: string; error: string }[];
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
};

export type ConflictField = {
  name: string;
  type: ValueType;
  base: CanonicalValue | undefined;
  left: CanonicalValue | undefined;
  right: CanonicalValue | undefined;
  inConflict: boolean;
};

/** `fields` replaces the summary's field names with the full rows (an intersection would make it `string[] & ConflictField[]`). */
export type ConflictDetail = Omit<ConflictSummary, 'fields'> & {
  masterSide: Side;
  leftId: string | null;
  rightId: string | null;
  leftLabel: string;
  rightLabel: string;
  fields: ConflictField[];
  /** update-delete: which side deleted the record. */
  deletedSide?: Side;
  /**
   * A resolved conflict: when, by whom (the steward: the OS user on the desktop, the token's name
   * headless; null when the apps settled it themselves) and what was chosen, in words.
   */
  resolution?: { at: string; by: string | null; what: string };
  /** duplicate: the record that matched several, and the candidates it matched. */
  duplicate?: {
    side: Side;
    record: Record<string, CanonicalValue>;
    candidates: {
      id: string;
      fields: Record<string, CanonicalValue>;
      /**
       * Present when the candidate is already linked (a record created after the first sync with
       * the key of a linked record): the id of its partner on the duplicate's side, or null if that
       * record is gone. A linked candidate cannot be chosen: a record links to one record only.
       */
      linkedTo?: string | null;
    }[];
    /** Held because the record has no value for any match key (the pair's `emptyKeys: 'hold'`), not because it matched several. */
    emptyKey?: true;
  };
};

/** Per field: take the left value, the right value, or a merged value typed by the steward. */
export type FieldChoice = { take: 'left' } | { take: 'right' } | { value: CanonicalValue };

export type Resolution =
  | { kind: 'fields'; fields: Record<string, FieldChoice> }
  | { kind: 'update-delete'; keep: 'updated' | 'deleted' }
  /** Link to one candidate, or `null` to create the record on the other side. */
  | { kind: 'duplicate'; linkTo: string | null }
  /**
   * A stale copy: delete the duplicate in its own app, or (`candidate`) one of the records it
   * matched in the other app. The values stay in the activity log.
   */
  | { kind: 'delete-duplicate'; candidate?: string };

export type ResolveOutcome = {
  conflictId: string;
  status: 'resolved' | 'failed';
  /** What was written to each side, for the UI to show. */
  wrote: { left: number; right: number };
  error: string | null;
};

export type FailedRecord = {
  id: string;
  pairId: string;
  side: Side;
  op: 'create' | 'update' | 'delete';
  record: string;
  error: string;
  attempts: number;
  nextAttemptAt: string | null;
  failedAt: string;
};

export type ActivityEntry = {
  id: string;
  pairId: string;
  runId: string | null;
  record: string;
  side: Side;
  /** `forgotten`: a person's values were removed on request (privacy/forget.ts); the entry holds none of them. */
  action: 'created' | 'updated' | 'deleted' | 'conflict' | 'resolved' | 'restored' | 'linked' | 'forgotten';
  field: string | null;
  /** The value overwritten (kept so it can be restored), and the value written. */
  before: CanonicalValue | undefined;
  after: CanonicalValue | undefined;
  reason: string;
  at: string;
  /** An overwritten field value to write back, or (`lostIn`) a deleted record to create again. */
  restorable: boolean;
  /** A record-level delete: the apps it was deleted from; Restore creates it again in each that still lacks it. */
  lostIn?: Side[];
  /** Who acted, for a steward's action (the OS user on the desktop, the token's name headless); absent for a sync run. */
  actor?: string;
  /** The real-time event that brought the change (a webhook's correlation id), when one did. */
  correlationId?: string;
};

/** A value a connection's config may hold (it is stored as JSON). */
export type ConfigValue = string | number | boolean;

/**
 * How a field of a connection's settings is drawn: a text box, a file path, a number, a choice,
 * a checkbox, or a password box for the connection's one secret (which goes to the keychain and
 * never comes back: the renderer learns only `hasCredential`).
 */
export type ConfigFieldKind = 'text' | 'path' | 'number' | 'select' | 'boolean' | 'secret';

/**
 * One field of a connector's settings form, derived by the engine from the connector's config
 * schema (`connectors/config-schema.ts`); the renderer draws every connector's form from these.
 */
export type ConfigFieldSpec = {
  key: string;
  label: string;
  kind: ConfigFieldKind;
  /** Must be filled in (when shown). */
  required: boolean;
  help?: string;
  placeholder?: string;
  /** Select: its values, in order, and the words shown for them where they differ. */
  options?: string[];
  optionLabels?: Record<string, string>;
  /** Number: the bounds, and whether it must be whole. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** What an empty field means. */
  default?: ConfigValue;
  /** Consecutive fields with the same group are drawn under that heading. */
  group?: string;
  /** Text that holds line breaks (JSON, a certificate): drawn as a text area. */
  multiline?: true;
  /** Drawn by a dedicated editor ('app-profile': the REST connector's app profile, a form over its JSON). */
  editor?: 'app-profile';
  /** Shown (and checked, and stored) only while the field `key` holds one of `in` (its default when empty). */
  showWhen?: { key: string; in: ConfigValue[] };
  /** Not `required`, yet needed while the field of this key is empty (a host, unless a connection string is given). */
  requiredUnless?: string;
};

export type ConnectorCapabilities = {
  changeDetection: ChangeDetection[];
  /** A change feed (`Connector.listen`): pushed by the app ('webhook', 'notify'), or polled by the connector ('poll'). */
  realtime?: 'webhook' | 'notify' | 'poll';
  /**
   * The change-detection modes whose reads its feed signals (default: capture only — a database
   * feed that comes from capture's triggers). A folder watch signals any change in the folder:
   * its feed serves its hash mode.
   */
  realtimeModes?: ChangeDetection[];
  deletes: 'reported' | 'by-scan';
  optimisticWrites: boolean;
  /**
   * How many writes to hand the connector in one call (default 100). A file connector rewrites
   * its whole file per call, so it takes far more at once than an API with a request size limit.
   */
  writeBatch?: number;
  /**
   * A repeated create with the same idempotency key (`WriteOp.key`) answers with the record the
   * first one made instead of making a second (a retry after a lost answer is harmless). Without
   * it, the engine's journal looks the record up before it repeats a create (PITFALLS 15).
   */
  idempotentCreates?: boolean;
  /**
   * The connector talks to a server over a network, so connection loss mid-call is expected: it
   * surfaces as ConnectorError 'unavailable', and the conformance suite stops and restarts the
   * server under it.
   */
  network?: boolean;
  /** The most ids one `read` may ask for (an API's URL or filter limit); default 200. */
  maxIdsPerRead?: number;
  /** Records per page of `changes` the engine asks for (the connector's default when absent). */
  readBatch?: number;
  /** The app's rate limit: the engine spaces its calls to stay within it (connections/request-budget.ts). */
  requestsPerSecond?: number;
  /** At most this many calls in flight at once, across every run, resolution and preview on the connection. */
  maxConcurrentRequests?: number;
  /**
   * Time limits per call kind, in milliseconds, where the engine's defaults do not fit this app
   * (connections/calls.ts: 30 s for describe, test and read; per page for changes; longer for a
   * write batch). A call past its limit is aborted and fails as 'unavailable'.
   */
  callLimitsMs?: Partial<Record<ConnectorCallKind, number>>;
  /**
   * A file a spreadsheet opens: the boolean setting (config key) that writes formula-like values
   * as text. While it is off, the preview warns when the other app holds such values.
   */
  formulaSetting?: string;
};

/**
 * What capture mode would add to a collection's database, as the exact SQL Concord would run.
 * Installing or removing takes back the hash of the SQL the user was shown: if the SQL is no
 * longer the same (the table changed meanwhile), nothing runs and the user is shown the new SQL.
 */
export type CapturePlan = {
  collection: string;
  installed: boolean;
  installSql: string;
  installHash: string;
  removeSql: string;
  removeHash: string;
};

/** The connector calls the engine makes, each with its own time limit. */
export type ConnectorCallKind = 'describe' | 'test' | 'read' | 'changes' | 'write' | 'clearFlags';

/**
 * A ready-made starting point for a new connection of one connector kind — the REST connector's
 * shipped app profiles — offered by the wizard as "Start from: HubSpot contacts…".
 */
export type ConnectorPreset = {
  /** Unique within the connector, stable across versions (e.g. 'hubspot-contacts'). */
  id: string;
  label: string;
  /** 'documentation': written from the app's public API documentation, not tested against the live service. */
  status: 'documentation' | 'tested';
  /** What the user must fill in, and what the preset does not use (plain text). */
  notes: string;
  /** Values for the connection's config fields (keys of `configFields`), e.g. `{ profile: '<JSON text>' }`; never a secret. */
  config: Record<string, string | number | boolean>;
};

export type ConnectorInfo = {
  kind: string;
  label: string;
  description: string;
  configFields: ConfigFieldSpec[];
  capabilities: ConnectorCapabilities;
  /** Starting points for a new connection, when the connector has any. */
  presets?: ConnectorPreset[];
};

export type ConnectionSummary = {
  id: string;
  name: string;
  connector: string;
  config: Record<string, string | number | boolean>;
  /** The renderer only ever learns whether a credential exists. */
  hasCredential: boolean;
  createdAt: string;
};

/** `connections/try`: the first records of a collection and the fields found in them. */
export type ConnectionSample = {
  collection: string;
  /** Every collection the app describes, so the user can try another. */
  collections: string[];
  /** As the app gives them, nested values flattened the way the connector syncs them. */
  records: { id: string; updatedAt?: string; fields: Record<string, unknown> }[];
  /** The collection's fields as described, then any field found only in the records (`described: false`). */
  fields: { name: string; type: ValueType | null; described: boolean; example: unknown }[];
};

/**
 * What an OAuth 2 sign-in (authorization code with PKCE) needs: the app's endpoints and Concord's
 * client id there — the app profile's `auth` without its `kind`. `clientAuth` 'basic' / 'post': a
 * confidential client, whose secret goes with `connections/oauth-start`'s `clientSecret`.
 * `authorizationParams`: extra parameters of the authorization URL (Google: access_type=offline).
 */
export type OAuthSignInSettings = {
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  scope?: string;
  clientAuth?: 'none' | 'basic' | 'post';
  authorizationParams?: Record<string, string>;
};

/** A sign-in in progress: the UI opens `authorizationUrl` in a browser and waits on `flowId`. */
export type OAuthFlow = {
  flowId: string;
  authorizationUrl: string;
  /** Where the app sends the browser back: `http://127.0.0.1:<port>/callback`, on the engine's machine. */
  redirectUri: string;
  /** When the engine stops waiting (ISO 8601). */
  expiresAt: string;
};

export type CollectionField = {
  name: string;
  type: ValueType;
  nullable: boolean;
  key?: boolean;
  /**
   * A column the connector itself keeps for change detection or identity — the last-modified
   * time, the sync flag, Concord's own id column. Concord sets it on its writes, so a pair may
   * read it (copy it to the other app) but never write into it: syncing it both ways loops.
   */
  managed?: 'updated-at' | 'sync-flag' | 'concord-id';
  /** A managed column the app does not hold yet: Concord adds it on its first write (a CSV file's concord_id). */
  addedOnFirstWrite?: true;
};
/** A collection an app holds that Concord cannot sync, and why (in words for the user). */
export type LeftOutCollection = { name: string; reason: string };

export type CollectionInfo = {
  name: string;
  fields: CollectionField[];
  primaryKey: string[];
  changeDetection: ChangeDetection[];
  /**
   * The app never gives a record's id to another record (an AUTOINCREMENT key, ids Concord
   * generates): a record read under a linked id is that record, however much it changed. Absent:
   * ids may be reused (a plain SQLite row id, ids a user types), and a linked id whose record
   * changed wholesale is checked before it is taken for the same record.
   */
  stableIds?: boolean;
  /**
   * What the connecting user may write, when not everything (a database's privileges): a side
   * that may not update is read-only for the pair. Absent: creates, updates and deletes allowed.
   */
  writable?: { create: boolean; update: boolean; delete: boolean };
};

export type RunProgress = {
  pairId: string;
  runId: string;
  phase: 'reading' | 'matching' | 'writing' | 'finishing';
  read: number;
  /** Total records expected, when known (full resync, hash scans). */
  total: number | null;
  written: number;
  /** While writing: how many writes the run planned, so the bar can show written / planned. */
  toWrite?: number;
  /** `total` is an estimate (the second app's size is not known yet): shown as "≈". */
  totalEstimated?: boolean;
};

export type AppInfo = {
  name: string;
  version: string;
  dataDir: string;
  databasePath: string;
  credentialStore: string;
  nodeVersion: string;
  startedAt: string;
};

/** A named access token of the headless server (the token itself is shown once, when made). */
export type AccessTokenInfo = { id: string; name: string; admin: boolean; createdAt: string; lastUsedAt: string | null };

/** A browser session made from a token; it ends at `expiresAt` (idle or absolute limit) unless used. */
export type SessionInfo = {
  id: string;
  tokenName: string;
  admin: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  address: string | null;
  userAgent: string | null;
  /** The session of the caller asking. */
  current: boolean;
};

/** What a prune removed (rows per kind), the age it cut at, and the pages the vacuum gave back. */
/** `events`: real-time events finished before the cutoff (a pending one is never pruned). */
export type PruneResult = { activity: number; runs: number; conflicts: number; journal: number; events?: number; cutoff: string; freedPages: number };
export type PrivacySettings = { retentionDays: number; lastPrune: PruneResult | null };
/** What forgetting a person removed: rows per kind, run errors the key was cut out of, and whether the WAL was emptied after. */
/** `events`: real-time events removed (finished) or emptied of the record they carried (pending: read from the app instead). */
export type ForgetResult = { pairs: number; links: number; activity: number; conflicts: number; failed: number; journal: number; events?: number; runErrors: number; walCleared: boolean };

/**
 * Workflow actions (issue 12 §4): what a pair tells the outside world. `url` POSTs signed JSON to
 * the user's own URL; `notify` shows a desktop notification (the shell's, or the browser's).
 */
export type ActionEventName = 'conflict.opened' | 'record.failed' | 'pair.failing' | 'pair.recovered' | 'run.finished';
/** What a delivery carries: one of the events above, or `test` (sent by "Send test event"). */
export type DeliveryEventName = ActionEventName | 'test';
export type ActionKind = 'url' | 'notify';

export type ActionInfo = {
  id: string;
  pairId: string;
  kind: ActionKind;
  /** The URL a `url` action POSTs to (null for `notify`). */
  url: string | null;
  events: ActionEventName[];
  enabled: boolean;
  /** A `url` action's signing secret is in the credential store (it is shown once, when made or rotated). */
  hasSecret: boolean;
  secretRotatedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

export type ActionInput = { kind: 'url'; url: string; events: ActionEventName[]; enabled?: boolean } | { kind: 'notify'; events: ActionEventName[]; enabled?: boolean };

/** A made or rotated `url` action with its signing secret: the one time the secret leaves the engine. */
export type ActionWithSecret = { action: ActionInfo; secret: string };

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One try of a delivery: the HTTP status and the start of the response body, or the error. */
export type DeliveryAttempt = { at: string; manual: boolean; httpStatus: number | null; response: string | null; error: string | null; durationMs: number };

export type DeliveryInfo = {
  /** The idempotency key: the same on every attempt and redelivery. */
  id: string;
  actionId: string;
  actionKind: ActionKind;
  pairId: string;
  event: DeliveryEventName;
  occurredAt: string;
  status: DeliveryStatus;
  /** When the next automatic attempt is due (null once delivered or given up). */
  nextAttemptAt: string | null;
  /** The JSON body's `data`, as sent. */
  data: unknown;
  attempts: DeliveryAttempt[];
};
export type DeliveryPage = { total: number; items: DeliveryInfo[] };

/** A `notify` action fired: the shell (or the browser) shows it as a desktop notification. */
export type ActionNotification = { pairId: string; deliveryId: string; event: DeliveryEventName; title: string; body: string };
