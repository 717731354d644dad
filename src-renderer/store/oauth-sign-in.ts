/**
 * An OAuth 2 sign-in as the UI runs it (the engine does the protocol: connections/oauth-start
 * listens on a loopback port, -wait answers once the user has answered in the browser). Shared by
 * the wizard's draft and a saved connection's settings. No token ever reaches the UI.
 */
import type { OAuthSignInSettings } from '../../src-main/engine/api/model';
import type { ApiCallError } from '../api/call';
import type { SliceTools } from './store';

/** `error` is null when the sign-in was superseded (another one took its place): nothing to show. */
export type SignInOutcome = { ok: true; flowId: string } | { ok: false; error: ApiCallError | null };

export async function oauthSignIn(
  { call, guard }: SliceTools,
  args: { auth: OAuthSignInSettings; connectionId?: string; clientSecret?: string },
  open: (url: string) => void,
  hooks: { started: (flowId: string) => void; current: (flowId: string) => boolean },
): Promise<SignInOutcome> {
  const started = await guard('connections/oauth-start', () => call('connections/oauth-start', args));
  if (!started.ok) return { ok: false, error: started.error };
  const { flowId, authorizationUrl } = started.value;
  hooks.started(flowId);
  open(authorizationUrl);
  // Each wait is a long poll the engine answers when the sign-in ends, or after its own wait.
  for (;;) {
    const waited = await guard('connections/oauth-wait', () => call('connections/oauth-wait', { flowId }));
    if (!hooks.current(flowId)) return { ok: false, error: null };
    if (!waited.ok) return { ok: false, error: waited.error };
    if (waited.value.status === 'signed-in') return { ok: true, flowId };
  }
}

/**
 * Opens a tab on the click itself (one opened later, after the engine answers, is a pop-up
 * browsers block) and cuts it from this page before it loads the app's sign-in; answers how to
 * send it to the authorization URL. Where no tab can be opened so (the desktop app hands web
 * addresses to the system browser), the URL is opened when it comes.
 */
export function tabForSignIn(): (url: string) => void {
  const tab = window.open('about:blank', '_blank');
  if (tab) tab.opener = null;
  return (url) => {
    if (tab) tab.location.href = url;
    else window.open(url, '_blank', 'noopener');
  };
}
