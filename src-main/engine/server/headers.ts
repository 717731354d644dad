/**
 * The headers every answer of the headless server carries — a page, an API answer, a redirect, a
 * refusal (400, 401, 403, 404, 405, 413, 415, 429) or a failure (500) alike: a browser must never
 * render, frame, sniff or cache something of Concord's without them, whatever path produced it.
 *
 * The CSP is what the built UI needs and nothing more: its own scripts and styles (no inline
 * script; React sets styles through the CSSOM, which `style-src 'self'` allows), images from
 * itself or data: URLs, and its API and WebSocket on the same origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Answers that are not the UI's static files: never kept by a browser or a proxy. */
export const NO_STORE: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };

/** The same headers as raw HTTP header lines, for answers written straight to a socket (a refused upgrade). */
export const rawHeaderLines = (): string =>
  Object.entries(NO_STORE)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
