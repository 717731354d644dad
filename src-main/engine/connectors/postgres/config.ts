/**
 * A PostgreSQL connection's config → the pool's settings. Either host, port, database and user,
 * or a connection string (`postgres://user@host:5432/db?sslmode=require`) — the password never:
 * it goes to the keychain. The connection string is parsed here rather than handed to the driver,
 * so nothing in it (nor a PG* environment variable) silently overrides the fields or the TLS mode.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConnectorError } from '../errors';
import type { PgConnection } from './dialect';

export const TLS_MODES = ['disable', 'require', 'verify-full'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

type Parsed = { host: string; port: number; database: string; user: string; tls: TlsMode; caFile?: string };

function fromUrl(text: string): Parsed | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'The connection string is not a URL — write it as postgres://user@host:5432/database.';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return 'The connection string must start with postgres:// (or postgresql://).';
  if (url.password) return 'Remove the password from the connection string and put it in the Password field: Concord keeps passwords in the keychain only.';
  const sslmode = url.searchParams.get('sslmode');
  const tls: TlsMode = sslmode === 'verify-full' || sslmode === 'verify-ca' ? 'verify-full' : sslmode === 'require' ? 'require' : 'disable';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  if (!url.hostname) return 'The connection string names no host.';
  if (!database) return 'The connection string names no database (postgres://user@host:5432/database).';
  if (!user) return 'The connection string names no user (postgres://user@host:5432/database).';
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 5432, database, user, tls, ...(url.searchParams.get('sslrootcert') ? { caFile: url.searchParams.get('sslrootcert') ?? '' } : {}) };
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
    const port = config.port === undefined || config.port === '' ? 5432 : Number(config.port);
    if (!host) problems.push('Enter the server’s host name (or a connection string).');
    if (!database) problems.push('Enter the database name.');
    if (!user) problems.push('Enter the user name.');
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push('The port must be a whole number from 1 to 65535 (PostgreSQL’s usual port is 5432).');
    if (host && database && user) parsed = { host, port, database, user, tls: 'disable' };
  }
  if (problems.length > 0 || !parsed) return problems;
  if (tlsRaw) parsed.tls = tlsRaw as TlsMode;
  if (caFile) parsed.caFile = caFile;
  if (parsed.caFile && !existsSync(parsed.caFile)) problems.push(`The CA file ${parsed.caFile} does not exist — check the path.`);
  return problems.length > 0 ? problems : parsed;
}

export function validatePgConfig(config: Record<string, unknown>): string[] {
  const r = parse(config);
  return Array.isArray(r) ? r : [];
}

/** The pool's settings for a config that `validatePgConfig` accepted; a config error otherwise. */
export function pgConnection(config: Record<string, unknown>): PgConnection {
  const r = parse(config);
  if (Array.isArray(r)) throw new ConnectorError('config', r.join(' '));
  const ssl =
    r.tls === 'disable'
      ? false
      : r.tls === 'require'
        ? // Encrypted, but any certificate is taken: libpq's `sslmode=require`.
          { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...(r.caFile ? { ca: readFileSync(r.caFile, 'utf8') } : {}) };
  return { host: r.host, port: r.port, database: r.database, user: r.user, ssl, target: { host: r.host, port: r.port, database: r.database, user: r.user, tls: r.tls } };
}
