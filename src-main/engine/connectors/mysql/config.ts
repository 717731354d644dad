/**
 * A MySQL / MariaDB connection's config → the pool's settings. Either host, port, database and
 * user, or a connection string (`mysql://user@host:3306/db?ssl-mode=REQUIRED`) — the password
 * never: it goes to the keychain. The connection string is parsed here rather than handed to the
 * driver, so nothing in it silently overrides the fields or the TLS mode.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConnectorError } from '../errors';
import type { MyConnection } from './dialect';

export const TLS_MODES = ['disable', 'require', 'verify-full'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

type Parsed = { host: string; port: number; database: string; user: string; tls: TlsMode; caFile?: string };

function fromUrl(text: string): Parsed | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'The connection string is not a URL — write it as mysql://user@host:3306/database.';
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') return 'The connection string must start with mysql:// (or mariadb://).';
  if (url.password) return 'Remove the password from the connection string and put it in the Password field: Concord keeps passwords in the keychain only.';
  // MySQL's own ssl-mode names, and libpq-style sslmode for people who write those.
  const sslmode = (url.searchParams.get('ssl-mode') ?? url.searchParams.get('sslmode') ?? '').toLowerCase().replace('_', '-');
  const tls: TlsMode = sslmode === 'verify-identity' || sslmode === 'verify-full' || sslmode === 'verify-ca' ? 'verify-full' : sslmode === 'required' || sslmode === 'require' ? 'require' : 'disable';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  if (!url.hostname) return 'The connection string names no host.';
  if (!database) return 'The connection string names no database (mysql://user@host:3306/database).';
  if (!user) return 'The connection string names no user (mysql://user@host:3306/database).';
  const ca = url.searchParams.get('ssl-ca') ?? url.searchParams.get('sslrootcert');
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 3306, database, user, tls, ...(ca ? { caFile: ca } : {}) };
}

function parse(config: Record<string, unknown>): Parsed | string[] {
  const problems: string[] = [];
  const tlsRaw = str(config.tls);
  if (tlsRaw !== undefined && !(TLS_MODES as readonly string[]).includes(tlsRaw)) problems.push(`TLS must be one of: ${TLS_MODES.join(', ')}.`);
  const caFile = str(config.caFile);
  const cs = str(config.connectionString);
  let parsed: Parsed | null = null;
  if (cs) {
    const r = fromUrl(cs);
    if (typeof r === 'string') problems.push(r);
    else parsed = r;
  } else {
    const host = str(config.host);
    const database = str(config.database);
    const user = str(config.user);
    const port = config.port === undefined || config.port === '' ? 3306 : Number(config.port);
    if (!host) problems.push('Enter the server’s host name (or a connection string).');
    if (!database) problems.push('Enter the database name.');
    if (!user) problems.push('Enter the user name.');
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push('The port must be a whole number from 1 to 65535 (MySQL’s usual port is 3306).');
    if (host && database && user) parsed = { host, port, database, user, tls: 'disable' };
  }
  if (problems.length > 0 || !parsed) return problems;
  if (tlsRaw) parsed.tls = tlsRaw as TlsMode;
  if (caFile) parsed.caFile = caFile;
  if (parsed.caFile && !existsSync(parsed.caFile)) problems.push(`The CA file ${parsed.caFile} does not exist — check the path.`);
  return problems.length > 0 ? problems : parsed;
}

export function validateMyConfig(config: Record<string, unknown>): string[] {
  const r = parse(config);
  return Array.isArray(r) ? r : [];
}

/** The pool's settings for a config that `validateMyConfig` accepted; a config error otherwise. */
export function myConnection(config: Record<string, unknown>): MyConnection {
  const r = parse(config);
  if (Array.isArray(r)) throw new ConnectorError('config', r.join(' '));
  const ssl =
    r.tls === 'disable'
      ? false
      : r.tls === 'require'
        ? // Encrypted, but any certificate is taken: MySQL's `--ssl-mode=REQUIRED`.
          { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...(r.caFile ? { ca: readFileSync(r.caFile, 'utf8') } : {}) };
  return { host: r.host, port: r.port, database: r.database, user: r.user, ...(ssl ? { ssl } : {}), target: { host: r.host, port: r.port, database: r.database, user: r.user, tls: r.tls } };
}
