/**
 * A REST pair whose web app signs Concord in with OAuth 2 (authorization code, PKCE, the loopback
 * redirect), end to end through the engine API: the sign-in's refresh token becomes the
 * connection's only secret; an access token the app ends early is refreshed once and the run goes
 * on (PITFALLS 9); the rotated refresh token is kept; a revoked sign-in fails the run asking to sign
 * in again, and nothing is written.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OAuthFlow } from '../../api/model';
import { appInsert, appRows, basePairConfig, createApp, removeDir, startEngine, syncAndWait, tempDir, type Kit } from '../../sync/test-kit.fixture';
import { createOAuthServer } from '../../testing/saas-standin/oauth';
import { signInLikeABrowser } from '../../testing/saas-standin/oauth-browser';
import { standinProfile } from '../../testing/saas-standin/profile-fixture';
import { startSaasStandin, type SaasStandin } from '../../testing/saas-standin/server';

let kit: Kit | null = null;
let standin: SaasStandin | null = null;
let dir = '';
afterEach(async () => {
  await kit?.close();
  await standin?.stop();
  removeDir(dir);
});

describe('a REST pair signed in with OAuth 2', () => {
  // A confidential client (HubSpot, Notion, Pipedrive, Google): the stand-in requires its secret on the code exchange and every refresh.
  it.each([
    ['a public client', undefined, undefined],
    ['a confidential client (client secret by HTTP Basic)', 'basic', 'conf-secret-1'],
    ['a confidential client (client secret in the body)', 'post', 'conf-secret-2'],
  ] as const)('%s: signs in through the loopback redirect, syncs, survives access tokens the app ends early, and asks to sign in again once revoked', async (_name, clientAuth, clientSecret) => {
    dir = tempDir('concord-rest-oauth-');
    const left = join(dir, 'left.sqlite');
    createApp(left);
    const oauth = createOAuthServer({ clients: [{ clientId: 'concord', redirectUris: ['http://127.0.0.1/callback'], ...(clientSecret ? { clientSecret } : {}) }] });
    standin = await startSaasStandin({ oauth: { handleOAuth: (req, res) => oauth.handle(req, res), validateBearer: (t) => oauth.validateBearer(t) }, etags: true });
    const origin = new URL(standin.url).origin;
    const auth = { kind: 'oauth2-authorization-code' as const, ...oauth.endpoints(origin), clientId: 'concord', scope: 'contacts', ...(clientAuth ? { clientAuth } : {}) };
    kit = startEngine(dir, join(dir, 'data'));

    const { kind: _kind, ...signIn } = auth;
    const flow: OAuthFlow = await kit.call('connections/oauth-start', { auth: signIn, ...(clientSecret ? { clientSecret } : {}) });
    const visit = await signInLikeABrowser(flow.authorizationUrl);
    expect(visit.landing?.status).toBe(200);
    for (;;) if ((await kit.call('connections/oauth-wait', { flowId: flow.flowId, waitMs: 5_000 })).status === 'signed-in') break;
    const config = { profile: JSON.stringify(standinProfile(standin.url, { profile: { auth } })) };
    const tried = await kit.call('connections/try', { connector: 'rest', config, oauthFlowId: flow.flowId });
    expect(tried.collection).toBe('contacts');
    const r = await kit.call('connections/create', { name: 'Web app', connector: 'rest', config, oauthFlowId: flow.flowId });
    expect(r.hasCredential).toBe(true);
    const l = await kit.call('connections/create', { name: 'CRM', connector: 'sqlite-table', config: { path: left } });
    const { id: pairId } = await kit.call('pairs/create', {
      config: basePairConfig(l.id, r.id, {
        right: { connectionId: r.id, collection: 'contacts', changeDetection: 'cursor' },
        fields: [
          { name: 'email', type: 'string', left: { fields: ['email'] }, right: { fields: ['email'] }, direction: 'both' },
          { name: 'name', type: 'string', left: { fields: ['name'] }, right: { fields: ['name'] }, direction: 'both' },
        ],
      }),
    });

    appInsert(left, { email: 'ann@x', name: 'Ann', score: 1 });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1 } });
    const refreshesBefore = oauth.stats.refreshToken;

    // The app ends every access token early (its keys rotated): one refresh, then the run goes on.
    oauth.expireAccessTokens();
    appInsert(left, { email: 'bob@x', name: 'Bob', score: 2 });
    expect(await syncAndWait(kit, pairId)).toMatchObject({ status: 'succeeded', counts: { created: 1 } });
    expect(oauth.stats.refreshToken).toBe(refreshesBefore + 1);
    expect(standin.app.ids().map((id) => standin?.app.get(id)?.email).sort()).toEqual(['ann@x', 'bob@x']);

    // The user removes Concord's access in the app: the run fails once, saying to sign in again, and writes nothing.
    oauth.revokeAll();
    appInsert(left, { email: 'cy@x', name: 'Cy', score: 3 });
    const refused = await syncAndWait(kit, pairId);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/sign in again/i);
    expect(standin.app.ids()).toHaveLength(2);
    expect(appRows(left)).toHaveLength(3);
  });
});
