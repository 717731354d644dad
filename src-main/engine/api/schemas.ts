/**
 * One input schema per API method. Every input crossing a process or network boundary is parsed
 * here before a handler sees it; the `satisfies` clause at the end makes the compiler check that
 * this table has exactly the contract's methods and that each schema produces the contract's type.
 */
import { z } from 'zod';
import { booleanFormat, isDateFormat, numberFormat } from '../core/formats';
import { actionSchemas } from './action-schemas';
import type { Api, ApiMethod } from './contract';
import type { ChangeDetection } from './model';

const id = z.string().trim().min(1, 'must not be empty').max(200);

/** Why a coercion's app format does not fit its type (null when it fits): caught when the pair is saved, not at the first run. */
function coerceFormatProblem(to: string, format: string): string | null {
  if (to === 'date' || to === 'datetime') return isDateFormat(format) ? null : `the date format "${format}" must name YYYY, MM and DD (e.g. DD/MM/YYYY; HH, mm, ss for times)`;
  if (to === 'number') return numberFormat(format) ? null : `the number format "${format}" is not a sample such as 1,234.5 or 1.234,5`;
  if (to === 'boolean') return booleanFormat(format) ? null : `the boolean format "${format}" must be the two texts for true and false, e.g. yes/no`;
  return `a ${to} has no format; remove it`;
}
const empty = z.strictObject({});
const configValue = z.union([z.string().max(4000), z.number(), z.boolean()]);
const config = z.record(z.string().min(1).max(100), configValue);

const valueType = z.enum(['string', 'number', 'boolean', 'date', 'datetime', 'set', 'json']);
const policy = z.enum(['master', 'newest', 'merge-numeric', 'merge-set', 'manual']);
const side = z.enum(['left', 'right']);
const canonicalValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

const transform = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('trim') }),
  z.strictObject({ kind: z.literal('case'), to: z.enum(['lower', 'upper', 'title']) }),
  z.strictObject({ kind: z.literal('value-map'), values: z.record(z.string(), z.string()) }),
  z
    .strictObject({ kind: z.literal('coerce'), to: valueType, format: z.string().trim().min(1).max(40).optional() })
    .superRefine((t, ctx) => {
      const problem = t.format === undefined ? null : coerceFormatProblem(t.to, t.format);
      if (problem) ctx.addIssue({ code: 'custom', path: ['format'], message: problem });
    }),
]);

const sideField = z.strictObject({
  fields: z.array(z.string().min(1, 'a field name must not be empty').max(200)).min(1, 'choose at least one field'),
  separator: z.string().max(10).optional(),
  transforms: z.array(transform).max(20).optional(),
});

const fieldMapping = z.strictObject({
  name: z.string().trim().min(1, 'a mapped field needs a name').max(200),
  type: valueType,
  left: sideField,
  right: sideField,
  direction: z.enum(['both', 'left-to-right', 'right-to-left']),
  policy: policy.optional(),
});

const CHANGE_DETECTION_MODES = ['cursor', 'flag', 'hash', 'token', 'capture'] as const satisfies readonly ChangeDetection[];

const pairSide = z.strictObject({
  connectionId: id,
  collection: z.string().trim().min(1, 'choose a collection').max(200),
  changeDetection: z.enum(CHANGE_DETECTION_MODES).optional(),
});

const jsonPath = z.string().trim().min(1).max(200).regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dotted path such as data.object.id');
const headerName = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9-]+$/, 'a header name such as X-Signature');
const webhookSide = z.strictObject({
  enabled: z.boolean(),
  scheme: z.enum(['github', 'stripe', 'hex']),
  signatureHeader: headerName.optional(),
  timestampHeader: headerName.optional(),
  toleranceSeconds: z.number().int().min(5, 'a replay window of at least 5 seconds').max(86_400, 'a replay window of at most a day').optional(),
  eventIdHeader: headerName.optional(),
  paths: z.strictObject({ events: jsonPath.optional(), eventId: jsonPath.optional(), recordId: jsonPath.optional(), type: jsonPath.optional(), record: jsonPath.optional(), timestamp: jsonPath.optional() }).optional(),
  deleteTypes: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
});
const webhooks = z.strictObject({
  mode: z.enum(['sync', 'async']),
  syncTimeoutSeconds: z.number().min(0.1, 'wait at least 0.1 s').max(120, 'wait at most 120 s: apps give up on a webhook call after about that'),
  left: webhookSide.optional(),
  right: webhookSide.optional(),
});

