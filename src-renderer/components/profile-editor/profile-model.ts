/**
 * The REST connector's app profile as the wizard's form sees it: plain JSON, read and written by
 * path, so the form never drops a setting it does not show (the advanced JSON keeps them). The
 * engine checks the profile (connectors/rest/profile.ts); the renderer may not import engine code,
 * so this file knows only the shape of the settings the form draws.
 */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };
/** A path into the profile: keys and array indices. */
export type ProfilePath = readonly (string | number)[];

/** Where a new profile starts: one collection, every endpoint to fill in. */
export const BLANK_PROFILE: JsonObject = {
  name: '',
  baseUrl: '',
  auth: { kind: 'none' },
  collections: [{ name: 'contacts', list: { path: '/contacts', records: '$' }, id: 'id', get: { path: '/contacts/{id}' } }],
};

export function getAt(value: Json | undefined, path: ProfilePath): Json | undefined {
  let v: Json | undefined = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Array.isArray(v) ? (typeof seg === 'number' ? v[seg] : undefined) : (v as JsonObject)[String(seg)];
  }
  return v;
}

/**
 * A copy of `root` with `value` at `path` (objects made on the way); `undefined` removes the key,
 * and an object left empty by a removal is removed too, so clearing "Modified-since parameter"
 * takes out `list.modifiedSince` rather than leaving `{}` the schema would refuse.
 */
export function setAt(root: JsonObject, path: ProfilePath, value: Json | undefined): JsonObject {
  const copy = structuredClone(root);
  const walk = (node: JsonObject | Json[], i: number): void => {
    const seg = path[i] as string | number;
    const last = i === path.length - 1;
    const container = node as Record<string | number, Json>;
    if (last) {
      if (value === undefined) {
        if (Array.isArray(node) && typeof seg === 'number') node.splice(seg, 1);
        else delete container[seg];
      } else container[seg] = value;
      return;
    }
    let child = container[seg];
    if (child === null || typeof child !== 'object') {
      if (value === undefined) return;
      child = typeof path[i + 1] === 'number' ? [] : {};
      container[seg] = child;
    }
    walk(child, i + 1);
    if (value === undefined && !Array.isArray(child) && Object.keys(child).length === 0) delete container[seg];
  };
  if (path.length > 0) walk(copy, 0);
  return copy;
}

