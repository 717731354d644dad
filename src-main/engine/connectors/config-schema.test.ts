import { memorySecretHandle } from '../credentials/secret-handle';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../api/errors';
import { checkConfig, defineConnector } from './config-check';
import { describeConfig, field, path, secret, secretKey, text } from './config-schema';
import { connectorDefinitions, connectorInfo } from './registry';
import type { Connector } from './types';

/**
 * A database-server connection as a connector declares it: the template for PostgreSQL and MySQL
 * (host fields or a connection string; a TLS mode whose CA file counts only for verify-full).
 */
const serverConfig = z
  .object({
    connectionString: text({ label: 'Connection string', help: 'postgres://user@host:5432/db — instead of the fields below.', group: 'Server' }).optional(),
    host: text({ label: 'Host', group: 'Server' }).optional(),
    port: field(z.number().int().min(1).max(65535), { label: 'Port', group: 'Server' }).default(5432),
    database: text({ label: 'Database', group: 'Server' }).optional(),
    user: text({ label: 'User', group: 'Server' }).optional(),
    password: secret({ label: 'Password', group: 'Server' }).optional(),
    tlsMode: field(z.enum(['disable', 'require', 'verify-full']), { label: 'TLS', optionLabels: { 'verify-full': 'Verify the server (verify-full)' }, group: 'Security' }).default('require'),
    caFile: path({ label: 'CA file', group: 'Security', showWhen: { key: 'tlsMode', in: ['verify-full'] } }).optional(),
    readOnly: field(z.boolean(), { label: 'Read only' }).default(false),
  })
  .check((ctx) => {
    const c = ctx.value;
    if (!c.connectionString && !c.host) ctx.issues.push({ code: 'custom', input: c, path: ['host'], message: 'Fill in the host, or paste a connection string.' });
  });

