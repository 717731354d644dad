import { useState } from 'react';
import type { LeftOutCollection, Side } from '../../../src-main/engine/api/model';
import { ErrorMessage } from '../../components/ErrorMessage';
import { plural } from '../../components/plural';
import { useConcord } from '../../store/react';
import { ConfigForm } from '../../components/ConfigForm';
import { describeFieldPath, fieldMessages, missingFields } from '../../components/config-form';
import { sideLabel } from './mapping-model';
import { TrySample } from './TrySample';
import { PresetPicker } from './PresetPicker';
import { tabForSignIn } from '../../store/oauth-sign-in';

/**
 * Connector choice, then the form the engine describes for it (ConfigForm); Next tests the connection before
 * it saves it. The wizard renders one per side, keyed by the side, so App A's test result never
 * shows on App B's form. The last error (test, save, describe) shows here, beside the fields.
 */
export function ConnectionStep({ side, secret, onSecret, problemId }: { side: Side; secret: string; onSecret: (v: string) => void; problemId?: string | undefined }) {
  const connectors = useConcord((s) => s.connectors);
  const d = useConcord((s) => s.draft[side]);
  const patchSide = useConcord((s) => s.patchSide);
  const testConnection = useConcord((s) => s.testConnection);
  const signIn = useConcord((s) => s.signIn);
  const error = useConcord((s) => s.wizardError);
  // The result belongs to the settings it was tested with: an edit since makes it say nothing.
  const [tested, setTested] = useState<{ settings: string; text: string } | null>(null);
  const connector = connectors?.find((c) => c.kind === d.connector);
  const settings = JSON.stringify([d.connector, d.config]);
  const describePath = (path: string): string | null => describeFieldPath(path, connector?.configFields);

  if (d.connection) {
    return (
      <div>
        <p>
          Connected to <strong>{d.connection.name}</strong> ({d.connection.connector}
          {d.connection.hasCredential ? ', credential saved in the keychain' : ''}).
        </p>
        <button type="button" onClick={() => patchSide(side, { connection: null, collections: null, leftOut: [], collection: '' })}>
          Use a different connection
        </button>
        <ErrorMessage error={error} />
      </div>
    );
  }
  if (!connectors) return <p className="muted">Loading the kinds of apps Concord can connect…</p>;

  return (
    <div>
      <fieldset>
        <legend>Which app is {sideLabel(side)}?</legend>
        <div className="connector-grid">
          {connectors.map((c) => (
            <label key={c.kind} className={`connector-option${c.kind === d.connector ? ' chosen' : ''}`}>
              <input type="radio" name={`${side}-connector`} value={c.kind} checked={c.kind === d.connector} onChange={() => patchSide(side, { connector: c.kind, config: {}, signIn: null })} />
              <strong>{c.label}</strong>
              <span className="muted">{c.description}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {connector && (
        <fieldset>
          <legend>{connector.label} settings</legend>
          <div className="form-row">
            <label htmlFor={`${side}-name`}>Connection name</label>
            <input
              id={`${side}-name`}
              value={d.name}
              placeholder={`My ${connector.label}`}
              aria-required
              {...(problemId && !d.name.trim() ? { 'aria-invalid': true, 'aria-describedby': problemId } : {})}
              onChange={(e) => patchSide(side, { name: e.target.value })}
            />
          </div>
          {connector.presets && connector.presets.length > 0 && (
            <PresetPicker key={connector.kind} id={`${side}-preset`} presets={connector.presets} onChoose={(p) => patchSide(side, { config: p ? { ...p.config } : {}, signIn: null })} />
          )}
          <ConfigForm
            idPrefix={side}
            fields={connector.configFields}
            config={d.config}
            onValue={(key, value) => patchSide(side, { config: { ...d.config, [key]: value } })}
            secret={secret}
            onSecret={onSecret}
            messages={fieldMessages(error, connector.configFields)}
            // While Next's message is shown, the required fields still empty point at it.
            problem={problemId ? { id: problemId, keys: new Set(missingFields(connector.configFields, d.config, secret).map((f) => f.key)) } : undefined}
            signIn={{
              state: d.signIn?.state ?? 'signed-out',
              start: (settings, clientSecret) => void signIn(side, settings, tabForSignIn(), clientSecret),
            }}
          />
          <div className="actions">
            <button
              type="button"
              onClick={async () => {
                setTested(null);
                const ok = await testConnection(side, secret || undefined);
                if (ok) setTested({ settings, text: `Connection works: ${plural(ok.collections, 'collection')} found.${describeLeftOut(ok.leftOut)}` });
              }}
            >
              Test connection
            </button>
            <span role="status">{tested?.settings === settings && !error ? tested.text : ''}</span>
          </div>
          <TrySample side={side} secret={secret} settings={settings} />
          <ErrorMessage error={error} describePath={describePath} />
        </fieldset>
      )}
    </div>
  );
}

export function CollectionsStep() {
  const draft = useConcord((s) => s.draft);
  const patchSide = useConcord((s) => s.patchSide);
  const patchDraft = useConcord((s) => s.patchDraft);
  return (
    <div className="two-columns">
      {(['left', 'right'] as const).map((side) => (
        <div key={side} className="form-row">
          <label htmlFor={`${side}-collection`}>
            {sideLabel(side)} · {draft[side].connection?.name}
          </label>
          <select
            id={`${side}-collection`}
            value={draft[side].collection}
            onChange={(e) => {
              patchSide(side, { collection: e.target.value });
              // A new collection means new fields: the old mapping no longer applies.
              patchDraft({ fields: [], matchKeys: [] });
            }}
          >
            <option value="">(choose)</option>
            {draft[side].collections?.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({c.fields.length} fields)
              </option>
            ))}
          </select>
          {draft[side].leftOut.length > 0 && (
            <ul className="help left-out" aria-label={`Left out of ${sideLabel(side)}`}>
              {draft[side].leftOut.map((l) => (
                <li key={l.name}>
                  Left out: <strong>{l.name}</strong>, because {l.reason}.
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}

/** What the app holds that Concord cannot sync, said with the test's result so nothing vanishes unexplained. */
export function describeLeftOut(leftOut: LeftOutCollection[]): string {
  return leftOut.map((l) => ` Left out: ${l.name}, because ${l.reason}.`).join('');
}
