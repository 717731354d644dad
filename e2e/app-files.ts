/**
 * The two "apps" the e2e specs sync: a SQLite file with a `customers` table and a CSV file. The
 * specs create them in the test's own folder and read them back directly, as the apps would, to
 * check that both apps really changed after the UI acted.
 */
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { readFileSync, writeFileSync } from 'node:fs';

export type Customer = { email: string; name: string; city: string | null };

/** Creates `customers` (id, email, name, city, updated_at); `extraColumns` adds constraints for failure tests. */
export function createCustomersDb(path: string, rows: Customer[], options: { cityConstraint?: string } = {}): void {
  const db = new Database(path);
  try {
    db.exec(`CREATE TABLE customers (
      id INTEGER PRIMARY KEY,
      email TEXT NOT NULL,
      name TEXT,
      city TEXT ${options.cityConstraint ?? ''},
      updated_at TEXT
    )`);
    const insert = db.prepare(`INSERT INTO customers (email, name, city, updated_at) VALUES (?, ?, ?, '2024-01-01T00:00:00.000Z')`);
    for (const r of rows) insert.run(r.email, r.name, r.city);
  } finally {
    db.close();
  }
}

export function readCustomersDb(path: string): Customer[] {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    return db.prepare('SELECT email, name, city FROM customers ORDER BY lower(email)').all() as Customer[];
  } finally {
    db.close();
  }
}

/** The app's own edit: bumps updated_at with its clock, like a real app would. */
export function execDb(path: string, sql: string, ...params: unknown[]): number {
  const db = new Database(path, { timeout: 5000 });
  try {
    return db.prepare(sql).run(...params).changes;
  } finally {
    db.close();
  }
}

export const NOW_SQL = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/** Writes a CSV file with the columns email,name,city (plus any extra ones given in the rows). */
export function writeCsv(path: string, rows: Record<string, string>[], columns = ['email', 'name', 'city']): void {
  const quote = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c] ?? '')).join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

export function readCsv(path: string): Record<string, string>[] {
  const rows: Record<string, string>[] = parse(readFileSync(path), { columns: true, skip_empty_lines: true, bom: true });
  return rows.sort((a, b) => (a.email ?? '').toLowerCase().localeCompare((b.email ?? '').toLowerCase()));
}

/** The customers of a CSV file in the SQLite shape (empty cells read as null), sorted by email. */
export function csvCustomers(path: string): Customer[] {
  return readCsv(path).map((r) => ({ email: r.email ?? '', name: r.name ?? '', city: r.city ? r.city : null }));
}

/** The CSV app's own edit: rows changed in place, every column (Concord's id column too) kept. */
export function editCsv(path: string, edit: (rows: Record<string, string>[]) => Record<string, string>[]): void {
  const text = readFileSync(path, 'utf8');
  const columns = (text.split(/\r?\n/)[0] ?? '').split(',');
  writeCsv(path, edit(parse(text, { columns: true, skip_empty_lines: true, bom: true })), columns);
}
