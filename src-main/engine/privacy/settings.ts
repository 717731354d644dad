/** Privacy settings, in the `settings` table (key → JSON value). */
import type { Db } from '../store/db';

export const DEFAULT_RETENTION_DAYS = 90;
const RETENTION_KEY = 'privacy.retentionDays';

export function retentionDays(db: Db): number {
  const raw = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(RETENTION_KEY) as string | undefined;
  const days = raw === undefined ? NaN : Number(JSON.parse(raw));
  return Number.isInteger(days) && days > 0 ? days : DEFAULT_RETENTION_DAYS;
}

export function setRetentionDays(db: Db, days: number): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(RETENTION_KEY, JSON.stringify(days));
}
