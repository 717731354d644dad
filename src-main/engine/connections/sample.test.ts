/** "Try it" (`connections/try`): the first records of a draft's or a saved connection's collection, and the fields found. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { InMemoryCredentialStoreForTests } from './in-memory-credential-store-for-tests';
import type { ConnectionSample } from '../api/model';

describe('connections/try', () => {
  let dir: string;
  let engine: Engine;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-try-'));
    engine = createEngine({ dataDir: join(dir, 'data'), credentials: new InMemoryCredentialStoreForTests(), log: () => {} });
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async (args: unknown): Promise<ConnectionSample> => {
    const r = await engine.dispatch('connections/try', args);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value as ConnectionSample;
  };

  it('a draft SQLite connection shows its first records, capped, with every described field and an example of each', async () => {
    const path = join(dir, 'shop.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, updated_at TEXT); CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)');
    const ins = db.prepare('INSERT INTO customers (name, email, updated_at) VALUES (?, ?, ?)');
    for (let i = 1; i <= 40; i++) ins.run(`Name ${i}`, i === 1 ? null : `p${i}@x`, '2026-01-01T00:00:00Z');
    db.close();
    const sample = await call({ connector: 'sqlite-table', config: { path }, collection: 'customers', limit: 3 });
    expect(sample.collection).toBe('customers');
    expect(sample.collections.sort()).toEqual(['customers', 'orders']);
    expect(sample.records.map((r) => r.fields.name)).toEqual(['Name 1', 'Name 2', 'Name 3']);
    expect(sample.fields.find((f) => f.name === 'email')).toEqual({ name: 'email', type: 'string', described: true, example: 'p2@x' });
    // Nothing was saved: trying is not creating.
    expect(await engine.dispatch('connections/list', {})).toMatchObject({ ok: true, value: [] });
  });

  it('a CSV file: the first collection by default; a field found in the records only is listed as not described', async () => {
    const path = join(dir, 'people.csv');
    writeFileSync(path, 'email,name\nann@x,Ann\nbob@x,Bob\n');
    const sample = await call({ connector: 'csv-file', config: { path } });
    expect(sample.records.map((r) => r.fields.email)).toEqual(['ann@x', 'bob@x']);
    expect(sample.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['email', 'name']));
  });

  it('a collection the app does not have is a clear error naming the ones it has; bad settings are the connector\'s error', async () => {
    const path = join(dir, 'people.csv');
    writeFileSync(path, 'email,name\nann@x,Ann\n');
    const r = await engine.dispatch('connections/try', { connector: 'csv-file', config: { path }, collection: 'nope' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('CSV file has no collection "nope" — it has: people.csv.');
    const missing = await engine.dispatch('connections/try', { connector: 'csv-file', config: { path: join(dir, 'missing.csv') } });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toContain('missing.csv');
  });
});
