// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PairConfig } from '../../src-main/engine/api/model';
import { ApiCallError } from '../api/call';
import { describeConfigPath } from './config-paths';
import { ErrorMessage } from './ErrorMessage';
import { plural } from './plural';

afterEach(cleanup);

const config = { fields: [{ name: 'email' }, { name: 'name' }, { name: 'city' }] } satisfies { fields: { name: string }[] };
const asConfig = (c: typeof config): PairConfig => ({
  name: 'p',
  left: { connectionId: 'a', collection: 'x' },
  right: { connectionId: 'b', collection: 'y' },
  fields: c.fields.map((f) => ({ name: f.name, type: 'string', left: { fields: [f.name] }, right: { fields: [f.name] }, direction: 'both' })),
  matchKeys: [],
  masterSide: 'left',
  conflictPolicy: 'manual',
  initialMatchPolicy: 'master',
  deletes: { propagate: true, massDeleteThreshold: 0.2 },
  schedule: { intervalSeconds: null },
});

describe('ErrorMessage', () => {
  it('a schema check reads as what is wrong and where, with the method and raw path only under Details', () => {
    const error = new ApiCallError('invalid-input', 'Invalid input for pairs/update — config.name: give the pair a name', 'pairs/update', [{ path: 'config.name', message: 'give the pair a name' }]);
    render(<ErrorMessage error={error} describePath={(path) => describeConfigPath(path, null)} />);
    const alert = screen.getByRole('alert');
    expect(alert.querySelector('.error-title')?.textContent).toBe('Some values are not valid:');
    expect(alert.querySelector('.error-issues')?.textContent).toBe('The pair name: give the pair a name');
    expect(alert.querySelector('details')?.textContent).toContain('Invalid input for pairs/update');
  });

  const settingsError = new ApiCallError(
    'invalid-input',
    'The pair\'s settings do not fit the apps — "cityy" is not a field of People CSV "people.csv" — pick one of: email, name, city.',
    'pairs/update',
    [{ path: 'fields.2.right.fields', message: '"cityy" is not a field of People CSV "people.csv" — pick one of: email, name, city.' }],
  );

  it('shows the engine\'s message once, names the row the user knows, and folds the developer details away', () => {
    render(<ErrorMessage error={settingsError} describePath={(p) => describeConfigPath(p, asConfig(config))} />);
    const alert = screen.getByRole('alert');
    // Twice in the text: the message, and the raw issue inside the folded Details.
    expect(alert.textContent?.match(/"cityy" is not a field/g)).toHaveLength(2);
    expect(screen.getByText(/Look at the App B field for “city” \(row 3 of the field mapping\)\./)).toBeTruthy();
    const details = alert.querySelector('details');
    expect(details?.open).toBe(false);
    expect(details?.textContent).toContain('pairs/update');
    expect(details?.textContent).toContain('fields.2.right.fields');
    // Outside Details, no method, code or raw path.
    const outside = [...alert.children].filter((el) => !el.contains(details ?? null)).map((el) => el.textContent).join(' ');
    expect(outside).not.toMatch(/pairs\/update|invalid-input|fields\.2/);
  });

  it('without a way to name the path, keeps the path in Details only', () => {
    render(<ErrorMessage error={settingsError} />);
    expect(screen.queryByText(/Look at/)).toBeNull();
    expect(screen.getByRole('alert').querySelector('.error-issues')).toBeNull();
  });

  it('an issue the message does not already say is listed under it, with its place', () => {
    const error = new ApiCallError('invalid-input', 'Some settings are not valid.', 'pairs/create', [{ path: 'config.fields.0.name', message: 'Required' }]);
    render(<ErrorMessage error={error} describePath={(p) => describeConfigPath(p, asConfig(config))} />);
    expect(screen.getByText('The name of row 1 of the field mapping: Required')).toBeTruthy();
  });
});

describe('plural', () => {
  it('says one conflict and two conflicts', () => {
    expect(plural(1, 'conflict')).toBe('1 conflict');
    expect(plural(2, 'conflict')).toBe('2 conflicts');
    expect(plural(0, 'record')).toBe('0 records');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
  });
});