describe('config schemas: the form is derived from the schema', () => {
  it('each field gets its kind from its zod type or helper, with labels, help, bounds, options, defaults, groups and conditions', () => {
    expect(describeConfig(serverConfig)).toEqual([
      { key: 'connectionString', label: 'Connection string', kind: 'text', required: false, help: 'postgres://user@host:5432/db — instead of the fields below.', group: 'Server' },
      { key: 'host', label: 'Host', kind: 'text', required: false, group: 'Server' },
      { key: 'port', label: 'Port', kind: 'number', required: false, min: 1, max: 65535, integer: true, default: 5432, group: 'Server' },
      { key: 'database', label: 'Database', kind: 'text', required: false, group: 'Server' },
      { key: 'user', label: 'User', kind: 'text', required: false, group: 'Server' },
      { key: 'password', label: 'Password', kind: 'secret', required: false, group: 'Server' },
      { key: 'tlsMode', label: 'TLS', kind: 'select', required: false, options: ['disable', 'require', 'verify-full'], optionLabels: { 'verify-full': 'Verify the server (verify-full)' }, default: 'require', group: 'Security' },
      { key: 'caFile', label: 'CA file', kind: 'path', required: false, group: 'Security', showWhen: { key: 'tlsMode', in: ['verify-full'] } },
      { key: 'readOnly', label: 'Read only', kind: 'boolean', required: false, default: false },
    ]);
    expect(secretKey(serverConfig)).toBe('password');
    // What goes to the renderer is plain data.
    expect(JSON.parse(JSON.stringify(describeConfig(serverConfig)))).toEqual(describeConfig(serverConfig));
  });

  it('refuses a schema the form cannot draw, naming the field and the fix', () => {
    expect(() => describeConfig(z.object({ host: z.string() }))).toThrow('Config field "host" has no label: declare it with field(), text(), path() or secret().');
    expect(() => describeConfig(z.object({ a: secret({ label: 'A' }), b: secret({ label: 'B' }) }))).toThrow('one secret in the keychain; this schema declares a, b');
    expect(() => describeConfig(z.object({ mode: field(z.enum(['x', 'y']), { label: 'Mode' }), file: path({ label: 'File', showWhen: { key: 'mode', in: ['y'] } }) }))).toThrow('must be optional');
    expect(() => describeConfig(z.object({ file: path({ label: 'File', showWhen: { key: 'mode', in: ['y'] } }).optional() }))).toThrow('depends on "mode", which must be declared before it');
    expect(() => describeConfig(z.object({ when: field(z.date(), { label: 'When' }) }))).toThrow('a date cannot be drawn as a form field');
    expect(() => describeConfig(z.object({ host: text({ label: 'Host', requiredUnless: 'url' }) }))).toThrow('needed only while "url" is empty, so it must be optional');
    expect(() => describeConfig(z.object({ host: text({ label: 'Host', requiredUnless: 'url' }).optional() }))).toThrow('depends on "url", which the schema does not declare');
  });

  it('a field needed unless another is filled says which (a host, or a connection string)', () => {
    const fields = describeConfig(z.object({ host: text({ label: 'Host', requiredUnless: 'url' }).optional(), url: text({ label: 'Connection string' }).optional() }));
    expect(fields[0]).toEqual({ key: 'host', label: 'Host', kind: 'text', required: false, requiredUnless: 'url' });
  });

  it('every registered connector describes its form (a schema mistake fails here, not in the wizard)', () => {
    const forms = Object.fromEntries(connectorDefinitions.map((d) => [d.kind, connectorInfo(d).configFields.map((f) => `${f.key}:${f.kind}${f.required ? '!' : ''}`)]));
    expect(forms).toEqual({
      'sqlite-table': ['path:path!', 'updatedAtColumn:text', 'flagColumn:text', 'timeZone:text', 'busyTimeoutMs:number'],
      'csv-file': ['path:path!', 'idColumn:text', 'delimiter:select', 'encoding:select', 'neutraliseFormulas:boolean'],
      postgres: ['host:text', 'port:number', 'database:text', 'user:text', 'password:secret', 'connectionString:text', 'tls:select', 'caFile:path', 'updatedAtColumn:text', 'flagColumn:text'],
      mysql: ['host:text', 'port:number', 'database:text', 'user:text', 'password:secret', 'connectionString:text', 'tls:select', 'caFile:path', 'updatedAtColumn:text', 'flagColumn:text'],
      rest: ['profile:text!', 'baseUrl:text', 'secret:secret', 'maxWaitSeconds:number'],
      'vcard-folder': ['path:path!', 'newCardVersion:select'],
      carddav: ['serverUrl:text!', 'auth:select', 'username:text', 'password:secret'],
    });
  });

  it('a multiline text field (a JSON profile) says so to the form; only text can be multiline', () => {
    expect(describeConfig(z.object({ profile: text({ label: 'Profile', multiline: true }) }))[0]).toEqual({ key: 'profile', label: 'Profile', kind: 'text', required: true, multiline: true });
    expect(() => describeConfig(z.object({ n: field(z.number(), { label: 'N', multiline: true }) }))).toThrow('only a text field can be multiline');
  });
});

