import type { ConnectorDefinition, Connector } from '../types';
import { ConnectorError, errorMessage } from '../errors';
import { createSqlTableConnector } from '../sql-table/connector';
import { pgConnection, TLS_MODES, validatePgConfig } from './config';
import { createPgDialect } from './dialect';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** A connector whose every call reports the config problem (a CA file gone since it was saved). */
function broken(error: ConnectorError): Connector {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return {
    describe: fail,
    test: fail,
    changes: async function* () {
      throw error;
    },
    read: fail,
    write: fail,
    clearFlags: fail,
    close: async () => {},
  };
}

export const postgresDefinition: ConnectorDefinition = {
  kind: 'postgres',
  label: 'PostgreSQL table',
  description: 'Any table with a primary key in a PostgreSQL database, over the network.',
  configFields: [
    { key: 'host', label: 'Host', type: 'text', required: false, help: 'The server’s name or address, e.g. db.example.com. Leave empty when you give a connection string.' },
    { key: 'port', label: 'Port', type: 'number', required: false, help: '5432 unless the server says otherwise.' },
    { key: 'database', label: 'Database', type: 'text', required: false },
    { key: 'user', label: 'User', type: 'text', required: false },
    { key: 'password', label: 'Password', type: 'password', required: false, secret: true, help: 'Kept in the system keychain, never in Concord’s files.' },
    {
      key: 'connectionString',
      label: 'Connection string',
      type: 'text',
      required: false,
      help: 'Instead of host, port, database and user: postgres://user@host:5432/database?sslmode=require (without the password).',
    },
    { key: 'tls', label: 'TLS', type: 'select', required: false, options: [...TLS_MODES], help: 'disable: plain; require: encrypted; verify-full: encrypted, and the server’s certificate and name are checked.' },
    { key: 'caFile', label: 'CA certificate file', type: 'path', required: false, help: 'For verify-full with a private CA: the PEM file that signed the server’s certificate.' },
    { key: 'updatedAtColumn', label: 'Last-modified column', type: 'text', required: false, help: 'A timestamp column. Found automatically when named updated_at, modified_at, …' },
    { key: 'flagColumn', label: 'Sync flag column', type: 'text', required: false, help: 'A boolean or number column, true/1 = changed, not yet synced. Found automatically when named needs_sync or dirty.' },
  ],
  capabilities: { changeDetection: ['cursor', 'flag', 'hash'], deletes: 'by-scan', optimisticWrites: true, writeBatch: 500 },
  validateConfig: validatePgConfig,
  create(ctx) {
    const updatedAtColumn = str(ctx.config.updatedAtColumn);
    const flagColumn = str(ctx.config.flagColumn);
    let connection;
    try {
      connection = pgConnection(ctx.config);
    } catch (error) {
      return broken(error instanceof ConnectorError ? error : new ConnectorError('config', `The PostgreSQL connection's settings cannot be used: ${errorMessage(error)}`, { cause: error }));
    }
    return createSqlTableConnector(createPgDialect(connection, ctx.secret), { ...(updatedAtColumn ? { updatedAtColumn } : {}), ...(flagColumn ? { flagColumn } : {}) });
  },
};
