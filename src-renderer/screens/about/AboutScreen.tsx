import { useEffect } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatTime } from '../../components/widgets';
import { useConcord } from '../../store/react';

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
    </section>
  );
}
