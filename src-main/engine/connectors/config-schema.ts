/**
 * A connector's settings, declared once as a zod object. From that one schema the engine derives
 * the form the renderer draws (`describeConfig`, here), the check with a message per field and
 * the one secret (`config-check.ts`). No connector writes form code or a validator by hand.
 *
 * Declaring: every field carries a label (and may carry help, a group, a condition) through the
 * helpers below; its kind comes from its zod type (string → text, number, boolean → checkbox,
 * z.enum → select) unless it is a `path` or a `secret`. A field that is `.optional()` (or has a
 * `.default()`) is optional in the form. Checks across fields are refinements on the object,
 * with the path of the field they are about.
 *
 *   z.object({
 *     host: text({ label: 'Host' }).optional(),
 *     port: field(z.number().int().min(1).max(65535), { label: 'Port' }).default(5432),
 *     password: secret({ label: 'Password' }).optional(),
 *     tlsMode: field(z.enum(['disable', 'require', 'verify-full']), { label: 'TLS' }).default('require'),
 *     caFile: path({ label: 'CA file', showWhen: { key: 'tlsMode', in: ['verify-full'] } }).optional(),
 *   }).check(…)
 */
import { z } from 'zod';
import type { ConfigFieldSpec, ConfigValue } from '../api/model';

export type ConfigFieldMeta = {
  label: string;
  help?: string;
  placeholder?: string;
  /** A string is plain text unless it names a file (`path`) or goes to the keychain (`secret`): use those helpers. */
  kind?: 'text' | 'path' | 'secret';
  /** Consecutive fields with one group are drawn together under that heading. */
  group?: string;
  /**
   * Shown, checked and stored only while another field (declared before it) holds one of these
   * values, its default counting when it is empty. Such a field must be optional: a requirement
   * that depends on another field is a refinement on the object.
   */
  showWhen?: { key: string; in: readonly ConfigValue[] };
  /** Text: long, with line breaks (JSON, a certificate): drawn as a text area. */
  multiline?: boolean;
  /** Text the form edits with a dedicated editor instead of a text box ('app-profile': a REST app profile, JSON). */
  editor?: 'app-profile';
  /** Select: the words shown for its values. */
  optionLabels?: Readonly<Record<string, string>>;
  /** What to tell a user who left a required field empty (default: "Choose the …" / "Fill in the …"). */
  missing?: string;
  /**
   * Needed while the field of this key is empty: one of two ways to say the same thing (a host,
   * or a connection string). The field must be optional; the check across the two is a refinement.
   */
  requiredUnless?: string;
};

/** The metadata of config fields, apart from zod's global registry so its type is ours. */
export const configFieldMeta = z.registry<ConfigFieldMeta>();

/** A connection's settings: a zod object of fields declared with the helpers below. */
export type ConfigSchema = z.ZodObject;

declare const secretBrand: unique symbol;
/** A string schema marked as the connection's secret: it goes to the keychain, never to the config. */
export type SecretString = z.ZodString & { readonly [secretBrand]: true };

/** Any field: its kind follows from the zod type (number, boolean, z.enum, string). */
export function field<T extends z.ZodType>(schema: T, meta: ConfigFieldMeta): T {
  configFieldMeta.add(schema, meta);
  return schema;
}
export const text = (meta: Omit<ConfigFieldMeta, 'kind'>, schema: z.ZodString = z.string()): z.ZodString => field(schema, { ...meta, kind: 'text' });
export const path = (meta: Omit<ConfigFieldMeta, 'kind'>, schema: z.ZodString = z.string()): z.ZodString => field(schema, { ...meta, kind: 'path' });
/**
 * The connection's one secret (a password, a token). It is never part of the stored config nor of
 * the parsed config a connector receives (read it through `ctx.secret()`), so no refinement sees it.
 */
export function secret(meta: Omit<ConfigFieldMeta, 'kind'>, schema: z.ZodString = z.string()): SecretString {
  // The brand exists only for the type system (ParsedConfig leaves the key out); nothing to check at run time.
  return field(schema, { ...meta, kind: 'secret' }) as SecretString;
}

type SecretKeys<Shape> = { [K in keyof Shape]: Shape[K] extends SecretString | z.ZodOptional<SecretString> ? K : never }[keyof Shape];
/** What a connector's `create` receives: the schema's output, without the secret. */
export type ParsedConfig<S extends ConfigSchema> = Omit<z.output<S>, SecretKeys<S['shape']>>;

/** One field of a schema, unwrapped: what the form and the check need to know about it. */
export type ConfigFieldInfo = { spec: ConfigFieldSpec; meta: ConfigFieldMeta };

const described = new WeakMap<ConfigSchema, ConfigFieldInfo[]>();

/**
 * The form description of a schema, in declaration order. Throws on a schema the form cannot
 * draw (a field without a label, two secrets, a condition on a later field): a connector's
 * mistake, caught by the registry's test for every connector rather than by a user.
 */
