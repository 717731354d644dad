/**
 * What a browser does with an authorization URL, done with fetch for tests: load the consent
 * page, submit its form (Allow or Deny), and follow the redirect to the app's redirect URI.
 * Cookies, scripts and rendering are not needed: the stand-in's consent page is one plain form.
 */
export type BrowserVisit = {
  /** Where the authorization server sent the browser (the redirect URI with code or error, and state). */
  redirectedTo: URL;
  /** What the redirect URI answered, when it was followed. */
  landing?: { status: number; body: string };
};

/**
 * Opens `authorizationUrl`, answers the consent form with `decision` (an auto-approving server
 * needs none), and follows the redirect unless `follow` is false (to look at the code first).
 */
export async function signInLikeABrowser(authorizationUrl: string, options: { decision?: 'allow' | 'deny'; follow?: boolean } = {}): Promise<BrowserVisit> {
  let response = await fetch(authorizationUrl, { redirect: 'manual' });
  if (response.status === 200) {
    const html = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const ticket = /name="ticket" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !ticket) throw new Error(`The consent page has no form: ${html.slice(0, 300)}`);
    const body = new URLSearchParams({ ticket, decision: options.decision ?? 'allow' });
    response = await fetch(new URL(action, authorizationUrl), { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`The authorization server answered ${response.status} instead of a redirect: ${(await response.text()).slice(0, 300)}`);
  const redirectedTo = new URL(location, authorizationUrl);
  if (options.follow === false) return { redirectedTo };
  const landing = await fetch(redirectedTo, { redirect: 'manual' });
  return { redirectedTo, landing: { status: landing.status, body: await landing.text() } };
}
