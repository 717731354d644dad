/**
 * An app profile: everything the REST connector knows about one web app, as JSON a user can
 * read, export and import. The schema is strict (an unknown key is a typo, and says so), and every
 * problem comes back with the exact path in the profile and what to write there.
 *
 * Templates are JSON, never string concatenation: a body template is a JSON value in which the
 * whole string "{{fields}}" stands for the record's fields (nested back from `address.city`),
 * "{{id}}" for its id and "{{version}}" for the expected version; endpoint paths hold `{id}`,
 * which is URL-encoded (or `{idPath}`, for ids that are paths such as Google's `people/c123`: each
 * segment URL-encoded, the slashes kept). A list called with POST has a body template of the same
 * kind, with "{{cursor}}", "{{pageSize}}", "{{page}}" and "{{offset}}", and the modified-since filter
 * may be a body fragment with "{{since}}". So no field value can change the shape of a request.
 */
import { z } from 'zod';
import { pathProblem } from './paths';
import { bodyTemplate, json, LIST_BODY_PLACEHOLDERS, objectTemplate } from './templates';
import { patternProblem, type TimeFormat } from './time-format';

const jsonPath = z.string().superRefine((p, ctx) => {
  const problem = pathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a JSON path this profile understands: it ${problem}` });
});

const timeFormat: z.ZodType<TimeFormat> = z.union([
  z.enum(['iso', 'epoch-seconds', 'epoch-ms']),
  z.strictObject({
    pattern: z.string().superRefine((p, ctx) => {
      const problem = patternProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: `the pattern ${problem}` });
    }),
  }),
]);

const httpUrl = z.string().superRefine((u, ctx) => {
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(u).protocol);
  } catch {
    ok = false;
  }
  if (!ok) ctx.addIssue({ code: 'custom', message: `must be a full http:// or https:// address (not "${u}")` });
});

/**
 * An endpoint path under the base URL; `needsId`: it must hold `{id}` (or `{idPath}`). Paths
 * without an id may be empty: the base URL itself (Airtable's table URL is the list and create).
 */
const endpointPath = (needsId: boolean) =>
  z.string().superRefine((p, ctx) => {
    if (!p.startsWith('/') && (needsId || p !== '')) ctx.addIssue({ code: 'custom', message: `must start with / (it is added to the base URL), not "${p}"` });
    if (needsId && !p.includes('{id}') && !p.includes('{idPath}')) ctx.addIssue({ code: 'custom', message: `must hold {id} where the record's id goes (e.g. /contacts/{id})` });
  });

/** Parameters of the authorization request Concord sets itself: a profile may not change them. */
export const RESERVED_AUTHORIZATION_PARAMS: readonly string[] = ['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'state', 'scope'];

export const authSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('api-key'), in: z.enum(['header', 'query']), name: z.string().min(1) }),
  z.strictObject({ kind: z.literal('bearer') }),
  z.strictObject({ kind: z.literal('basic'), username: z.string().min(1) }),
  z.strictObject({
    kind: z.literal('oauth2-client-credentials'),
    tokenUrl: httpUrl,
    clientId: z.string().min(1),
    scope: z.string().optional(),
    /** How the client secret goes to the token endpoint: HTTP Basic (the default) or in the form body. */
    clientAuth: z.enum(['basic', 'post']).optional(),
  }),
  z.strictObject({
    kind: z.literal('oauth2-authorization-code'),
    authorizationUrl: httpUrl,
    tokenUrl: httpUrl,
    clientId: z.string().min(1),
    scope: z.string().optional(),
    /**
     * 'none' (the default): a public client, PKCE only. 'basic' / 'post': a confidential client —
     * the app wants a client secret at its token endpoint, by HTTP Basic or in the form body. The
     * secret itself is typed at sign-in and kept in the keychain with the refresh token, never here.
     */
    clientAuth: z.enum(['none', 'basic', 'post']).optional(),
    /** Extra parameters of the authorization URL (Google: access_type=offline, prompt=consent). */
    authorizationParams: z
      .record(z.string().min(1), z.string())
      .superRefine((params, ctx) => {
        for (const k of Object.keys(params)) {
          if (RESERVED_AUTHORIZATION_PARAMS.includes(k)) ctx.addIssue({ code: 'custom', path: [k], message: `is set by Concord itself (${k}); remove it${k === 'scope' ? ' and use auth.scope' : ''}` });
        }
      })
      .optional(),
  }),
]);

const pagingSchema = z.discriminatedUnion('style', [
  z.strictObject({ style: z.literal('none') }),
  z.strictObject({ style: z.literal('page'), pageParam: z.string().min(1).default('page'), sizeParam: z.string().min(1).optional(), firstPage: z.number().int().min(0).default(1) }),
  z.strictObject({ style: z.literal('offset'), offsetParam: z.string().min(1).default('offset'), limitParam: z.string().min(1).default('limit') }),
  z.strictObject({ style: z.literal('cursor'), cursorParam: z.string().min(1).default('cursor'), next: jsonPath, sizeParam: z.string().min(1).optional() }),
  z.strictObject({ style: z.literal('link'), sizeParam: z.string().min(1).optional() }),
]);

