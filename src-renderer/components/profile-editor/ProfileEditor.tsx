import { useRef, useState, type ReactNode } from 'react';
import type { OAuthSignInSettings } from '../../../src-main/engine/api/model';
import { APP_CONTROLS, COLLECTION_CONTROLS, exportFileName, getAt, isShown, parseProfileText, profileText, setAt, type Json, type JsonObject, type ProfileControl } from './profile-model';

/** An OAuth sign-in the form can start (the wizard's; a saved connection's settings have none yet). */
export type SignInControl = {
  state: 'signed-out' | 'waiting' | 'signed-in';
  /** `clientSecret`: a confidential client's (the profile's `clientAuth` basic or post), typed for this sign-in only. */
  start(settings: OAuthSignInSettings, clientSecret?: string): void;
  /** A saved connection keeps its client secret: leaving the box empty reuses it. */
  hasStoredClientSecret?: boolean;
};

type Props = { id: string; label: string; value: string | undefined; onValue: (text: string) => void; message?: string; signIn?: SignInControl; describedBy?: string };

/**
 * The REST connector's app profile as a form: the app, its sign-in and its first collection's
 * endpoints, paging, stale-write check, deletes and quirks — every setting a JSON path into the
 * profile, so what the form does not draw (a second collection, body templates, headers) is kept.
 * The whole profile stays editable as JSON, and can be imported from and exported to a file.
 * Checking it is the engine's (Test connection, Try it, Next), so the form and the JSON never
 * disagree with what the connector reads.
 */
