// A profile's OAuth 2 client credentials name how the client secret goes to the token endpoint
// (`clientAuth`: HTTP Basic by default, or in the form body), against the stand-in's
// authorization server mounted on the stand-in API, which lets only its access tokens in.
import { afterEach, describe, expect, it } from 'vitest';
import { memorySecretHandle } from '../../credentials/secret-handle';
import { createOAuthServer } from '../../testing/saas-standin/oauth';
import { standinProfile } from '../../testing/saas-standin/profile-fixture';
import { startSaasStandin, type SaasStandin } from '../../testing/saas-standin/server';
import { createRestConnector } from './connector';
import { checkProfile, parseProfile } from './profile';

let standin: SaasStandin | null = null;
afterEach(async () => {
  await standin?.stop();
  standin = null;
});

describe('REST connector: OAuth 2 client credentials from the profile', () => {
  it.each([['basic'], ['post'], [undefined]] as const)('clientAuth %s reads the records', async (clientAuth) => {
    const oauth = createOAuthServer({ clients: [{ clientId: 'svc', clientSecret: 'svc-secret', grants: ['client_credentials'] }] });
    standin = await startSaasStandin({ oauth: { handleOAuth: (req, res) => oauth.handle(req, res), validateBearer: (t) => oauth.validateBearer(t) } });
    standin.app.insert([{ id: 'a1', name: 'Ann', email: 'ann@x' }]);
    const auth = { kind: 'oauth2-client-credentials' as const, tokenUrl: oauth.endpoints(new URL(standin.url).origin).tokenUrl, clientId: 'svc', ...(clientAuth ? { clientAuth } : {}) };
    const connector = createRestConnector({ profile: parseProfile(standinProfile(standin.url, { profile: { auth } })), secret: memorySecretHandle('svc-secret') });
    const read = await connector.read('contacts', ['a1']);
    expect(read.map((r) => r.id)).toEqual(['a1']);
    await connector.close();
    expect(oauth.stats.clientCredentials).toBe(1);
  });

  it('the schema names the accepted ways', () => {
    const c = checkProfile(standinProfile('http://127.0.0.1:9/api', { profile: { auth: { kind: 'oauth2-client-credentials', tokenUrl: 'http://127.0.0.1:9/t', clientId: 'c', clientAuth: 'header' as never } } }));
    expect(c.ok ? [] : c.issues.map((i) => i.message)).toEqual(['auth.clientAuth must be one of "basic", "post".']);
  });

  it('authorization code: clientAuth and authorization parameters, which may not set what Concord sets itself', () => {
    const code = (extra: Record<string, unknown>) => {
      const c = checkProfile(standinProfile('http://127.0.0.1:9/api', { profile: { auth: { kind: 'oauth2-authorization-code', authorizationUrl: 'https://a.example/auth', tokenUrl: 'https://a.example/token', clientId: 'c', ...extra } as never } }));
      return c.ok ? [] : c.issues.map((i) => i.message);
    };
    expect(code({ clientAuth: 'post', authorizationParams: { access_type: 'offline', prompt: 'consent' } })).toEqual([]);
    expect(code({ authorizationParams: { redirect_uri: 'https://evil.example', scope: 'x' } })).toEqual([
      'auth.authorizationParams.redirect_uri is set by Concord itself (redirect_uri); remove it.',
      'auth.authorizationParams.scope is set by Concord itself (scope); remove it and use auth.scope.',
    ]);
  });
});
