/**
 * The engine keeps a SQLite connector open between runs (connections/pool.ts): a database file
 * replaced under it — a restored backup, a copy saved over it — is read as it is now.
 */
import Database from 'better-sqlite3';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../sync/test-kit.fixture';
import { createSqliteTableConnector } from './connector';

const makeDb = (path: string, name: string) => {
  const db = new Database(path);
  db.exec(`CREATE TABLE contacts (id TEXT PRIMARY KEY, name TEXT); INSERT INTO contacts VALUES ('1', '${name}')`);
  db.close();
};

describe('sqlite-table: a connector kept open', () => {
  let dir = '';
  afterEach(() => removeDir(dir));

  it('reads a database file replaced under it (a restored backup) as it is now, not through its handle on the old file', async () => {
    dir = tempDir('concord-sqlite-reopen-');
    const path = join(dir, 'app.sqlite');
    makeDb(path, 'before');
    const connector = createSqliteTableConnector({ path });
    try {
      expect((await connector.read('contacts', ['1']))[0]?.fields.name).toBe('before');
      makeDb(join(dir, 'backup.sqlite'), 'restored');
      renameSync(join(dir, 'backup.sqlite'), path);
      expect((await connector.read('contacts', ['1']))[0]?.fields.name).toBe('restored');
    } finally {
      await connector.close();
    }
  });
});
