import { describe, expect, it } from 'vitest';
import type { ConfigFieldSpec } from '../../src-main/engine/api/model';
import { ApiCallError } from '../api/call';
import { describeFieldPath, fieldMessages, groupRuns, isFieldShown, isRequiredNow, missingFields, takesSecret } from './config-form';

const FIELDS: ConfigFieldSpec[] = [
  { key: 'host', label: 'Host', kind: 'text', required: true, group: 'Server' },
  { key: 'password', label: 'Password', kind: 'secret', required: true, group: 'Server' },
  { key: 'tlsMode', label: 'TLS', kind: 'select', required: false, options: ['disable', 'require', 'verify-full'], default: 'require', group: 'Security' },
  { key: 'caFile', label: 'CA file', kind: 'path', required: false, group: 'Security', showWhen: { key: 'tlsMode', in: ['verify-full'] } },
  { key: 'pinned', label: 'Pinned certificate', kind: 'text', required: false, group: 'Security', showWhen: { key: 'caFile', in: ['/pin.pem'] } },
  { key: 'readOnly', label: 'Read only', kind: 'boolean', required: false, default: false },
];

describe('a connector form from its description', () => {
  it('a field needed unless another is filled is missing only while that other one is empty', () => {
    const fields: ConfigFieldSpec[] = [
      { key: 'host', label: 'Host', kind: 'text', required: false, requiredUnless: 'connectionString' },
      { key: 'connectionString', label: 'Connection string', kind: 'text', required: false },
    ];
    const host = fields[0]!;
    expect(isRequiredNow(host, {})).toBe(true);
    expect(missingFields(fields, { connectionString: '  ' }, '').map((f) => f.key)).toEqual(['host']);
    expect(isRequiredNow(host, { connectionString: 'postgres://u@h/db' })).toBe(false);
    expect(missingFields(fields, { connectionString: 'postgres://u@h/db' }, '')).toEqual([]);
    expect(missingFields(fields, { host: 'db.example.com' }, '')).toEqual([]);
  });

  it('a field shows while the field it depends on holds one of its values, an empty one counting as its default', () => {
    const caFile = FIELDS[3]!;
    expect(isFieldShown(caFile, {}, FIELDS)).toBe(false);
    expect(isFieldShown(caFile, { tlsMode: '' }, FIELDS)).toBe(false);
    expect(isFieldShown(caFile, { tlsMode: 'verify-full' }, FIELDS)).toBe(true);
    // A field that depends on a hidden one is hidden too.
    expect(isFieldShown(FIELDS[4]!, { tlsMode: 'require', caFile: '/pin.pem' }, FIELDS)).toBe(false);
    expect(isFieldShown(FIELDS[4]!, { tlsMode: 'verify-full', caFile: '/pin.pem' }, FIELDS)).toBe(true);
  });

  it('missing: required, shown and empty; a secret is filled when typed or stored', () => {
    const keys = (...args: Parameters<typeof missingFields>) => missingFields(...args).map((f) => f.key);
    expect(keys(FIELDS, { host: '  ' }, '')).toEqual(['host', 'password']);
    expect(keys(FIELDS, { host: 'db' }, '', true)).toEqual([]);
    expect(keys(FIELDS, { host: 'db', tlsMode: 'verify-full', caFile: '/pin.pem' }, 'pw')).toEqual([]);
    expect(keys([{ key: 'ca', label: 'CA', kind: 'path', required: true, showWhen: { key: 'tlsMode', in: ['verify-full'] } }, ...FIELDS], { host: 'db' }, 'pw')).toEqual([]);
    expect(takesSecret(FIELDS)).toBe(true);
    expect(takesSecret(FIELDS.filter((f) => f.kind !== 'secret'))).toBe(false);
  });

  it('the engine’s messages land on their fields, the secret’s on the secret field', () => {
    const error = new ApiCallError('invalid-input', 'The settings need attention.', 'connections/test', [
      { path: 'config.host', message: 'Fill in the host.' },
      { path: 'config.host', message: 'Or paste a connection string.' },
      { path: 'secret', message: 'Enter the password.' },
      { path: 'config', message: 'About the whole.' },
      { path: 'config.gone', message: 'Not a field here.' },
    ]);
    expect(fieldMessages(error, FIELDS)).toEqual({ host: 'Fill in the host. Or paste a connection string.', password: 'Enter the password.' });
    expect(fieldMessages(null, FIELDS)).toEqual({});
    expect([describeFieldPath('config.tlsMode', FIELDS), describeFieldPath('secret', FIELDS), describeFieldPath('config', FIELDS)]).toEqual(['“TLS”', '“Password”', null]);
  });

  it('shown fields are drawn in runs of one group, in order', () => {
    expect(groupRuns(FIELDS, { tlsMode: 'verify-full' }).map((r) => [r.group, r.fields.map((f) => f.key)])).toEqual([
      ['Server', ['host', 'password']],
      ['Security', ['tlsMode', 'caFile']],
      [undefined, ['readOnly']],
    ]);
  });
});
