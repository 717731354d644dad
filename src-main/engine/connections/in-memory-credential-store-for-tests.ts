import type { CredentialStore } from '../credentials/types';

/** A throwaway credential store for tests only: the real keychain driver lives in credentials/. */
export class InMemoryCredentialStoreForTests implements CredentialStore {
  readonly description = 'in-memory store (tests only)';
  readonly secrets = new Map<string, string>();
  async get(account: string) {
    return this.secrets.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    this.secrets.set(account, secret);
  }
  async delete(account: string) {
    return this.secrets.delete(account);
  }
  async has(account: string) {
    return this.secrets.has(account);
  }
}
