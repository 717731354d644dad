/**
 * Input schemas of the workflow-action methods (issue 12 §4), spread into the one table in
 * schemas.ts (which checks them against the contract).
 */
import { z } from 'zod';
import type { ActionEventName } from './model';

const id = z.string().trim().min(1, 'must not be empty').max(200);

export const ACTION_EVENTS = ['conflict.opened', 'record.failed', 'pair.failing', 'pair.recovered', 'run.finished'] as const satisfies readonly ActionEventName[];

/**
 * The user's own endpoint. A password in the URL would be stored in SQLite (secrets live only in
 * the credential store): the signature is how the receiver knows the call is Concord's.
 */
export const actionUrl = z
  .url({ protocol: /^https?$/, error: 'the URL must be an http:// or https:// address, e.g. https://example.com/hooks/concord' })
  .max(2000)
  .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), 'leave the user name and password out of the URL: Concord signs every call instead (see the Concord-Signature header)');

const events = z
  .array(z.enum(ACTION_EVENTS))
  .min(1, 'choose at least one event')
  .max(ACTION_EVENTS.length)
  .transform((e) => [...new Set(e)]);

/** "Pair starts failing" is notified by Concord itself already (shell/notifications.ts): a notify action may not ask for it twice. */
const NOTIFY_FAILING = 'Concord already shows a desktop notification when a pair starts failing; leave "pair.failing" out of a notification action.';

const actionInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('url'), url: actionUrl, events, enabled: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('notify'), events: events.refine((e) => !e.includes('pair.failing'), NOTIFY_FAILING), enabled: z.boolean().optional() }),
]);

export const actionSchemas = {
  'actions/list': z.strictObject({ pairId: id }),
  'actions/create': z.strictObject({ pairId: id, action: actionInput }),
  'actions/update': z.strictObject({ actionId: id, url: actionUrl.optional(), events: events.optional(), enabled: z.boolean().optional() }),
  'actions/delete': z.strictObject({ actionId: id }),
  'actions/rotate-secret': z.strictObject({ actionId: id }),
  'actions/deliveries': z.strictObject({ pairId: id, actionId: id.optional(), offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(200).optional() }),
  'actions/redeliver': z.strictObject({ deliveryId: id }),
  'actions/test': z.strictObject({ actionId: id }),
};

export { NOTIFY_FAILING };
