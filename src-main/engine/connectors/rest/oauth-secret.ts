/**
 * What a connection's one secret holds for the OAuth 2 authorization-code flow.
 *
 * A public client (PKCE only): the refresh token itself, as before. A confidential client (the
 * profile's `auth.clientAuth` is 'basic' or 'post': HubSpot, Notion, Pipedrive, Google want a
 * client secret at the token endpoint): JSON `{"clientSecret":…,"refreshToken":…}`. One credential
 * account for both, so a rotated refresh token and the client secret are written together, and the
 * secret handle's single-flight refresh covers the pair: no second account to keep in step.
 *
 * The encoding is deterministic (the access-token cache is keyed by it) and self-describing: a
 * refresh token never starts with `{`, so a value that parses as this object is the JSON form.
 */
import type { OAuthAuthorizationCode } from './oauth';

export type SignInSecret = { refreshToken: string; clientSecret?: string };

export function encodeSignInSecret(s: SignInSecret): string {
  return s.clientSecret === undefined ? s.refreshToken : JSON.stringify({ clientSecret: s.clientSecret, refreshToken: s.refreshToken });
}

export function decodeSignInSecret(raw: string): SignInSecret {
  if (raw.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(raw);
      if (v && typeof v === 'object' && typeof (v as { refreshToken?: unknown }).refreshToken === 'string') {
        const { refreshToken, clientSecret } = v as { refreshToken: string; clientSecret?: unknown };
        return { refreshToken, ...(typeof clientSecret === 'string' ? { clientSecret } : {}) };
      }
    } catch {
      // Not the JSON form: a refresh token as it is.
    }
  }
  return { refreshToken: raw };
}

/** Whether the app wants a client secret at its token endpoint. */
export const isConfidential = (auth: Pick<OAuthAuthorizationCode, 'clientAuth'>): boolean => auth.clientAuth === 'basic' || auth.clientAuth === 'post';
