import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialStore } from './index';

describe('createCredentialStore', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'concord-cred-choice-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('defaults to the OS keychain', () => {
    expect(createCredentialStore({ dataDir, env: {} }).description).toMatch(/OS keychain/);
    expect(createCredentialStore({ dataDir, env: { CONCORD_CREDENTIALS: 'keychain' } }).description).toMatch(/OS keychain/);
  });

  it('CONCORD_CREDENTIALS=file picks the encrypted file in the data folder, and it works', async () => {
    const store = createCredentialStore({ dataDir, env: { CONCORD_CREDENTIALS: 'File', CONCORD_SECRET_KEY: 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6' } });
    expect(store.description).toBe(`encrypted file ${join(dataDir, 'credentials.enc.json')}`);
    await store.set('a', 'b');
    expect(await store.get('a')).toBe('b');
  });

  it('an unknown value is rejected with the accepted values, never silently replaced', () => {
    expect(() => createCredentialStore({ dataDir, env: { CONCORD_CREDENTIALS: 'plaintext' } })).toThrow(/"keychain".*"file"/);
  });
});
