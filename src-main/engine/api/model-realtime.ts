/**
 * Real time (issue 12): webhook settings of a pair, the events every change feed puts in a pair's
 * durable queue, and the queue's state on the pair's card.
 */
import type { Side } from './model';

/**
 * How an app signs its webhook calls (HMAC-SHA256 with the pair's secret):
 * - `github`: `X-Hub-Signature-256: sha256=<hex of the body>`;
 * - `stripe`: `Stripe-Signature: t=<unix seconds>,v1=<hex of "t.body">` (the timestamp is signed);
 * - `hex`: a plain hex digest in `signatureHeader`; of `"<timestamp>.<body>"` when `timestampHeader`
 *   is set (the timestamp is then signed too), else of the body.
 */
export type WebhookScheme = 'github' | 'stripe' | 'hex';

/** JSON paths (dotted, `a.b.0.c`) into a webhook body; each is optional and has a default. */
export type WebhookPaths = {
  /** The array of events when one call carries several (default: the body itself when it is an array). */
  events?: string;
  /** The event's id, for deduplication (default `id`; else the header `eventIdHeader`; else the body's digest). */
  eventId?: string;
  /** The changed record's id in the app (default `record.id`, then `recordId`). */
  recordId?: string;
  /** The event's type; a value in `deleteTypes` says the record was deleted (default `type`). */
  type?: string;
  /** A fat event's record (default `record`): its fields are used as sent instead of reading the app. */
  record?: string;
  /** The event's time (unix seconds or ISO), for the replay window when the signature carries none. */
  timestamp?: string;
};

export type WebhookSideSettings = {
  enabled: boolean;
  scheme: WebhookScheme;
  /** Default per scheme: `X-Hub-Signature-256`, `Stripe-Signature`, `X-Signature`. */
  signatureHeader?: string;
  /** `hex` only: a header holding the signed timestamp (unix seconds). */
  timestampHeader?: string;
  /** The replay window: an event whose signed time is further than this from now is refused (default 300 s). */
  toleranceSeconds?: number;
  /** A header naming the delivery (GitHub's `X-GitHub-Delivery`): used for deduplication. */
  eventIdHeader?: string;
  paths?: WebhookPaths;
  /** Event types that mean "deleted" (default: deleted, delete, removed, *.deleted). */
  deleteTypes?: string[];
};

export type WebhookSettings = {
  /** `sync`: the call is answered once the change is applied (or after `syncTimeoutSeconds`, as pending); `async`: 202 at once with a correlation id. */
  mode: 'sync' | 'async';
  syncTimeoutSeconds: number;
  left?: WebhookSideSettings;
  right?: WebhookSideSettings;
};

export type EventState = 'pending' | 'applied' | 'conflict' | 'failed';
/** Where an event came from: a webhook call, a database's notification, a poll of the app, a watched file. */
export type EventSource = 'webhook' | 'notify' | 'poll' | 'watch';

export type EventDetail = {
  /** Why it failed (the app's message), or why it waits (the run's error, retried with backoff). */
  error?: string;
  /** The open conflict the record went to. */
  conflictId?: string;
  /** What the change did in the apps: one entry per record-level activity of the run. */
  wrote?: { side: Side; action: string; recordId: string | null; fields: string[] }[];
  /** Said in words when nothing was written (e.g. "no change: the other app already holds it"). */
  note?: string;
};

export type SyncEvent = {
  correlationId: string;
  pairId: string;
  side: Side;
  source: EventSource;
  /** The record the event names; null for a feed that only says "something changed". */
  recordId: string | null;
  kind: 'upsert' | 'delete' | 'changed';
  /** The event carried the record itself (a fat event). */
  fat: boolean;
  state: EventState;
  attempts: number;
  nextAttemptAt: string | null;
  receivedAt: string;
  finishedAt: string | null;
  runId: string | null;
  detail: EventDetail | null;
};

/** A pair's queue on its card: events not yet applied, and the age of the oldest. */
export type QueueStatus = { depth: number; oldestAt: string | null; /** Of those, waiting for a retry after a failed run. */ retrying: number };

/** Where a pair's webhooks are received (`webhooks/info`). */
export type WebhookInfo = {
  /** The receiver's state: listening on `address`, or not (with why). */
  listening: boolean;
  error: string | null;
  /** Per side with webhooks on: the URL to give the app (on this machine; expose it through a tunnel or reverse proxy). */
  endpoints: Partial<Record<Side, string>>;
  /** The status URL pattern for a correlation id. */
  statusUrl: string | null;
  hasSecret: boolean;
};
