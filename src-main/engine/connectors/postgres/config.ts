/**
 * A PostgreSQL connection's config → the pool's settings (`sql-table/server-config.ts` parses the
 * fields or a `postgres://user@host:5432/db?sslmode=require` connection string, never with the
 * password: it goes to the keychain). Parsed here rather than by the driver, so neither the string
 * nor a PG* environment variable silently overrides the fields or the TLS mode.
 */
import { ConnectorError } from '../errors';
import { parseServerConfig, tlsOptions, type ServerConfigSpec } from '../sql-table/server-config';
import type { PgConnection } from './dialect';

export { TLS_MODES, type TlsMode } from '../sql-table/server-config';

const PG: ServerConfigSpec = {
  product: 'PostgreSQL',
  schemes: ['postgres', 'postgresql'],
  defaultPort: 5432,
  tlsFromUrl(params) {
    const sslmode = params.get('sslmode');
    const caFile = params.get('sslrootcert');
    return { tls: sslmode === 'verify-full' || sslmode === 'verify-ca' ? 'verify-full' : sslmode === 'require' ? 'require' : 'disable', ...(caFile ? { caFile } : {}) };
  },
};

export function validatePgConfig(config: Record<string, unknown>): string[] {
  const r = parseServerConfig(config, PG);
  return Array.isArray(r) ? r : [];
}

/** The pool's settings for a config that `validatePgConfig` accepted; a config error otherwise. */
export function pgConnection(config: Record<string, unknown>): PgConnection {
  const r = parseServerConfig(config, PG);
  if (Array.isArray(r)) throw new ConnectorError('config', r.join(' '));
  return { host: r.host, port: r.port, database: r.database, user: r.user, ssl: tlsOptions(r), target: { host: r.host, port: r.port, database: r.database, user: r.user, tls: r.tls } };
}