const listSchema = z.strictObject({
  /** POST for a list that takes its parameters as a JSON body (Notion's database query, a search endpoint). */
  method: z.enum(['GET', 'POST']).default('GET'),
  path: endpointPath(false),
  /**
   * A POST list's body. Whole strings "{{cursor}}", "{{pageSize}}", "{{page}}" and "{{offset}}" are
   * filled in per page (a number, except the cursor, which is the app's own token); a property whose
   * value does not exist yet — the cursor of the first page — is left out. A paging value the body
   * does not hold goes in its query parameter, as with GET.
   */
  body: objectTemplate(LIST_BODY_PLACEHOLDERS).optional(),
  /** Fixed query parameters (a sort order, "include archived"). */
  query: z.record(z.string(), z.string()).default({}),
  /** Where the records array is in the answer. */
  records: jsonPath.default('$'),
  paging: pagingSchema.default({ style: 'none' }),
  pageSize: z.number().int().min(1).max(10_000).default(100),
  /** The app filters on last-modified: enables cursor mode. Inclusive (`>=`), as the app's time format. */
  modifiedSince: z
    .strictObject({
      /** The query parameter that takes the time. */
      param: z.string().min(1).optional(),
      /** Or, for a POST list: properties merged into the body's top level, with "{{since}}" where the time goes (a number for epoch formats). */
      body: objectTemplate(['since'], 'since').optional(),
      format: timeFormat.optional(),
    })
    .superRefine((m, ctx) => {
      if ((m.param === undefined) === (m.body === undefined)) ctx.addIssue({ code: 'custom', message: 'needs either param (a query parameter) or body (a POST list’s filter with "{{since}}"), not both or neither' });
    })
    .optional(),
  /** 'updated-asc': pages come in (updated-at, id) order, so the cursor may move after each page; else only after the last. */
  order: z.enum(['updated-asc', 'any']).default('any'),
  /** Where the total count is in the answer (progress bars). */
  total: jsonPath.optional(),
});

const writeSchema = <M extends readonly [string, ...string[]]>(methods: M, dflt: M[number], needsId: boolean) =>
  z.strictObject({
    method: z.enum(methods).default(dflt as never),
    path: endpointPath(needsId),
    body: bodyTemplate.default('{{fields}}'),
    /** Where the written record is in the answer. */
    record: jsonPath.default('$'),
  });

const concurrencySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  /** ETag / If-Match: `field` when each listed record carries its etag; otherwise the ETag header of get and write answers. */
  z.strictObject({ kind: z.literal('etag'), field: jsonPath.optional() }),
  /** A version number in the record, sent back on writes; the app answers 409 (or 412) when it moved on. */
  z.strictObject({ kind: z.literal('version-field'), field: jsonPath }),
]);

const deletesSchema = z.discriminatedUnion('kind', [
  /** Deletes are found by listing every id (hash mode). */
  z.strictObject({ kind: z.literal('scan') }),
  /** Deleted records stay listed with a flag (archived: true). */
  z.strictObject({ kind: z.literal('flag'), field: jsonPath, value: json.default(true) }),
  /** An endpoint lists what was deleted since a time. */
  z.strictObject({ kind: z.literal('endpoint'), path: endpointPath(false), sinceParam: z.string().min(1), records: jsonPath.default('$'), id: jsonPath.default('id'), format: timeFormat.optional() }),
]);

const fieldSchema = z.strictObject({ name: z.string().min(1), type: z.enum(['string', 'number', 'boolean', 'date', 'datetime', 'set', 'json']).default('string') });

