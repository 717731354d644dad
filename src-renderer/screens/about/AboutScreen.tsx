import { useEffect, useState } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatTime } from '../../components/widgets';
import { desktopAlertState, type DesktopAlertState } from '../../store/failure-alerts';
import { useConcord } from '../../store/react';
import { PrivacySettings } from './PrivacySettings';

export function AboutScreen() {
  const info = useConcord((s) => s.info);
  const error = useConcord((s) => s.infoError);
  const loadInfo = useConcord((s) => s.loadInfo);
  useEffect(() => void loadInfo(), [loadInfo]);

  return (
    <section aria-labelledby="about-title" className="screen">
      <h1 id="about-title">About Concord</h1>
      <ErrorMessage error={error} onRetry={() => void loadInfo()} />
      {!info && !error && <p className="muted">Loading…</p>}
      {info && (
        <dl className="facts" aria-label="Application information">
          <dt>Version</dt>
          <dd>
            {info.name} {info.version}
          </dd>
          <dt>Data folder</dt>
          <dd>
            <code>{info.dataDir}</code>
          </dd>
          <dt>Database</dt>
          <dd>
            <code>{info.databasePath}</code>
          </dd>
          <dt>Credential store</dt>
          <dd>{info.credentialStore}</dd>
          <dt>Node.js</dt>
          <dd>{info.nodeVersion}</dd>
          <dt>Engine started</dt>
          <dd>{formatTime(info.startedAt)}</dd>
        </dl>
      )}
      <h2>Settings</h2>
      <p className="muted">
        The theme follows your system's light or dark setting. Each pair's schedule, mapping and policies are in its
        Settings tab.
      </p>
      <DesktopAlertsSetting />
      <h2>Privacy</h2>
      <PrivacySettings />
    </section>
  );
}

const ALERT_STATE_TEXT: Record<DesktopAlertState, string> = {
  granted: 'On: this browser shows a notification when a pair starts failing.',
  default: 'Off: Concord tells you in this window when a pair starts failing. Turn them on to hear about it in other windows too.',
  denied: 'Blocked by this browser. Allow notifications for this site in the browser’s site settings to turn them on.',
  unsupported: 'This browser cannot show notifications; Concord tells you in this window when a pair starts failing.',
};

/** Desktop notifications when a pair starts failing: the desktop app shows them itself; a browser asks first. */
function DesktopAlertsSetting() {
  const inDesktopApp = 'concord' in window;
  const [state, setState] = useState<DesktopAlertState>(desktopAlertState);
  return (
    <div className="setting" role="group" aria-labelledby="alerts-title">
      <h3 id="alerts-title">Desktop notifications</h3>
      {inDesktopApp ? (
        <p>On: the desktop app shows a notification when a pair starts failing.</p>
      ) : (
        <>
          <p data-testid="alerts-state">{ALERT_STATE_TEXT[state]}</p>
          {state === 'default' && (
            <button type="button" onClick={() => void Notification.requestPermission().then(() => setState(desktopAlertState()))}>
              Turn on desktop notifications
            </button>
          )}
        </>
      )}
    </div>
  );
}