/** The profile text parsed, or why it cannot be (the form needs an object to work on). */
export function parseProfileText(text: string | undefined): { ok: true; profile: JsonObject } | { ok: false; error: string } {
  if (text === undefined || text.trim() === '') return { ok: true, profile: structuredClone(BLANK_PROFILE) };
  try {
    const parsed = JSON.parse(text) as Json;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, error: 'The profile must be a JSON object ({ … }).' };
    return { ok: true, profile: parsed };
  } catch (e) {
    return { ok: false, error: `The profile is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export const profileText = (profile: JsonObject): string => JSON.stringify(profile, null, 2);

/** A file name for an exported profile: its app name, plainly. */
export function exportFileName(profile: JsonObject): string {
  const name = typeof profile.name === 'string' && profile.name.trim() ? profile.name.trim() : 'app';
  return `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'app'}.profile.json`;
}

/** One control of the form: the path it edits, and how. */
export type ProfileControl = {
  path: ProfilePath;
  label: string;
  help?: string;
  placeholder?: string;
  kind: 'text' | 'number' | 'select' | 'boolean';
  options?: readonly { value: string; label: string }[];
  /** Shown only while the value at `when.path` is one of `when.in`. */
  when?: { path: ProfilePath; in: readonly (string | undefined)[] };
  /** Emptied, the key is removed (optional settings); else an empty text stays '' for the engine to name. */
  optional?: boolean;
};

const AUTH = ['auth', 'kind'] as const;
export const AUTH_KINDS = [
  { value: 'none', label: 'None' },
  { value: 'api-key', label: 'API key' },
  { value: 'bearer', label: 'Bearer token' },
  { value: 'basic', label: 'User name and password' },
  { value: 'oauth2-client-credentials', label: 'OAuth 2 client credentials' },
  { value: 'oauth2-authorization-code', label: 'OAuth 2 sign-in (authorization code)' },
] as const;
const OAUTH = ['oauth2-client-credentials', 'oauth2-authorization-code'];

export const APP_CONTROLS: readonly ProfileControl[] = [
  { path: ['name'], label: 'App name', kind: 'text', placeholder: 'Acme CRM' },
  { path: ['baseUrl'], label: 'API base URL', kind: 'text', placeholder: 'https://api.example.com/v1', help: 'Every endpoint below is added to it.' },
  { path: AUTH, label: 'Sign-in', kind: 'select', options: AUTH_KINDS },
  { path: ['auth', 'in'], label: 'API key sent in', kind: 'select', options: [{ value: 'header', label: 'a header' }, { value: 'query', label: 'the query string' }], when: { path: AUTH, in: ['api-key'] } },
  { path: ['auth', 'name'], label: 'Header or parameter name', kind: 'text', placeholder: 'X-Api-Key', when: { path: AUTH, in: ['api-key'] } },
  { path: ['auth', 'username'], label: 'User name', kind: 'text', when: { path: AUTH, in: ['basic'] } },
  { path: ['auth', 'authorizationUrl'], label: 'Authorization URL', kind: 'text', placeholder: 'https://app.example.com/oauth/authorize', when: { path: AUTH, in: ['oauth2-authorization-code'] } },
  { path: ['auth', 'tokenUrl'], label: 'Token URL', kind: 'text', placeholder: 'https://app.example.com/oauth/token', when: { path: AUTH, in: OAUTH } },
  { path: ['auth', 'clientId'], label: 'Client id', kind: 'text', help: "Concord's client id at the app (registered there).", when: { path: AUTH, in: OAUTH } },
  { path: ['auth', 'scope'], label: 'Scope', kind: 'text', optional: true, when: { path: AUTH, in: OAUTH } },
  {
    path: ['auth', 'clientAuth'],
    label: 'Client secret',
    kind: 'select',
    optional: true,
    help: 'Whether the app gave Concord a client secret with the client id, and how its token endpoint takes it.',
    options: [
      { value: 'none', label: 'None (a public client, PKCE only)' },
      { value: 'basic', label: 'Sent as HTTP Basic' },
      { value: 'post', label: 'Sent in the form body' },
    ],
    when: { path: AUTH, in: ['oauth2-authorization-code'] },
  },
  {
    path: ['auth', 'clientAuth'],
    label: 'Client secret sent',
    kind: 'select',
    optional: true,
    options: [
      { value: 'basic', label: 'As HTTP Basic' },
      { value: 'post', label: 'In the form body' },
    ],
    when: { path: AUTH, in: ['oauth2-client-credentials'] },
  },
];

const C = (...rest: (string | number)[]): ProfilePath => ['collections', 0, ...rest];
const PAGING = C('list', 'paging', 'style');
const CONCURRENCY = C('concurrency', 'kind');
const DELETES = C('deletes', 'kind');
const WRITE_METHODS = (methods: string[]) => methods.map((m) => ({ value: m, label: m }));

export const COLLECTION_CONTROLS: readonly ProfileControl[] = [
  { path: C('name'), label: 'Collection name', kind: 'text', placeholder: 'contacts' },
  { path: C('list', 'path'), label: 'List endpoint', kind: 'text', placeholder: '/contacts' },
  { path: C('list', 'records'), label: 'Records in the answer at', kind: 'text', placeholder: '$.data', help: 'A JSON path: $ is the whole answer, $.data its "data" list.' },
  { path: C('id'), label: "Record's id at", kind: 'text', placeholder: 'id' },
  { path: C('updatedAt'), label: "Record's last-modified time at", kind: 'text', placeholder: 'updated_at', optional: true },
  { path: C('fieldsAt'), label: "Record's fields at", kind: 'text', placeholder: '$', optional: true, help: 'Where the fields are inside a record (HubSpot: properties). Nested objects become fields like address.city.' },
  { path: C('list', 'modifiedSince', 'param'), label: 'Modified-since parameter', kind: 'text', optional: true, placeholder: 'updated_since', help: 'The list endpoint filters by last-modified time: only changes are read (cursor mode).' },
  {
    path: PAGING,
    label: 'Paging',
    kind: 'select',
    optional: true,
    options: [
      { value: 'none', label: 'One answer holds every record' },
      { value: 'page', label: 'Page numbers' },
      { value: 'offset', label: 'Offset and limit' },
      { value: 'cursor', label: 'A cursor token in the answer' },
      { value: 'link', label: 'Link header' },
    ],
  },
  { path: C('list', 'paging', 'pageParam'), label: 'Page parameter', kind: 'text', optional: true, placeholder: 'page', when: { path: PAGING, in: ['page'] } },
  { path: C('list', 'paging', 'offsetParam'), label: 'Offset parameter', kind: 'text', optional: true, placeholder: 'offset', when: { path: PAGING, in: ['offset'] } },
  { path: C('list', 'paging', 'limitParam'), label: 'Limit parameter', kind: 'text', optional: true, placeholder: 'limit', when: { path: PAGING, in: ['offset'] } },
  { path: C('list', 'paging', 'cursorParam'), label: 'Cursor parameter', kind: 'text', optional: true, placeholder: 'cursor', when: { path: PAGING, in: ['cursor'] } },
  { path: C('list', 'paging', 'next'), label: 'Next cursor in the answer at', kind: 'text', placeholder: '$.next_cursor', when: { path: PAGING, in: ['cursor'] } },
  { path: C('list', 'paging', 'sizeParam'), label: 'Page size parameter', kind: 'text', optional: true, placeholder: 'limit', when: { path: PAGING, in: ['page', 'cursor', 'link'] } },
  { path: C('list', 'pageSize'), label: 'Page size', kind: 'number', optional: true, placeholder: '100' },
  { path: C('get', 'path'), label: 'Get one record', kind: 'text', placeholder: '/contacts/{id}', help: '{id} is replaced by the record’s id.' },
  { path: C('create', 'method'), label: 'Create with', kind: 'select', optional: true, options: WRITE_METHODS(['POST', 'PUT']) },
  { path: C('create', 'path'), label: 'Create endpoint', kind: 'text', optional: true, placeholder: '/contacts' },
  { path: C('update', 'method'), label: 'Update with', kind: 'select', optional: true, options: WRITE_METHODS(['PATCH', 'PUT', 'POST']) },
  { path: C('update', 'path'), label: 'Update endpoint', kind: 'text', optional: true, placeholder: '/contacts/{id}' },
  { path: C('delete', 'path'), label: 'Delete endpoint', kind: 'text', optional: true, placeholder: '/contacts/{id}' },
  {
    path: CONCURRENCY,
    label: 'Stale-write check',
    kind: 'select',
    optional: true,
    options: [
      { value: 'none', label: 'None (Concord compares before writing)' },
      { value: 'etag', label: 'ETag / If-Match' },
      { value: 'version-field', label: 'A version field' },
    ],
  },
  { path: C('concurrency', 'field'), label: 'Version field', kind: 'text', placeholder: 'version', when: { path: CONCURRENCY, in: ['version-field'] } },
  {
    path: DELETES,
    label: 'Deletes found by',
    kind: 'select',
    optional: true,
    options: [
      { value: 'scan', label: 'Listing every record' },
      { value: 'flag', label: 'A deleted flag on the record' },
      { value: 'endpoint', label: 'A deleted-since endpoint' },
    ],
  },
  { path: C('deletes', 'field'), label: 'Deleted flag field', kind: 'text', placeholder: 'archived', when: { path: DELETES, in: ['flag'] } },
  { path: C('deletes', 'path'), label: 'Deleted-since endpoint', kind: 'text', placeholder: '/contacts/deleted', when: { path: DELETES, in: ['endpoint'] } },
  { path: C('deletes', 'sinceParam'), label: 'Since parameter', kind: 'text', placeholder: 'since', when: { path: DELETES, in: ['endpoint'] } },
  { path: C('quirks', 'updatedAtNullOnCreate'), label: 'Last-modified time is empty on new records', kind: 'boolean', optional: true },
  { path: C('createdAt'), label: "Record's created time at", kind: 'text', optional: true, placeholder: 'created_at', when: { path: C('quirks', 'updatedAtNullOnCreate'), in: ['true'] } },
  { path: C('quirks', 'secondTimestamps'), label: 'Times have whole seconds only', kind: 'boolean', optional: true },
  { path: C('quirks', 'writeAnswerWithoutRecord'), label: 'Write answers lack the record', kind: 'boolean', optional: true },
  { path: C('quirks', 'listLagSeconds'), label: 'Lists show writes after (seconds)', kind: 'number', optional: true, placeholder: '0' },
];

/** Whether a control shows for this profile. */
export function isShown(c: ProfileControl, profile: JsonObject): boolean {
  if (!c.when) return true;
  const v = getAt(profile, c.when.path);
  return c.when.in.includes(v === undefined || v === null ? undefined : String(v));
}
