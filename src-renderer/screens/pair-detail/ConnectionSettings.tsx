import { Fragment, useEffect, useState } from 'react';
import type { ConnectionSummary, Side } from '../../../src-main/engine/api/model';
import type { ApiCallError } from '../../api/call';
import { ErrorMessage } from '../../components/ErrorMessage';
import { plural } from '../../components/plural';
import { useBusy } from '../../components/use-busy';
import { useConcord, useConcordStore } from '../../store/react';
import { ConfigForm } from '../../components/ConfigForm';
import { describeFieldPath, fieldMessages, isFieldShown, isSecretField } from '../../components/config-form';
import { describeLeftOut } from '../wizard/ConnectionSteps';
import { sideLabel } from '../wizard/mapping-model';
import { tabForSignIn } from '../../store/oauth-sign-in';
import { parseProfileText } from '../../components/profile-editor/profile-model';

/**
 * The two apps of a pair, and a way to fix one that moved: a renamed file, a new folder, a new
 * password. Saving tests first (when the test needs no stored secret), and says when the app no
 * longer holds the pair's collection, so a wrong path is caught before the next run.
 */
export function ConnectionSettings({ pairId }: { pairId: string }) {
  const store = useConcordStore();
  const detail = useConcord((s) => s.extras[pairId]?.detail);
  const [connections, setConnections] = useState<ConnectionSummary[] | null>(null);
  const [error, setError] = useState<ApiCallError | null>(null);
  const connectors = useConcord((s) => s.connectors);
  const loadConnectors = useConcord((s) => s.loadConnectors);
  // The connectors' own words for their settings ("Database file", not "path"), for both cards: asked once.
  useEffect(() => {
    if (!connectors) void loadConnectors();
  }, [connectors, loadConnectors]);
  const connectionIds = detail ? [detail.config.left.connectionId, detail.config.right.connectionId] : [];
  const key = connectionIds.join(',');

  useEffect(() => {
    if (!key) return;
    void store.getState().listConnections().then((result) => (result.ok ? setConnections(result.value) : setError(result.error)));
  }, [key, store]);

  if (!detail) return null;
  return (
    <section className="connection-settings" aria-labelledby={`apps-${pairId}`}>
      <h2 id={`apps-${pairId}`}>Apps</h2>
      <ErrorMessage error={error} />
      <div className="two-columns">
        {(['left', 'right'] as const).map((side) => {
          const connection = connections?.find((c) => c.id === detail.config[side].connectionId);
          return (
            <ConnectionCard
              key={side}
              pairId={pairId}
              side={side}
              collection={detail.config[side].collection}
              connection={connection}
              onSaved={(saved) => setConnections((list) => list?.map((c) => (c.id === saved.id ? saved : c)) ?? null)}
            />
          );
        })}
      </div>
    </section>
  );
}

