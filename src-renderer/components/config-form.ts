/**
 * A connector's settings form, as the engine describes it (ConfigFieldSpec, derived from the
 * connector's schema): which fields show, which are missing, and which message belongs to which
 * field. The same for every connector; the wizard and a pair's connection settings share it.
 */
import type { ConfigFieldSpec, ConfigValue } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';

export type FormConfig = Readonly<Record<string, ConfigValue | undefined>>;

export const isSecretField = (f: ConfigFieldSpec): boolean => f.kind === 'secret';

/** The connector keeps a secret (in the keychain) when its form has a secret field. */
export const takesSecret = (fields: readonly ConfigFieldSpec[] | undefined): boolean => Boolean(fields?.some(isSecretField));

/**
 * Whether a field shows, given the others' values: the engine's `isFieldShown` (config-schema.ts)
 * over again, since the renderer may not import engine code. An empty value counts as the default.
 */
export function isFieldShown(f: ConfigFieldSpec, config: FormConfig, all: readonly ConfigFieldSpec[]): boolean {
  if (!f.showWhen) return true;
  const { key, in: values } = f.showWhen;
  const target = all.find((t) => t.key === key);
  if (target && !isFieldShown(target, config, all)) return false;
  const value = config[key] === undefined || config[key] === '' ? target?.default : config[key];
  return value !== undefined && values.includes(value);
}

const isEmpty = (v: ConfigValue | undefined): boolean => v === undefined || (typeof v === 'string' && v.trim() === '');

/** Whether a field must be filled now: required, or needed while the field it stands in for is empty. */
export const isRequiredNow = (f: ConfigFieldSpec, config: FormConfig): boolean => f.required || (f.requiredUnless !== undefined && isEmpty(config[f.requiredUnless]));

/** Required fields that are shown and still empty; a secret counts as filled when one is typed or stored. */
export function missingFields(fields: readonly ConfigFieldSpec[], config: FormConfig, secret: string, hasStoredSecret = false): ConfigFieldSpec[] {
  return fields.filter((f) => {
    if (!isRequiredNow(f, config) || !isFieldShown(f, config, fields)) return false;
    if (isSecretField(f)) return secret === '' && !hasStoredSecret;
    return isEmpty(config[f.key]);
  });
}

/** The engine's message for each field of this form, from an invalid-input error (`config.<key>`, `secret`). */
export function fieldMessages(error: ApiCallError | null | undefined, fields: readonly ConfigFieldSpec[]): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const issue of error?.issues ?? []) {
    const key = issue.path === 'secret' ? fields.find(isSecretField)?.key : issue.path.startsWith('config.') ? issue.path.slice('config.'.length) : undefined;
    if (key !== undefined && fields.some((f) => f.key === key)) messages[key] = messages[key] ? `${messages[key]} ${issue.message}` : issue.message;
  }
  return messages;
}

/** The shown fields in runs that share a group (a run without a group has `group` undefined), in order. */
export function groupRuns(fields: readonly ConfigFieldSpec[], config: FormConfig): { group: string | undefined; fields: ConfigFieldSpec[] }[] {
  const runs: { group: string | undefined; fields: ConfigFieldSpec[] }[] = [];
  for (const f of fields) {
    if (!isFieldShown(f, config, fields)) continue;
    const last = runs.at(-1);
    if (last && last.group === f.group) last.fields.push(f);
    else runs.push({ group: f.group, fields: [f] });
  }
  return runs;
}

/** "config.path" → “Database file”, "secret" → the secret's label; null for a path that is not a field. */
export function describeFieldPath(path: string, fields: readonly ConfigFieldSpec[] | undefined): string | null {
  const f = path === 'secret' ? fields?.find(isSecretField) : fields?.find((c) => c.key === path.replace(/^config\./, ''));
  return f ? `“${f.label}”` : path === 'secret' ? 'the password' : null;
}
