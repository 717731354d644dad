import type { ApiCallError } from '../api/call';

const HINTS: Partial<Record<ApiCallError['code'], string>> = {
  unavailable: 'This part of Concord is not available right now.',
  'connector-error': 'The app answered with an error.',
  'invalid-input': 'Some values are not valid.',
  'not-found': 'It no longer exists.',
  conflict: 'It changed since you looked.',
  internal: 'Something went wrong inside Concord.',
};

/** Every API error a screen meets is shown through this, with the engine's own words. */
export function ErrorMessage({ error, onRetry }: { error: ApiCallError | null | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="error-message" role="alert">
      <p className="error-title">{HINTS[error.code] ?? 'The request failed.'}</p>
      <p>{error.message}</p>
      {error.issues.length > 0 && (
        <ul>
          {error.issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <code>{issue.path || '(input)'}</code>: {issue.message}
            </li>
          ))}
        </ul>
      )}
      <p className="error-code">
        {error.method} · {error.code}
        {onRetry && (
          <button type="button" className="link-button" onClick={onRetry}>
            Try again
          </button>
        )}
      </p>
    </div>
  );
}
