/**
 * PLACEHOLDER until the oauth helper's `./oauth` lands: the REST connector calls
 * `getAccessToken(auth, secret, signal)` for the two OAuth 2 auth kinds. Once `oauth.ts` exists,
 * http.ts imports it from there and this file is deleted.
 */
import { ConnectorError } from '../errors';
import type { SecretHandle } from '../types';
import type { OAuth2Auth } from './profile';

export async function getAccessToken(auth: OAuth2Auth, _secret: SecretHandle, _signal?: AbortSignal): Promise<string> {
  throw new ConnectorError('config', `OAuth 2 (${auth.kind}) is not implemented yet: use an API key, a bearer token or basic auth for now.`);
}
