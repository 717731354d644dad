/**
 * The one check of a connection's settings, derived from the connector's config schema: what the
 * form sends is normalised (an empty box is an absent value, text trimmed, a hidden field
 * dropped), parsed, and every problem comes back with the field it is about and words a user can
 * act on. The service stores the normalised config; a connector receives the parsed one.
 */
import { z } from 'zod';
import type { ConfigFieldSpec, ConfigValue } from '../api/model';
import { ApiError } from '../api/errors';
import { describeConfigFields, isFieldShown, secretKey, type ConfigSchema, type ParsedConfig } from './config-schema';
import type { Connector, ConnectorContext, ConnectorDefinition } from './types';

export type ConfigRecord = Record<string, ConfigValue>;
/** `path` is `config.<key>` for a field, `config` for the settings as a whole, `secret` for the secret. */
export type ConfigIssue = { path: string; message: string };

/**
 * What is known of the secret: the one typed now, or whether one is stored. `undefined` (an edit
 * that keeps whatever is stored) checks nothing about it.
 */
export type SecretState = { secret?: string | undefined; stored?: boolean | undefined };

export type ConfigCheck = { ok: true; config: ConfigRecord; parsed: Record<string, unknown> } | { ok: false; issues: ConfigIssue[] };

// Zod's own messages ("Invalid input: expected number, received string") name no field. Every
// message zod makes up is replaced by one that does; a message the connector wrote (a refinement,
// `z.string().min(3, '…')`) is kept, because schema-level messages outrank this per-parse one.
const ZOD_DEFAULT = '\u0000zod default';

/** The settings without their secret, with the secret's refinements kept (safeExtend keeps checks). */
const withoutSecret = new WeakMap<ConfigSchema, ConfigSchema>();
function configPart(schema: ConfigSchema): ConfigSchema {
  const key = secretKey(schema);
  if (key === undefined) return schema;
  let part = withoutSecret.get(schema);
  if (!part) {
    part = schema.safeExtend({ [key]: z.undefined().optional() });
    withoutSecret.set(schema, part);
  }
  return part;
}

/** Checks `raw` (what a form or the API sent) against a schema; see `SecretState` for the secret. */
export function checkConfig(schema: ConfigSchema, raw: Readonly<Record<string, unknown>>, secretState: SecretState = {}): ConfigCheck {
  const fields = describeConfigFields(schema);
  const specs = fields.map((f) => f.spec);
  const issues: ConfigIssue[] = [];
  const normalized: ConfigRecord = {};
  for (const { spec } of fields) {
    const value = normalizeValue(spec, raw[spec.key]);
    if (spec.kind === 'secret') {
      if (value !== undefined) issues.push({ path: `config.${spec.key}`, message: `The ${lower(spec.label)} goes to your system's keychain, never into the settings: send it as the secret.` });
    } else if (value !== undefined) normalized[spec.key] = value;
  }
  // A field hidden by another's value is neither checked nor kept (a CA file once typed, then TLS turned off).
  for (const spec of specs) if (!isFieldShown(spec, normalized, specs)) delete normalized[spec.key];

  const secretSpec = specs.find((s) => s.kind === 'secret');
  if (secretSpec) issues.push(...checkSecret(schema, secretSpec, secretState));

  const result = configPart(schema).safeParse(normalized, { error: () => ZOD_DEFAULT });
  if (!result.success) for (const issue of result.error.issues) issues.push(toConfigIssue(issue, specs, normalized));
  if (issues.length > 0 || !result.success) return { ok: false, issues };
  return { ok: true, config: normalized, parsed: result.data };
}

function checkSecret(schema: ConfigSchema, spec: ConfigFieldSpec, { secret, stored }: SecretState): ConfigIssue[] {
  if (secret === undefined || secret === '') {
    return spec.required && stored === false ? [{ path: 'secret', message: `Enter the ${lower(spec.label)}.` }] : [];
  }
  const parsed = schema.shape[spec.key]!.safeParse(secret, { error: () => ZOD_DEFAULT });
  // Never echo the secret: only the message, with its path on the secret.
  return parsed.success ? [] : parsed.error.issues.map((issue: z.core.$ZodIssue) => ({ path: 'secret', message: issue.message === ZOD_DEFAULT ? `The ${lower(spec.label)} is not valid.` : issue.message }));
}

