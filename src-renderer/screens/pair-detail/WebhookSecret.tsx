import { useState } from 'react';
import type { ApiCallError } from '../../api/call';
import { CopyButton } from '../../components/CopyButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useBusy } from '../../components/use-busy';
import { useConcord } from '../../store/react';

/**
 * The pair's webhook secret: made by Concord (shown this once, to paste into the app) or pasted
 * from the app that made its own. It goes to the keychain at once (not with Save settings): the
 * engine never sends it back, so the box below is the only place it is ever shown.
 */
export function WebhookSecret({ pairId, hasSecret }: { pairId: string; hasSecret: boolean | null }) {
  const setSecret = useConcord((s) => s.setWebhookSecret);
  const [shown, setShown] = useState<string | null>(null);
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<ApiCallError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, whileBusy] = useBusy();

  const apply = async (secret?: string) => {
    const r = await whileBusy(() => setSecret(pairId, secret));
    setError(r.ok ? null : r.error);
    if (!r.ok) return;
    setShown(secret === undefined ? r.value.secret : null);
    setDone(secret === undefined ? null : 'The app’s secret is saved. Concord checks every call against it from now on.');
    setPasting(false);
    setPasted('');
  };

  return (
    <section className="webhook-secret" aria-label="Webhook secret">
      <p>
        <strong>Secret:</strong>{' '}
        {hasSecret === null ? '…' : hasSecret ? 'set (kept in the keychain).' : 'none yet — every webhook is refused until the pair has one.'}
      </p>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void apply()}>
          {hasSecret ? 'Generate a new secret' : 'Generate secret'}
        </button>
        <button type="button" disabled={busy} aria-expanded={pasting} onClick={() => setPasting(!pasting)}>
          Use the app’s secret
        </button>
      </div>
      {hasSecret && <p className="help">A new secret replaces the old one at once: calls the app signs with the old one are refused until it has the new one.</p>}
      {pasting && (
        <div className="webhook-paste">
          <label>
            The secret the app shows (at least 16 characters)
            <input
              type="password"
              autoComplete="off"
              value={pasted}
              onChange={(e) => setPasted(e.target.value)}
              onKeyDown={(e) => {
                // Enter saves the secret, not the whole settings form around it.
                if (e.key === 'Enter') {
                  e.preventDefault();
                  if (pasted) void apply(pasted);
                }
              }}
            />
          </label>
          <button type="button" className="primary" disabled={busy || pasted.length === 0} onClick={() => void apply(pasted)}>
            Save the app’s secret
          </button>
        </div>
      )}
      {shown && (
        <div className="secret-once" role="status">
          <p>
            <strong>Copy this secret now and give it to the app: Concord will not show it again.</strong> If it is lost, generate a new one.
          </p>
          <div className="webhook-endpoint">
            <input readOnly className="copy-field" aria-label="The new webhook secret" value={shown} size={shown.length} onFocus={(e) => e.target.select()} />
            <CopyButton text={shown} label="Copy the webhook secret" />
          </div>
          <button type="button" onClick={() => setShown(null)}>
            I have copied it
          </button>
        </div>
      )}
      {done && !shown && <p role="status">{done}</p>}
      <ErrorMessage error={error} />
    </section>
  );
}
