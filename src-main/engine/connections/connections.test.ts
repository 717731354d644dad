import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { InMemoryCredentialStoreForTests } from './in-memory-credential-store-for-tests';

describe('connections domain', () => {
  let dir: string;
  let creds: InMemoryCredentialStoreForTests;
  let engine: Engine;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-connections-'));
    creds = new InMemoryCredentialStoreForTests();
    engine = createEngine({ dataDir: join(dir, 'data'), credentials: creds, log: () => {} });
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = async (method: string, args: unknown) => {
    const r = await engine.dispatch(method, args);
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r.value;
  };
  const fail = async (method: string, args: unknown) => {
    const r = await engine.dispatch(method, args);
    if (r.ok) throw new Error(`${method} unexpectedly succeeded`);
    return r.error;
  };
  const sqliteFile = () => {
    const path = join(dir, 'shop.sqlite');
    const db = new Database(path);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT); CREATE TABLE notes (body TEXT)");
    db.close();
    return path;
  };

  it('lists the connectors with their capabilities', async () => {
    const list = (await ok('connectors/list', {})) as { kind: string; capabilities: { changeDetection: string[] } }[];
    expect(list.map((c) => c.kind)).toEqual(['sqlite-table', 'csv-file', 'postgres', 'mysql', 'rest', 'vcard-folder', 'carddav']);
    expect(list[0]?.capabilities.changeDetection).toEqual(['cursor', 'flag', 'hash']);
  });

  it('checks the settings against the connector\'s schema, field by field, and stores them as it normalised them', async () => {
    const path = sqliteFile();
    const bad = await fail('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path, timeZone: 'Mars/Olympus', busyTimeoutMs: -1 } });
    expect(bad).toMatchObject({ code: 'invalid-input', issues: [{ path: 'config.timeZone', message: expect.stringContaining('"Mars/Olympus" is not a known IANA time zone name') }, { path: 'config.busyTimeoutMs', message: 'Wait for a busy database (ms) must be at least 0.' }] });
    const created = (await ok('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path: ` ${path} `, updatedAtColumn: '', busyTimeoutMs: '2500' } })) as { id: string; config: unknown };
    expect(created.config).toEqual({ path, busyTimeoutMs: 2500 });
    const updated = (await ok('connections/update', { connectionId: created.id, config: { path, flagColumn: '  ', timeZone: 'Europe/Berlin' } })) as { config: unknown };
    expect(updated.config).toEqual({ path, timeZone: 'Europe/Berlin' });
  });

  it('creates, lists, updates and deletes a connection; the secret stays in the credential store', async () => {
    const path = sqliteFile();
    const created = (await ok('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path }, secret: 's3cret' })) as { id: string; hasCredential: boolean };
    expect(created.hasCredential).toBe(true);
    expect(creds.secrets.get(`connection:${created.id}`)).toBe('s3cret');
    const stored = engine.context.db.prepare('SELECT * FROM connections').all();
    expect(JSON.stringify(stored)).not.toContain('s3cret');
    const list = (await ok('connections/list', {})) as unknown[];
    expect(JSON.stringify(list)).not.toContain('s3cret');
    expect(list).toHaveLength(1);

    const updated = (await ok('connections/update', { connectionId: created.id, name: 'Shop DB', secret: null })) as { name: string; hasCredential: boolean };
    expect(updated).toMatchObject({ name: 'Shop DB', hasCredential: false });
    expect(creds.secrets.size).toBe(0);

    await ok('connections/update', { connectionId: created.id, secret: 'again' });
    expect(await ok('connections/delete', { connectionId: created.id })).toEqual({ deleted: true });
    expect(creds.secrets.size).toBe(0);
    expect(await ok('connections/list', {})).toEqual([]);
    expect((await fail('connections/delete', { connectionId: created.id })).code).toBe('not-found');
  });

  it('describes a saved connection: tables with a primary key, fields and modes', async () => {
    const path = sqliteFile();
    const { id } = (await ok('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path } })) as { id: string };
    const collections = (await ok('connections/describe', { connectionId: id })) as { name: string; changeDetection: string[]; primaryKey: string[] }[];
    expect(collections).toEqual([expect.objectContaining({ name: 'customers', primaryKey: ['id'], changeDetection: ['cursor', 'hash'] })]);
    expect(await ok('connections/test', { connectionId: id })).toEqual({ ok: true, collections: 1, names: ['customers'], leftOut: [{ name: 'notes', reason: expect.stringContaining('no primary key') }] });
  });

  it('a table without a primary key is not silently missing: the test says it was left out and why', async () => {
    const path = sqliteFile(); // customers has a primary key; notes has none
    const answer = await ok('connections/test', { connector: 'sqlite-table', config: { path } });
    expect(answer).toEqual({ ok: true, collections: 1, names: ['customers'], leftOut: [{ name: 'notes', reason: expect.stringContaining('it has no primary key') }] });
  });

  it('tests a draft and answers with actionable errors', async () => {
    const missing = join(dir, 'x', 'y.csv');
    const e1 = await fail('connections/test', { connector: 'csv-file', config: { path: missing } });
    expect(e1).toMatchObject({ code: 'connector-error' });
    expect(e1.message).toBe(`The file ${missing} does not exist — check the path.`);

    const e2 = await fail('connections/create', { name: 'X', connector: 'csv-file', config: {} });
    expect(e2.code).toBe('invalid-input');
    expect(e2.message).toContain('Choose the CSV file');
    expect(e2.issues).toEqual([{ path: 'config.path', message: 'Choose the CSV file.' }]);

    const e3 = await fail('connections/create', { name: 'X', connector: 'oracle', config: {} });
    expect(e3).toMatchObject({ code: 'not-found' });
    expect(e3.message).toContain('choose one of: sqlite-table, csv-file');

    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'id;name\n1;Ann\n1;Bob\n');
    // Two rows with one id cannot both be synced: the test says so before a pair is built on it.
    const dup = await fail('connections/test', { connector: 'csv-file', config: { path: csv, idColumn: 'id' } });
    expect(dup).toMatchObject({ code: 'connector-error', message: expect.stringContaining('has the id "1" twice in column "id" (rows 2 and 3) — make the ids unique.') });
    writeFileSync(csv, 'id;name\n1;Ann\n2;Bob\n');
    expect(await ok('connections/test', { connector: 'csv-file', config: { path: csv, idColumn: 'id' } })).toEqual({ ok: true, collections: 1, names: ['people.csv'] });
    const e4 = await fail('connections/test', { connector: 'csv-file', config: { path: csv, idColumn: 'email' } });
    expect(e4.message).toContain('has no column "email"');

    const notDb = join(dir, 'not-a-db.sqlite');
    writeFileSync(notDb, 'hello, this is text');
    const e5 = await fail('connections/test', { connector: 'sqlite-table', config: { path: notDb } });
    expect(e5.message).toContain('could not be opened as a SQLite database');
  });

  it('hands the sync domain a connector that reads the secret on demand', async () => {
    const path = sqliteFile();
    const { id } = (await ok('connections/create', { name: 'Shop', connector: 'sqlite-table', config: { path } })) as { id: string };
    const { createConnectionService } = await import('./service');
    const service = createConnectionService(engine.context);
    expect(service.definition(id).capabilities.optimisticWrites).toBe(true);
    const connector = service.open(id);
    const results = await connector.write('customers', [{ op: 'create', key: 'k', fields: { name: 'Ann' } }]);
    expect(results[0]).toMatchObject({ ok: true, id: '1' });
    await connector.close();
  });
});

describe('connections without a reachable keychain', () => {
  it('local-file connections work when the credential store is unreachable (a server with no Secret Service)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-nokeychain-'));
    const unreachable = {
      description: 'OS keychain (unreachable, for tests)',
      get: () => Promise.reject(new Error('The OS keychain is not reachable')),
      set: () => Promise.reject(new Error('The OS keychain is not reachable')),
      delete: () => Promise.reject(new Error('The OS keychain is not reachable')),
      has: () => Promise.reject(new Error('The OS keychain is not reachable')),
    };
    const engine = createEngine({ dataDir: join(dir, 'data'), credentials: unreachable, log: () => {} });
    try {
      const csv = join(dir, 'a.csv');
      writeFileSync(csv, 'id,name\n1,Ada\n');
      const created = await engine.dispatch('connections/create', { name: 'A', connector: 'csv-file', config: { path: csv, idColumn: 'id' } });
      expect(created).toMatchObject({ ok: true, value: { hasCredential: false } });
      expect(await engine.dispatch('connections/list', {})).toMatchObject({ ok: true, value: [{ name: 'A' }] });
      const id = created.ok ? (created.value as { id: string }).id : '';
      expect(await engine.dispatch('connections/delete', { connectionId: id })).toMatchObject({ ok: true });
      // A secret, though, cannot be stored: the error says why instead of losing it.
      const withSecret = await engine.dispatch('connections/create', { name: 'B', connector: 'csv-file', config: { path: csv, idColumn: 'id' }, secret: 's3cret' });
      expect(withSecret).toMatchObject({ ok: false });
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
