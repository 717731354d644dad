import { useEffect } from 'react';
import type { PairConfig, Side, WebhookScheme, WebhookSettings as Hooks, WebhookSideSettings } from '../../../src-main/engine/api/model';
import { CopyButton } from '../../components/CopyButton';
import { useConcord } from '../../store/react';
import { WebhookAdvanced, withText } from './WebhookAdvanced';
import { WebhookSecret } from './WebhookSecret';

const APP: Record<Side, string> = { left: 'App A', right: 'App B' };

/** The schemes as an app's documentation names them, with the header they read. */
export const SCHEMES: { id: WebhookScheme; label: string }[] = [
  { id: 'github', label: 'GitHub style — X-Hub-Signature-256: sha256=…' },
  { id: 'stripe', label: 'Stripe style — Stripe-Signature: t=…,v1=… (signed time)' },
  { id: 'hex', label: 'Plain hex digest — X-Signature (optionally with a signed timestamp header)' },
];

/** What a pair's webhooks start as when the user first turns them on: answered at once, a 10 s limit for the synchronous mode. */
export const DEFAULT_HOOKS: Hooks = { mode: 'async', syncTimeoutSeconds: 10 };
const DEFAULT_WINDOW = 300;

/**
 * The pair's webhooks (issue 12 §1), inside the settings form and saved with it: per side on or
 * off, the signature scheme and its replay window (advanced: headers and JSON paths); the pair's
 * answer mode; where to send them (from `webhooks/info`, once saved) and the secret (set at once,
 * apart from Save, since it lives in the keychain, not the config).
 */