export const pairConfigSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'give the pair a name').max(120),
    left: pairSide,
    right: pairSide,
    fields: z.array(fieldMapping).min(1, 'map at least one field').max(500),
    matchKeys: z.array(z.string().min(1)).min(1, 'choose at least one match key').max(10),
    fallbackKeys: z.array(z.string().min(1)).max(10).optional(),
    masterSide: side,
    conflictPolicy: policy,
    initialMatchPolicy: policy.optional(),
    deletes: z.strictObject({
      propagate: z.boolean(),
      from: side.optional(),
      massDeleteThreshold: z.number().min(0).max(1),
    }),
    schedule: z.strictObject({
      intervalSeconds: z.number().int().min(10, 'the shortest interval is 10 seconds').max(7 * 86400).nullable(),
    }),
    emptyKeys: z.enum(['hold', 'create']).optional(),
    webhooks: webhooks.optional(),
  })
  .superRefine((cfg, ctx) => {
    const names = new Set<string>();
    cfg.fields.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `the field name "${f.name}" is used twice` });
      names.add(f.name);
    });
    // merge-set merges lists (tags, groups); on a name or an email it would join two values into one.
    cfg.fields.forEach((f, i) => {
      if (f.policy === 'merge-set' && f.type !== 'set') {
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'policy'], message: `"${f.name}" is a ${f.type} field: merge-set only merges set fields (lists such as tags). Change the field's type to set, or choose another policy.` });
      }
    });
    for (const key of ['conflictPolicy', 'initialMatchPolicy'] as const) {
      if (cfg[key] !== 'merge-set') continue;
      const affected = cfg.fields.filter((f) => f.policy === undefined && f.type !== 'set').map((f) => `"${f.name}"`);
      if (affected.length > 0) {
        ctx.addIssue({ code: 'custom', path: [key], message: `merge-set as the pair's policy would apply to ${affected.join(', ')}, which are not set fields: choose another pair policy and set merge-set on the set fields only.` });
      }
    }
    const keyLists: [string, string[] | undefined][] = [['matchKeys', cfg.matchKeys], ['fallbackKeys', cfg.fallbackKeys]];
    for (const [list, keys] of keyLists) {
      keys?.forEach((k, i) => {
        if (!names.has(k)) ctx.addIssue({ code: 'custom', path: [list, i], message: `"${k}" is not a mapped field` });
      });
    }
  });

const fieldChoice = z.union([
  z.strictObject({ take: z.literal('left') }),
  z.strictObject({ take: z.literal('right') }),
  z.strictObject({ value: canonicalValue }),
]);

const resolution = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('fields'),
    fields: z.record(z.string().min(1), fieldChoice).refine((f) => Object.keys(f).length > 0, 'choose a value for at least one field'),
  }),
  z.strictObject({ kind: z.literal('update-delete'), keep: z.enum(['updated', 'deleted']) }),
  z.strictObject({ kind: z.literal('duplicate'), linkTo: id.nullable() }),
  z.strictObject({ kind: z.literal('delete-duplicate'), candidate: id.optional() }),
]);

const conflictQuery = z.strictObject({
  pairId: id.optional(),
  kind: z.enum(['field', 'update-delete', 'duplicate']).optional(),
  field: z.string().max(200).optional(),
  search: z.string().max(200).optional(),
  status: z.enum(['open', 'resolved']).optional(),
});

