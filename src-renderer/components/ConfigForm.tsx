import type { ConfigFieldSpec, ConfigValue } from '../../src-main/engine/api/model';
import { groupRuns, isRequiredNow, isSecretField, type FormConfig } from './config-form';
import { ProfileEditor, type SignInControl } from './profile-editor/ProfileEditor';
import { getAt, parseProfileText } from './profile-editor/profile-model';

type FormProps = {
  idPrefix: string;
  fields: readonly ConfigFieldSpec[];
  config: FormConfig;
  onValue: (key: string, value: ConfigValue) => void;
  secret: string;
  onSecret: (value: string) => void;
  /** Shown under the secret field; the wizard says where it goes, the settings that empty keeps the stored one. */
  secretHelp?: string;
  /** The engine's message per field key (from its check of the settings). */
  messages?: Readonly<Record<string, string>>;
  /** The id of the step's own message ("Fill in …"), and the fields it is about. */
  problem?: { id: string; keys: ReadonlySet<string> } | undefined;
  /** An OAuth sign-in an editor may offer (an app profile whose sign-in is the authorization code). */
  signIn?: SignInControl | undefined;
};

/**
 * A connector's settings form, drawn from the engine's description: every connector's form is
 * this one component, so no connector has form code. A field hidden by another's value is not
 * drawn; fields that share a group are drawn under its heading.
 */
export function ConfigForm(props: FormProps) {
  const hideSecret = secretUnused(props.fields, props.config);
  return (
    <>
      {groupRuns(props.fields, props.config).map((run) => {
        const inputs = run.fields.filter((f) => !(hideSecret && isSecretField(f))).map((f) => (
          <ConfigFieldInput
            key={f.key}
            idPrefix={props.idPrefix}
            field={f}
            required={isRequiredNow(f, props.config)}
            value={props.config[f.key]}
            onValue={(v) => props.onValue(f.key, v)}
            secret={props.secret}
            onSecret={props.onSecret}
            {...(props.secretHelp !== undefined ? { secretHelp: props.secretHelp } : {})}
            {...(props.messages?.[f.key] !== undefined ? { message: props.messages[f.key] } : {})}
            {...(props.problem?.keys.has(f.key) ? { errorId: props.problem.id } : {})}
            {...(props.signIn ? { signIn: props.signIn } : {})}
          />
        ));
        return run.group === undefined ? (
          inputs
        ) : (
          <fieldset key={`group-${run.fields[0]!.key}`} className="config-group">
            <legend>{run.group}</legend>
            {inputs}
          </fieldset>
        );
      })}
    </>
  );
}

/**
 * An app profile whose sign-in needs no typed secret — none at all, or the OAuth sign-in that keeps
 * its own — makes the form's secret box pointless: it is not drawn (the sign-in stands in for it).
 */
function secretUnused(fields: readonly ConfigFieldSpec[], config: FormProps['config']): boolean {
  const profileField = fields.find((f) => f.editor === 'app-profile');
  if (!profileField) return false;
  const parsed = parseProfileText(typeof config[profileField.key] === 'string' ? (config[profileField.key] as string) : undefined);
  const kind = parsed.ok ? getAt(parsed.profile, ['auth', 'kind']) : undefined;
  return kind === 'none' || kind === 'oauth2-authorization-code';
}

/**
 * One setting, as its description says: a text or path box, a number, a choice, a checkbox, or a
 * password box for the secret (bound to the secret, never to the config).
 */
