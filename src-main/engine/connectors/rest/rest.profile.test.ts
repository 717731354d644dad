import { describe, expect, it } from 'vitest';
import { checkConfig } from '../config-check';
import { standinProfile } from '../../testing/saas-standin/profile-fixture';
import { restDefinition } from '.';
import { deepMerge, flatten, getPath, parsePath, unflatten } from './paths';
import { checkProfile } from './profile';
import { formatTime, parseTime } from './time-format';

const good = () => standinProfile('http://127.0.0.1:9/api') as Record<string, unknown> & { collections: Record<string, unknown>[] };
const messages = (input: unknown) => {
  const c = checkProfile(input);
  return c.ok ? [] : c.issues.map((i) => i.message);
};

describe('app profile: bad profiles name the exact path and what to write there', () => {
  it('accepts the stand-in profile and fills its defaults', () => {
    const c = checkProfile(JSON.stringify(good()));
    expect(c.ok).toBe(true);
    if (c.ok) expect(c.profile.collections[0]?.quirks).toEqual({ updatedAtNullOnCreate: false, secondTimestamps: false, listLagSeconds: 0, writeAnswerWithoutRecord: false });
  });

  it('not JSON at all', () => {
    expect(messages('{"name": ')[0]).toMatch(/^The profile is not valid JSON/);
  });

  it('an unknown auth kind lists the kinds there are', () => {
    expect(messages({ ...good(), auth: { kind: 'apikey' } })).toEqual(['auth.kind must be one of "none", "api-key", "bearer", "basic", "oauth2-client-credentials", "oauth2-authorization-code".']);
  });

  it('a typo in a key, a missing setting, a bad paging style, a bad JSON path, a path without {id}, a template without {{fields}}', () => {
    const p = good();
    const c = p.collections[0]!;
    const bad = {
      ...p,
      baseUrl: 'api.example.com',
      colections: [],
      collections: [{ ...c, get: { path: '/contacts' }, create: { path: '/contacts', body: { properties: 'fields' } }, list: { path: '/contacts', records: '$.data[', paging: { style: 'pages' } }, quirk: {} }],
    };
    expect(messages(bad)).toEqual(
      expect.arrayContaining([
        'baseUrl must be a full http:// or https:// address (not "api.example.com").',
        'The profile has "colections", which a profile does not know here: check the spelling or remove it.',
        'collections[0] has "quirk", which a profile does not know here: check the spelling or remove it.',
        'collections[0].list.paging.style must be one of "none", "page", "offset", "cursor", "link".',
        'collections[0].list.records is not a JSON path this profile understands: it has a bracket at position 7 that is neither [number] nor [\'name\'].',
        "collections[0].get.path must hold {id} where the record's id goes (e.g. /contacts/{id}).",
        'collections[0].create.body must hold "{{fields}}" exactly once, as a whole string value (e.g. {"properties": "{{fields}}"}).',
      ]),
    );
    expect(messages({ ...p, collections: [{ ...c, get: undefined }] })).toEqual(['collections[0].get is missing: add it (object).']);
  });

  it('settings that need each other: modified-since needs updatedAt; null-on-create needs createdAt; a bad time pattern; two collections of one name', () => {
    const p = good();
    const c = p.collections[0]!;
    expect(messages({ ...p, collections: [{ ...c, updatedAt: undefined }] })).toEqual(['collections[0].updatedAt is needed with list.modifiedSince: the path of the record’s last-modified time.']);
    expect(messages({ ...p, collections: [{ ...c, createdAt: undefined, quirks: { updatedAtNullOnCreate: true } }] })[0]).toMatch(/^collections\[0\]\.createdAt is needed with quirks\.updatedAtNullOnCreate/);
    expect(messages({ ...p, timeFormat: { pattern: '%H:%M %q' } })[0]).toMatch(/^timeFormat.* %q/);
    expect(messages({ ...p, collections: [c, c] })).toEqual(['collections[1].name "contacts" is used twice: collection names must differ.']);
  });

  it('the connection form checks the profile field with the same messages, on config.profile', () => {
    const bad = checkConfig(restDefinition.configSchema, { profile: JSON.stringify({ ...good(), auth: { kind: 'oauth3' } }) });
    expect(bad).toMatchObject({ ok: false, issues: [{ path: 'config.profile', message: expect.stringContaining('auth.kind must be one of') }] });
    expect(checkConfig(restDefinition.configSchema, { profile: JSON.stringify(good()) }).ok).toBe(true);
    expect(checkConfig(restDefinition.configSchema, { profile: JSON.stringify(good()), baseUrl: 'nope' })).toMatchObject({ ok: false, issues: [{ path: 'config.baseUrl' }] });
  });
});

describe('app profile: time formats, both ways', () => {
  const t = Date.UTC(2024, 4, 1, 10, 20, 30, 456);
  it.each([
    ['iso', '2024-05-01T10:20:30.456Z', t],
    ['epoch-seconds', '1714558830', Math.floor(t / 1000) * 1000],
    ['epoch-ms', '1714558830456', t],
    [{ pattern: '%Y-%m-%d %H:%M:%S' }, '2024-05-01 10:20:30', Math.floor(t / 1000) * 1000],
    [{ pattern: '%d/%m/%Y %H:%M:%S.%L%z' }, '01/05/2024 10:20:30.456+0000', t],
  ] as const)('%j', (format, text, back) => {
    expect(formatTime(t, format)).toBe(text);
    expect(parseTime(text, format)).toBe(back);
  });
  it('reads a zone offset, a number for epoch formats, an ISO time without a zone as UTC, and says when a value does not fit', () => {
    expect(parseTime('01/05/2024 12:20:30.456+0200', { pattern: '%d/%m/%Y %H:%M:%S.%L%z' })).toBe(t);
    expect(parseTime(1714558830, 'epoch-seconds')).toBe(Math.floor(t / 1000) * 1000);
    expect(parseTime('2024-05-01T10:20:30.456', 'iso')).toBe(t);
    expect(parseTime('yesterday', 'iso')).toBeUndefined();
    expect(parseTime(null, 'iso')).toBeNull();
  });
});

describe('app profile: JSON paths and nested fields', () => {
  it('reads names, indices and quoted names; refuses anything else', () => {
    const v = { data: [{ id: 7, 'odd key': { x: 1 } }] };
    expect(getPath(v, '$.data[0].id')).toBe(7);
    expect(getPath(v, "data[0]['odd key'].x")).toBe(1);
    expect(getPath(v, '$')).toBe(v);
    expect(getPath(v, '$.data[3].id')).toBeUndefined();
    expect(() => parsePath('$..data')).toThrow(/name after the dot/);
    expect(() => parsePath('$.data[?(@.x)]')).toThrow(/bracket/);
  });
  it('nested objects flatten to dotted fields and nest back; a field inside another is refused', () => {
    const rec = { name: 'A', address: { city: 'Oslo', geo: { lat: 1 } }, tags: ['x'], empty: {} };
    const flat = flatten(rec);
    expect(flat).toEqual({ name: 'A', 'address.city': 'Oslo', 'address.geo.lat': 1, tags: ['x'], empty: {} });
    expect(unflatten(flat)).toEqual(rec);
    expect(() => unflatten({ address: 'x', 'address.city': 'y' })).toThrow(/cannot both be written/);
    expect(deepMerge({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 } })).toEqual({ a: { b: 3, c: 2 }, d: 1 });
  });
});
