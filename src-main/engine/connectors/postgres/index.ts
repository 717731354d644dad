import { z } from 'zod';
import { defineConnector } from '../config-check';
import { field, path, secret, text } from '../config-schema';
import { ConnectorError, errorMessage } from '../errors';
import { brokenConnector, createSqlTableConnector } from '../sql-table/connector';
import { pgConnection, TLS_MODES, validatePgConfig } from './config';
import { createPgDialect } from './dialect';

/**
 * The settings of a PostgreSQL connection; the form, its check and its messages come from this.
 * Host, database and user, or a connection string: which of them is given is checked across the
 * fields (`validatePgConfig`, whose messages name what to fill in).
 */
export const postgresConfig = z
  .object({
    // Host, database and user are needed unless a connection string says them (validatePgConfig checks it).
    host: text({ label: 'Host', group: 'Server', requiredUnless: 'connectionString', help: 'The server’s name or address, e.g. db.example.com. Leave empty when you give a connection string.' }).optional(),
    port: field(z.number().int().min(1).max(65535), { label: 'Port', group: 'Server', placeholder: '5432', help: '5432 unless the server says otherwise.' }).optional(),
    database: text({ label: 'Database', group: 'Server', requiredUnless: 'connectionString' }).optional(),
    user: text({ label: 'User', group: 'Server', requiredUnless: 'connectionString' }).optional(),
    password: secret({ label: 'Password', group: 'Server', help: 'Kept in the system keychain, never in Concord’s files.' }).optional(),
    connectionString: text({
      label: 'Connection string',
      group: 'Server',
      help: 'Instead of host, port, database and user: postgres://user@host:5432/database?sslmode=require (without the password).',
    }).optional(),
    tls: field(z.enum(TLS_MODES), {
      label: 'TLS',
      group: 'Security',
      // Empty: the connection string's sslmode, else off (config.ts).
      placeholder: 'Off, or as the connection string says',
      help: 'Encrypted: the connection is encrypted, any certificate is taken (sslmode=require). Certificate checked: the server’s certificate and name are checked too (verify-full).',
      optionLabels: { disable: 'Off', require: 'Encrypted', 'verify-full': 'Encrypted, certificate checked' },
    }).optional(),
    caFile: path({ label: 'CA certificate file', group: 'Security', help: 'For verify-full with a private CA: the PEM file that signed the server’s certificate.', showWhen: { key: 'tls', in: ['verify-full'] } }).optional(),
    updatedAtColumn: text({ label: 'Last-modified column', group: 'Change detection', help: 'A timestamp column. Found automatically when named updated_at, modified_at, …' }).optional(),
    flagColumn: text({ label: 'Sync flag column', group: 'Change detection', help: 'A boolean or number column, true/1 = changed, not yet synced. Found automatically when named needs_sync or dirty.' }).optional(),
  })
  .check((ctx) => {
    for (const message of validatePgConfig(ctx.value)) {
      const path = /connection string/i.test(message) ? 'connectionString' : /CA file/.test(message) ? 'caFile' : /database/i.test(message) ? 'database' : /user/i.test(message) ? 'user' : /port/i.test(message) ? 'port' : 'host';
      // A field its own type already refused (a port of 70000) is not reported twice.
      if (!ctx.issues.some((i) => i.path?.[0] === path)) ctx.issues.push({ code: 'custom', input: ctx.value, path: [path], message });
    }
  });

export const postgresDefinition = defineConnector({
  kind: 'postgres',
  label: 'PostgreSQL table',
  description: 'Any table with a primary key in a PostgreSQL database, over the network.',
  configSchema: postgresConfig,
  capabilities: { changeDetection: ['cursor', 'flag', 'hash', 'capture'], realtime: 'notify', deletes: 'by-scan', optimisticWrites: true, writeBatch: 500, maxIdsPerRead: 500, idempotentCreates: false, network: true },
  create(ctx) {
    const { updatedAtColumn, flagColumn } = ctx.config;
    let connection;
    try {
      connection = pgConnection(ctx.config);
    } catch (error) {
      return brokenConnector(error instanceof ConnectorError ? error : new ConnectorError('config', `The PostgreSQL connection's settings cannot be used: ${errorMessage(error)}`, { cause: error }));
    }
    return createSqlTableConnector(createPgDialect(connection, ctx.secret), { ...(updatedAtColumn ? { updatedAtColumn } : {}), ...(flagColumn ? { flagColumn } : {}) });
  },
});
