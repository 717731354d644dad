import { useEffect, useState } from 'react';
import type { CapturePlan, ChangeDetection, PairConfig, Side } from '../../../src-main/engine/api/model';
import type { ApiCallError } from '../../api/call';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useBusy } from '../../components/use-busy';
import { useConcord } from '../../store/react';

/** The words for each mode; a mode this screen does not know is shown by its name. */
const MODE_LABELS: Partial<Record<ChangeDetection, string>> = {
  cursor: 'Last-modified time',
  flag: 'Sync flag',
  hash: 'Compare every record',
  token: 'The app’s change feed',
  capture: 'Capture (a trigger records every change)',
};

/**
 * How each side finds its changes, from the modes its collection offers; saved with the rest of
 * the settings. Choosing capture shows the exact SQL Concord would run, to install or remove it.
 */
export function ChangeDetectionSettings({ pairId, config, onChange }: { pairId: string; config: PairConfig; onChange: (side: Side, mode: ChangeDetection) => void }) {
  const modes = useConcord((s) => s.extras[pairId]?.modes);
  if (!modes) return null;
  return (
    <fieldset>
      <legend>Change detection</legend>
      {(['left', 'right'] as const).map((side) => {
        const offered = modes[side];
        const value = config[side].changeDetection ?? offered[0];
        const name = side === 'left' ? 'App A' : 'App B';
        if (!value || offered.length === 0) return null;
        return (
          <div key={side}>
            <label>
              {name} · {config[side].collection}
              <select aria-label={`Change detection of ${name}`} value={value} onChange={(e) => onChange(side, offered.find((m) => m === e.target.value) ?? value)}>
                {offered.map((m) => (
                  <option key={m} value={m}>
                    {MODE_LABELS[m] ?? m}
                  </option>
                ))}
                {!offered.includes(value) && <option value={value}>{MODE_LABELS[value] ?? value} — not offered by this app any more</option>}
              </select>
            </label>
            {value === 'capture' && <CapturePanel connectionId={config[side].connectionId} collection={config[side].collection} name={name} />}
          </div>
        );
      })}
    </fieldset>
  );
}

/** The SQL capture needs, read-only, with Install (or Remove capture once installed); errors inline. */
function CapturePanel({ connectionId, collection, name }: { connectionId: string; collection: string; name: string }) {
  const capture = useConcord((s) => s.capture);
  const [plan, setPlan] = useState<CapturePlan | null>(null);
  const [error, setError] = useState<ApiCallError | null>(null);
  const [busy, whileBusy] = useBusy();

  useEffect(() => {
    let live = true;
    void capture(connectionId, collection, 'plan').then((r) => {
      if (!live) return;
      if (r.ok) setPlan(r.value);
      setError(r.ok ? null : r.error);
    });
    return () => {
      live = false;
    };
  }, [capture, connectionId, collection]);

  const act = async (action: 'install' | 'remove', hash: string): Promise<void> => {
    const r = await whileBusy(() => capture(connectionId, collection, action, hash));
    setError(r.ok ? null : r.error);
    if (r.ok) return setPlan(r.value);
    // The SQL may have changed (the table did): show what would run now, next to the error.
    const again = await capture(connectionId, collection, 'plan');
    if (again.ok) setPlan(again.value);
  };

  return (
    <section aria-label={`Capture for ${name}`} className="capture">
      {plan && (
        <>
          <p>
            {plan.installed
              ? `Capture is installed on ${plan.collection}. Removing it runs this SQL, which drops only what Concord added:`
              : `Capture needs triggers on ${plan.collection} and a change table next to it. Concord runs exactly this SQL when you press Install, and nothing else; Save settings then makes this pair read by capture:`}
          </p>
          <pre aria-label={plan.installed ? 'SQL that removes capture' : 'SQL that installs capture'} className="sql" tabIndex={0}>
            {plan.installed ? plan.removeSql : plan.installSql}
          </pre>
          {plan.installed ? (
            <button type="button" className="danger" disabled={busy} onClick={() => void act('remove', plan.removeHash)}>
              {busy ? 'Removing…' : 'Remove capture'}
            </button>
          ) : (
            <button type="button" className="primary" disabled={busy} onClick={() => void act('install', plan.installHash)}>
              {busy ? 'Installing…' : 'Install'}
            </button>
          )}
        </>
      )}
      {!plan && !error && <p className="muted">Loading the SQL capture needs…</p>}
      <ErrorMessage error={error} />
    </section>
  );
}