export function ProfileEditor(props: Props) {
  const parsed = parseProfileText(props.value);
  const [showJson, setShowJson] = useState(!parsed.ok);
  const [importError, setImportError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const profile = parsed.ok ? parsed.profile : null;
  const write = (next: JsonObject) => props.onValue(profileText(next));

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setImportError(null);
    const text = await file.text();
    const checked = parseProfileText(text);
    if (!checked.ok) {
      // The file is not taken: what was in the form stays.
      setImportError(`${file.name}: ${checked.error}`);
      return;
    }
    props.onValue(profileText(checked.profile));
  };
  const exportFile = () => {
    if (!profile) return;
    const url = URL.createObjectURL(new Blob([profileText(profile)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = exportFileName(profile);
    a.click();
    URL.revokeObjectURL(url);
  };

  const auth = profile ? getAt(profile, ['auth']) : undefined;
  const authKind = profile ? getAt(profile, ['auth', 'kind']) : undefined;
  return (
    <fieldset className="profile-editor" aria-describedby={props.describedBy}>
      <legend>{props.label}</legend>
      {props.message && (
        <p className="field-error" id={`${props.id}-message`}>
          {props.message}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import profile…
        </button>
        <input ref={fileInput} type="file" accept=".json,application/json" hidden aria-label="Profile file to import" onChange={(e) => void importFile(e.target.files?.[0])} />
        <button type="button" disabled={!profile} onClick={exportFile}>
          Export profile
        </button>
      </div>
      {importError && <p className="field-error">{importError}</p>}
      {profile ? (
        <>
          <Section title="App">
            {APP_CONTROLS.filter((c) => isShown(c, profile)).map((c) => (
              <Control key={`${c.path.join('.')} ${c.label}`} idPrefix={props.id} control={c} profile={profile} onProfile={write} />
            ))}
            {authKind === 'oauth2-authorization-code' && props.signIn && auth && typeof auth === 'object' && !Array.isArray(auth) && <SignIn control={props.signIn} auth={auth} />}
          </Section>
          <Section title={`Records${typeof getAt(profile, ['collections', 0, 'name']) === 'string' ? `: ${String(getAt(profile, ['collections', 0, 'name']))}` : ''}`}>
            {COLLECTION_CONTROLS.filter((c) => isShown(c, profile)).map((c) => (
              <Control key={`${c.path.join('.')} ${c.label}`} idPrefix={props.id} control={c} profile={profile} onProfile={write} />
            ))}
            {Array.isArray(profile.collections) && profile.collections.length > 1 && (
              <p className="help">The profile has {profile.collections.length} collections; the form shows the first. Edit the others in the JSON.</p>
            )}
          </Section>
        </>
      ) : (
        <p className="field-error" role="alert">
          {parsed.ok ? '' : parsed.error} The form shows again once the JSON below is valid.
        </p>
      )}
      <details open={showJson} onToggle={(e) => setShowJson(e.currentTarget.open)}>
        <summary>The profile as JSON (every setting)</summary>
        <textarea id={`${props.id}-json`} aria-label="The profile as JSON" rows={16} spellCheck={false} value={props.value ?? (profile ? profileText(profile) : '')} onChange={(e) => props.onValue(e.target.value)} />
      </details>
    </fieldset>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="config-group">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

/** Choosing another kind (of sign-in, paging, check, deletes) starts that part afresh: settings of the old kind would be refused. */
const RESETS = new Set(['kind', 'style']);

function Control({ idPrefix, control: c, profile, onProfile }: { idPrefix: string; control: ProfileControl; profile: JsonObject; onProfile: (p: JsonObject) => void }) {
  const id = `${idPrefix}-profile-${c.path.join('-')}`;
  const value = getAt(profile, c.path);
  const helpId = c.help ? `${id}-help` : undefined;
  const set = (v: Json | undefined) => {
    const last = c.path[c.path.length - 1];
    if (typeof last === 'string' && RESETS.has(last) && v !== undefined) onProfile(setAt(profile, c.path.slice(0, -1), { [last]: v }));
    else onProfile(setAt(profile, c.path, v));
  };
  let input: ReactNode;
  if (c.kind === 'boolean') {
    input = <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked ? true : c.optional ? undefined : false)} />;
  } else if (c.kind === 'select') {
    input = (
      <select id={id} aria-describedby={helpId} value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value === '' ? undefined : e.target.value)}>
        {(value === undefined || c.optional) && <option value="">{c.optional ? '(the default)' : '(choose)'}</option>}
        {c.options?.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else {
    input = (
      <input
        id={id}
        aria-describedby={helpId}
        type={c.kind === 'number' ? 'number' : 'text'}
        placeholder={c.placeholder}
        value={value === undefined || value === null ? '' : String(value)}
        onChange={(e) => {
          const raw = e.target.value;
          if (raw === '') set(c.optional ? undefined : '');
          else set(c.kind === 'number' ? Number(raw) : raw);
        }}
      />
    );
  }
  return (
    <div className={`form-row${c.kind === 'boolean' ? ' checkbox-row' : ''}`}>
      {c.kind === 'boolean' ? (
        <label htmlFor={id}>
          {input} {c.label}
        </label>
      ) : (
        <>
          <label htmlFor={id}>
            {c.label}
            {c.optional ? ' (optional)' : ''}
          </label>
          {input}
        </>
      )}
      {helpId && (
        <p className="help" id={helpId}>
          {c.help}
        </p>
      )}
    </div>
  );
}

function SignIn({ control, auth }: { control: SignInControl; auth: { [k: string]: Json } }) {
  const [clientSecret, setClientSecret] = useState('');
  const text = (k: string) => (typeof auth[k] === 'string' ? (auth[k] as string) : '');
  const clientAuth = text('clientAuth');
  const confidential = clientAuth === 'basic' || clientAuth === 'post';
  const params = auth.authorizationParams;
  const authorizationParams =
    params && typeof params === 'object' && !Array.isArray(params) ? Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined;
  const ready = text('authorizationUrl') !== '' && text('tokenUrl') !== '' && text('clientId') !== '' && (!confidential || clientSecret !== '' || control.hasStoredClientSecret === true);
  const settings: OAuthSignInSettings = {
    authorizationUrl: text('authorizationUrl'),
    tokenUrl: text('tokenUrl'),
    clientId: text('clientId'),
    ...(text('scope') ? { scope: text('scope') } : {}),
    ...(clientAuth === 'none' || confidential ? { clientAuth: clientAuth as 'none' | 'basic' | 'post' } : {}),
    ...(authorizationParams && Object.keys(authorizationParams).length > 0 ? { authorizationParams } : {}),
  };
  return (
    <div className="form-row">
      {confidential && (
        <div className="form-row">
          <label htmlFor="profile-client-secret">Client secret{control.hasStoredClientSecret ? ' (optional)' : ''}</label>
          <input id="profile-client-secret" type="password" autoComplete="off" value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} />
          <p className="help">
            The app gave it with the client id. It goes to your system&apos;s keychain with the sign-in, never to Concord&apos;s database.
            {control.hasStoredClientSecret ? ' Leave it empty to keep the one stored.' : ''}
          </p>
        </div>
      )}
      <div className="actions">
        <button type="button" disabled={!ready || control.state === 'waiting'} onClick={() => control.start(settings, clientSecret || undefined)}>
          {control.state === 'signed-in' ? 'Sign in again' : 'Sign in'}
        </button>
        <span role="status">
          {control.state === 'waiting'
            ? 'Waiting for the sign-in in the browser tab that opened…'
            : control.state === 'signed-in'
              ? 'Signed in. Concord keeps the sign-in in the keychain when the connection is saved.'
              : ready
                ? ''
                : `Fill in the authorization URL, token URL and client id${confidential ? ' and the client secret' : ''} to sign in.`}
        </span>
      </div>
    </div>
  );
}
