// Concord's own store on a real SQLite file: WAL, the migrations table, and an upgrade of a data
// folder written by an earlier version (migrations only ever append).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DATABASE_FILE, migrate, openDatabase } from './db';
import { migrations } from './migrations';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('a new data folder gets one WAL database with every migration recorded', () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-db-'));
  const db = openDatabase(dir);
  try {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT id FROM migrations ORDER BY id').pluck().all()).toEqual(migrations.map((m) => m.id));
    expect(migrate(db)).toBe(0); // opening again applies nothing twice
  } finally {
    db.close();
  }
});

it('a data folder from an earlier version is upgraded in place, keeping its pairs', () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-db-'));
  const old = new Database(join(dir, DATABASE_FILE));
  old.exec('CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of migrations.filter((x) => x.id <= 3)) {
    old.exec(m.sql);
    old.prepare('INSERT INTO migrations VALUES (?, ?, ?)').run(m.id, m.name, '2026-11-01T00:00:00.000Z');
  }
  old.prepare("INSERT INTO pairs (id, name, config_json, paused, created_at, updated_at) VALUES ('p1', 'Old pair', '{}', 0, 'x', 'x')").run();
  old.close();
  const db = openDatabase(dir);
  try {
    expect(db.prepare('SELECT max(id) FROM migrations').pluck().get()).toBe(Math.max(...migrations.map((m) => m.id)));
    expect(db.prepare("SELECT name, halted_gone FROM pairs WHERE id = 'p1'").get()).toEqual({ name: 'Old pair', halted_gone: null });
  } finally {
    db.close();
  }
});

it('a data folder written by a newer Concord is refused with what to do', () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-db-'));
  openDatabase(dir).close();
  const db = new Database(join(dir, DATABASE_FILE));
  db.prepare("INSERT INTO migrations VALUES (999, 'from the future', 'x')").run();
  db.close();
  expect(() => openDatabase(dir)).toThrow(/written by a newer Concord \(schema 999.*Update Concord, or point it at another data folder/);
});
