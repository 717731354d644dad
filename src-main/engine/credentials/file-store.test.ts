import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { CREDENTIALS_FILE, createFileCredentialStore } from './file-store';

const KEY = 'Xq3v9ZtL0pWm2sKc7yRb4nHd8fJg1aEu5oTi6';

describe('encrypted-file credential store (real files, real crypto)', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'concord-cred-file-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  // null: CONCORD_SECRET_KEY is not set at all.
  const store = (key: string | null = KEY) =>
    createFileCredentialStore({ dataDir, env: key === null ? {} : { CONCORD_SECRET_KEY: key } });

  it('stores, reads, overwrites and deletes secrets across store instances', async () => {
    const a = store();
    expect(await a.get('conn-1')).toBeNull();
    expect(await a.has('conn-1')).toBe(false);
    await a.set('conn-1', 's3cret');
    await a.set('conn-2', 'ünïcødé 🔑');
    await a.set('conn-1', 'rotated');
    const b = store();
    expect(await b.get('conn-1')).toBe('rotated');
    expect(await b.get('conn-2')).toBe('ünïcødé 🔑');
    expect(await b.has('conn-2')).toBe(true);
    expect(await b.delete('conn-2')).toBe(true);
    expect(await b.delete('conn-2')).toBe(false);
    expect(await store().get('conn-2')).toBeNull();
    expect(a.description).toContain(join(dataDir, CREDENTIALS_FILE));
  });

  it('never writes a secret or an account name in clear, and the file is mode 0600', async () => {
    await store().set('hubspot-account', 'pat-na1-TOPSECRET');
    const path = join(dataDir, CREDENTIALS_FILE);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('TOPSECRET');
    expect(text).not.toContain('hubspot-account');
    expect(text).not.toContain(KEY);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('writes atomically: no temporary file is left behind and a fresh IV is used per write', async () => {
    const s = store();
    await s.set('a', 'same');
    const first = JSON.parse(await readFile(join(dataDir, CREDENTIALS_FILE), 'utf8')) as { iv: string; data: string };
    await s.set('a', 'same');
    const second = JSON.parse(await readFile(join(dataDir, CREDENTIALS_FILE), 'utf8')) as { iv: string; data: string };
    expect(second.iv).not.toBe(first.iv);
    expect(second.data).not.toBe(first.data);
    expect(await readdir(dataDir)).toEqual([CREDENTIALS_FILE]);
  });

  it('keeps every secret when many writes race', async () => {
    const s = store();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.set(`conn-${i}`, `secret-${i}`)));
    const fresh = store();
    for (let i = 0; i < 20; i++) expect(await fresh.get(`conn-${i}`)).toBe(`secret-${i}`);
  });

  it('a missing CONCORD_SECRET_KEY is an actionable error, not a crash', async () => {
    const error = await store(null).set('a', 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('unavailable');
    expect((error as ApiError).message).toMatch(/CONCORD_SECRET_KEY is not set/);
    await expect(store(null).get('a')).rejects.toThrow(/CONCORD_SECRET_KEY is not set/);
    await expect(store('short').get('a')).rejects.toThrow(/too weak/);
    await expect(readdir(dataDir)).resolves.toEqual([]);
  });

  it('issue 13 §2: a weak key never starts a new credentials file (12 characters, one repeated letter), and the error says how to make one', async () => {
    for (const weak of ['abcdefghijkl', 'k'.repeat(32), 'correct horse battery staple']) {
      const error = await store(weak).set('conn-1', 'secret').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).message).toMatch(/CONCORD_SECRET_KEY is too weak to encrypt Concord's credentials: .*openssl rand -base64 32/);
    }
    await expect(readdir(dataDir)).resolves.toEqual([]);
  });

  it('a wrong key is an actionable error and never resets the file', async () => {
    await store().set('conn-1', 'keep me');
    const path = join(dataDir, CREDENTIALS_FILE);
    const before = await readFile(path, 'utf8');
    const wrong = store('a different passphrase, just as long as the first one');
    await expect(wrong.get('conn-1')).rejects.toThrow(/not the key it was written with/);
    await expect(wrong.set('conn-2', 'x')).rejects.toThrow(/CONCORD_SECRET_KEY/);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await store().get('conn-1')).toBe('keep me');
  });

  it('a damaged or tampered file is reported, not overwritten', async () => {
    const path = join(dataDir, CREDENTIALS_FILE);
    await writeFile(path, '{ not json');
    await expect(store().get('a')).rejects.toThrow(/is damaged/);
    await expect(store().set('a', 'b')).rejects.toThrow(/is damaged/);
    expect(await readFile(path, 'utf8')).toBe('{ not json');

    await rm(path);
    await store().set('a', 'b');
    const file = JSON.parse(await readFile(path, 'utf8')) as { data: string };
    const bytes = Buffer.from(file.data, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await writeFile(path, JSON.stringify({ ...file, data: bytes.toString('base64') }));
    await expect(store().get('a')).rejects.toThrow(/cannot decrypt/);
  });

  it('a truncated authentication tag is refused (only the full 16-byte GCM tag authenticates)', async () => {
    const path = join(dataDir, CREDENTIALS_FILE);
    await store().set('a', 'b');
    const file = JSON.parse(await readFile(path, 'utf8')) as { tag: string };
    const short = Buffer.from(file.tag, 'base64').subarray(0, 4).toString('base64');
    await writeFile(path, JSON.stringify({ ...file, tag: short }));
    await expect(store().get('a')).rejects.toThrow(/cannot decrypt/);
  });
});
