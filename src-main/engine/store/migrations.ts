/**
 * The schema, as an append-only list. Never edit a migration that has shipped; add a new one.
 * Ids are unique and increasing.
 */
export type Migration = { id: number; name: string; sql: string };

export const migrations: Migration[] = [
  {
    id: 1,
    name: 'settings',
    sql: `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
  {
    id: 2,
    name: 'connections',
    // Config only: secrets live in the credential store under the connection's id.
    sql: `CREATE TABLE connections (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      connector TEXT NOT NULL,
      config_json TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );`,
  },
];
