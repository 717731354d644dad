import type { ConnectorDefinition } from '../types';
import { createSqliteTableConnector } from './connector';
import { isTimeZone, unknownZoneMessage } from './zones';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export const sqliteTableDefinition: ConnectorDefinition = {
  kind: 'sqlite-table',
  label: 'SQLite table',
  description: 'Any table with a primary key in a SQLite database file.',
  configFields: [
    { key: 'path', label: 'Database file', type: 'path', required: true, help: 'The .sqlite / .db file.' },
    { key: 'updatedAtColumn', label: 'Last-modified column', type: 'text', required: false, help: 'Found automatically when named updated_at, modified_at, …' },
    { key: 'flagColumn', label: 'Sync flag column', type: 'text', required: false, help: '1 = changed, not yet synced. Found automatically when named needs_sync or dirty.' },
    {
      key: 'timeZone',
      label: 'Time zone of its times',
      type: 'text',
      required: false,
      help: 'The time zone the app writes its last-modified times in when they carry none, as an IANA name (Europe/Berlin, America/New_York). Leave empty when they end in Z or an offset, or are UTC.',
    },
  ],
  capabilities: { changeDetection: ['cursor', 'flag', 'hash'], deletes: 'by-scan', optimisticWrites: true, writeBatch: 500, idempotentCreates: false },
  validateConfig(config) {
    const problems: string[] = [];
    if (!str(config.path)) problems.push('Choose the database file (path).');
    const zone = str(config.timeZone);
    if (zone !== undefined && !isTimeZone(zone)) problems.push(unknownZoneMessage(zone));
    if (config.busyTimeoutMs !== undefined && (typeof config.busyTimeoutMs !== 'number' || config.busyTimeoutMs < 0)) problems.push('busyTimeoutMs must be a number of milliseconds.');
    return problems;
  },
  create(ctx) {
    const c = ctx.config;
    const updatedAtColumn = str(c.updatedAtColumn);
    const flagColumn = str(c.flagColumn);
    const timeZone = str(c.timeZone);
    return createSqliteTableConnector({
      path: String(c.path),
      ...(updatedAtColumn ? { updatedAtColumn } : {}),
      ...(flagColumn ? { flagColumn } : {}),
      ...(timeZone ? { timeZone } : {}),
      ...(typeof c.busyTimeoutMs === 'number' ? { busyTimeoutMs: c.busyTimeoutMs } : {}),
    });
  },
};
