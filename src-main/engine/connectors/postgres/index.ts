import { defineConnector } from '../config-check';
import { ConnectorError, errorMessage } from '../errors';
import { brokenConnector, createSqlTableConnector } from '../sql-table/connector';
import { pgConnection, validatePgConfig } from './config';
import { serverConfigSchema } from '../sql-table/server-config-schema';
import { createPgDialect } from './dialect';

/**
 * The settings of a PostgreSQL connection; the form, its check and its messages come from this.
 * Host, database and user, or a connection string: which of them is given is checked across the
 * fields (`validatePgConfig`, whose messages name what to fill in).
 */
export const postgresConfig = serverConfigSchema({
  defaultPort: 5432,
  exampleUrl: 'postgres://user@host:5432/database?sslmode=require',
  tlsWords: { require: 'sslmode=require', verifyFull: 'verify-full' },
  updatedAtHelp: 'A timestamp column. Found automatically when named updated_at, modified_at, …',
  flagHelp: 'A boolean or number column, true/1 = changed, not yet synced. Found automatically when named needs_sync or dirty.',
  validate: validatePgConfig,
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