export function describeConfigFields(schema: ConfigSchema): ConfigFieldInfo[] {
  const cached = described.get(schema);
  if (cached) return cached;
  const fields: ConfigFieldInfo[] = [];
  for (const [key, fieldSchema] of Object.entries(schema.shape)) fields.push(describeField(key, fieldSchema, fields, schema.shape));
  if (fields.filter((f) => f.spec.kind === 'secret').length > 1) throw new Error(`A connection keeps one secret in the keychain; this schema declares ${fields.filter((f) => f.spec.kind === 'secret').map((f) => f.spec.key).join(', ')}.`);
  described.set(schema, fields);
  return fields;
}

export const describeConfig = (schema: ConfigSchema): ConfigFieldSpec[] => describeConfigFields(schema).map((f) => f.spec);

/** The key of the schema's secret field, if it has one (the connection then keeps a credential). */
export const secretKey = (schema: ConfigSchema): string | undefined => describeConfigFields(schema).find((f) => f.spec.kind === 'secret')?.spec.key;

function describeField(key: string, declared: z.core.$ZodType, before: ConfigFieldInfo[], declaredShape: Readonly<Record<string, unknown>>): ConfigFieldInfo {
  let s: z.core.$ZodType = declared;
  let meta = configFieldMeta.get(s);
  let required = true;
  let defaultValue: unknown;
  // Wrappers outside the value's own type: optional, default, nullable, a transform's input.
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      required = false;
      s = s.unwrap();
    } else if (s instanceof z.ZodDefault) {
      required = false;
      defaultValue = s._zod.def.defaultValue;
      s = s.unwrap();
    } else if (s instanceof z.ZodPipe) {
      s = s.in instanceof z.ZodTransform ? s.out : s.in;
    } else break;
    meta ??= configFieldMeta.get(s);
  }
  const where = `Config field "${key}"`;
  if (!meta) throw new Error(`${where} has no label: declare it with field(), text(), path() or secret().`);
  const spec: ConfigFieldSpec = { key, label: meta.label, kind: 'text', required };
  if (s instanceof z.ZodString) {
    spec.kind = meta.kind ?? 'text';
  } else if (meta.kind !== undefined) {
    throw new Error(`${where} is a ${meta.kind} but not a string.`);
  } else if (s instanceof z.ZodNumber) {
    spec.kind = 'number';
    if (s.minValue !== null && Number.isFinite(s.minValue)) spec.min = s.minValue;
    if (s.maxValue !== null && Number.isFinite(s.maxValue)) spec.max = s.maxValue;
    if (s.isInt) spec.integer = true;
  } else if (s instanceof z.ZodBoolean) {
    spec.kind = 'boolean';
  } else if (s instanceof z.ZodEnum) {
    spec.kind = 'select';
    spec.options = s.options.map(String);
    if (meta.optionLabels) spec.optionLabels = { ...meta.optionLabels };
  } else {
    throw new Error(`${where}: a ${s._zod.def.type} cannot be drawn as a form field (use a string, number, boolean or z.enum).`);
  }
  if (meta.help !== undefined) spec.help = meta.help;
  if (meta.placeholder !== undefined) spec.placeholder = meta.placeholder;
  if (meta.group !== undefined) spec.group = meta.group;
  if (meta.multiline) {
    if (spec.kind !== 'text') throw new Error(`${where}: only a text field can be multiline.`);
    spec.multiline = true;
  }
  if (meta.editor !== undefined) {
    if (spec.kind !== 'text') throw new Error(`${where}: only a text field can have an editor.`);
    spec.editor = meta.editor;
  }
  if (isConfigValue(defaultValue)) spec.default = defaultValue;
  if (meta.showWhen) {
    const target = before.find((f) => f.spec.key === meta.showWhen?.key);
    if (!target) throw new Error(`${where} depends on "${meta.showWhen.key}", which must be declared before it.`);
    if (required) throw new Error(`${where} is shown only sometimes, so it must be optional (a requirement that depends on "${meta.showWhen.key}" is a refinement).`);
    spec.showWhen = { key: meta.showWhen.key, in: [...meta.showWhen.in] };
  }
  if (meta.requiredUnless !== undefined) {
    if (required) throw new Error(`${where} is needed only while "${meta.requiredUnless}" is empty, so it must be optional.`);
    if (!Object.hasOwn(declaredShape, meta.requiredUnless)) throw new Error(`${where} depends on "${meta.requiredUnless}", which the schema does not declare.`);
    spec.requiredUnless = meta.requiredUnless;
  }
  if (spec.kind === 'secret' && spec.default !== undefined) throw new Error(`${where}: a secret has no default.`);
  return { spec, meta };
}

const isConfigValue = (v: unknown): v is ConfigValue => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Whether a field counts, given the other fields' values (a hidden field is neither checked nor stored). */
export function isFieldShown(spec: ConfigFieldSpec, config: Readonly<Record<string, ConfigValue | undefined>>, all: readonly ConfigFieldSpec[]): boolean {
  if (!spec.showWhen) return true;
  const { key, in: values } = spec.showWhen;
  const target = all.find((f) => f.key === key);
  if (target && !isFieldShown(target, config, all)) return false;
  const value = config[key] === undefined || config[key] === '' ? target?.default : config[key];
  return value !== undefined && values.includes(value);
}
