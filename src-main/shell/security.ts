/**
 * Electron hardening that does not depend on a particular window: the Content-Security-Policy
 * header, denied permissions, and the navigation / new-window / webview guards applied to every
 * webContents the app ever creates (`web-contents-created`), not only the main window's.
 */
import type { Session, WebContents } from 'electron';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The dev server's hot reload talks over a WebSocket to its own origin; nothing else is added. */
export function contentSecurityPolicy(devOrigin: string | null): string {
  if (!devOrigin) return CONTENT_SECURITY_POLICY;
  const ws = devOrigin.replace(/^http/, 'ws');
  return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", `connect-src 'self' ${devOrigin} ${ws}`);
}

/** Sets the CSP on every response, replacing any the server sent (whatever its header case). */
export function installContentSecurityPolicy(session: Session, policy: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [policy];
    callback({ responseHeaders: headers });
  });
}

/** Concord's page needs no camera, location, notifications-from-page, USB, … : deny them all. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export const isWebLink = (url: string): boolean => {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * Our page may only ever show itself: navigation elsewhere and redirects are cancelled, new
 * windows are denied (an http(s) link opens in the OS browser instead; file:, javascript:,
 * custom schemes never leave the app), and <webview> cannot be attached.
 */
export function hardenWebContents(
  contents: WebContents,
  options: { isOwnUrl: (url: string) => boolean; openExternal: (url: string) => Promise<void> },
): void {
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (!options.isOwnUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => guard(event, event.url));
  contents.on('will-redirect', (event) => guard(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isWebLink(url)) void options.openExternal(url).catch(() => undefined);
    return { action: 'deny' };
  });
}
