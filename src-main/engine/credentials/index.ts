/**
 * Chooses the credential store: `CONCORD_CREDENTIALS=keychain` (the default) or `file`.
 */
import { ApiError } from '../api/errors';
import { createFileCredentialStore } from './file-store';
import { createKeychainCredentialStore } from './keychain-store';
import type { CredentialStore } from './types';

export type { CredentialStore } from './types';

export const CREDENTIALS_ENV = 'CONCORD_CREDENTIALS';

export function createCredentialStore(options: { dataDir: string; env: NodeJS.ProcessEnv }): CredentialStore {
  const choice = (options.env[CREDENTIALS_ENV] ?? '').trim().toLowerCase() || 'keychain';
  switch (choice) {
    case 'keychain':
      return createKeychainCredentialStore();
    case 'file':
      return createFileCredentialStore(options);
    default:
      // Thrown at start-up, not on first use: a typo must not silently pick another store.
      throw new ApiError(
        'invalid-input',
        `${CREDENTIALS_ENV}="${options.env[CREDENTIALS_ENV]}" is not a credential store Concord knows. Use "keychain" (the OS keychain, the default) or "file" (an encrypted file, needs CONCORD_SECRET_KEY).`,
      );
  }
}