export function ConfigFieldInput(props: {
  idPrefix: string;
  field: ConfigFieldSpec;
  /** Must be filled now (the field's own `required`, or needed while the field it stands in for is empty). */
  required?: boolean;
  value: ConfigValue | undefined;
  onValue: (value: ConfigValue) => void;
  secret: string;
  onSecret: (value: string) => void;
  secretHelp?: string;
  /** The engine's message about this field's value. */
  message?: string;
  /** The id of another message that says this field is missing or wrong. */
  errorId?: string;
  signIn?: SignInControl;
}) {
  const f = props.field;
  const required = props.required ?? f.required;
  const id = `${props.idPrefix}-${f.key}`;
  const secretField = isSecretField(f);
  const helpId = f.help || secretField ? `${id}-help` : undefined;
  const messageId = props.message ? `${id}-message` : undefined;
  // Screen readers hear the field's problem and help when they reach the field.
  const a11y = {
    'aria-describedby': [messageId, props.errorId, helpId].filter(Boolean).join(' ') || undefined,
    'aria-invalid': messageId || props.errorId ? true : undefined,
    'aria-required': required || undefined,
  };
  const shownValue = props.value ?? f.default;
  const label = (
    <>
      {f.label}
      {required || f.kind === 'boolean' ? '' : ' (optional)'}
    </>
  );
  if (f.editor === 'app-profile') {
    return (
      <ProfileEditor
        id={id}
        label={f.label}
        value={typeof props.value === 'string' ? props.value : undefined}
        onValue={props.onValue}
        {...(props.message !== undefined ? { message: props.message } : {})}
        {...(props.signIn ? { signIn: props.signIn } : {})}
        {...(props.errorId ? { describedBy: props.errorId } : {})}
      />
    );
  }
  let input;
  if (f.kind === 'boolean') {
    input = <input id={id} {...a11y} type="checkbox" checked={shownValue === true} onChange={(e) => props.onValue(e.target.checked)} />;
  } else if (f.kind === 'select') {
    input = (
      <select id={id} {...a11y} value={String(shownValue ?? '')} onChange={(e) => props.onValue(e.target.value)}>
        {/* An empty choice says what it means when the connector says so (its placeholder). */}
        {f.default === undefined && <option value="">{f.placeholder ?? '(choose)'}</option>}
        {f.options?.map((o) => (
          <option key={o} value={o}>
            {f.optionLabels?.[o] ?? o}
          </option>
        ))}
      </select>
    );
  } else if (f.multiline) {
    input = <textarea id={id} {...a11y} rows={8} spellCheck={false} value={String(props.value ?? '')} onChange={(e) => props.onValue(e.target.value)} />;
  } else if (secretField) {
    input = <input id={id} {...a11y} type="password" autoComplete="off" value={props.secret} onChange={(e) => props.onSecret(e.target.value)} />;
  } else {
    const placeholder = f.placeholder ?? (f.default !== undefined ? String(f.default) : undefined);
    input = (
      <input
        id={id}
        {...a11y}
        type={f.kind === 'number' ? 'number' : 'text'}
        {...(f.kind === 'number' ? { min: f.min, max: f.max, step: f.integer ? 1 : 'any' } : {})}
        {...(placeholder !== undefined ? { placeholder } : {})}
        value={String(props.value ?? '')}
        // An emptied number box is '' (absent), not 0: the engine reads it as "use the default".
        onChange={(e) => props.onValue(f.kind === 'number' && e.target.value !== '' ? Number(e.target.value) : e.target.value)}
      />
    );
  }
  return (
    <div className={`form-row${f.kind === 'boolean' ? ' checkbox-row' : ''}`}>
      {f.kind === 'boolean' ? (
        <label htmlFor={id}>
          {input} {label}
        </label>
      ) : (
        <>
          <label htmlFor={id}>{label}</label>
          {input}
        </>
      )}
      {messageId && (
        <p className="field-error" id={messageId}>
          {props.message}
        </p>
      )}
      {helpId && (
        <p className="help" id={helpId}>
          {f.help}
          {f.help && secretField && props.secretHelp !== undefined ? ' ' : ''}
          {/* The connector's own help may already say where the secret goes: the default is not said twice. */}
          {secretField ? (props.secretHelp ?? (f.help ? '' : "Stored in your system's keychain, never in Concord's database.")) : ''}
        </p>
      )}
    </div>
  );
}
