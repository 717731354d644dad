import { describe, expect, it } from 'vitest';
import { pairConfigSchema } from './schemas';

const field = (name: string, type: string, policy?: string) => ({
  name,
  type,
  left: { fields: [name] },
  right: { fields: [name] },
  direction: 'both',
  ...(policy ? { policy } : {}),
});
const config = (over: Record<string, unknown>) => ({
  name: 'P',
  left: { connectionId: 'a', collection: 'c' },
  right: { connectionId: 'b', collection: 'c' },
  fields: [field('email', 'string'), field('tags', 'set', 'merge-set')],
  matchKeys: ['email'],
  masterSide: 'left',
  conflictPolicy: 'master',
  deletes: { propagate: true, massDeleteThreshold: 0.5 },
  schedule: { intervalSeconds: null },
  ...over,
});
const issues = (input: unknown) => {
  const r = pairConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('pair config schema', () => {
  it('accepts merge-set on a set field', () => {
    expect(issues(config({}))).toEqual([]);
  });

  it('refuses merge-set on a field that is not a set, naming the field and what to do', () => {
    expect(issues(config({ fields: [field('email', 'string'), field('name', 'string', 'merge-set')] }))).toEqual([
      { path: 'fields.1.policy', message: '"name" is a string field: merge-set only merges set fields (lists such as tags). Change the field\'s type to set, or choose another policy.' },
    ]);
  });

  it('refuses merge-set as the pair policy when it would reach non-set fields', () => {
    expect(issues(config({ conflictPolicy: 'merge-set' }))).toEqual([
      { path: 'conflictPolicy', message: 'merge-set as the pair\'s policy would apply to "email", which are not set fields: choose another pair policy and set merge-set on the set fields only.' },
    ]);
  });

  it('takes a coercion format (the app\'s text form of dates, numbers, booleans)', () => {
    const withFormat = config({ fields: [field('email', 'string'), { ...field('born', 'date'), left: { fields: ['born'], transforms: [{ kind: 'coerce', to: 'date', format: 'DD/MM/YYYY' }] } }] });
    expect(issues(withFormat)).toEqual([]);
  });

  it('refuses a coercion format that does not fit its type, saying what a good one looks like', () => {
    const coerced = (to: string, format: string) =>
      config({ fields: [field('email', 'string'), { ...field('x', to), left: { fields: ['x'], transforms: [{ kind: 'coerce', to, format }] } }] });
    expect(issues(coerced('date', 'D.M.Y'))).toEqual([{ path: 'fields.1.left.transforms.0.format', message: 'the date format "D.M.Y" must name YYYY, MM and DD (e.g. DD/MM/YYYY; HH, mm, ss for times)' }]);
    expect(issues(coerced('boolean', 'yes'))).toHaveLength(1);
    expect(issues(coerced('number', '1,2,3.4.5'))).toHaveLength(1);
    expect(issues(coerced('string', 'x'))).toEqual([{ path: 'fields.1.left.transforms.0.format', message: 'a string has no format; remove it' }]);
    expect(issues(coerced('number', '1.234,5'))).toEqual([]);
    expect(issues(coerced('boolean', 'Y/N'))).toEqual([]);
  });
});