function ConnectionCard(props: { pairId: string; side: Side; collection: string; connection: ConnectionSummary | undefined; onSaved: (c: ConnectionSummary) => void }) {
  const connectors = useConcord((s) => s.connectors);
  const updateConnection = useConcord((s) => s.updateConnection);
  const notify = useConcord((s) => s.notify);
  const [editing, setEditing] = useState(false);
  const [config, setConfig] = useState<Record<string, string | number | boolean>>({});
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<ApiCallError | null>(null);
  const [saving, whileSaving] = useBusy();
  const signInConnection = useConcord((s) => s.signInConnection);
  const [signIn, setSignIn] = useState<'signed-out' | 'waiting' | 'signed-in'>('signed-out');

  const c = props.connection;
  if (!c) return <div className="connection-card muted">{sideLabel(props.side)} · loading…</div>;
  const connector = connectors?.find((k) => k.kind === c.connector);
  // The settings as the form names them (a secret is never among them: only "saved in the keychain").
  const fields = connector?.configFields;
  const shown =
    fields?.filter((f) => !isSecretField(f) && isFieldShown(f, c.config, fields)).map((f) => ({ label: f.label, value: f.editor === 'app-profile' ? profileSummary(c.config[f.key]) : shownValue(c.config[f.key] ?? f.default, f.optionLabels) })) ??
    Object.entries(c.config).map(([label, value]) => ({ label, value: String(value) }));

  async function save(): Promise<void> {
    setError(null);
    const result = await whileSaving(() => updateConnection({ name, config, secret }, { pairId: props.pairId, side: props.side }));
    if (!result.ok) return setError(result.error);
    props.onSaved(result.value.connection);
    setEditing(false);
    setSecret('');
    notify('success', `Saved “${result.value.connection.name}”: ${plural(result.value.collections, 'collection')} found.${describeLeftOut(result.value.leftOut)} Press Sync now to sync with it.`);
  }

  return (
    <div className="connection-card">
      <h3>
        {sideLabel(props.side)} · {c.name}
      </h3>
      {!editing ? (
        <>
          <dl className="facts compact">
            <dt>Kind</dt>
            <dd>{connector?.label ?? c.connector}</dd>
            {shown.map((f) => (
              <Fragment key={f.label}>
                <dt>{f.label}</dt>
                <dd>
                  <code>{f.value || '—'}</code>
                </dd>
              </Fragment>
            ))}
            <dt>Collection</dt>
            <dd>{props.collection}</dd>
          </dl>
          <button
            type="button"
            aria-label={`Edit the connection of ${sideLabel(props.side)}`}
            onClick={() => {
              setName(c.name);
              setConfig({ ...c.config });
              setError(null);
              setEditing(true);
            }}
          >
            Edit connection
          </button>
        </>
      ) : (
        <form
          aria-label={`Connection of ${sideLabel(props.side)}`}
          // The engine's check says what is wrong, beside the field (see the wizard's form).
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <div className="form-row">
            <label htmlFor={`conn-${props.side}-name`}>Connection name</label>
            <input id={`conn-${props.side}-name`} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          {fields && (
            <ConfigForm
              idPrefix={`conn-${props.side}`}
              fields={fields}
              config={config}
              onValue={(key, value) => {
                setError(null);
                setConfig({ ...config, [key]: value });
              }}
              secret={secret}
              onSecret={(v) => {
                setError(null);
                setSecret(v);
              }}
              secretHelp={c.hasCredential ? 'Leave empty to keep the one stored in your keychain.' : "Stored in your system's keychain, never in Concord's database."}
              messages={fieldMessages(error, fields)}
              signIn={{
                state: signIn,
                hasStoredClientSecret: c.hasCredential,
                start: (settings, clientSecret) => {
                  setSignIn('waiting');
                  setError(null);
                  void signInConnection(c.id, settings, tabForSignIn(), clientSecret).then((r) => {
                    setSignIn(r.ok ? 'signed-in' : 'signed-out');
                    if (!r.ok && r.error) setError(r.error);
                  });
                },
              }}
            />
          )}
          <p className="help">
            Point it at the same app's data: a file moved to another folder, a database on a new path, a new password.
            Another app's data is another pair: the records Concord linked here would look deleted.
          </p>
          <ErrorMessage error={error} describePath={(path) => describeFieldPath(path, fields)} />
          <div className="actions">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? 'Testing…' : 'Test and save'}
            </button>
            <button type="button" disabled={saving} onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** An app profile as the card names it: its app and base URL, not its whole JSON. */
function profileSummary(value: string | number | boolean | undefined): string {
  const parsed = parseProfileText(typeof value === 'string' ? value : undefined);
  if (!parsed.ok) return 'not valid JSON';
  const { name, baseUrl } = parsed.profile;
  return [typeof name === 'string' ? name : '', typeof baseUrl === 'string' ? baseUrl : ''].filter(Boolean).join(' · ');
}

/** A stored setting as the card shows it: a choice by its label, a checkbox as on or off. */
function shownValue(value: string | number | boolean | undefined, optionLabels: Record<string, string> | undefined): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return value === undefined ? '' : (optionLabels?.[String(value)] ?? String(value));
}
