import { z } from 'zod';
import { defineConnector } from '../config-check';
import { field, path, text } from '../config-schema';
import { createSqliteTableConnector } from './connector';
import { isTimeZone, unknownZoneMessage } from './zones';

/** The settings of a SQLite table connection; the form, its check and its messages come from this. */
export const sqliteTableConfig = z.object({
  path: path({ label: 'Database file', help: 'The .sqlite / .db file.' }),
  updatedAtColumn: text({ label: 'Last-modified column', help: 'Found automatically when named updated_at, modified_at, …' }).optional(),
  flagColumn: text({ label: 'Sync flag column', help: '1 = changed, not yet synced. Found automatically when named needs_sync or dirty.' }).optional(),
  timeZone: text(
    {
      label: 'Time zone of its times',
      help: 'The time zone the app writes its last-modified times in when they carry none, as an IANA name (Europe/Berlin, America/New_York). Leave empty when they end in Z or an offset, or are UTC.',
    },
    z.string().refine(isTimeZone, { error: (issue) => unknownZoneMessage(String(issue.input)) }),
  ).optional(),
  busyTimeoutMs: field(z.number().int().min(0), {
    label: 'Wait for a busy database (ms)',
    help: 'How long a read or write waits while another app holds the file locked, in milliseconds. 5000 when empty.',
    group: 'Advanced',
  }).optional(),
});

export const sqliteTableDefinition = defineConnector({
  kind: 'sqlite-table',
  label: 'SQLite table',
  description: 'Any table with a primary key in a SQLite database file.',
  configSchema: sqliteTableConfig,
  capabilities: { changeDetection: ['cursor', 'flag', 'hash'], realtime: 'notify', realtimeModes: ['cursor', 'flag', 'hash'], deletes: 'by-scan', optimisticWrites: true, writeBatch: 500, idempotentCreates: false },
  create: ({ config }) => createSqliteTableConnector(config),
});
