import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { createKeychainCredentialStore, type Keytar } from './keychain-store';

const run = promisify(execFile);

/**
 * These tests talk to a real Secret Service. Run them under
 * `dbus-run-session` + `gnome-keyring-daemon --unlock` (scripts/test.sh does; STACK.md has the
 * recipe). Without one: CI fails, a developer's machine skips with a loud reason.
 */
async function secretServiceProblem(): Promise<string | null> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return 'DBUS_SESSION_BUS_ADDRESS is not set (no D-Bus session bus)';
  try {
    const keytar = (await import('keytar')) as Keytar & { default?: Keytar };
    await (keytar.default ?? keytar).getPassword(`Concord-probe-${randomUUID()}`, 'probe');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const problem = await secretServiceProblem();
const inCi = process.env.CI === 'true';
if (problem && !inCi) {
  console.warn(
    `\n⚠️  SKIPPING the real OS keychain tests: no Secret Service is reachable (${problem}).\n` +
      '   Run them with: dbus-run-session -- bash -c \'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && npx vitest run src-main/engine/credentials\'\n',
  );
}

describe('OS keychain credential store (real Secret Service through keytar)', () => {
  it.runIf(inCi)('a Secret Service is reachable in CI', () => {
    expect(problem, 'CI must run the tests inside dbus-run-session with gnome-keyring-daemon --unlock').toBeNull();
  });

  describe.skipIf(problem !== null)('against the real keychain', () => {
    // A service name of its own per run: the tests never touch a user's real "Concord" entries.
    const service = `Concord-test-${randomUUID()}`;
    const store = createKeychainCredentialStore({ service });
    const accounts = ['conn-a', 'conn-b'];
    afterAll(async () => {
      for (const a of accounts) await store.delete(a).catch(() => false);
    });

    it('stores, reads, overwrites and deletes secrets', async () => {
      expect(await store.get('conn-a')).toBeNull();
      expect(await store.has('conn-a')).toBe(false);
      await store.set('conn-a', 'first');
      await store.set('conn-a', 'second ünïcødé');
      await store.set('conn-b', 'other');
      expect(await store.get('conn-a')).toBe('second ünïcødé');
      expect(await store.has('conn-b')).toBe(true);
      // A second store instance sees the same keychain.
      expect(await createKeychainCredentialStore({ service }).get('conn-b')).toBe('other');
      expect(await store.delete('conn-a')).toBe(true);
      expect(await store.delete('conn-a')).toBe(false);
      expect(await store.get('conn-a')).toBeNull();
    });

    it('uses the service name "Concord" by default', async () => {
      const account = `probe-${randomUUID()}`;
      await createKeychainCredentialStore().set(account, 'x');
      const keytar = (await import('keytar')) as Keytar & { default?: Keytar };
      const k = keytar.default ?? keytar;
      expect(await k.getPassword('Concord', account)).toBe('x');
      expect(await k.deletePassword('Concord', account)).toBe(true);
    });
  });
});

describe('OS keychain credential store when the keychain is missing', () => {
  const scriptDir = new URL('.', import.meta.url).pathname;

  it('an unreachable Secret Service is an actionable error suggesting CONCORD_CREDENTIALS=file', async () => {
    // A real keytar in a child process whose D-Bus address points nowhere: a real failure, not a mock.
    const script = `
      const { createKeychainCredentialStore } = require(${JSON.stringify(`${scriptDir}keychain-store.ts`)});
      createKeychainCredentialStore({ service: 'Concord-unreachable' }).get('x')
        .then(() => console.log('NO ERROR'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/concord-bus' };
    delete env.DISPLAY;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=commonjs', '-e', script], { env, timeout: 20_000 });
    const result = JSON.parse(stdout.trim()) as { code: string; message: string };
    expect(result.code).toBe('unavailable');
    expect(result.message).toMatch(/not reachable/);
    expect(result.message).toMatch(/CONCORD_CREDENTIALS=file/);
    expect(result.message).toMatch(/Cause: .+/);
  });

  it('a keytar module that fails to load names libsecret and the cause, and is retried later', async () => {
    let attempts = 0;
    const store = createKeychainCredentialStore({
      load: () => {
        attempts++;
        return Promise.reject(new Error('libsecret-1.so.0: cannot open shared object file'));
      },
    });
    const error = await store.get('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toMatch(/apt-get install libsecret-1-0/);
    expect((error as ApiError).message).toMatch(/libsecret-1-dev/);
    expect((error as ApiError).message).toMatch(/Cause: libsecret-1\.so\.0: cannot open shared object file/);
    await expect(store.set('x', 'y')).rejects.toThrow(/keytar/);
    expect(attempts).toBe(2);
  });
});
