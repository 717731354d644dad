import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runConformance, type ConformanceApp, type ConformanceSubject, type SeedRow } from './conformance';
import { csvFileDefinition } from './csv-file';
import { createCsvFileConnector } from './csv-file/connector';
import { sqliteTableDefinition } from './sqlite-table';
import { createSqliteTableConnector } from './sqlite-table/connector';

const sqlite: ConformanceSubject = {
  name: 'sqlite-table',
  definition: sqliteTableDefinition,
  capabilities: sqliteTableDefinition.capabilities,
  setup(dir) {
    const path = join(dir, 'app.sqlite');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE contacts (id TEXT PRIMARY KEY NOT NULL, name TEXT, email TEXT, updated_at TEXT NOT NULL, needs_sync INTEGER NOT NULL DEFAULT 1)`);
    // The app's own clock; a real app stamps its rows the same way.
    const now = () => new Date().toISOString();
    const app: ConformanceApp = {
      insert(rows: SeedRow[], at?: string) {
        const stmt = db.prepare('INSERT INTO contacts (id, name, email, updated_at) VALUES (?, ?, ?, ?)');
        for (const r of rows) stmt.run(r.id, r.name, r.email, at ?? now());
      },
      update(id, fields, at) {
        const row = db.prepare('SELECT name, email FROM contacts WHERE id = ?').get(id) as { name: string; email: string };
        db.prepare('UPDATE contacts SET name = ?, email = ?, updated_at = ?, needs_sync = 1 WHERE id = ?').run(fields.name ?? row.name, fields.email ?? row.email, at ?? now(), id);
      },
      remove(id) {
        db.prepare('DELETE FROM contacts WHERE id = ?').run(id);
      },
    };
    const connector = createSqliteTableConnector({ path });
    const close = connector.close.bind(connector);
    connector.close = async () => {
      await close();
      db.close();
    };
    return { connector, collection: 'contacts', app, idField: 'id' };
  },
};

const csv: ConformanceSubject = {
  name: 'csv-file',
  definition: csvFileDefinition,
  capabilities: csvFileDefinition.capabilities,
  setup(dir) {
    const path = join(dir, 'contacts.csv');
    writeFileSync(path, 'id,name,email\n');
    // Edits the file the way a spreadsheet would: read it, change it, save it whole.
    const edit = (fn: (rows: string[][]) => string[][]) => {
      const [header = [], ...rows] = parse(readFileSync(path)) as string[][];
      const out = [header, ...fn(rows)].map((r) => r.map((v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',')).join('\n');
      writeFileSync(path, out + '\n');
    };
    const app: ConformanceApp = {
      insert: (rows) => edit((existing) => [...existing, ...rows.map((r) => [r.id, r.name, r.email])]),
      update: (id, fields) => edit((rows) => rows.map((r) => (r[0] === id ? [id, fields.name ?? r[1] ?? '', fields.email ?? r[2] ?? ''] : r))),
      remove: (id) => edit((rows) => rows.filter((r) => r[0] !== id)),
    };
    return { connector: createCsvFileConnector({ path, idColumn: 'id' }), collection: 'contacts.csv', app, idField: 'id' };
  },
};

// Every connector in the registry has a subject here (server connectors add theirs with their servers).
runConformance([sqlite, csv]);
