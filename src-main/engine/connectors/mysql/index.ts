import { defineConnector } from '../config-check';
import { ConnectorError, errorMessage } from '../errors';
import { brokenConnector, createSqlTableConnector } from '../sql-table/connector';
import { myConnection, validateMyConfig } from './config';
import { serverConfigSchema } from '../sql-table/server-config-schema';
import { createMyDialect } from './dialect';

/**
 * The settings of a MySQL / MariaDB connection; the form, its check and its messages come from
 * this. Host, database and user, or a connection string: which of them is given is checked
 * across the fields (`validateMyConfig`, whose messages name what to fill in).
 */
export const mysqlConfig = serverConfigSchema({
  defaultPort: 3306,
  exampleUrl: 'mysql://user@host:3306/database?ssl-mode=REQUIRED',
  tlsWords: { require: 'ssl-mode=REQUIRED', verifyFull: 'ssl-mode=VERIFY_IDENTITY' },
  updatedAtHelp: 'A DATETIME or TIMESTAMP column. Found automatically when named updated_at, modified_at, … or kept by ON UPDATE CURRENT_TIMESTAMP.',
  flagHelp: 'A BOOLEAN or number column, 1 = changed, not yet synced. Found automatically when named needs_sync or dirty.',
  validate: validateMyConfig,
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
