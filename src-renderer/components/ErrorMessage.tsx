import type { ApiCallError } from '../api/call';

const HINTS: Partial<Record<ApiCallError['code'], string>> = {
  unavailable: 'This part of Concord is not available right now.',
  'connector-error': 'The app answered with an error.',
  'invalid-input': 'Some values are not valid.',
  'not-found': 'It no longer exists.',
  conflict: 'It changed since you looked.',
  internal: 'Something went wrong inside Concord.',
};

/** Turns an issue's path ("fields.2.right.fields") into the place the user knows, or null when the screen cannot tell. */
export type DescribePath = (path: string) => string | null;

/**
 * Every API error a screen meets is shown through this. The engine's message comes first, in the
 * user's words, and once: an issue that only repeats it adds nothing but, where the screen can
 * name it, the place to look. What a developer needs (method, code, raw paths) is folded away
 * under Details.
 */
export function ErrorMessage({ error, onRetry, describePath }: { error: ApiCallError | null | undefined; onRetry?: () => void; describePath?: DescribePath }) {
  if (!error) return null;
  // The engine's schema check names the method and raw paths: that is for Details. The user reads
  // what is wrong, where the screen can say it ("The pair's name: give the pair a name").
  const schemaCheck = error.code === 'invalid-input' && error.message.startsWith('Invalid input for ') && error.issues.length > 0;
  const message = schemaCheck ? 'Some values are not valid:' : error.message.trim() || HINTS[error.code] || 'The request failed.';
  const lines = error.issues.flatMap((issue) => {
    const where = issue.path ? (describePath?.(issue.path) ?? null) : null;
    const repeated = issue.message !== '' && message.includes(issue.message);
    if (repeated && !where) return [];
    const text = repeated ? `Look at ${where}.` : where ? `${capitalize(where)}: ${issue.message}` : issue.message;
    return [{ key: `${issue.path}:${issue.message}`, text }];
  });
  return (
    <div className="error-message" role="alert">
      <p className="error-title">{message}</p>
      {lines.length > 0 && (
        <ul className="error-issues">
          {lines.map((line) => (
            <li key={line.key}>{line.text}</li>
          ))}
        </ul>
      )}
      <div className="error-footer">
        {onRetry && (
          <button type="button" className="link-button" onClick={onRetry}>
            Try again
          </button>
        )}
        <details className="error-details">
          <summary>Details</summary>
          <p>
            {schemaCheck ? error.message : (HINTS[error.code] ?? 'The request failed.')} <code>{error.method}</code> · <code>{error.code}</code>
          </p>
          {error.issues.length > 0 && (
            <ul>
              {error.issues.map((issue) => (
                <li key={`${issue.path}:${issue.message}`}>
                  <code>{issue.path || '(input)'}</code>: {issue.message}
                </li>
              ))}
            </ul>
          )}
        </details>
      </div>
    </div>
  );
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