const limit = z.number().int().min(1).max(10_000).optional();

export const schemas = {
  'app/info': empty,
  'connectors/list': empty,
  'connections/list': empty,
  'connections/create': z.strictObject({
    name: z.string().trim().min(1, 'give the connection a name').max(120),
    connector: id,
    config,
    secret: z.string().max(10_000).optional(),
    oauthFlowId: id.optional(),
  }).refine((a) => a.secret === undefined || a.oauthFlowId === undefined, { message: 'send either the secret or the sign-in (oauthFlowId), not both', path: ['oauthFlowId'] }),
  'connections/update': z.strictObject({
    connectionId: id,
    name: z.string().trim().min(1, 'give the connection a name').max(120).optional(),
    config: config.optional(),
    secret: z.string().max(10_000).nullable().optional(),
  }),
  'connections/delete': z.strictObject({ connectionId: id }),
  'connections/test': z.union([
    z.strictObject({ connectionId: id }),
    z
      .strictObject({ connector: id, config, secret: z.string().max(10_000).optional(), oauthFlowId: id.optional() })
      .refine((a) => a.secret === undefined || a.oauthFlowId === undefined, { message: 'send either the secret or the sign-in (oauthFlowId), not both', path: ['oauthFlowId'] }),
  ]),
  'connections/oauth-start': z.strictObject({
    auth: z.strictObject({
      authorizationUrl: z.url({ protocol: /^https?$/, error: 'the authorization URL must be an http(s) URL' }).max(2000),
      tokenUrl: z.url({ protocol: /^https?$/, error: 'the token URL must be an http(s) URL' }).max(2000),
      clientId: z.string().trim().min(1, 'enter the client ID the app gave you').max(500),
      scope: z.string().trim().max(2000).optional(),
      clientAuth: z.enum(['none', 'basic', 'post']).optional(),
      authorizationParams: z
        .record(z.string().trim().min(1).max(200), z.string().max(2000))
        .refine((p) => Object.keys(p).length <= 20, 'at most 20 authorization parameters')
        .optional(),
    }),
    connectionId: id.optional(),
    clientSecret: z.string().min(1, 'enter the client secret, or leave it out for a public client').max(2000).optional(),
  }),
  'connections/oauth-wait': z.strictObject({ flowId: id, waitMs: z.number().int().min(0).max(90_000).optional() }),
  'connections/oauth-cancel': z.strictObject({ flowId: id }),
  'connections/describe': z.strictObject({ connectionId: id }),
  'connections/try': z.union([
    z.strictObject({ connectionId: id, collection: z.string().trim().min(1).max(200).optional(), limit: z.number().int().min(1).max(50).optional() }),
    z
      .strictObject({ connector: id, config, secret: z.string().max(10_000).optional(), oauthFlowId: id.optional(), collection: z.string().trim().min(1).max(200).optional(), limit: z.number().int().min(1).max(50).optional() })
      .refine((a) => a.secret === undefined || a.oauthFlowId === undefined, { message: 'send either the secret or the sign-in (oauthFlowId), not both', path: ['oauthFlowId'] }),
  ]),
  'connections/capture-plan': z.strictObject({ connectionId: id, collection: z.string().trim().min(1).max(200) }),
  'connections/capture-install': z.strictObject({ connectionId: id, collection: z.string().trim().min(1).max(200), installHash: z.string().regex(/^[0-9a-f]{64}$/, 'the hash of the SQL shown') }),
  'connections/capture-remove': z.strictObject({ connectionId: id, collection: z.string().trim().min(1).max(200), removeHash: z.string().regex(/^[0-9a-f]{64}$/, 'the hash of the SQL shown') }),
  'pairs/list': empty,
  'pairs/get': z.strictObject({ pairId: id }),
  'pairs/create': z.strictObject({ config: pairConfigSchema }),
  'pairs/update': z.strictObject({ pairId: id, config: pairConfigSchema }),
  'pairs/delete': z.strictObject({ pairId: id }),
  'pairs/edit-connection': z.strictObject({
    pairId: id,
    side,
    name: z.string().trim().min(1, 'give the connection a name').max(120),
    config,
    secret: z.string().max(10_000).optional(),
  }),
  'pairs/preview': z.union([z.strictObject({ pairId: id }), z.strictObject({ config: pairConfigSchema })]),
  'pairs/sync-now': z.strictObject({ pairId: id, confirmDeletes: z.number().int().min(0).optional() }),
  'pairs/full-resync': z.strictObject({ pairId: id }),
  'pairs/pause': z.strictObject({ pairId: id }),
  'pairs/resume': z.strictObject({ pairId: id }),
  'runs/list': z.strictObject({ pairId: id, limit }),
  'runs/get': z.strictObject({ runId: id }),
  'runs/cancel': z.strictObject({ runId: id }),
  'conflicts/list': z.strictObject({
    ...conflictQuery.shape,
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    sort: z.strictObject({ by: z.enum(['detectedAt', 'record', 'pairName', 'fields', 'kind']), desc: z.boolean() }).optional(),
  }),
  'conflicts/facets': z.strictObject({ status: z.enum(['open', 'resolved']).optional() }),
  'conflicts/count': empty,
  'conflicts/get': z.strictObject({ conflictId: id }),
  'conflicts/resolve': z.strictObject({ conflictId: id, resolution }),
  // No cap on count: a selection's ids (the UI sends a selection it holds), or a filter for "all N matching".
  'conflicts/resolve-bulk': z.union([
    z.strictObject({ take: z.enum(['master', 'slave']), conflictIds: z.array(id).min(1, 'select at least one conflict') }),
    z.strictObject({ take: z.enum(['master', 'slave']), filter: conflictQuery }),
  ]),
  'conflicts/bulk-get': z.strictObject({ jobId: id }),
  'conflicts/bulk-cancel': z.strictObject({ jobId: id }),
  'failed/list': z.strictObject({ pairId: id }),
  'failed/retry': z.strictObject({ failedId: id }),
  'failed/retry-all': z.strictObject({ pairId: id }),
  'activity/list': z.strictObject({ pairId: id, record: z.string().max(500).optional(), limit }),
  'activity/restore': z.strictObject({ activityId: id }),
  'events/list': z.strictObject({
    pairId: id,
    state: z.enum(['pending', 'applied', 'conflict', 'failed']).optional(),
    search: z.string().trim().min(1).max(200).optional(),
    limit,
    beforeSeq: z.number().int().min(0).optional(),
  }),
  'events/get': z.strictObject({ correlationId: id }),
  'webhooks/info': z.strictObject({ pairId: id }),
  'webhooks/set-secret': z.strictObject({ pairId: id, secret: z.string().min(16, 'a webhook secret of at least 16 characters').max(500).optional() }),
  'activity/export': z.strictObject({ pairId: id }),
  'privacy/settings': empty,
  'privacy/set-retention': z.strictObject({ days: z.number().int().min(1, 'Keep records for at least 1 day.').max(36_500, 'Keep records for at most 36,500 days (100 years).') }),
  'privacy/prune': empty,
  'privacy/forget': z.strictObject({ key: z.string().trim().min(3, 'give the value that identifies the person, e.g. their email address').max(500) }),
  'demo/create': empty,
  'access/tokens/list': empty,
  'access/tokens/create': z.strictObject({ name: z.string().trim().min(1, 'give the token a name').max(80), admin: z.boolean().optional() }),
  'access/tokens/revoke': z.strictObject({ token: id }),
  'access/sessions/list': empty,
  'access/sessions/revoke': z.strictObject({ sessionId: id }),
  ...actionSchemas,
} satisfies { [M in ApiMethod]: z.ZodType<Api[M]['args']> };