const collectionSchema = z
  .strictObject({
    name: z.string().min(1),
    label: z.string().optional(),
    list: listSchema,
    /** Paths inside one record. */
    id: jsonPath.default('id'),
    updatedAt: jsonPath.optional(),
    createdAt: jsonPath.optional(),
    /** Where the record's fields are (HubSpot: properties); nested objects below it are flattened. */
    fieldsAt: jsonPath.default('$'),
    /** The fields the app has; the first page adds any it finds. */
    fields: z.array(fieldSchema).default([]),
    /** Fields the app computes and refuses in writes (besides the id and the two times): never sent. */
    readOnlyFields: z.array(z.string().min(1)).default([]),
    get: z.strictObject({ path: endpointPath(true), record: jsonPath.default('$') }),
    create: writeSchema(['POST', 'PUT'] as const, 'POST', false).optional(),
    update: writeSchema(['PATCH', 'PUT', 'POST'] as const, 'PATCH', true)
      .extend({
        /**
         * The app replaces the record with what it is sent, whatever the method (Google's
         * updateContact with its updatePersonFields): Concord reads the record and sends every
         * writable field, the changed ones merged over it — as it does for PUT.
         */
        wholeRecord: z.boolean().default(false),
      })
      .optional(),
    delete: z.strictObject({ method: z.enum(['DELETE', 'POST']).default('DELETE'), path: endpointPath(true) }).optional(),
    concurrency: concurrencySchema.default({ kind: 'none' }),
    deletes: deletesSchema.default({ kind: 'scan' }),
    quirks: z
      .strictObject({
        /** A new record's updated-at is null until its first edit: its created-at (`createdAt`) stands in. */
        updatedAtNullOnCreate: z.boolean().default(false),
        /** Timestamps have whole seconds: the cursor looks back at least a second. */
        secondTimestamps: z.boolean().default(false),
        /** Writes reach list results only after this long: the cursor looks back as far, and scans patch in Concord's own recent writes. */
        listLagSeconds: z.number().min(0).max(3600).default(0),
        /** Write answers lack the full record: Concord reads it by id after each write. */
        writeAnswerWithoutRecord: z.boolean().default(false),
      })
      .default({ updatedAtNullOnCreate: false, secondTimestamps: false, listLagSeconds: 0, writeAnswerWithoutRecord: false }),
  })
  .superRefine((c, ctx) => {
    if (c.quirks.updatedAtNullOnCreate && !c.createdAt) ctx.addIssue({ code: 'custom', path: ['createdAt'], message: 'is needed with quirks.updatedAtNullOnCreate: the path of the created-at time that stands in for a null updated-at' });
    if (c.list.method !== 'POST' && c.list.body) ctx.addIssue({ code: 'custom', path: ['list', 'body'], message: 'is sent only with list.method "POST": set the method, or move the values to list.query' });
    if (c.list.method !== 'POST' && c.list.modifiedSince?.body) ctx.addIssue({ code: 'custom', path: ['list', 'modifiedSince', 'body'], message: 'is sent only with list.method "POST": use modifiedSince.param for a GET list' });
    if (c.list.modifiedSince && !c.updatedAt) ctx.addIssue({ code: 'custom', path: ['updatedAt'], message: 'is needed with list.modifiedSince: the path of the record’s last-modified time' });
  });

export const profileSchema = z
  .strictObject({
    /** The app's name, shown in the wizard. */
    name: z.string().min(1),
    /** 'documentation': written from the public API documentation, not tested against the live service. */
    status: z.enum(['documentation', 'tested']).default('documentation'),
    notes: z.string().optional(),
    baseUrl: httpUrl,
    auth: authSchema,
    /** Sent with every request (an API version header). */
    headers: z.record(z.string(), z.string()).default({}),
    timeFormat: timeFormat.default('iso'),
    /** The app's documented rate limit; Concord spaces its requests to fit. */
    requestsPerSecond: z.number().positive().max(1000).optional(),
    collections: z.array(collectionSchema).min(1),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.collections.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['collections', i, 'name'], message: `"${c.name}" is used twice: collection names must differ` });
      seen.add(c.name);
    });
  });

export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
export type CollectionProfile = Profile['collections'][number];
export type Auth = Profile['auth'];
export type OAuth2Auth = Extract<Auth, { kind: 'oauth2-client-credentials' | 'oauth2-authorization-code' }>;
export type Paging = CollectionProfile['list']['paging'];

export type ProfileIssue = { path: string; message: string };

/** `collections[0].list.paging` from zod's path. */
export const issuePath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s === '' ? String(seg) : `${s}.${String(seg)}`), '');

function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is missing: add it (${issue.expected})` : `must be ${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.map((k) => `"${k}"`).join(', ')}, which a profile does not know here: check the spelling or remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      return options ? `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}` : 'is not any of the accepted forms';
    }
    case 'too_small':
      return issue.origin === 'array' ? `needs at least ${String(issue.minimum)} entr${Number(issue.minimum) === 1 ? 'y' : 'ies'}` : issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

export type ProfileCheck = { ok: true; profile: Profile } | { ok: false; issues: ProfileIssue[] };

/** Checks a profile given as JSON text or as a parsed value. */
export function checkProfile(input: unknown): ProfileCheck {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      return { ok: false, issues: [{ path: '', message: `The profile is not valid JSON: ${e instanceof Error ? e.message : String(e)}` }] };
    }
  }
  const result = profileSchema.safeParse(value);
  if (result.success) return { ok: true, profile: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => {
      const path = issuePath(i.path);
      return { path, message: `${path || 'The profile'} ${issueMessage(i)}.` };
    }),
  };
}

/** A checked profile, or an Error whose message lists every problem with its path. */
export function parseProfile(input: unknown): Profile {
  const c = checkProfile(input);
  if (!c.ok) throw new Error(`The app profile needs attention: ${c.issues.map((i) => i.message).join(' ')}`);
  return c.profile;
}
