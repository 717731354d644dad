/**
 * Credentials in one AES-256-GCM encrypted JSON file in the data folder, for machines without an
 * OS keychain (headless servers, minimal Linux desktops). Chosen with `CONCORD_CREDENTIALS=file`.
 *
 * Invariants:
 * - The key comes only from `CONCORD_SECRET_KEY` (stretched with scrypt and a per-file random
 *   salt); it is never written anywhere.
 * - The whole account → secret map is one ciphertext, so the file reveals neither account names
 *   nor how many secrets there are. A fresh IV is drawn for every write (GCM must never reuse one).
 * - A write goes to a temporary file (mode 0600) that is fsynced and renamed over the old one:
 *   a crash leaves the old file or the new one, never a torn one.
 * - A file that does not decrypt (wrong key, tampering) is an error the user can act on, never a
 *   silent reset: resetting would throw every stored secret away.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_SECRET_LENGTH, secretWeakness } from '../secret-strength';
import { ApiError } from '../api/errors';
import type { CredentialStore } from './types';

export const CREDENTIALS_FILE = 'credentials.enc.json';
export const SECRET_KEY_ENV = 'CONCORD_SECRET_KEY';
const KEY_HELP = `Make one with \`openssl rand -base64 32\` and keep it safe`;

/** scrypt cost: N=2^15, r=8 needs 32 MiB; ~100 ms once per process (the derived key is cached). */
const KDF = { N: 1 << 15, r: 8, p: 1 } as const;

type FileFormat = {
  format: 'concord-credentials';
  version: 1;
  kdf: { name: 'scrypt'; salt: string; N: number; r: number; p: number };
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
};

const scrypt = (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scryptCb(password, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key)));
  });

export function createFileCredentialStore(options: { dataDir: string; env: NodeJS.ProcessEnv }): CredentialStore {
  const path = join(options.dataDir, CREDENTIALS_FILE);
  const secretKey = options.env[SECRET_KEY_ENV];
  let cachedKey: { salt: string; key: Buffer } | null = null;

  /**
   * The key, checked. A new file needs a strong key (≥ 32 characters, ≥ 128 bits estimated): a
   * weak one would make the file as easy to open as guessing it. A file that exists was written
   * with the key it has: refusing it now would lock its owner out of every stored secret.
   */
  const requireSecretKey = (creating: boolean): string => {
    if (!secretKey) {
      throw new ApiError(
        'unavailable',
        `Credentials are kept in an encrypted file (CONCORD_CREDENTIALS=file), but ${SECRET_KEY_ENV} is not set. ` +
          `Set ${SECRET_KEY_ENV} to a long random key (at least ${MIN_SECRET_LENGTH} characters; ${KEY_HELP}) ` +
          'and keep it safe, or unset CONCORD_CREDENTIALS to use the OS keychain.',
      );
    }
    const weakness = creating ? secretWeakness(secretKey) : null;
    if (weakness) throw new ApiError('unavailable', `${SECRET_KEY_ENV} is too weak to encrypt Concord's credentials: ${weakness}. ${KEY_HELP}.`);
    return secretKey;
  };

  const deriveKey = async (kdf: FileFormat['kdf']): Promise<Buffer> => {
    if (cachedKey?.salt === kdf.salt) return cachedKey.key;
    const key = await scrypt(requireSecretKey(!existsSync(path)), Buffer.from(kdf.salt, 'base64'), {
      N: kdf.N,
      r: kdf.r,
      p: kdf.p,
      maxmem: 128 * kdf.N * kdf.r * 2,
    });
    cachedKey = { salt: kdf.salt, key };
    return key;
  };

  /** The file's contents, or null when there is no file yet. Throws an actionable error otherwise. */
  const readFileFormat = async (): Promise<FileFormat | null> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ApiError('unavailable', `Concord cannot read its credentials file ${path}: ${String(error)}. Check the file's permissions.`, undefined, {
        cause: error,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw corrupt(path, 'it is not valid JSON', error);
    }
    if (!isFileFormat(parsed)) throw corrupt(path, 'it is not in Concord\'s credentials format');
    return parsed;
  };

  const load = async (): Promise<{ kdf: FileFormat['kdf']; secrets: Record<string, string> }> => {
    const file = await readFileFormat();
    if (!file) {
      requireSecretKey(true);
      return { kdf: { name: 'scrypt', salt: randomBytes(16).toString('base64'), ...KDF }, secrets: {} };
    }
    const key = await deriveKey(file.kdf);
    let plain: string;
    try {
      // The full 16-byte tag, always: without authTagLength GCM would accept a truncated tag,
      // and a 4-byte tag is forgeable by trial.
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'), { authTagLength: 16 });
      decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
      plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      // GCM authentication cannot tell a wrong key from a tampered file; the wrong key is by far
      // the likelier cause, so say that first.
      throw new ApiError(
        'unavailable',
        `Concord cannot decrypt its credentials file ${path}: ${SECRET_KEY_ENV} is not the key it was written with (or the file was altered). ` +
          `Set ${SECRET_KEY_ENV} to the original passphrase. If it is lost, move the file away and enter the connections' secrets again.`,
        undefined,
        { cause: error },
      );
    }
    const secrets: unknown = JSON.parse(plain);
    if (!isSecretMap(secrets)) throw corrupt(path, 'its decrypted content is not a map of secrets');
    return { kdf: file.kdf, secrets };
  };

  const save = async (kdf: FileFormat['kdf'], secrets: Record<string, string>): Promise<void> => {
    const key = await deriveKey(kdf);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    const file: FileFormat = {
      format: 'concord-credentials',
      version: 1,
      kdf,
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(file, null, 2));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await chmod(temp, 0o600); // the umask can only remove bits, but be explicit about the invariant
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  };

  // Operations run one at a time: two concurrent read-modify-write cycles would lose a secret.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    description: `encrypted file ${path}`,
    get: (account) => serial(async () => (await load()).secrets[account] ?? null),
    has: (account) => serial(async () => Object.hasOwn((await load()).secrets, account)),
    set: (account, secret) =>
      serial(async () => {
        const { kdf, secrets } = await load();
        await save(kdf, { ...secrets, [account]: secret });
      }),
    delete: (account) =>
      serial(async () => {
        const { kdf, secrets } = await load();
        if (!Object.hasOwn(secrets, account)) return false;
        const { [account]: _removed, ...rest } = secrets;
        await save(kdf, rest);
        return true;
      }),
  };
}

function corrupt(path: string, why: string, cause?: unknown): ApiError {
  return new ApiError(
    'unavailable',
    `Concord's credentials file ${path} is damaged (${why}). Restore it from a backup, or move it away and enter the connections' secrets again.`,
    undefined,
    { cause },
  );
}

function isFileFormat(value: unknown): value is FileFormat {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<FileFormat>;
  const k = v.kdf;
  return (
    v.format === 'concord-credentials' &&
    v.version === 1 &&
    v.cipher === 'aes-256-gcm' &&
    typeof v.iv === 'string' &&
    typeof v.tag === 'string' &&
    typeof v.data === 'string' &&
    typeof k === 'object' &&
    k !== null &&
    k.name === 'scrypt' &&
    typeof k.salt === 'string' &&
    // Bounded: a tampered file must not make scrypt allocate gigabytes.
    Number.isInteger(k.N) &&
    k.N <= 1 << 20 &&
    Number.isInteger(k.r) &&
    k.r <= 32 &&
    Number.isInteger(k.p) &&
    k.p <= 16
  );
}

function isSecretMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((secret) => typeof secret === 'string')
  );
}
