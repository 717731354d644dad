/**
 * A MySQL / MariaDB connection's config → the pool's settings (`sql-table/server-config.ts`
 * parses the fields or a `mysql://user@host:3306/db?ssl-mode=REQUIRED` connection string, never
 * with the password: it goes to the keychain).
 */
import { ConnectorError } from '../errors';
import { parseServerConfig, tlsOptions, type ServerConfigSpec } from '../sql-table/server-config';
import type { MyConnection } from './dialect';

export { TLS_MODES, type TlsMode } from '../sql-table/server-config';

const MY: ServerConfigSpec = {
  product: 'MySQL',
  schemes: ['mysql', 'mariadb'],
  defaultPort: 3306,
  tlsFromUrl(params) {
    // MySQL's own ssl-mode names (REQUIRED, VERIFY_IDENTITY), and libpq's for people who write those.
    const mode = (params.get('ssl-mode') ?? params.get('sslmode') ?? '').toLowerCase().replace('_', '-');
    const caFile = params.get('ssl-ca') ?? params.get('sslrootcert');
    const tls = mode === 'verify-identity' || mode === 'verify-full' || mode === 'verify-ca' ? 'verify-full' : mode === 'required' || mode === 'require' ? 'require' : 'disable';
    return { tls, ...(caFile ? { caFile } : {}) };
  },
};

export function validateMyConfig(config: Record<string, unknown>): string[] {
  const r = parseServerConfig(config, MY);
  return Array.isArray(r) ? r : [];
}

/** The pool's settings for a config that `validateMyConfig` accepted; a config error otherwise. */
export function myConnection(config: Record<string, unknown>): MyConnection {
  const r = parseServerConfig(config, MY);
  if (Array.isArray(r)) throw new ConnectorError('config', r.join(' '));
  const ssl = tlsOptions(r);
  return { host: r.host, port: r.port, database: r.database, user: r.user, ...(ssl ? { ssl } : {}), target: { host: r.host, port: r.port, database: r.database, user: r.user, tls: r.tls } };
}
