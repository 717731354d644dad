import { z } from 'zod';
import { defineConnector } from '../config-check';
import { field, path, secret, text } from '../config-schema';
import { ConnectorError, errorMessage } from '../errors';
import { brokenConnector, createSqlTableConnector } from '../sql-table/connector';
import { myConnection, TLS_MODES, validateMyConfig } from './config';
import { createMyDialect } from './dialect';

/**
 * The settings of a MySQL / MariaDB connection; the form, its check and its messages come from
 * this. Host, database and user, or a connection string: which of them is given is checked
 * across the fields (`validateMyConfig`, whose messages name what to fill in).
 */
export const mysqlConfig = z
  .object({
    host: text({ label: 'Host', group: 'Server', help: 'The server’s name or address, e.g. db.example.com. Leave empty when you give a connection string.' }).optional(),
    port: field(z.number().int().min(1).max(65535), { label: 'Port', group: 'Server', help: '3306 unless the server says otherwise.' }).optional(),
    database: text({ label: 'Database', group: 'Server' }).optional(),
    user: text({ label: 'User', group: 'Server' }).optional(),
    password: secret({ label: 'Password', group: 'Server', help: 'Kept in the system keychain, never in Concord’s files.' }).optional(),
    connectionString: text({
      label: 'Connection string',
      group: 'Server',
      help: 'Instead of host, port, database and user: mysql://user@host:3306/database?ssl-mode=REQUIRED (without the password).',
    }).optional(),
    tls: field(z.enum(TLS_MODES), {
      label: 'TLS',
      group: 'Security',
      help: 'disable: plain; require: encrypted; verify-full: encrypted, and the server’s certificate and name are checked.',
      optionLabels: { disable: 'Off', require: 'Encrypted', 'verify-full': 'Encrypted, certificate checked' },
    }).optional(),
    caFile: path({ label: 'CA certificate file', group: 'Security', help: 'For verify-full with a private CA: the PEM file that signed the server’s certificate.', showWhen: { key: 'tls', in: ['verify-full'] } }).optional(),
    updatedAtColumn: text({ label: 'Last-modified column', group: 'Change detection', help: 'A DATETIME or TIMESTAMP column. Found automatically when named updated_at, modified_at, … or kept by ON UPDATE CURRENT_TIMESTAMP.' }).optional(),
    flagColumn: text({ label: 'Sync flag column', group: 'Change detection', help: 'A BOOLEAN or number column, 1 = changed, not yet synced. Found automatically when named needs_sync or dirty.' }).optional(),
  })
  .check((ctx) => {
    for (const message of validateMyConfig(ctx.value)) {
      const path = /connection string/i.test(message) ? 'connectionString' : /CA file/.test(message) ? 'caFile' : /database/i.test(message) ? 'database' : /user/i.test(message) ? 'user' : /port/i.test(message) ? 'port' : 'host';
      // A field its own type already refused (a port of 70000) is not reported twice.
      if (!ctx.issues.some((i) => i.path?.[0] === path)) ctx.issues.push({ code: 'custom', input: ctx.value, path: [path], message });
    }
  });

export const mysqlDefinition = defineConnector({
  kind: 'mysql',
  label: 'MySQL / MariaDB table',
  description: 'Any table with a primary key in a MySQL or MariaDB database, over the network.',
  configSchema: mysqlConfig,
  capabilities: { changeDetection: ['cursor', 'flag', 'hash', 'capture'], realtime: 'poll', deletes: 'by-scan', optimisticWrites: true, writeBatch: 500, maxIdsPerRead: 500, idempotentCreates: false, network: true },
  create(ctx) {
    const { updatedAtColumn, flagColumn } = ctx.config;
    let connection;
    try {
      connection = myConnection(ctx.config);
    } catch (error) {
      return brokenConnector(error instanceof ConnectorError ? error : new ConnectorError('config', `The MySQL connection's settings cannot be used: ${errorMessage(error)}`, { cause: error }));
    }
    return createSqlTableConnector(createMyDialect(connection, ctx.secret), { ...(updatedAtColumn ? { updatedAtColumn } : {}), ...(flagColumn ? { flagColumn } : {}) });
  },
});
