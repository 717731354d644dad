// Issue 13 §2, "An API token gives the files of the machine": headless, every path-kind config
// value (found through the schema) must resolve inside the files root. A real engine on a real
// SQLite file, real files and symlinks in a temp folder; nothing outside the temp folder is ever
// written (the refusals come before any connector opens a file).
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../store/db';
import { createEngine, type Engine } from '../engine';
import { checkFilePath, confineConfig, pathKeys } from './files-root';
import { InMemoryCredentialStoreForTests } from './in-memory-credential-store-for-tests';
import { getConnectorDefinition } from '../connectors/registry';

let dir: string;
let dataDir: string;
let root: string;
let engine: Engine;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-files-root-'));
  dataDir = join(dir, 'data');
  root = join(dataDir, 'files');
  engine = createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests(), log: () => {}, files: { root } });
});
afterEach(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const fail = async (method: string, args: unknown) => {
  const r = await engine.dispatch(method, args);
  if (r.ok) throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(r.value)}`);
  return r.error;
};
const ok = async (method: string, args: unknown) => {
  const r = await engine.dispatch(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as { id: string; config: Record<string, unknown> };
};
const csv = (path: string) => writeFileSync(path, 'email,name\nann@example.com,Ann\n');
const OUTSIDE = /is outside the folder this server may use \(.*\); put the file there or start the server with --files-root/;

describe('files root (issue 13 §2: a token must not give the files of the machine)', () => {
  it('creates the files root inside the data folder, readable by the owner only', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(root).mode & 0o777).toBe(0o700);
  });

  it('refuses /etc/shadow as a CSV path, on create and on a draft test, with a message on the field', async () => {
    for (const method of ['connections/create', 'connections/test']) {
      const args = method === 'connections/create' ? { name: 'x', connector: 'csv-file', config: { path: '/etc/shadow' } } : { connector: 'csv-file', config: { path: '/etc/shadow' } };
      const error = await fail(method, args);
      expect(error.code).toBe('invalid-input');
      expect(error.message).toMatch(OUTSIDE);
      expect(error.issues).toEqual([{ path: 'config.path', message: expect.stringMatching(OUTSIDE) }]);
    }
    expect(await ok('connections/list', {})).toEqual([]);
  });

  it('refuses a connection pointed at ~/.bashrc and a path that climbs out with ..', async () => {
    expect((await fail('connections/create', { name: 'x', connector: 'csv-file', config: { path: join(homedir(), '.bashrc') } })).message).toMatch(OUTSIDE);
    expect((await fail('connections/create', { name: 'x', connector: 'csv-file', config: { path: join(root, '..', '..', 'evil.csv') } })).message).toMatch(OUTSIDE);
    expect((await fail('connections/create', { name: 'x', connector: 'sqlite-table', config: { path: '../../../.bashrc' } })).message).toMatch(OUTSIDE);
  });

  it('refuses to move a saved connection out of the root (update keeps the stored path)', async () => {
    csv(join(root, 'people.csv'));
    const conn = await ok('connections/create', { name: 'People', connector: 'csv-file', config: { path: join(root, 'people.csv') } });
    const error = await fail('connections/update', { connectionId: conn.id, config: { path: join(homedir(), '.bashrc') } });
    expect(error.message).toMatch(OUTSIDE);
    const [stored] = (await ok('connections/list', {})) as unknown as { config: { path: string } }[];
    expect(stored?.config.path).toBe(join(root, 'people.csv'));
  });

  it('refuses a symlink inside the root that points out, and one that dangles', async () => {
    const outside = join(dir, 'secret.csv');
    csv(outside);
    symlinkSync(outside, join(root, 'link.csv'));
    expect((await fail('connections/create', { name: 'x', connector: 'csv-file', config: { path: join(root, 'link.csv') } })).message).toMatch(OUTSIDE);
    // A link to a file that does not exist yet: writing through it would create the file outside.
    symlinkSync(join(dir, 'not-yet.csv'), join(root, 'dangling.csv'));
    expect((await fail('connections/create', { name: 'x', connector: 'csv-file', config: { path: join(root, 'dangling.csv') } })).message).toMatch(/link to a file that does not exist/);
    // A folder inside the root that links out is caught for a file that does not exist yet, too.
    symlinkSync(dir, join(root, 'up'));
    expect((await fail('connections/create', { name: 'x', connector: 'csv-file', config: { path: join(root, 'up', 'new.csv') } })).message).toMatch(OUTSIDE);
  });

  it('checks again on every open: a saved file later swapped for a symlink out is refused by test and describe', async () => {
    const file = join(root, 'people.csv');
    csv(file);
    const conn = await ok('connections/create', { name: 'People', connector: 'csv-file', config: { path: file } });
    await ok('connections/test', { connectionId: conn.id });
    const outside = join(dir, 'outside.csv');
    writeFileSync(outside, 'email,name\nsecret@example.com,Secret\n');
    unlinkSync(file);
    symlinkSync(outside, file);
    for (const method of ['connections/test', 'connections/describe']) {
      const error = await fail(method, { connectionId: conn.id });
      expect(error.message).toMatch(OUTSIDE);
      expect(error.message).not.toContain('secret@example.com');
    }
  });

  it("refuses Concord's own database, its WAL and the data folder's other files, even through the root", async () => {
    for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`, 'credentials.enc.json']) {
      const error = await fail('connections/create', { name: 'x', connector: 'sqlite-table', config: { path: join(dataDir, name) } });
      expect(error.code).toBe('invalid-input');
      expect(error.message).toMatch(OUTSIDE);
    }
    symlinkSync(join(dataDir, DATABASE_FILE), join(root, 'state.sqlite'));
    expect((await fail('connections/create', { name: 'x', connector: 'sqlite-table', config: { path: join(root, 'state.sqlite') } })).message).toMatch(OUTSIDE);
  });

  it('with a root outside the data folder (--files-root), still refuses the data folder inside it', () => {
    const wide = { root: dir };
    expect(() => checkFilePath(join(dataDir, DATABASE_FILE), wide, dataDir, 'database file')).toThrow(/inside Concord's own data folder/);
    expect(checkFilePath(join(dir, 'shop.sqlite'), wide, dataDir).stored).toBe(join(dir, 'shop.sqlite'));
  });

  it('accepts a file in the root (existing or to be created), and takes a relative path inside the root', async () => {
    const db = new Database(join(root, 'shop.sqlite'));
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)');
    db.close();
    const shop = await ok('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path: 'shop.sqlite' } });
    expect(shop.config.path).toBe(join(root, 'shop.sqlite'));
    await ok('connections/test', { connectionId: shop.id });
    mkdirSync(join(root, 'exports'));
    const later = await ok('connections/create', { name: 'Later', connector: 'csv-file', config: { path: join(root, 'exports', 'new.csv') } });
    expect(later.config.path).toBe(join(root, 'exports', 'new.csv'));
  });

  it('finds path fields through the schema, not the connector kind', () => {
    expect(pathKeys(getConnectorDefinition('csv-file').configSchema)).toEqual([{ key: 'path', label: 'CSV file' }]);
    expect(pathKeys(getConnectorDefinition('sqlite-table').configSchema)).toEqual([{ key: 'path', label: 'Database file' }]);
  });

  it('the desktop (files: anywhere) is not confined: its user owns the machine', () => {
    const def = getConnectorDefinition('csv-file');
    expect(confineConfig(def, { path: '/etc/hosts' }, 'anywhere', dataDir).open).toEqual({ path: '/etc/hosts' });
  });

  it("refuses the data folder itself as the files root", async () => {
    await expect(async () => createEngine({ dataDir, credentials: new InMemoryCredentialStoreForTests(), files: { root: dataDir } })).rejects.toThrow(/is Concord's data folder/);
    expect(readFileSync(join(dataDir, DATABASE_FILE)).length).toBeGreaterThan(0);
  });
});