export function WebhookSettings({ pairId, config, onChange }: { pairId: string; config: PairConfig; onChange: (webhooks: Hooks) => void }) {
  const info = useConcord((s) => s.webhookInfo[pairId]);
  const infoError = useConcord((s) => s.webhookInfoError[pairId]);
  const loadInfo = useConcord((s) => s.loadWebhookInfo);
  const detail = useConcord((s) => s.extras[pairId]?.detail);
  const saved = detail?.config.webhooks;
  // The endpoints follow what is saved: asked again after each save.
  useEffect(() => void loadInfo(pairId), [loadInfo, pairId, saved]);

  const hooks = config.webhooks ?? DEFAULT_HOOKS;
  const setSide = (side: Side, next: WebhookSideSettings) => onChange({ ...hooks, [side]: next });
  const anyOn = hooks.left?.enabled === true || hooks.right?.enabled === true;
  const limitValid = hooks.syncTimeoutSeconds >= 0.1 && hooks.syncTimeoutSeconds <= 120;

  return (
    <fieldset className="webhooks">
      <legend>Webhooks</legend>
      <p className="help">
        An app that sends webhooks can tell Concord about each change as it happens; the change reaches the other app within
        moments. The schedule keeps running beside it, so a lost webhook cannot leave the apps apart for long.
      </p>
      {(['left', 'right'] as const).map((side) => {
        const s = hooks[side];
        const name = detail ? `${APP[side]} · ${detail[side].connectionName}` : APP[side];
        return (
          <div key={side} className="webhook-side">
            <label className="check">
              <input
                type="checkbox"
                checked={s?.enabled === true}
                onChange={(e) => setSide(side, { ...(s ?? { scheme: 'github' }), enabled: e.target.checked })}
              />
              Receive webhooks from {name}
            </label>
            {s?.enabled && (
              <div className="webhook-side-settings">
                <label>
                  Signature scheme
                  <select aria-label={`Signature scheme of ${APP[side]}`} value={s.scheme} onChange={(e) => setSide(side, { ...s, scheme: SCHEMES.find((x) => x.id === e.target.value)?.id ?? s.scheme })}>
                    {SCHEMES.map((x) => (
                      <option key={x.id} value={x.id}>
                        {x.label}
                      </option>
                    ))}
                  </select>
                </label>
                {s.scheme === 'hex' && (
                  <label>
                    Timestamp header (optional: the signed time, unix seconds)
                    <input
                      aria-label={`Timestamp header of ${APP[side]}`}
                      placeholder="X-Timestamp"
                      value={s.timestampHeader ?? ''}
                      onChange={(e) => setSide(side, withText(s, 'timestampHeader', e.target.value))}
                    />
                  </label>
                )}
                <label>
                  Replay window (seconds)
                  <input
                    aria-label={`Replay window of ${APP[side]} in seconds`}
                    type="number"
                    min={5}
                    max={86400}
                    value={s.toleranceSeconds ?? DEFAULT_WINDOW}
                    onChange={(e) => setSide(side, { ...s, toleranceSeconds: e.target.value === '' ? DEFAULT_WINDOW : Number(e.target.value) })}
                  />
                  <span className="help">A call signed longer ago than this (or as far in the future) is refused as a replay.</span>
                </label>
                <Endpoint url={info?.endpoints[side]} appName={APP[side]} savedOn={saved?.[side]?.enabled === true} />
                <WebhookAdvanced side={side} appName={APP[side]} settings={s} onChange={(next) => setSide(side, next)} />
              </div>
            )}
          </div>
        );
      })}
      {anyOn && (
        <>
          <p className="webhook-subhead" id={`hook-mode-label-${pairId}`}>
            How Concord answers the app’s call
          </p>
          <div role="radiogroup" aria-labelledby={`hook-mode-label-${pairId}`}>
            <label className="check">
              <input type="radio" name={`hook-mode-${pairId}`} checked={hooks.mode === 'sync'} onChange={() => onChange({ ...hooks, mode: 'sync' })} />
              <span>
                Answer after applying the change (synchronous): the app learns the outcome — applied, conflict, or failed with the
                other app's error.
              </span>
            </label>
            <label className="check">
              <input type="radio" name={`hook-mode-${pairId}`} checked={hooks.mode === 'async'} onChange={() => onChange({ ...hooks, mode: 'async' })} />
              <span>Answer at once with a correlation id (asynchronous): the app asks the status URL for the outcome later.</span>
            </label>
          </div>
          {hooks.mode === 'sync' && (
            <label>
              Time limit of a synchronous answer (seconds)
              <input
                type="number"
                min={0.1}
                max={120}
                step="any"
                value={hooks.syncTimeoutSeconds}
                onChange={(e) => onChange({ ...hooks, syncTimeoutSeconds: e.target.value === '' ? DEFAULT_HOOKS.syncTimeoutSeconds : Number(e.target.value) })}
              />
              <span className="help">Past it, the app gets 202 “pending” with the status URL; the change is still applied.</span>
              {!limitValid && <span className="field-error">Choose from 0.1 to 120 seconds.</span>}
            </label>
          )}
          {info?.statusUrl && (
            <p className="help">
              Outcome of an event: <code>GET {info.statusUrl}</code>
            </p>
          )}
        </>
      )}
      <ReceiverState pairId={pairId} />
      {/* A background read, not the user's action: said in the section, not as an alert over the form's own. */}
      {infoError && <p className="field-error">Where this pair's webhooks are received could not be read: {infoError.message}</p>}
      <WebhookSecret pairId={pairId} hasSecret={info?.hasSecret ?? null} />
    </fieldset>
  );
}

function Endpoint({ url, appName, savedOn }: { url: string | undefined; appName: string; savedOn: boolean }) {
  if (!url) {
    return <p className="help">{savedOn ? 'The address appears once the receiver listens.' : `Save settings to get the address ${appName} sends its webhooks to.`}</p>;
  }
  return (
    <div className="webhook-endpoint">
      <span className="help">Send {appName}’s webhooks to</span>
      {/* Read-only box: selectable whole where the clipboard is not offered. */}
      <input readOnly className="copy-field" aria-label={`Webhook URL of ${appName}`} value={url} size={url.length} onFocus={(e) => e.target.select()} />
      <CopyButton text={url} label={`Copy the webhook URL of ${appName}`} />
    </div>
  );
}

/** Whether the receiver listens; where it does not, why (a port taken, an engine started without it). */
function ReceiverState({ pairId }: { pairId: string }) {
  const info = useConcord((s) => s.webhookInfo[pairId]);
  if (!info) return null;
  return info.listening ? (
    <p className="help">The webhook receiver is listening.</p>
  ) : (
    <p className="field-error" role="status">
      {info.error ?? 'The webhook receiver is not listening.'}
    </p>
  );
}