describe('config schemas: the check is derived from the schema', () => {
  const ok = { host: 'db.example.com', user: 'ann' };

  it('normalises what the form sends: empty boxes left out, text trimmed, a number typed as text read as one, defaults in the parse only', () => {
    const checked = checkConfig(serverConfig, { host: '  db.example.com ', user: 'ann', database: '', port: '6432' }, { secret: 'pw' });
    expect(checked).toEqual({ ok: true, config: { host: 'db.example.com', user: 'ann', port: 6432 }, parsed: { host: 'db.example.com', user: 'ann', port: 6432, tlsMode: 'require', readOnly: false } });
  });

  it('names the field and says what it takes: a number out of range, a choice not offered, a checkbox that is not one', () => {
    const checked = checkConfig(serverConfig, { ...ok, port: 70000, tlsMode: 'sometimes', readOnly: 'yes' });
    expect(checked).toEqual({
      ok: false,
      issues: [
        { path: 'config.port', message: 'Port must be at most 65535.' },
        { path: 'config.tlsMode', message: 'TLS must be one of: disable, require, Verify the server (verify-full) (not "sometimes").' },
        { path: 'config.readOnly', message: 'Read only must be on or off.' },
      ],
    });
    expect(checkConfig(serverConfig, { ...ok, port: 54.5 })).toMatchObject({ issues: [{ path: 'config.port', message: 'Port must be a whole number.' }] });
  });

  it('a refinement across fields keeps its own message, on the field it names', () => {
    expect(checkConfig(serverConfig, { user: 'ann', host: ' ' })).toEqual({ ok: false, issues: [{ path: 'config.host', message: 'Fill in the host, or paste a connection string.' }] });
    expect(checkConfig(serverConfig, { connectionString: 'postgres://ann@db/x' })).toMatchObject({ ok: true });
  });

  it('a required field left empty says what to do with it', () => {
    const schema = z.object({ path: path({ label: 'Database file' }), table: text({ label: 'Table' }), mode: field(z.enum(['a', 'b']), { label: 'Mode' }) });
    expect(checkConfig(schema, { path: '', table: '   ' })).toEqual({
      ok: false,
      issues: [
        { path: 'config.path', message: 'Choose the database file.' },
        { path: 'config.table', message: 'Fill in the table.' },
        { path: 'config.mode', message: 'Choose the mode.' },
      ],
    });
  });

  it('a field hidden by another field is neither checked nor stored', () => {
    const strictCa = serverConfig.safeExtend({ caFile: path({ label: 'CA file', showWhen: { key: 'tlsMode', in: ['verify-full'] } }, z.string().endsWith('.pem', 'The CA file is a .pem file.')).optional() });
    expect(checkConfig(strictCa, { ...ok, tlsMode: 'require', caFile: '/etc/ca.txt' })).toEqual({ ok: true, config: { ...ok, tlsMode: 'require' }, parsed: expect.not.objectContaining({ caFile: expect.anything() }) });
    expect(checkConfig(strictCa, { ...ok, tlsMode: 'verify-full', caFile: '/etc/ca.txt' })).toEqual({ ok: false, issues: [{ path: 'config.caFile', message: 'The CA file is a .pem file.' }] });
    expect(checkConfig(strictCa, { ...ok, tlsMode: 'verify-full', caFile: '/etc/ca.pem' })).toMatchObject({ ok: true, config: { caFile: '/etc/ca.pem' } });
  });

  it('the secret never enters the config: refused there, checked apart, required only when nothing is stored', () => {
    expect(checkConfig(serverConfig, { ...ok, password: 'hunter2' })).toEqual({
      ok: false,
      issues: [{ path: 'config.password', message: "The password goes to your system's keychain, never into the settings: send it as the secret." }],
    });
    const required = z.object({ url: text({ label: 'URL' }), token: secret({ label: 'API token' }, z.string().min(8, 'An API token has at least 8 characters.')) });
    expect(checkConfig(required, { url: 'https://x' }, { stored: false })).toEqual({ ok: false, issues: [{ path: 'secret', message: 'Enter the API token.' }] });
    expect(checkConfig(required, { url: 'https://x' }, { secret: 'short' })).toEqual({ ok: false, issues: [{ path: 'secret', message: 'An API token has at least 8 characters.' }] });
    expect(checkConfig(required, { url: 'https://x' }, { stored: true })).toEqual({ ok: true, config: { url: 'https://x' }, parsed: { url: 'https://x' } });
    expect(checkConfig(required, { url: 'https://x' }, { secret: 'long-enough' })).toEqual({ ok: true, config: { url: 'https://x' }, parsed: { url: 'https://x' } });
  });

  it('a declared connector is created with the parsed config, and a stored config that no longer fits fails with the same messages', () => {
    const seen: unknown[] = [];
    const definition = defineConnector({
      kind: 'server-fixture',
      label: 'Server',
      description: 'A test declaration.',
      configSchema: serverConfig,
      capabilities: { changeDetection: ['hash'], deletes: 'by-scan', optimisticWrites: false },
      create: ({ config }) => {
        seen.push(config);
        return {} as Connector; // never used: only the config it was handed is looked at
      },
    });
    definition.create({ config: { host: 'db', tlsMode: 'disable', caFile: '/ca.pem' }, secret: memorySecretHandle(null), dataDir: '/nowhere' });
    expect(seen).toEqual([{ host: 'db', port: 5432, tlsMode: 'disable', readOnly: false }]);
    const error = (() => {
      try {
        definition.create({ config: { user: 'ann' }, secret: memorySecretHandle(null), dataDir: '/nowhere' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'invalid-input', message: 'The Server settings need attention: Fill in the host, or paste a connection string.', issues: [{ path: 'config.host' }] });
  });
});