/** An empty or blank box is an absent value; text is trimmed; a number typed as text is a number. */
function normalizeValue(spec: ConfigFieldSpec, value: unknown): ConfigValue | undefined {
  if (typeof value === 'string') {
    const trimmed = spec.kind === 'secret' ? value : value.trim();
    if (trimmed === '') return undefined;
    if (spec.kind === 'number' && Number.isFinite(Number(trimmed))) return Number(trimmed);
    if (spec.kind === 'boolean' && (trimmed === 'true' || trimmed === 'false')) return trimmed === 'true';
    return trimmed;
  }
  return typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}

function toConfigIssue(issue: z.core.$ZodIssue, specs: readonly ConfigFieldSpec[], config: ConfigRecord): ConfigIssue {
  const key = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
  const spec = specs.find((s) => s.key === key);
  const path = spec ? `config.${spec.key}` : 'config';
  if (issue.message !== ZOD_DEFAULT || !spec) return { path, message: issue.message === ZOD_DEFAULT ? 'The settings are not valid.' : issue.message };
  return { path, message: fieldMessage(issue, spec, config[spec.key]) };
}

/** Zod's issue about one field, in words that name it and say what it takes. */
function fieldMessage(issue: z.core.$ZodIssue, spec: ConfigFieldSpec, value: ConfigValue | undefined): string {
  if (value === undefined) return missingMessage(spec);
  const label = spec.label;
  switch (issue.code) {
    case 'invalid_type':
      if (spec.kind === 'number') return `${label} must be a ${spec.integer ? 'whole ' : ''}number.`;
      if (spec.kind === 'boolean') return `${label} must be on or off.`;
      return `${label} must be text.`;
    case 'too_small':
      return spec.kind === 'number' ? `${label} must be at least ${String(issue.minimum)}.` : `${label} must be at least ${String(issue.minimum)} characters long.`;
    case 'too_big':
      return spec.kind === 'number' ? `${label} must be at most ${String(issue.maximum)}.` : `${label} must be at most ${String(issue.maximum)} characters long.`;
    case 'invalid_value':
      return `${label} must be one of: ${(spec.options ?? issue.values.map(String)).map((o) => spec.optionLabels?.[o] ?? o).join(', ')} (not "${String(value)}").`;
    case 'invalid_format':
      return `${label} is not a valid ${issue.format}.`;
    default:
      return `${label} is not valid.`;
  }
}

function missingMessage(spec: ConfigFieldSpec): string {
  const verb = spec.kind === 'path' || spec.kind === 'select' ? 'Choose' : spec.kind === 'secret' ? 'Enter' : 'Fill in';
  return `${verb} the ${lower(spec.label)}.`;
}

/** "Database file" → "database file", but "CSV file" and "URL" stay as they are. */
const lower = (label: string): string => (/^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label);

/** The messages of a failed check for one connector's settings, as the API's invalid-input error. */
export function configError(definition: Pick<ConnectorDefinition, 'label'>, issues: readonly ConfigIssue[]): ApiError {
  return new ApiError('invalid-input', `The ${definition.label} settings need attention: ${issues.map((i) => i.message).join(' ')}`, [...issues]);
}

/** Checks and throws the API's invalid-input error; returns the normalised config to store. */
export function assertConfig(definition: Pick<ConnectorDefinition, 'label' | 'configSchema'>, raw: Readonly<Record<string, unknown>>, secretState?: SecretState): ConfigRecord {
  const checked = checkConfig(definition.configSchema, raw, secretState);
  if (!checked.ok) throw configError(definition, checked.issues);
  return checked.config;
}

/** What a connector folder declares; `create` gets the config its schema parsed (defaults in, secret out). */
export type ConnectorDeclaration<S extends ConfigSchema> = Omit<ConnectorDefinition, 'configSchema' | 'create'> & {
  configSchema: S;
  create(ctx: ConnectorContext<ParsedConfig<S>>): Connector;
};

/**
 * A connector definition from its declaration. Its `create` parses the stored or draft config
 * first, so a connector never sees settings its schema did not accept (an old stored config that
 * no longer fits fails with the same per-field messages as the form).
 */
export function defineConnector<S extends ConfigSchema>(declaration: ConnectorDeclaration<S>): ConnectorDefinition {
  describeConfigFields(declaration.configSchema); // a schema the form cannot draw fails at start-up, not in the wizard
  return {
    ...declaration,
    create(ctx) {
      const checked = checkConfig(declaration.configSchema, ctx.config);
      if (!checked.ok) throw configError(declaration, checked.issues);
      // The parse of S's own shape (less its secret) is S's output less the secret.
      return declaration.create({ ...ctx, config: checked.parsed as ParsedConfig<S> });
    },
  };
}
