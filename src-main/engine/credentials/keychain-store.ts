/**
 * Credentials in the OS keychain through keytar (macOS Keychain, Windows Credential Vault, the
 * Secret Service on Linux: GNOME Keyring, KWallet). The default store.
 *
 * keytar is an optional dependency (it needs libsecret to build on Linux), so it is loaded on
 * first use: a machine without it still starts, and the first credential operation says what to
 * install. Every failure names its technical cause alongside what the user can do.
 */
import { ApiError } from '../api/errors';
import type { CredentialStore } from './types';

export const KEYCHAIN_SERVICE = 'Concord';

/** The part of keytar Concord uses. */
export type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

const loadKeytar = async (): Promise<Keytar> => {
  const mod: Keytar & { default?: Keytar } = await import('keytar');
  // Under a CommonJS bundle the functions sit on the module; under ESM interop on `default`.
  return mod.default ?? mod;
};

export type KeychainStoreOptions = {
  /** Keychain service name; tests use their own so they never touch a user's real entries. */
  service?: string;
  /** How keytar is loaded; only tests replace it, to simulate a machine where it is missing. */
  load?: () => Promise<Keytar>;
};

export function createKeychainCredentialStore(options: KeychainStoreOptions = {}): CredentialStore {
  const service = options.service ?? KEYCHAIN_SERVICE;
  const load = options.load ?? loadKeytar;
  let keytar: Promise<Keytar> | null = null;

  const getKeytar = (): Promise<Keytar> => {
    keytar ??= load().catch((error: unknown) => {
      keytar = null; // let a later call try again (e.g. after the user installed libsecret)
      throw new ApiError(
        'unavailable',
        'Concord cannot use the OS keychain: its keychain module (keytar) failed to load. ' +
          'On Linux install libsecret (Debian/Ubuntu: `apt-get install libsecret-1-0`; building keytar from source needs `libsecret-1-dev`) ' +
          'and reinstall Concord, or set CONCORD_CREDENTIALS=file with CONCORD_SECRET_KEY to keep credentials in an encrypted file. ' +
          `Cause: ${describe(error)}`,
        undefined,
        { cause: error },
      );
    });
    return keytar;
  };

  const call = async <T>(what: string, work: (k: Keytar) => Promise<T>): Promise<T> => {
    const k = await getKeytar();
    try {
      return await work(k);
    } catch (error) {
      throw new ApiError(
        'unavailable',
        `Concord could not ${what} in the OS keychain: the keychain (on Linux the Secret Service, e.g. GNOME Keyring or KWallet) is not reachable or is locked. ` +
          'Start and unlock your keyring, or set CONCORD_CREDENTIALS=file with CONCORD_SECRET_KEY to keep credentials in an encrypted file. ' +
          `Cause: ${describe(error)}`,
        undefined,
        { cause: error },
      );
    }
  };

  return {
    description: process.platform === 'linux' ? 'OS keychain (Secret Service)' : 'OS keychain',
    get: (account) => call('read a credential', (k) => k.getPassword(service, account)),
    has: async (account) => (await call('read a credential', (k) => k.getPassword(service, account))) !== null,
    set: (account, secret) => call('store a credential', (k) => k.setPassword(service, account, secret)),
    delete: (account) => call('delete a credential', (k) => k.deletePassword(service, account)),
  };
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
